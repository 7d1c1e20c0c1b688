"""POST /workspaces: id generators, validation (422 naming the field), implied members."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import (
    ARCHIVE_TYPE,
    BUTTERFLY_UNIT,
    CUSTOMER_CASE_TYPE,
    DEPARTMENT_TYPE,
    PROJECT_TYPE,
    STAR_UNIT,
    TEAM_ROOM_TYPE,
    RunningEmulator,
)


def project(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "WorkspaceId": "pr.02",
        "Name": "Project02",
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": PROJECT_TYPE,
        "Manager": {"Email": "maria@xyz.com"},
    }
    body.update(overrides)
    return body


def team_of(emulator: RunningEmulator, workspace_id: str) -> dict[str, list[str]]:
    groups = emulator.api("GET", f"/workspaces/{workspace_id}/team").json()
    return {g["Group"]: g["Members"] for g in groups}


def test_create_answers_201_with_location_and_stage_1(emulator: RunningEmulator) -> None:
    response = emulator.api("POST", "/workspaces", project(Description="Warehouse"))
    assert response.status_code == 201
    assert response.headers["Location"] == "/contoso/workspaces/pr.02"
    created = response.json()
    assert created["Stage"] == 1
    assert created["WorkspaceId"] == "pr.02"
    assert created["Manager"] == {"Email": "maria@xyz.com", "Name": "Maria"}  # Name filled in
    assert created["Deputy"] is None
    assert created["Url"] == "https://contoso.sharepoint.com/sites/pr.02"
    assert [f["FieldValue"] for f in created["Schema"]] == [None] * 5
    assert "Description" not in created  # accepted, never returned


def test_manager_is_in_managers_and_members(emulator: RunningEmulator) -> None:
    team = {"Added": [{"Group": "Managers", "Members": ["tom@xyz.com", "AD_XYZ"]}]}
    emulator.api("POST", "/workspaces", project(Team=team))
    groups = team_of(emulator, "pr.02")
    assert groups["Project02 Managers"] == ["tom@xyz.com", "AD_XYZ", "maria@xyz.com"]
    assert groups["Project02 Members"] == ["tom@xyz.com", "AD_XYZ", "maria@xyz.com"]
    assert groups["Project02 Owners"] == ["System Account"]
    assert groups["Excel Services Viewers"] == []


def test_account_case_follows_the_directory(emulator: RunningEmulator) -> None:
    team = {"Added": [{"Group": "Visitors", "Members": ["Tom@XYZ.com"]}]}
    emulator.api("POST", "/workspaces", project(Team=team, Manager={"Email": "MARIA@xyz.com"}))
    assert team_of(emulator, "pr.02")["Project02 Visitors"] == ["tom@xyz.com"]
    assert emulator.api("GET", "/workspaces/pr.02").json()["Manager"]["Email"] == "maria@xyz.com"


def test_schema_subset_with_datetime_stored_in_utc(emulator: RunningEmulator) -> None:
    schema = [
        {"FieldName": "StartDate", "FieldValue": "2024-01-01T02:00:00+02:00"},
        {"FieldName": "EndDate", "FieldValue": "2024-06-30"},
        {"FieldName": "Phase", "FieldValue": "Execution"},
    ]
    created = emulator.api("POST", "/workspaces", project(Schema=schema)).json()
    values = {f["FieldName"]: f["FieldValue"] for f in created["Schema"]}
    assert values == {
        "StartDate": "2024-01-01T00:00:00Z",
        "EndDate": "2024-06-30T00:00:00Z",
        "Customer": None,
        "Phase": "Execution",
        "Description": None,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"Name": None}, "Name must be provided."),
        ({"Name": 42}, "Name must be a non-empty string."),
        ({"Manager": None}, "Manager must be an object with an Email."),
        ({"Manager": {"Name": "x"}}, "Manager.Email must be provided."),
        (
            {"Manager": {"Email": "ghost@xyz.com"}},
            "Manager.Email 'ghost@xyz.com' is not an account",
        ),
        ({"Deputy": {"Email": "ghost@xyz.com"}}, "Deputy.Email 'ghost@xyz.com' is not an account"),
        ({"OrganizationUnitId": None}, "OrganizationUnitId must be provided."),
        ({"OrganizationUnitId": "nope"}, "OrganizationUnitId 'nope' is not an organization unit."),
        ({"WorkspaceTypeId": TEAM_ROOM_TYPE, "OrganizationUnitId": BUTTERFLY_UNIT}, "not in the"),
        ({"WorkspaceTypeId": ARCHIVE_TYPE}, "Workspace type 'Archive' is not active."),
        ({"WorkspaceId": None}, "WorkspaceId must be provided"),
        ({"WorkspaceId": "has space"}, "WorkspaceId must be 1-128 letters"),
        ({"WorkspaceId": "example"}, "WorkspaceId 'example' already exists."),
        ({"WorkspaceId": "EXAMPLE"}, "WorkspaceId 'EXAMPLE' already exists."),
        ({"Schema": [{"FieldName": "Budget", "FieldValue": "1"}]}, "'Budget' is not defined"),
        ({"Schema": [{"FieldName": "Phase"}]}, "FieldValue must be provided"),
        ({"Schema": [{"FieldName": "Phase", "FieldValue": "Done"}]}, "not one of the ValidValues"),
        ({"Schema": [{"FieldName": "Phase", "FieldValue": 3}]}, "must be a string or null"),
        ({"Schema": [{"FieldName": "StartDate", "FieldValue": "soon"}]}, "not an ISO 8601"),
        ({"Schema": {"Phase": "Execution"}}, "Schema must be an array"),
        (
            {"Schema": [{"FieldName": "Phase", "FieldValue": "Closure"}] * 2},
            "listed more than once",
        ),
        ({"Team": {"Added": [{"Group": "Owners", "Members": []}]}}, "'Owners' is not allowed"),
        ({"Team": {"Added": [{"Group": "Members", "Members": ["x@y.z"]}]}}, "is not an account"),
        ({"Team": {"Added": [{"Members": ["tom@xyz.com"]}]}}, "needs a Group"),
        ({"Team": {"Added": [{"Group": "Members", "Members": "tom"}]}}, "Members must be strings"),
        ({"Description": ["x"]}, "Description must be a string."),
    ],
)
def test_invalid_create_is_422_naming_the_field(
    emulator: RunningEmulator, overrides: dict[str, Any], message: str
) -> None:
    response = emulator.api("POST", "/workspaces", project(**overrides))
    assert response.status_code == 422
    assert message in response.json()["Message"]
    assert emulator.api("GET", "/workspaces/pr.02").status_code == 404  # nothing half-written


def test_body_that_is_not_an_object_is_422(emulator: RunningEmulator) -> None:
    response = emulator.api("POST", "/workspaces", [project()])
    assert response.status_code == 422
    assert "JSON object" in response.json()["Message"]


def test_prefix_with_id_requires_the_prefix(emulator: RunningEmulator) -> None:
    room = project(
        WorkspaceId="onboarding",
        WorkspaceTypeId=TEAM_ROOM_TYPE,
        Schema=[{"FieldName": "Topic", "FieldValue": "Welcome"}],
    )
    refused = emulator.api("POST", "/workspaces", room)
    assert refused.status_code == 422
    assert "prefix 'tr.'" in refused.json()["Message"]
    accepted = emulator.api("POST", "/workspaces", {**room, "WorkspaceId": "tr.onboarding"})
    assert accepted.status_code == 201


def test_required_field_must_be_set_at_creation(emulator: RunningEmulator) -> None:
    room = project(WorkspaceId="tr.x", WorkspaceTypeId=TEAM_ROOM_TYPE)
    response = emulator.api("POST", "/workspaces", room)
    assert response.status_code == 422
    assert response.json()["Message"] == "Schema field 'Topic' is required."


def test_required_fields_are_not_blank(emulator: RunningEmulator) -> None:
    room = {
        "WorkspaceId": "tr.blank",
        "Name": "Blank",
        "OrganizationUnitId": "E555522C-6856-4B50-BC00-3D5C17129077",
        "WorkspaceTypeId": "3B66DCCA-98AF-458A-AE36-A67BF199AC07",
        "Manager": {"Email": "ana@xyz.com"},
        "Schema": [{"FieldName": "Topic", "FieldValue": "  "}],
    }
    assert emulator.api("POST", "/workspaces", room).status_code == 422
    assert emulator.api("POST", "/workspaces", {**room, "WorkspaceId": "tr."}).status_code == 422


def test_full_generator_numbers_ids_and_refuses_a_given_id(emulator: RunningEmulator) -> None:
    case = project(
        OrganizationUnitId=BUTTERFLY_UNIT,
        WorkspaceTypeId=CUSTOMER_CASE_TYPE,
        Schema=[{"FieldName": "Customer", "FieldValue": "Migros"}],
    )
    refused = emulator.api("POST", "/workspaces", case)
    assert refused.status_code == 422
    assert "WorkspaceId must not be sent" in refused.json()["Message"]
    del case["WorkspaceId"]
    ids = [emulator.api("POST", "/workspaces", case).json()["WorkspaceId"] for _ in range(2)]
    assert ids == ["org.bu.00001", "org.bu.00002"]


def test_full_ids_skip_numbers_already_taken(emulator: RunningEmulator) -> None:
    taken = {
        "WorkspaceId": "org.bu.00001",
        "Name": "Squatter",
        "OrganizationUnitId": BUTTERFLY_UNIT,
        "WorkspaceTypeId": PROJECT_TYPE,
        "Manager": {"Email": "ana@xyz.com"},
    }
    assert emulator.api("POST", "/workspaces", taken).status_code == 201
    case = {
        "Name": "Case",
        "OrganizationUnitId": BUTTERFLY_UNIT,
        "WorkspaceTypeId": CUSTOMER_CASE_TYPE,
        "Manager": {"Email": "ana@xyz.com"},
        "Schema": [{"FieldName": "Customer", "FieldValue": "X"}],
    }
    assert emulator.api("POST", "/workspaces", case).json()["WorkspaceId"] == "org.bu.00002"


def test_prefix_with_name_generator(emulator: RunningEmulator) -> None:
    site = project(
        Name="Finance & Control 2",
        WorkspaceTypeId=DEPARTMENT_TYPE,
        Schema=[{"FieldName": "CostCenter", "FieldValue": "4711"}],
    )
    del site["WorkspaceId"]
    created = emulator.api("POST", "/workspaces", site)
    assert created.status_code == 201
    assert created.json()["WorkspaceId"] == "dep.financecontrol2"
    again = emulator.api("POST", "/workspaces", site)
    assert again.status_code == 422  # the same name generates the same id
    assert "already exists" in again.json()["Message"]
    bad_number = {**site, "Schema": [{"FieldName": "CostCenter", "FieldValue": "47a"}]}
    assert emulator.api("POST", "/workspaces", bad_number).status_code == 422


def test_teams_rules_owners_members_emails_only_distinct(emulator: RunningEmulator) -> None:
    room = project(
        WorkspaceId="tr.chat",
        Name="Chat",
        WorkspaceTypeId=TEAM_ROOM_TYPE,
        Schema=[
            {"FieldName": "Topic", "FieldValue": "Chat"},
            {"FieldName": "Confidential", "FieldValue": "true"},
        ],
        Team={
            "Added": [
                {"Group": "Owners", "Members": ["tom@xyz.com", "tom@xyz.com"]},
                {"Group": "Members", "Members": ["imp@xyz.com", "tom@xyz.com"]},
            ]
        },
    )
    created = emulator.api("POST", "/workspaces", room).json()
    assert {f["FieldName"]: f["FieldValue"] for f in created["Schema"]}["Confidential"] == "1"
    assert team_of(emulator, "tr.chat") == {
        "Chat Members": ["tom@xyz.com", "imp@xyz.com", "maria@xyz.com"],
        "Chat Owners": ["tom@xyz.com", "maria@xyz.com"],
    }
    with_group = {**room, "WorkspaceId": "tr.chat2"}
    with_group["Team"] = {"Added": [{"Group": "Members", "Members": ["AD_XYZ"]}]}
    refused = emulator.api("POST", "/workspaces", with_group)
    assert refused.status_code == 422
    assert "email accounts only" in refused.json()["Message"]
    visitors = {**room, "WorkspaceId": "tr.chat3", "Team": {"Added": [{"Group": "Visitors"}]}}
    assert emulator.api("POST", "/workspaces", visitors).status_code == 422


def test_removed_is_not_implemented_on_creation(emulator: RunningEmulator) -> None:
    team = {"Removed": [{"Group": "Members", "Members": ["maria@xyz.com"]}]}
    assert emulator.api("POST", "/workspaces", project(Team=team)).status_code == 201
    assert "maria@xyz.com" in team_of(emulator, "pr.02")["Project02 Members"]
