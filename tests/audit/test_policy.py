"""The policy file: loading, its schema, problems with file:line, finding it beside the specs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.errors import ReconcilerError
from reconciler.model.audit import RULES, Level
from reconciler.spec.policy import (
    DEFAULT_POLICY,
    PolicyException,
    RulePolicy,
    TenantPolicy,
    TypePolicy,
    find_policy_file,
    load_policy,
)
from tests.audit.conftest import REPO, Tree

GOOD = """\
# yaml-language-server: $schema=../schemas/reconciler-policy.schema.json
tenants:
  contoso:
    allowedDomains: [xyz.com, "*.contoso.com"]
    guestDomains: [partner.example]
  "*":
    allowedDomains: [fabrikam.com]
workspaceTypes:
  Team Room: {provisioning: Teams}
  Project: {restrictedVisitors: true, adGroups: true}
rules:
  similar-name: {severity: off, reason: Numbered rooms are named alike on purpose}
  group-size: {max: 25}
exceptions:
  - workspace: contoso/pr.02
    rule: deputy-required
    severity: note
    reason: |
      Maria runs it alone until Q3
  - account: ext@partner.example
    rule: guest-account
    reason: Auditor, access reviewed yearly
"""


def test_a_policy_file_loads_into_plain_values(tree: Tree) -> None:
    path = tree.policy(GOOD)
    policy, problems = load_policy(Path("specs/.reconciler-policy.yaml"))
    assert problems == []
    assert path.exists()
    assert policy.file == "specs/.reconciler-policy.yaml"
    assert dict(policy.tenants) == {
        "contoso": TenantPolicy(("xyz.com", "*.contoso.com"), ("partner.example",)),
        "*": TenantPolicy(("fabrikam.com",), ()),
    }
    assert policy.tenant("CONTOSO").guest_domains == ("partner.example",)
    assert policy.tenant("other").allowed_domains == ("fabrikam.com",)
    assert dict(policy.workspace_types) == {
        "Team Room": TypePolicy(provisioning="Teams"),
        "Project": TypePolicy(restricted_visitors=True),
    }
    assert policy.rules["similar-name"] == RulePolicy(
        Level.OFF, "Numbered rooms are named alike on purpose"
    )
    assert policy.level("similar-name") is Level.OFF
    assert policy.level("deputy-required") is Level.ERROR
    assert (policy.limit("group-size"), policy.limit("owner-spread")) == (25, 10)
    assert policy.exceptions == (
        PolicyException(
            "deputy-required",
            "Maria runs it alone until Q3",
            Level.NOTE,
            "contoso/pr.02",
            None,
            "specs/.reconciler-policy.yaml",
            15,
        ),
        PolicyException(
            "guest-account",
            "Auditor, access reviewed yearly",
            Level.OFF,
            None,
            "ext@partner.example",
            "specs/.reconciler-policy.yaml",
            20,
        ),
    )


def test_the_default_policy_is_every_rule_at_its_default() -> None:
    assert DEFAULT_POLICY.file is None
    assert {r.id: DEFAULT_POLICY.level(r.id) for r in RULES} == {r.id: r.level for r in RULES}
    assert DEFAULT_POLICY.tenant("contoso") == TenantPolicy()
    assert (DEFAULT_POLICY.limit("group-size"), DEFAULT_POLICY.limit("owner-spread")) == (50, 10)


def test_an_empty_policy_file_is_the_default(tree: Tree) -> None:
    tree.policy("# nothing yet\n")
    policy, problems = load_policy(Path("specs/.reconciler-policy.yaml"))
    assert problems == []
    assert policy.rules == {} and policy.file == "specs/.reconciler-policy.yaml"


BAD = """\
tenants:
  contoso:
    allowedDomain: [xyz.com]
    guestDomains: ["not a domain"]
rules:
  deputy-requried: {severity: warning}
  group-size: {max: 0, severity: high}
exceptions:
  - rule: deputy-required
    reason: forgot the workspace
  - workspace: contoso/pr.01
    rule: owner-spread
    reason: "   "
