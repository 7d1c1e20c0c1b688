"""Each rule fires on a bad example (exact message, file, line) and is silent on a good one."""

from __future__ import annotations

from tests.audit.conftest import Tree, located

# One workspace, with `deputy`, `team` and more filled in per test.
HEAD = """\
kind: Workspace
tenant: contoso
workspaceId: {id}
name: {name}
organizationUnit: Star Unit
workspaceType: {type}
"""


def workspace(
    id: str = "pr.01",
    name: str = "Project One",
    type: str = "Project",
    rest: str = "manager: marko@xyz.com\ndeputy: ana@xyz.com\n",
) -> str:
    return HEAD.format(id=id, name=name, type=type) + rest


# --- deputy-required, deputy-differs ------------------------------------------------------


def test_deputy_required_fires_on_null_and_on_no_deputy(tree: Tree) -> None:
    tree.write(
        "a.yaml",
        workspace("pr.01", rest="manager: marko@xyz.com\ndeputy: null\n")
        + "---\n"
        + workspace("pr.02", "Project Two", rest="manager: marko@xyz.com\n"),
    )
    assert [located(f) for f in tree.findings()] == [
        (
            "deputy-required",
            "specs/a.yaml",
            8,
            'contoso/pr.01 "Project One": active workspace has no deputy (deputy: null)',
        ),
        (
            "deputy-required",
            "specs/a.yaml",
            16,
            'contoso/pr.02 "Project Two": active workspace names no deputy',
        ),
    ]


def test_deputy_required_silent_with_a_deputy_and_on_closed_workspaces(tree: Tree) -> None:
    tree.write(
        "a.yaml",
        workspace()
        + "---\n"
        + workspace("pr.02", "Old", rest="manager: marko@xyz.com\nlifeCycle: closed\n"),
    )
    assert tree.findings() == []


def test_deputy_differs_fires_when_the_manager_is_the_deputy(tree: Tree) -> None:
    rest = "manager: {email: Marko@XYZ.com, name: Marko}\ndeputy: {email: marko@xyz.com}\n"
    tree.write("a.yaml", workspace(rest=rest))
    assert [located(f) for f in tree.findings()] == [
        (
            "deputy-differs",
            "specs/a.yaml",
            8,
            'contoso/pr.01 "Project One": the deputy marko@xyz.com is the manager',
        )
    ]
    assert tree.findings()[0].column == 17  # the email inside {email: ...}


# --- account-domain, guest-account --------------------------------------------------------

DOMAINS = """\
tenants:
  contoso:
    allowedDomains: [xyz.com, "*.contoso.com"]
    guestDomains: [partner.example]
"""


def test_account_domain_fires_on_each_account_from_elsewhere(tree: Tree) -> None:
    tree.policy(DOMAINS)
    rest = (
        "manager: {email: boss@gmail.com, name: Boss}\n"
        "deputy: ana@xyz.com\n"
        "team:\n"
        "  Members: [imp@xyz.com, eve@evil.test, AD_XYZ, sam@hr.contoso.com]\n"
    )
    tree.write("a.yaml", workspace(rest=rest))
    assert [located(f) for f in tree.findings("account-domain")] == [
        (
            "account-domain",
            "specs/a.yaml",
            7,
            'contoso/pr.01 "Project One": manager: boss@gmail.com is not from an allowed '
            "domain of tenant contoso (xyz.com, *.contoso.com)",
        ),
        (
            "account-domain",
            "specs/a.yaml",
            10,
            'contoso/pr.01 "Project One": team.Members: eve@evil.test is not from an allowed '
            "domain of tenant contoso (xyz.com, *.contoso.com)",
        ),
    ]
    assert tree.findings("account-domain")[1].account == "eve@evil.test"


def test_account_domain_silent_on_allowed_guest_and_subdomains(tree: Tree) -> None:
    tree.policy(DOMAINS)
    rest = (
        "manager: marko@XYZ.COM\ndeputy: ana@sub.contoso.com\n"
        "team:\n  Members: [AD_Finance, lea@partner.example]\n"
    )
    tree.write("a.yaml", workspace(rest=rest))
    assert tree.findings("account-domain") == []


def test_account_domain_without_a_domain_list_checks_nothing_and_says_so(tree: Tree) -> None:
    tree.write("a.yaml", workspace(rest="manager: boss@gmail.com\ndeputy: ana@xyz.com\n"))
    report = tree.report()
    assert report.findings == ()
    assert report.notes == (
        "account-domain: tenant contoso has no allowedDomains in the policy; the domains of "
        "its accounts were not checked",
    )


