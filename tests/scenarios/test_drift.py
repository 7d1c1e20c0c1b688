"""`reconciler drift` on the emulator: each hand change, in every format, agreeing with plan.

A hand change is made through the API as a person with the token would
(the emulator's `api`), never through the reconciler. Every drift run is
checked to have made no write call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROJECT_PLUS_TYPE, RunningEmulator
from tests.fixtures.specs import project
from tests.scenarios.conftest import Workspace

SPEC = project(
    "pr.51",
    deputy="ana@xyz.com",
    schema={"Customer": "Migros", "Phase": "Execution"},
    team={"Members": ["anita@xyz.com"], "Visitors": ["lucas@xyz.com"]},
)
PROPERTIES = {
    "Name": "Project pr.51",
    "LifeCycle": 0,
    "Manager": {"Email": "maria@xyz.com"},
    "Deputy": {"Email": "ana@xyz.com"},
}


@dataclass(frozen=True)
class Drift:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        return dict(json.loads(self.stdout))


def drift(workspace: Workspace, *args: str, path: Path | None = None) -> Drift:
    """Run drift on the specs (or `path`); assert it made no write call (it is read-only)."""
    workspace.emulator.control("DELETE", "requests")
    result = workspace.run("drift", str(path or workspace.specs), *args)
    assert not workspace.writes(), "drift must never write"
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Drift(result.exit_code, result.stdout, result.stderr)


def differences(report: dict[str, Any], address: str) -> list[tuple[Any, ...]]:
    (entry,) = [w for w in report["workspaces"] if w["address"] == address]
    return [(d["path"], d["kind"], d["live"], d["definition"]) for d in entry["differences"]]


def put(emulator: RunningEmulator, path: str, body: Any) -> None:
    response = emulator.api("PUT", f"/workspaces/pr.51{path}", body)
    assert response.status_code == 200, response.text


def schema_with(emulator: RunningEmulator, **values: str) -> list[dict[str, Any]]:
    """The live schema as a full PUT body, with `values` changed."""
    live = emulator.api("GET", "/workspaces/pr.51").json()["Schema"]
    fields = json.loads(live) if isinstance(live, str) else live
    return [
        {"FieldName": f["FieldName"], "FieldValue": values.get(f["FieldName"], f["FieldValue"])}
        for f in fields
    ]


HandChange = Callable[[RunningEmulator], None]
HAND_CHANGES: dict[str, tuple[HandChange, list[tuple[Any, ...]], str]] = {
    "member added": (
        lambda e: put(e, "/team", {"Added": [{"Group": "Members", "Members": ["tom@xyz.com"]}]}),
        [("team.Members", "member-added", "tom@xyz.com", None)],
        "team.Members: tom@xyz.com is a member live, not in the definition",
    ),
    "member removed": (
        lambda e: put(
            e, "/team", {"Removed": [{"Group": "Visitors", "Members": ["lucas@xyz.com"]}]}
        ),
        [("team.Visitors", "member-removed", None, "lucas@xyz.com")],
        "team.Visitors: lucas@xyz.com is in the definition, not a member live",
    ),
    "schema value edited": (
        lambda e: put(e, "/schema", schema_with(e, Phase="Closure")),
        [("schema.Phase", "value-changed", "Closure", "Execution")],
        'schema.Phase: "Closure" live, "Execution" in the definition',
    ),
    "renamed": (
        lambda e: put(e, "", {**PROPERTIES, "Name": "Renamed by hand"}),
        [("name", "value-changed", "Renamed by hand", "Project pr.51")],
        'name: "Renamed by hand" live, "Project pr.51" in the definition',
    ),
    "deputy changed": (
        lambda e: put(e, "", {**PROPERTIES, "Deputy": {"Email": "lucas@xyz.com"}}),
        [("deputy", "value-changed", "lucas@xyz.com", "ana@xyz.com")],
        'deputy: "lucas@xyz.com" live, "ana@xyz.com" in the definition',
    ),
    "closed": (
        lambda e: put(e, "", {**PROPERTIES, "LifeCycle": 1}),
        [("lifeCycle", "closed", "closed", "active")],
        "lifeCycle: closed live, active in the definition",
    ),
    "type changed": (
        lambda e: put(e, "/workspaceType", {"Id": PROJECT_PLUS_TYPE}),
        [("workspaceType", "type-changed", "Project Plus", "Project")],
        'workspaceType: "Project Plus" live, "Project" in the definition',
    ),
}


@pytest.mark.parametrize("change", list(HAND_CHANGES))
def test_each_hand_change_is_drift_in_every_format(workspace: Workspace, change: str) -> None:
    make, expected, sentence = HAND_CHANGES[change]
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    assert drift(workspace).exit_code == 0
    make(workspace.emulator)
    as_json = drift(workspace, "--format", "json")
    assert as_json.exit_code == 2
    assert as_json.report["outcome"] == "drift"
    assert differences(as_json.report, "contoso/pr.51") == expected
    text = drift(workspace)
    assert text.exit_code == 2
    assert f'~ contoso/pr.51 "Project pr.51"  ({workspace.specs}/a.yaml:1)' in text.stdout
    assert f"    {sentence}\n" in text.stdout
    assert "Drift: 1 drifted, 0 acknowledged, 0 unknown, 0 in sync, 0 errors." in text.stdout
    markdown = drift(workspace, "--format", "markdown")
    assert markdown.exit_code == 2
    assert markdown.stdout.startswith("<!-- reconciler:drift -->\n### Reconciler drift\n")
    assert "- **drift** `contoso/pr.51`" in markdown.stdout
    assert sentence.replace('"', "&quot;") in markdown.stdout or sentence in markdown.stdout
    # Drift and plan agree on what differs: the same paths, from the same comparison.
    planned = workspace.plan_json()["workspaces"][0]
    plan_paths = {".".join(c["path"]) for c in planned["changes"]}
    assert plan_paths == {d[0] for d in expected}
    workspace.apply()
    assert drift(workspace).exit_code == 0


def test_manager_changed_by_hand_agrees_with_plan(workspace: Workspace) -> None:
    """A manager change also moves implied members: drift names what plan would change."""
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    put(workspace.emulator, "", {**PROPERTIES, "Manager": {"Email": "tom@xyz.com"}})
    found = drift(workspace, "--format", "json")
    assert found.exit_code == 2
    drifted = differences(found.report, "contoso/pr.51")
    assert ("manager", "value-changed", "tom@xyz.com", "maria@xyz.com") in drifted
    planned = workspace.plan_json()["workspaces"][0]
    plan_paths = {".".join(c["path"]) for c in planned["changes"]}
    # Plan's team changes are against the groups as its own manager PUT will leave them;
    # drift's are against the live groups: the same verdict, the fields agree.
    assert {d[0] for d in drifted} <= plan_paths
    assert {p for p in plan_paths if not p.startswith("team.")} == {"manager"}


def test_a_listed_new_manager_is_not_reported_missing_from_managers(workspace: Workspace) -> None:
    """The spec lists tom in Managers; someone makes tom the manager by hand. Live Managers
    holds tom: drift must not say he is missing (plan re-adds him after its own PUT)."""
    workspace.write(
        "a.yaml",
        project("pr.57", manager="marko@xyz.com", team={"Managers": ["tom@xyz.com"]}),
    )
    workspace.apply()
    properties = {"Name": "Project pr.57", "LifeCycle": 0, "Manager": {"Email": "tom@xyz.com"}}
    response = workspace.emulator.api("PUT", "/workspaces/pr.57", properties)
    assert response.status_code == 200
    found = differences(drift(workspace, "--format", "json").report, "contoso/pr.57")
    about_tom = [d for d in found if "tom@xyz.com" in (d[2], d[3])]
    assert about_tom == [("manager", "value-changed", "tom@xyz.com", "marko@xyz.com")]


def test_after_a_clean_apply_drift_is_empty(workspace: Workspace) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.write("b.yaml", project("pr.52", team={"Members": ["anita@xyz.com"]}))
    workspace.apply()
    result = drift(workspace)
    assert result.exit_code == 0
    assert result.stdout == (
        "No drift. Every workspace checked matches its definition.\n"
        "Drift: 0 drifted, 0 acknowledged, 0 unknown, 2 in sync, 0 errors.\n"
        "Checked 2 of 2 workspaces.\n"
    )


def test_a_workspace_missing_and_one_not_yet_created(workspace: Workspace) -> None:
    workspace.write("a.yaml", project("pr.53"))  # a workspaceId the service has not got
    workspace.write(
        "b.yaml",
        "kind: Workspace\ntenant: contoso\nkey: legal\nname: Legal\n"
        "organizationUnit: Butterfly\nworkspaceType: Customer Case\n"
        "manager: ana@xyz.com\nschema: {Customer: Migros}\n",
    )
    report = drift(workspace, "--format", "json")
    assert report.exit_code == 2
    assert differences(report.report, "contoso/pr.53") == [
        ("workspace", "missing", "not found", "exists")
    ]
    assert differences(report.report, "contoso/key=legal") == [
        ("workspace", "missing", None, "not created yet")
    ]


def test_failed_provisioning_is_drift_and_busy_is_unknown(workspace: Workspace) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    workspace.emulator.control("POST", "workspaces/contoso/pr.51/stage", {"stage": 3})
    failed = drift(workspace, "--format", "json")
    assert failed.exit_code == 2
    assert differences(failed.report, "contoso/pr.51") == [
        ("workspace", "not-ready", "Failed", "Ready")
    ]
    workspace.emulator.control("POST", "workspaces/contoso/pr.51/stage", {"stage": 4})
    busy = drift(workspace)
    assert busy.exit_code == 3
    assert "? contoso/pr.51" in busy.stdout
    assert "unknown: busy (Stage: Updating)" in busy.stdout


def test_orphans_still_open_are_drift_and_closed_ones_are_not(workspace: Workspace) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.write("b.yaml", project("pr.54"))
    workspace.write("c.yaml", project("pr.55"))
    workspace.apply()
    (workspace.specs / "b.yaml").unlink()
    (workspace.specs / "c.yaml").unlink()
    closed = {**PROPERTIES, "Name": "Project pr.55", "LifeCycle": 1}
    del closed["Deputy"]
    assert workspace.emulator.api("PUT", "/workspaces/pr.55", closed).status_code == 200
    found = drift(workspace, "--format", "json")
    assert found.exit_code == 2
    orphans = {w["address"]: w for w in found.report["workspaces"] if w["orphan"]}
    assert orphans["contoso/pr.54"]["verdict"] == "drift"
    assert differences(found.report, "contoso/pr.54") == [("workspace", "orphan", "active", None)]
    assert orphans["contoso/pr.55"]["verdict"] == "in-sync"
    text = drift(workspace).stdout
    assert '~ contoso/pr.54 "Project pr.54"\n    orphan: the state manages it' in text
    assert "pr.55" not in text