"""


def test_every_problem_of_a_policy_file_is_reported_with_its_line(tree: Tree) -> None:
    tree.policy(BAD)
    _, problems = load_policy(Path("specs/.reconciler-policy.yaml"))
    assert [str(p) for p in problems] == [
        "specs/.reconciler-policy.yaml:3:5: unknown key 'allowedDomain' in tenants.contoso "
        "— did you mean 'allowedDomains'?",
        "specs/.reconciler-policy.yaml:4:20: tenants.contoso.guestDomains[0]: 'not a domain' is "
        "not an email domain: write it like contoso.com (or *.contoso.com for its subdomains)",
        "specs/.reconciler-policy.yaml:6:3: unknown key 'deputy-requried' in rules — did you "
        "mean 'deputy-required'?",
        "specs/.reconciler-policy.yaml:7:21: rules.group-size.max: 0 is less than the minimum of 1",
        "specs/.reconciler-policy.yaml:7:34: rules.group-size.severity: 'high' is not one of: "
        "error, warning, note, off",
        "specs/.reconciler-policy.yaml:9:5: exceptions[0]: name the 'workspace' (or the "
        "'account') the exception is for; a rule is switched off for all under 'rules:'",
        "specs/.reconciler-policy.yaml:13:13: exceptions[1].reason: '   ' is blank: say why, "
        "for the next person who reads it",
    ]


def test_a_bad_policy_file_fails_the_audit_with_file_and_line(tree: Tree) -> None:
    tree.write("a.yaml", _WORKSPACE)
    tree.policy("rules:\n  deputy-required: {severity: loud}\n")
    result = tree.run("specs")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: 1 error in the policy file:\n"
        "specs/.reconciler-policy.yaml:2:31: rules.deputy-required.severity: 'loud' is not one "
        "of: error, warning, note, off\n"
    )


def test_broken_yaml_and_a_missing_policy_flag_are_errors(tree: Tree) -> None:
    tree.write("a.yaml", _WORKSPACE)
    (tree.root / "policy.yml").write_text("rules: [\n", encoding="utf-8")
    result = tree.run("specs/a.yaml", "--policy", "policy.yml")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 1 error in the policy file:\npolicy.yml:2:1: ")
    result = tree.run("specs", "--policy", "nowhere.yaml")
    assert (result.exit_code, result.stderr) == (1, "Error: --policy nowhere.yaml: no such file\n")


def test_the_policy_is_found_beside_the_specs_and_two_are_refused(tree: Tree) -> None:
    tree.write("a.yaml", _WORKSPACE)
    assert find_policy_file([Path("specs")]) is None
    tree.policy("")
    assert find_policy_file([Path("specs"), Path("specs/a.yaml")]) == Path(
        "specs/.reconciler-policy.yaml"
    )
    other = tree.root / "other"
    other.mkdir()
    (other / ".reconciler-policy.yaml").write_text("", encoding="utf-8")
    with pytest.raises(ReconcilerError, match="several policy files"):
        find_policy_file([Path("specs"), Path("other")])


def test_the_schema_names_exactly_the_rules_of_the_code() -> None:
    schema = json.loads((REPO / "schemas/reconciler-policy.schema.json").read_text())
    ids = [rule.id for rule in RULES]
    assert list(schema["properties"]["rules"]["properties"]) == ids
    assert schema["definitions"]["exception"]["properties"]["rule"]["enum"] == ids
    limited = [
        r for r, s in schema["properties"]["rules"]["properties"].items() if "limited" in s["$ref"]
    ]
    assert limited == [rule.id for rule in RULES if rule.default_max is not None]


def test_the_package_carries_the_schema_beside_the_others() -> None:
    link = REPO / "reconciler/schemas/reconciler-policy.schema.json"
    assert link.resolve() == (REPO / "schemas/reconciler-policy.schema.json").resolve()


_WORKSPACE = """\
kind: Workspace
tenant: contoso
workspaceId: pr.01
name: Project One
organizationUnit: Star Unit
workspaceType: Project
manager: marko@xyz.com
deputy: ana@xyz.com
"""