def test_guest_account_flags_b2b_addresses_and_guest_domains(tree: Tree) -> None:
    tree.policy(DOMAINS)
    rest = (
        "manager: marko@xyz.com\ndeputy: ana@xyz.com\n"
        "team:\n"
        "  Visitors: [john_gmail.com#EXT#@xyz.com]\n"
        "  Members: [lea@partner.example, imp@xyz.com]\n"
    )
    tree.write("a.yaml", workspace(rest=rest))
    assert [located(f) for f in tree.findings("guest-account")] == [
        (
            "guest-account",
            "specs/a.yaml",
            10,
            'contoso/pr.01 "Project One": team.Visitors: john_gmail.com#EXT#@xyz.com is a guest '
            "account",
        ),
        (
            "guest-account",
            "specs/a.yaml",
            11,
            'contoso/pr.01 "Project One": team.Members: lea@partner.example is a guest account',
        ),
    ]
    assert tree.findings("guest-account")[0].level.value == "warning"


def test_guest_account_silent_on_members_of_the_tenant(tree: Tree) -> None:
    tree.write("a.yaml", workspace(rest="manager: a@xyz.com\ndeputy: b@xyz.com\n"))
    assert tree.findings("guest-account") == []


# --- ad-group-not-allowed, visitors-personal-account --------------------------------------


def test_ad_group_on_teams_fires_with_teams_told_by_the_owners_group(tree: Tree) -> None:
    rest = (
        "manager: ana@xyz.com\ndeputy: tom@xyz.com\n"
        "team:\n  Owners: [ana@xyz.com]\n  Members: [tom@xyz.com, AD_XYZ]\n"
    )
    tree.write("a.yaml", workspace("tr.room", "Room", "Team Room", rest))
    assert [located(f) for f in tree.findings()] == [
        (
            "ad-group-not-allowed",
            "specs/a.yaml",
            11,
            'contoso/tr.room "Room": team.Members lists the AD group AD_XYZ, but Teams '
            "workspaces take email accounts only",
        )
    ]


def test_ad_group_rule_follows_the_policy_types(tree: Tree) -> None:
    tree.policy(
        "workspaceTypes:\n"
        "  Team Room: {provisioning: Teams}\n"
        "  Project: {adGroups: false}\n"
        "  Department Site: {provisioning: SharePoint}\n"
    )
    rest = "manager: ana@xyz.com\ndeputy: tom@xyz.com\nteam:\n  Members: [AD_XYZ]\n"
    tree.write("a.yaml", workspace("tr.room", "Room", "Team Room", rest))
    tree.write("b.yaml", workspace("pr.01", "Project One", "Project", rest))
    tree.write("c.yaml", workspace("dep.fin", "Finance", "Department Site", rest))
    assert [(f.file, f.message) for f in tree.findings()] == [
        (
            "specs/a.yaml",
            'contoso/tr.room "Room": team.Members lists the AD group AD_XYZ, but Teams '
            "workspaces take email accounts only",
        ),
        (
            "specs/b.yaml",
            'contoso/pr.01 "Project One": team.Members lists the AD group AD_XYZ, but the '
            "policy allows no AD groups in workspace type 'Project'",
        ),
    ]


def test_visitors_personal_account_fires_on_restricted_types_only(tree: Tree) -> None:
    tree.policy("workspaceTypes:\n  Project: {restrictedVisitors: true}\n")
    rest = (
        "manager: marko@xyz.com\ndeputy: ana@xyz.com\n"
        "team:\n  Visitors: [AD_Visitors, lucas@xyz.com]\n"
    )
    tree.write("a.yaml", workspace(rest=rest))
    tree.write("b.yaml", workspace("cc.1", "Case", "Customer Case", rest))
    assert [located(f) for f in tree.findings()] == [
        (
            "visitors-personal-account",
            "specs/a.yaml",
            10,
            'contoso/pr.01 "Project One": team.Visitors lists the personal account '
            "lucas@xyz.com; workspace type 'Project' gives read access through AD groups only",
        )
    ]


# --- group-size, owner-spread, closed-with-members -----------------------------------------


