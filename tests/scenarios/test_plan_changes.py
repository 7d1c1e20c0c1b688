"""The plan JSON's FieldChanges: the exact `before` and `after` of every change, in order.

Values are shown in the form the service stores: emails and datetimes as the
normalization table says, booleans as "1"/"0". Each plan is then applied, and
the next plan is empty (Workspace.converge).
"""

from __future__ import annotations

from typing import Any

from tests.conftest import STAR_UNIT, TEAM_ROOM_TYPE
from tests.fixtures.specs import example, team_room
from tests.scenarios.conftest import Workspace


def change(
    path: list[str], op: str, before: Any, after: Any, reason: str | None = None
) -> dict[str, Any]:
    return {"path": path, "op": op, "before": before, "after": after, "reason": reason}


def planned_changes(workspace: Workspace, text: str) -> list[dict[str, Any]]:
    """Write specs/a.yaml, converge, and return the one workspace's planned changes."""
    workspace.write("a.yaml", text)
    (planned,) = workspace.converge()["workspaces"]
    assert planned["action"] == "update"
    return list(planned["changes"])


def test_property_changes(workspace: Workspace) -> None:
    spec = example(name="Orange", manager="bob@xyz.com", deputy=None, life_cycle="closed")
    assert planned_changes(workspace, spec) == [
        change(["deputy"], "change", "ana@xyz.com", None),
        change(["lifeCycle"], "change", "active", "closed"),
        change(["manager"], "change", "marko@xyz.com", "bob@xyz.com"),
        change(["name"], "change", "Project01", "Orange"),
    ]


def test_display_names_of_manager_and_deputy(workspace: Workspace) -> None:
    spec = example(manager=("marko@xyz.com", "Marko M."), deputy=("ana@xyz.com", "Ana A."))
    assert planned_changes(workspace, spec) == [
        change(["deputyName"], "change", "Ana", "Ana A."),
        change(["managerName"], "change", "Marko", "Marko M."),
    ]


def test_schema_changes(workspace: Workspace, local_time_zone: str) -> None:
    schema = {
        "Phase": "Closure",
        "Customer": None,
        "EndDate": "2024-03-01T10:00:00+02:00",
        "StartDate": "2024-01-01",
    }
    assert planned_changes(workspace, example(schema=schema)) == [
        change(["schema", "Customer"], "change", "Migros", None),
        change(["schema", "EndDate"], "change", None, "2024-03-01T08:00:00Z"),
        change(["schema", "Phase"], "change", "Execution", "Closure"),
        change(["schema", "StartDate"], "change", None, "2024-01-01T00:00:00Z"),
    ]


def test_boolean_change(workspace: Workspace) -> None:
    body = {
        "WorkspaceId": "tr.flags",
        "Name": "Flags",
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": TEAM_ROOM_TYPE,
        "Manager": {"Email": "ana@xyz.com"},
        "Schema": [
            {"FieldName": "Topic", "FieldValue": "Flags"},
            {"FieldName": "Confidential", "FieldValue": "false"},
        ],
    }
    assert workspace.emulator.api("POST", "/workspaces", body).status_code == 201
    workspace.emulator.control("POST", "workspaces/contoso/tr.flags/stage", {})
    spec = team_room("tr.flags", name="Flags", schema={"Topic": "Flags", "Confidential": "True"})
    assert planned_changes(workspace, spec) == [
        change(["schema", "Confidential"], "change", "0", "1"),
    ]


def test_type_change(workspace: Workspace) -> None:
    assert planned_changes(workspace, example(workspace_type="Project Plus")) == [
        change(["workspaceType"], "change", "Project", "Project Plus"),
    ]


def test_team_changes(workspace: Workspace) -> None:
    team = {
        "Managers": ["AD_XYZ", "anita@xyz.com"],
        "Members": ["lucas@xyz.com"],
        "Visitors": ["Michael@XYZ.com"],
    }
    assert planned_changes(workspace, example(team=team)) == [
        change(["team", "Managers"], "add", None, "anita@xyz.com"),
        change(["team", "Managers"], "remove", "tom@xyz.com", None),
        change(["team", "Members"], "add", None, "lucas@xyz.com"),
        change(["team", "Members"], "remove", "tom@xyz.com", None),
        change(["team", "Members"], "remove", "imp@xyz.com", None),
        change(["team", "Visitors"], "remove", "AD_Visitors", None),
    ]


def test_implied_members_carry_their_reason(workspace: Workspace) -> None:
    """The service lets a team PUT remove implied members; the plan puts them back, saying why."""
    removed = {
        "Added": [],
        "Removed": [{"Group": "Members", "Members": ["marko@xyz.com", "tom@xyz.com"]}],
    }
    assert workspace.emulator.api("PUT", "/workspaces/example/team", removed).status_code == 200
    workspace.write("a.yaml", example(team={"Members": ["AD_XYZ", "imp@xyz.com"]}))
    (planned,) = workspace.converge()["workspaces"]
    assert planned["changes"] == [
        change(["team", "Members"], "add", None, "marko@xyz.com", "implied by the manager"),
        change(["team", "Members"], "add", None, "tom@xyz.com", "implied by Managers"),
    ]
    (call,) = planned["calls"]
    assert call["body"] == {
        "Added": [{"Group": "Members", "Members": ["marko@xyz.com", "tom@xyz.com"]}],
        "Removed": [],
    }
