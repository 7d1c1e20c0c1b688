"""`audit --access`: who can reach what, from the specs, in CSV, JSON and markdown."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.engine.access import access_from_specs, natural_key
from reconciler.model.audit import ACCESS_FORMAT_VERSION, AccessReport
from reconciler.render.access import CSV_COLUMNS, render_access_csv
from reconciler.spec import load_specs
from reconciler.spec.policy import DEFAULT_POLICY
from tests.audit.conftest import REPO, Tree


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> Tree:
    monkeypatch.chdir(REPO)
    return Tree(REPO)


def demo_report() -> AccessReport:
    return access_from_specs(load_specs([Path("specs")], None), DEFAULT_POLICY)


def accounts_in_demo_specs() -> set[str]:
    """Every email and AD group the demo specs name, read here with plain PyYAML."""
    found: set[str] = set()
    for path in sorted((REPO / "specs").glob("[!.]*.yaml")):
        for doc in yaml.safe_load_all(path.read_text("utf-8")):
            for role in ("manager", "deputy"):
                person = doc.get(role)
                if person:
                    found.add(person["email"] if isinstance(person, dict) else person)
            for members in (doc.get("team") or {}).values():
                found.update(members)
    return found


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_every_account_of_the_demo_specs_is_listed(demo: Tree) -> None:
    result = demo.run("--access", "specs")
    assert result.exit_code == 0, result.stderr
    rows = csv_rows(result.stdout)
    assert {row["account"] for row in rows} == accounts_in_demo_specs()
    assert len(accounts_in_demo_specs()) == 12


def groups(rows: list[dict[str, str]], account: str) -> list[tuple[str, str, str, str]]:
    return [
        (row["workspace"], row["group"], row["implied"], row["via"])
        for row in rows
        if row["account"] == account
    ]


def test_the_right_groups_and_implied_marks(demo: Tree) -> None:
    rows = csv_rows(demo.run("--access", "specs").stdout)
    # The manager of a SharePoint site: in Managers and Members by the service's rule.
    assert groups(rows, "marko@xyz.com") == [
        ("contoso/example", "Managers", "yes", "implied by the manager"),
        ("contoso/example", "Members", "yes", "implied by the manager"),
        ("contoso/example", "manager", "no", "role"),
    ]
    # Listed in Managers, so in Members too; listed in Members elsewhere.
    assert groups(rows, "tom@xyz.com") == [
        ("contoso/example", "Managers", "no", "listed"),
        ("contoso/example", "Members", "yes", "implied by Managers"),
        ("contoso/tr.onboarding", "Members", "no", "listed"),
    ]
    # Teams: Owners is the owner group.
    assert groups(rows, "maria@xyz.com") == [
        ("contoso/pr.02", "Managers", "yes", "implied by the manager"),
        ("contoso/pr.02", "Members", "yes", "implied by the manager"),
        ("contoso/pr.02", "manager", "no", "role"),
        ("contoso/tr.onboarding", "Owners", "no", "listed"),
        ("contoso/tr.onboarding", "Members", "yes", "implied by Owners"),
    ]
    assert groups(rows, "lucas@xyz.com") == [
        ("contoso/example", "Visitors", "no", "listed"),
        ("contoso/key=finance", "Members", "no", "listed"),
        ("contoso/key=finance", "deputy", "no", "role"),
        ("contoso/tr.onboarding", "Members", "no", "listed"),
    ]
    assert groups(rows, "AD_XYZ") == [
        ("contoso/bu.webshop", "Members", "no", "listed"),
        ("contoso/example", "Managers", "no", "listed"),
        ("contoso/example", "Members", "yes", "implied by Managers"),
    ]


def test_csv_shape(demo: Tree) -> None:
    text = render_access_csv(demo_report())
    assert demo.run("--access", "specs").stdout == text.replace("\r\n", "\n")  # click's Result
    lines = text.split("\r\n")
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert lines[0] == "tenant,account,kind,workspace,name,lifecycle,group,implied,via,file,line"
    assert lines[1] == (
        "contoso,ana@xyz.com,account,contoso/example,Project01,active,deputy,no,role,"
        "specs/projects.yaml,14"
    )
    assert lines[-2] == (
        "contoso,AD_XYZ,ad-group,contoso/example,Project01,active,Members,yes,implied by Managers,"
        "specs/projects.yaml,19"
    )
    assert lines[-1] == ""
    assert len(lines) == 2 + len(demo_report().rows) == 41


def test_csv_cells_a_spreadsheet_would_run_are_quoted(tree: Tree) -> None:
    tree.write(
        "a.yaml",
        "kind: Workspace\ntenant: contoso\nworkspaceId: pr.01\n"
        "name: '=HYPERLINK(\"https://evil.test\")'\n"
        "organizationUnit: Star Unit\nworkspaceType: Project\nmanager: marko@xyz.com\n"
        "team:\n  Members: ['+AD group', '@xyz']\n",
    )
    rows = csv_rows(tree.run("--access", "specs").stdout)
    assert {row["name"] for row in rows} == {'\'=HYPERLINK("https://evil.test")'}
    assert {row["account"] for row in rows} == {"marko@xyz.com", "'+AD group", "'@xyz"}


def test_json_per_account_and_per_workspace(demo: Tree) -> None:
    data: dict[str, Any] = json.loads(demo.run("--access", "specs", "--format", "json").stdout)
    assert list(data) == ["format_version", "source", "api_url", "accounts", "workspaces", "notes"]
    assert (data["format_version"], data["source"], data["api_url"]) == (
        ACCESS_FORMAT_VERSION,
        "specs",
        None,
    )
    assert data["accounts"][0] == {
        "tenant": "contoso",
        "account": "ana@xyz.com",
        "kind": "account",
        "workspaces": 2,
        "memberships": [
            {
                "workspace": "contoso/example",
                "name": "Project01",
                "group": "deputy",
                "implied": False,
                "via": "role",
            },
            {
                "workspace": "contoso/tr.onboarding",
                "name": "Onboarding",
                "group": "Owners",
                "implied": False,
                "via": "listed",
            },
            {
                "workspace": "contoso/tr.onboarding",
                "name": "Onboarding",
                "group": "Members",
                "implied": True,
                "via": "implied by the manager",
            },
            {
                "workspace": "contoso/tr.onboarding",
                "name": "Onboarding",
                "group": "manager",
                "implied": False,
                "via": "role",
            },
        ],
    }
    finance = next(w for w in data["workspaces"] if w["address"] == "contoso/key=finance")
    assert {k: v for k, v in finance.items() if k != "people"} == {
        "tenant": "contoso",
        "address": "contoso/key=finance",
        "name": "Finance",
        "lifecycle": "active",
        "provisioning": "SharePoint",
        "manager": "anita@xyz.com",
        "deputy": "lucas@xyz.com",
        "file": "specs/departments.yaml",
        "line": 4,
        "unmanaged_groups": ["Visitors"],
        "error": None,
    }
    assert [(p["account"], p["group"], p["implied"]) for p in finance["people"]] == [
        ("anita@xyz.com", "Managers", False),
        ("anita@xyz.com", "Members", True),
        ("anita@xyz.com", "manager", False),
        ("lucas@xyz.com", "Members", False),
        ("lucas@xyz.com", "deputy", False),
        ("AD_Finance", "Members", False),
    ]
    assert data["notes"] == []


def test_markdown_by_account_and_by_workspace(demo: Tree) -> None:
    text = demo.run("--access", "specs", "--format", "markdown").stdout
    lines = text.splitlines()
    assert lines[:4] == ["<!-- reconciler:access -->", "### Who can reach what", "", lines[3]]
    assert lines[3].startswith("From the specs: 12 accounts or AD groups in 5 workspaces.")
    assert (
        "| `marko@xyz.com` | account | `contoso/example` | "
        "`Managers (implied), Members (implied), manager` |" in lines
    )
    start = lines.index("- `contoso/key=finance` `Finance` (active)")
    assert lines[start : start + 5] == [
        "- `contoso/key=finance` `Finance` (active)",
        "  - Managers: `anita@xyz.com`",
        "  - Members: `anita@xyz.com (implied), lucas@xyz.com, AD_Finance`",
        "  - manager: `anita@xyz.com`",
        "  - deputy: `lucas@xyz.com`",
    ]
    assert lines[start + 5] == "  - not managed by the spec: Visitors"


def test_unknown_provisioning_is_said_not_guessed(tree: Tree) -> None:
    tree.write(
        "a.yaml",
        "kind: Workspace\ntenant: contoso\nworkspaceId: x.1\nname: X\n"
        "organizationUnit: Star Unit\nworkspaceType: Mystery\nmanager: marko@xyz.com\n"
        "team:\n  Members: [imp@xyz.com]\n",
    )
    data = json.loads(tree.run("--access", "specs", "--format", "json").stdout)
    assert [(m["group"], m["via"]) for m in data["accounts"][1]["memberships"]] == [
        ("Members", "implied by the manager"),
        ("manager", "role"),
    ]
    assert data["notes"] == [
        "contoso/x.1: SharePoint or Teams is not known offline (the spec lists no Managers, "
        "Owners or Visitors, and the policy's workspaceTypes has no 'Mystery'): the manager's "
        "seat in the owner group is not shown"
    ]
    tree.policy("workspaceTypes:\n  mystery: {provisioning: Teams}\n")
    data = json.loads(tree.run("--access", "specs", "--format", "json").stdout)
    assert [(m["group"], m["via"]) for m in data["accounts"][1]["memberships"]] == [
        ("Owners", "implied by the manager"),
        ("Members", "implied by the manager"),
        ("manager", "role"),
    ]


def numbered(*numbers: int) -> str:
    """Workspaces pr.N, each with ana in Members (written in the order given)."""
    return "---\n".join(
        f"kind: Workspace\ntenant: contoso\nworkspaceId: pr.{n}\nname: P{n}\n"
        "organizationUnit: Star Unit\nworkspaceType: Project\nmanager: marko@xyz.com\n"
        "team:\n  Members: [ana@xyz.com]\n"
        for n in numbers
    )


def test_every_format_lists_numbered_workspaces_in_number_order(tree: Tree) -> None:
    tree.write("a.yaml", numbered(100, 9, 10))
    order = ["contoso/pr.9", "contoso/pr.10", "contoso/pr.100"]
    rows = csv_rows(tree.run("--access", "specs").stdout)
    assert [r["workspace"] for r in rows if r["account"] == "ana@xyz.com"] == order
    data = json.loads(tree.run("--access", "specs", "--format", "json").stdout)
    assert [m["workspace"] for m in data["accounts"][0]["memberships"]] == order
    assert [w["address"] for w in data["workspaces"]] == order
    lines = tree.run("--access", "specs", "--format", "markdown").stdout.splitlines()
    by_account = [line.split(" | ")[2] for line in lines if line.startswith("| `ana@xyz.com`")]
    assert by_account == [f"`{w}`" for w in order]
    by_workspace = [line.split()[1] for line in lines if line.startswith("- `contoso/pr.")]
    assert by_workspace == [f"`{w}`" for w in order]
    html = tree.run("--access", "specs", "--format", "html").stdout
    assert [html.index(f">{w}</td>") for w in order] == sorted(
        html.index(f">{w}</td>") for w in order
    )


@pytest.mark.parametrize(
    ("texts", "order"),
    [
        (["pr.100", "pr.9", "pr.10"], ["pr.9", "pr.10", "pr.100"]),
        (["a10b2", "a10b10", "a9", "a"], ["a", "a9", "a10b2", "a10b10"]),
        (["pr.1", "pr.01", "pr.a", "pr."], ["pr.", "pr.01", "pr.1", "pr.a"]),
    ],
)
def test_natural_key(texts: list[str], order: list[str]) -> None:
    assert sorted(texts, key=natural_key) == order


def test_a_pipe_is_escaped_only_inside_the_markdown_table(tree: Tree) -> None:
    tree.write(
        "a.yaml",
        numbered(1).replace("name: P1", "name: 'A | B'").replace("ana@xyz.com", "'AD|X'"),
    )
    lines = tree.run("--access", "specs", "--format", "markdown").stdout.splitlines()
    assert "| `AD\\|X` | ad-group | `contoso/pr.1` | `Members` |" in lines  # in a cell: escaped
    assert "- `contoso/pr.1` `A | B` (active)" in lines
    assert "  - Members: `marko@xyz.com (implied), AD|X`" in lines
    assert [line for line in lines if "\\|" in line and not line.startswith("|")] == []
