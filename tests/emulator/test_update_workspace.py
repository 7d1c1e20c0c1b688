"""PUT workspace, team, schema and workspaceType: full sets, side effects and refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import (
    CUSTOMER_CASE_TYPE,
    DEPARTMENT_TYPE,
    PROJECT_PLUS_TYPE,
    TEAM_ROOM_TYPE,
    RunningEmulator,
)

FULL_SET = {
    "Name": "Project01",
    "LifeCycle": 0,
    "Manager": {"Email": "marko@xyz.com"},
    "Deputy": {"Email": "ana@xyz.com"},
}
SCHEMA = [
    {"FieldName": "StartDate", "FieldValue": None},
    {"FieldName": "EndDate", "FieldValue": None},
    {"FieldName": "Customer", "FieldValue": "Coop"},
    {"FieldName": "Phase", "FieldValue": "Closure"},
    {"FieldName": "Description", "FieldValue": None},
]


def team_of(emulator: RunningEmulator, workspace_id: str = "example") -> dict[str, list[str]]:
    groups = emulator.api("GET", f"/workspaces/{workspace_id}/team").json()
    return {g["Group"]: g["Members"] for g in groups}


def put(emulator: RunningEmulator, path: str, body: Any) -> Any:
    return emulator.api("PUT", f"/workspaces/example{path}", body)


def schema_with_start(start: str) -> list[dict[str, Any]]:
    """Every field of SCHEMA, StartDate set to `start` and the rest null."""
    names = [f["FieldName"] for f in SCHEMA]
    return [{"FieldName": n, "FieldValue": start if n == "StartDate" else None} for n in names]


def test_put_workspace_echoes_the_full_set(emulator: RunningEmulator) -> None:
    response = put(emulator, "", {**FULL_SET, "LifeCycle": 1})
    assert response.status_code == 200
    assert response.json() == {
        "Name": "Project01",
        "LifeCycle": 1,
        "Manager": {"Email": "marko@xyz.com", "Name": "Marko"},
        "Deputy": {"Email": "ana@xyz.com", "Name": "Ana"},
    }
    assert emulator.api("GET", "/workspaces/example").json()["LifeCycle"] == 1


def test_missing_deputy_clears_it_and_missing_lifecycle_is_active(
    emulator: RunningEmulator,
) -> None:
    put(emulator, "", {**FULL_SET, "LifeCycle": 1})
    answer = put(emulator, "", {"Name": "Project01", "Manager": {"Email": "marko@xyz.com"}})
    assert answer.json()["Deputy"] is None
    live = emulator.api("GET", "/workspaces/example").json()
    assert (live["Deputy"], live["LifeCycle"]) == (None, 0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"Manager": {"Email": "marko@xyz.com"}}, "Name must be provided."),
        ({"Name": "x"}, "Manager must be an object"),
        ({**FULL_SET, "LifeCycle": 2}, "LifeCycle must be 0 (active) or 1 (closed)."),
        ({**FULL_SET, "LifeCycle": "1"}, "LifeCycle must be 0"),
        ({**FULL_SET, "Deputy": {"Email": "nobody@xyz.com"}}, "Deputy.Email 'nobody@xyz.com'"),
        ([FULL_SET], "JSON object"),
    ],
)
def test_invalid_put_workspace_is_422(emulator: RunningEmulator, body: Any, message: str) -> None:
    response = put(emulator, "", body)
    assert response.status_code == 422
    assert message in response.json()["Message"]
    assert emulator.api("GET", "/workspaces/example").json()["Deputy"]["Email"] == "ana@xyz.com"


def test_manager_change_adds_new_and_removes_old_only_from_managers(
    emulator: RunningEmulator,
) -> None:
    put(emulator, "", {**FULL_SET, "Manager": {"Email": "bob@xyz.com", "Name": "Robert"}})
    team = team_of(emulator)
    assert "marko@xyz.com" not in team["Project01 Managers"]
    assert "marko@xyz.com" in team["Project01 Members"]
    assert "bob@xyz.com" in team["Project01 Managers"]
    assert "bob@xyz.com" in team["Project01 Members"]
    live = emulator.api("GET", "/workspaces/example").json()
    assert live["Manager"] == {"Email": "bob@xyz.com", "Name": "Robert"}  # a given Name is kept


def test_rename_renames_the_groups(emulator: RunningEmulator) -> None:
    put(emulator, "", {**FULL_SET, "Name": "Orange"})
    assert emulator.api("GET", "/workspaces/example/groups").json() == {
        "Groups": ["Orange Managers", "Orange Members", "Orange Owners", "Orange Visitors"]
    }
    assert "Excel Services Viewers" in team_of(emulator)  # site-wide, not renamed
    assert "Orange Visitors" in team_of(emulator)


def test_team_update_statuses(emulator: RunningEmulator) -> None:
    body = {
        "Added": [
            {"Group": "Managers", "Members": ["anita@xyz.com", "ghost@xyz.com", "AD_Finance"]},
            {"Group": "Owners", "Members": ["bob@xyz.com"]},
        ],
        "Removed": [
            {"Group": "Members", "Members": ["imp@xyz.com", "lucas@xyz.com"]},
            {"Group": "People", "Members": ["imp@xyz.com"]},
        ],
    }
    response = put(emulator, "/team", body)
    assert response.status_code == 200
    assert response.json() == [
        {
            "Group": "Managers",
            "Members": [
                {"Account": "anita@xyz.com", "Status": 0},
                {"Account": "ghost@xyz.com", "Status": 2},
                {"Account": "AD_Finance", "Status": 0},
            ],
        },
        {"Group": "Owners", "Members": [{"Account": "bob@xyz.com", "Status": 3}]},
        {
            "Group": "Members",
            "Members": [
                {"Account": "imp@xyz.com", "Status": 1},
                {"Account": "lucas@xyz.com", "Status": 1},  # known account, not a member
            ],
        },
        {"Group": "People", "Members": [{"Account": "imp@xyz.com", "Status": 3}]},
    ]
    team = team_of(emulator)
    assert team["Project01 Managers"][-2:] == ["anita@xyz.com", "AD_Finance"]
    assert {"anita@xyz.com", "AD_Finance"} <= set(team["Project01 Members"])  # implied
    assert "imp@xyz.com" not in team["Project01 Members"]
    assert team["Project01 Owners"] == ["System Account"]


def test_team_update_on_teams_fails_ad_groups(emulator: RunningEmulator) -> None:
    room = {
        "WorkspaceId": "tr.room",
        "Name": "Room",
        "OrganizationUnitId": "E555522C-6856-4B50-BC00-3D5C17129077",
        "WorkspaceTypeId": TEAM_ROOM_TYPE,
        "Manager": {"Email": "maria@xyz.com"},
        "Schema": [{"FieldName": "Topic", "FieldValue": "x"}],
    }
    assert emulator.api("POST", "/workspaces", room).status_code == 201
    emulator.api("GET", "/workspaces/tr.room/status")  # provisioning finishes on the first poll
    body = {"Added": [{"Group": "Owners", "Members": ["tom@xyz.com", "AD_XYZ"]}]}
    answer = emulator.api("PUT", "/workspaces/tr.room/team", body).json()
    assert [m["Status"] for m in answer[0]["Members"]] == [0, 2]
    assert team_of(emulator, "tr.room")["Room Members"] == ["maria@xyz.com", "tom@xyz.com"]
    managers = {"Added": [{"Group": "Managers", "Members": ["tom@xyz.com"]}]}
    statuses = emulator.api("PUT", "/workspaces/tr.room/team", managers).json()
    assert statuses[0]["Members"][0]["Status"] == 3


@pytest.mark.parametrize(
    "body",
    [{"Added": {"Group": "Members"}}, {"Added": [{"Group": "Members", "Members": [1]}]}, []],
)
def test_malformed_team_update_is_422(emulator: RunningEmulator, body: Any) -> None:
    assert put(emulator, "/team", body).status_code == 422


def test_schema_put_sets_every_field_and_answers_json_in_a_string(
    emulator: RunningEmulator,
) -> None:
    response = put(emulator, "/schema", SCHEMA)
    assert response.status_code == 200
    answer = response.json()
    assert answer["WorkspaceId"] == "example"
    assert isinstance(answer["Schema"], str)
    values = {f["FieldName"]: f["FieldValue"] for f in json.loads(answer["Schema"])}
    assert values["Customer"] == "Coop"
    assert values["Phase"] == "Closure"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (SCHEMA[:-1], "missing: Description"),
        ([*SCHEMA, {"FieldName": "Budget", "FieldValue": "1"}], "'Budget' is not defined"),
        ([*SCHEMA, SCHEMA[0]], "listed more than once"),
        (
            [{**f, "FieldValue": "Done"} if f["FieldName"] == "Phase" else f for f in SCHEMA],
            "Valid",
        ),
        ({"Customer": "Coop"}, "Schema must be an array"),
    ],
)
def test_invalid_schema_put_is_422(emulator: RunningEmulator, body: Any, message: str) -> None:
    response = put(emulator, "/schema", body)
    assert response.status_code == 422
    assert message in response.json()["Message"]
    live = emulator.api("GET", "/workspaces/example").json()
    assert {f["FieldName"]: f["FieldValue"] for f in live["Schema"]}["Customer"] == "Migros"


@pytest.mark.parametrize(
    ("start", "status"),
    [
        ("0001-01-01T00:00:00+01:00", 422),
        ("9999-12-31T23:59:59-01:00", 422),
        ("0999-01-01", 422),
        ("1900-01-01", 200),
    ],
)
def test_dates_at_the_edges(emulator: RunningEmulator, start: str, status: int) -> None:
    response = emulator.api("PUT", "/workspaces/example/schema", schema_with_start(start))
    assert response.status_code == status
    if status == 200:
        stored = json.loads(response.json()["Schema"])[0]["FieldValue"]
        assert stored == "1900-01-01T00:00:00Z"


def test_type_change_within_the_rules(emulator: RunningEmulator) -> None:
    response = put(emulator, "/workspaceType", {"Id": PROJECT_PLUS_TYPE})
    assert response.status_code == 200
    answer = response.json()
    assert isinstance(answer["UnitTypeId"], str)  # "3" in the document's sample
    assert [c["Title"] for c in answer["Cards"]] == [
        "Documents",
        "Tasks",
        "Work Breakdown Structure",
    ]
    live = emulator.api("GET", "/workspaces/example").json()
    assert str(live["UnitTypeId"]) == answer["UnitTypeId"]
    assert len(live["Cards"]) == 3


@pytest.mark.parametrize(
    ("type_id", "message"),
    [
        (CUSTOMER_CASE_TYPE, "not an available workspace type"),  # Butterfly's, not Star Unit's
        (DEPARTMENT_TYPE, "does not have a schema matching"),
        (TEAM_ROOM_TYPE, "does not have a schema matching"),
        ("5D4E3F2A-1B0C-4D9E-8F7A-6B5C4D3E2F10", "is not active"),
        ("00000000-0000-0000-0000-000000000000", "not an available workspace type"),
    ],
)
def test_type_change_refusals(emulator: RunningEmulator, type_id: str, message: str) -> None:
    response = put(emulator, "/workspaceType", {"Id": type_id})
    assert response.status_code == 422
    assert message in response.json()["Message"]


def test_closed_workspace_takes_team_schema_and_type_changes(emulator: RunningEmulator) -> None:
    """The API document states no restriction on a closed workspace (design.md, reading 15)."""
    put(emulator, "", {**FULL_SET, "LifeCycle": 1})
    for path, body in (
        ("/team", {"Added": [{"Group": "Members", "Members": ["bob@xyz.com"]}], "Removed": []}),
        ("/schema", SCHEMA),
        ("/workspaceType", {"Id": PROJECT_PLUS_TYPE}),
    ):
        response = put(emulator, path, body)
        assert response.status_code == 200, response.text
    workspace = emulator.api("GET", "/workspaces/example").json()
    assert workspace["LifeCycle"] == 1  # and it stays closed
    members = {
        g["Group"]: g["Members"] for g in emulator.api("GET", "/workspaces/example/team").json()
    }
    assert "bob@xyz.com" in members["Project01 Members"]
    assert put(emulator, "", FULL_SET).status_code == 200  # reopening is allowed


def test_unknown_workspace_updates_are_404(emulator: RunningEmulator) -> None:
    for path in ("", "/team", "/schema", "/workspaceType"):
        response = emulator.api("PUT", f"/workspaces/nope{path}", {"Id": "x"})
        assert response.status_code == 404
    for path in ("/team", "/groups", "/status"):
        assert emulator.api("GET", f"/workspaces/nope{path}").status_code == 404
