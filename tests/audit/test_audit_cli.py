"""`reconciler audit` end to end on the demo specs, its formats, and flags that do not combine."""

from __future__ import annotations

import json

import pytest

from reconciler.model.audit import AUDIT_FORMAT_VERSION
from tests.audit.conftest import REPO, Tree
from tests.audit.test_sarif import validate


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> Tree:
    monkeypatch.chdir(REPO)
    return Tree(REPO)


def test_the_demo_specs_print_findings_with_file_and_line(demo: Tree) -> None:
    result = demo.run("specs/")
    assert result.exit_code == 1
    assert result.stdout == (
        'specs/departments.yaml:26:10: error: contoso/bu.webshop "Webshop Relaunch": active '
        "workspace names no deputy [deputy-required]\n"
        'specs/projects.yaml:31:9: error: contoso/pr.02 "Project02": active workspace has no '
        "deputy (deputy: null) [deputy-required]\n"
        'specs/rooms.yaml:11:10: error: contoso/tr.onboarding "Onboarding": active workspace '
        "names no deputy [deputy-required]\n"
        "\n"
        "Note: account-domain: tenant contoso has no allowedDomains in the policy; the domains "
        "of its accounts were not checked\n"
        "Audit failed: 3 errors, 0 warnings, 0 notes, 0 waived in 5 workspaces (the default "
        "policy; --fail-on error).\n"
    )
    assert result.stderr == ""


def test_json_is_versioned_and_complete(demo: Tree) -> None:
    data = json.loads(demo.run("specs", "--format", "json").stdout)
    assert list(data) == [
        "format_version",
        "outcome",
        "fail_on",
        "policy",
        "workspaces",
        "counts",
        "rules",
        "findings",
        "notes",
    ]
    assert data["format_version"] == AUDIT_FORMAT_VERSION == "1"
    assert (data["outcome"], data["fail_on"], data["policy"]) == ("fail", "error", None)
    assert data["counts"] == {"error": 3, "warning": 0, "note": 0, "waived": 0}
    assert data["rules"][6] == {
        "id": "group-size",
        "level": "warning",
        "default_level": "warning",
        "reason": None,
        "max": 50,
    }
    first = data["findings"][0]
    assert {k: v for k, v in first.items() if k != "fingerprint"} == {
        "rule": "deputy-required",
        "level": "error",
        "message": 'contoso/bu.webshop "Webshop Relaunch": active workspace names no deputy',
        "workspace": "contoso/bu.webshop",
        "account": None,
        "file": "specs/departments.yaml",
        "line": 26,
        "column": 10,
        "waived": False,
        "override": None,
    }
    assert len(first["fingerprint"]) == 32


def test_markdown_is_a_table_safe_for_a_comment(tree: Tree) -> None:
    tree.write(
        "a.yaml",
        "kind: Workspace\ntenant: contoso\nworkspaceId: pr.01\n"
        "name: 'a | b `c` [x](https://evil.test) @team'\n"
        "organizationUnit: Star Unit\nworkspaceType: Project\nmanager: marko@xyz.com\n",
    )
    result = tree.run("specs", "--format", "markdown")
    assert result.exit_code == 1
    assert result.stdout == (
        "<!-- reconciler:audit -->\n### Reconciler audit\n\n"
        "**Audit failed: 1 error, 0 warnings, 0 notes, 0 waived in 1 workspace (the default "
        "policy; --fail-on error).**\n\n"
        "- Note: `account-domain: tenant contoso has no allowedDomains in the policy; the domains "
        "of its accounts were not checked`\n\n"
        "| Severity | Rule | Where | Finding |\n|---|---|---|---|\n"
        '| **error** | `deputy-required` | `specs/a.yaml:7` | ``contoso/pr.01 "a \\| b `c` '
        '[x](https://evil.test) @team": active workspace names no deputy`` |\n'
    )


def test_sarif_of_the_cli_validates(demo: Tree) -> None:
    validate(json.loads(demo.run("specs", "--format", "sarif").stdout))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--live", "specs"], "--live reads the service for the access report: add --access"),
        (
            ["--access", "--format", "sarif", "specs"],
            "--format sarif is for the policy audit; the access report (--access) takes csv, "
            "json, markdown, html",
        ),
        (
            ["--format", "html", "specs"],
            "--format html is for the access report (add --access); the audit takes text, json, "
            "sarif, markdown",
        ),
        (
            ["--access", "--fail-on", "warning", "specs"],
            "--fail-on is for the policy audit; the access report has no findings",
        ),
        (
            ["--api-url", "https://127.0.0.1:1", "specs"],
            "--api-url: only with --access --live (offline otherwise)",
        ),
        (
            ["--access", "--state", "s.json", "specs"],
            "--state: only with --access --live (offline otherwise)",
        ),
    ],
)
def test_flags_that_do_not_combine_are_usage_errors(
    demo: Tree, args: list[str], message: str
) -> None:
    result = demo.run(*args)
    assert result.exit_code == 2  # click's usage error; `reconciler` (cli.main) exits 1
    assert f"Error: {message}" in result.stderr


def test_invalid_specs_are_an_error_not_an_audit(tree: Tree) -> None:
    tree.write("a.yaml", "kind: Workspace\nname: x\n")
    result = tree.run("specs")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "specs/a.yaml:1:1: missing required key" in result.stderr


def test_the_policy_audit_needs_no_token(demo: Tree) -> None:
    env = {"SEAMLESS_TOKEN": "", "SEAMLESS_API_URL": "http://nowhere.invalid"}
    assert demo.run("specs", env=env).exit_code == 1  # findings, not a connection error
    assert demo.run("--access", "specs", env=env).exit_code == 0