def test_group_size_counts_implied_members(tree: Tree) -> None:
    tree.policy("rules:\n  group-size: {max: 3}\n")
    rest = (
        "manager: marko@xyz.com\ndeputy: ana@xyz.com\n"
        "team:\n  Managers: [tom@xyz.com, bob@xyz.com]\n  Members: [imp@xyz.com]\n"
        "  Visitors: [a@xyz.com, b@xyz.com, c@xyz.com]\n"
    )
    tree.write("a.yaml", workspace(rest=rest))
    assert [located(f) for f in tree.findings()] == [
        (
            "group-size",
            "specs/a.yaml",
            11,
            'contoso/pr.01 "Project One": team.Members has 4 members, more than 3 '
            "(3 of them implied)",
        )
    ]


def test_group_size_silent_at_the_default_limit(tree: Tree) -> None:
    members = ", ".join(f"u{n}@xyz.com" for n in range(49))  # + the manager = 50
    rest = f"manager: marko@xyz.com\ndeputy: ana@xyz.com\nteam:\n  Members: [{members}]\n"
    tree.write("a.yaml", workspace(rest=rest))
    assert tree.findings() == []


def test_owner_spread_fires_at_the_workspace_that_passes_the_limit(tree: Tree) -> None:
    tree.policy("rules:\n  owner-spread: {max: 2}\n")
    owner = "manager: marko@xyz.com\ndeputy: ana@xyz.com\nteam:\n  Managers: [tom@xyz.com]\n"
    manager = "manager: tom@xyz.com\ndeputy: ana@xyz.com\n"
    tree.write(
        "a.yaml",
        workspace("pr.01", "One", rest=owner)
        + "---\n"
        + workspace("pr.02", "Two", rest=manager)
        + "---\n"
        + workspace("pr.03", "Three", rest=owner.replace("tom@", "TOM@")),
    )
    assert [located(f) for f in tree.findings()] == [
        (
            "owner-spread",
            "specs/a.yaml",
            30,
            'contoso/pr.03 "Three": tom@xyz.com is in the owner groups of 3 workspaces of '
            "tenant contoso, more than 2: contoso/pr.01, contoso/pr.02, contoso/pr.03",
        )
    ]


def test_owner_spread_silent_within_the_limit(tree: Tree) -> None:
    tree.write("a.yaml", workspace("pr.01", "One") + "---\n" + workspace("pr.02", "Two"))
    assert tree.findings() == []


def test_closed_with_members_counts_the_members(tree: Tree) -> None:
    rest = (
        "manager: marko@xyz.com\nlifeCycle: closed\n"
        "team:\n  Managers: [tom@xyz.com]\n  Members: [tom@xyz.com, imp@xyz.com, AD_XYZ]\n"
        "  Visitors: []\n"
    )
    tree.write("a.yaml", workspace(rest=rest))
    assert [located(f) for f in tree.findings()] == [
        (
            "closed-with-members",
            "specs/a.yaml",
            8,
            'contoso/pr.01 "Project One": closed, but its team still lists 3 members '
            "(Managers 1, Members 3)",
        )
    ]


def test_closed_with_empty_groups_is_silent(tree: Tree) -> None:
    rest = "manager: marko@xyz.com\nlifeCycle: closed\nteam:\n  Managers: []\n  Members: []\n"
    tree.write("a.yaml", workspace(rest=rest))
    assert tree.findings() == []


# --- duplicate-name, similar-name -----------------------------------------------------------


def test_duplicate_and_similar_names_within_a_tenant(tree: Tree) -> None:
    tree.write(
        "a.yaml",
        workspace("pr.01", "Webshop Relaunch")
        + "---\n"
        + workspace("pr.02", "webshop  RELAUNCH")
        + "---\n"
        + workspace("pr.03", "Web-Shop Relaunch")
        + "---\n"
        + workspace("pr.04", "Webshop Relaunce"),
    )
    assert [located(f) for f in tree.findings()] == [
        (
            "duplicate-name",
            "specs/a.yaml",
            13,
            'contoso/pr.02 "webshop  RELAUNCH": the name "webshop  RELAUNCH" is also the name '
            "of contoso/pr.01 (specs/a.yaml:1:1)",
        ),
        (
            "similar-name",
            "specs/a.yaml",
            22,
            'contoso/pr.03 "Web-Shop Relaunch": the name "Web-Shop Relaunch" is close to '
            '"Webshop Relaunch" of contoso/pr.01 (specs/a.yaml:1:1)',
        ),
        (
            "similar-name",
            "specs/a.yaml",
            22,
            'contoso/pr.03 "Web-Shop Relaunch": the name "Web-Shop Relaunch" is close to '
            '"webshop  RELAUNCH" of contoso/pr.02 (specs/a.yaml:10:1)',
        ),
        (
            "similar-name",
            "specs/a.yaml",
            31,
            'contoso/pr.04 "Webshop Relaunce": the name "Webshop Relaunce" is close to '
            '"Web-Shop Relaunch" of contoso/pr.03 (specs/a.yaml:19:1)',
        ),
        (
            "similar-name",
            "specs/a.yaml",
            31,
            'contoso/pr.04 "Webshop Relaunce": the name "Webshop Relaunce" is close to '
            '"Webshop Relaunch" of contoso/pr.01 (specs/a.yaml:1:1)',
        ),
        (
            "similar-name",
            "specs/a.yaml",
            31,
            'contoso/pr.04 "Webshop Relaunce": the name "Webshop Relaunce" is close to '
            '"webshop  RELAUNCH" of contoso/pr.02 (specs/a.yaml:10:1)',
        ),
    ]


def test_numbered_short_and_other_tenant_names_are_not_similar(tree: Tree) -> None:
    other = workspace("pr.09", "Project01").replace("tenant: contoso", "tenant: fabrikam")
    tree.write(
        "a.yaml",
        workspace("pr.01", "Project01")
        + "---\n"
        + workspace("pr.02", "Project02")
        + "---\n"
        + workspace("hr.1", "HR")
        + "---\n"
        + workspace("it.1", "IT")
        + "---\n"
        + other,
    )
    assert tree.findings() == []


# --- acknowledgements ------------------------------------------------------------------------

ACKS = """\
acknowledgements:
  - workspace: contoso/pr.01
    path: team.Members
    member: ana@xyz.com
    reason: Ana covers for Bob
    owner: it-ops@xyz.com
    expires: 2026-05-31
  - workspace: contoso/pr.01
    path: schema.Phase
    reason: Phase set by the PMO tool
    expires: 2026-12-31
  - workspace: contoso/pr.01
    path: deputy
    reason: Nobody yet
    owner: "  "
    expires: 2026-12-31
  - workspace: contoso/pr.01
    path: name
    reason: Rename under way
    owner: it-ops@xyz.com
    expires: 2026-02-30
"""


def test_acknowledgements_expired_ownerless_and_invalid(tree: Tree) -> None:
    tree.write("a.yaml", workspace())
    tree.write(".reconciler-ignore.yaml", ACKS)
    file = "specs/.reconciler-ignore.yaml"
    assert [located(f) for f in tree.findings()] == [
        (
            "acknowledgement-expired",
            file,
            2,
            "acknowledgement of contoso/pr.01 team.Members ana@xyz.com (owner it-ops@xyz.com) "
            "expired on 2026-05-31: drift reports the difference again",
        ),
        (
            "acknowledgement-owner",
            file,
            8,
            "acknowledgement of contoso/pr.01 schema.Phase names no owner: nobody answers for "
            "it, and drift refuses the file",
        ),
        (
            "acknowledgement-owner",
            file,
            15,
            "acknowledgement of contoso/pr.01 deputy names no owner: nobody answers for it, "
            "and drift refuses the file",
        ),
        (
            "acknowledgement-invalid",
            file,
            21,
            "acknowledgements[3].expires: '2026-02-30' is not a date: 2026-02 has days 01 to 28 "
            f"(drift refuses {file} until it is fixed)",
        ),
    ]


def test_acknowledgements_that_hold_are_silent(tree: Tree) -> None:
    tree.write("a.yaml", workspace())
    tree.write(
        ".reconciler-ignore.yaml",
        ACKS.split("  - workspace: contoso/pr.01\n    path: schema")[0].replace(
            "2026-05-31", "2026-06-01"
        ),
    )
    assert tree.findings() == []


def test_an_expired_acknowledgement_is_placed_on_its_first_key(tree: Tree) -> None:
    tree.write("a.yaml", workspace())
    tree.write(
        ".reconciler-ignore.yaml", ACKS.split("  - workspace: contoso/pr.01\n    path: sc")[0]
    )
    (expired,) = tree.findings("acknowledgement-expired")
    assert (expired.line, expired.column) == (2, 5)  # `  - workspace:` starts in column 5
    assert expired.location == "specs/.reconciler-ignore.yaml:2:5"
