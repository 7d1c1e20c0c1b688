"""The exact requests apply sends, read back from the emulator's request log.

A plan -> apply -> plan round trip shows consistency only: a value converted
wrongly both ways would pass it. These tests pin the bodies themselves to the
API document and README: datetimes in UTC `YYYY-MM-DDTHH:MM:SSZ`, booleans
"1"/"0", a workspace PUT as the full set, a schema PUT with every field.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PROJECT_PLUS_TYPE, PROJECT_TYPE, STAR_UNIT, TEAM_ROOM_TYPE
from tests.fixtures.specs import Account, documents, example, project, team_room
from tests.scenarios.conftest import Workspace

MARKO = {"Email": "marko@xyz.com", "Name": "Marko"}
ANA = {"Email": "ana@xyz.com", "Name": "Ana"}
PROJECT_FIELDS = ["StartDate", "EndDate", "Customer", "Phase", "Description"]


def applied(workspace: Workspace, text: str) -> list[tuple[str, str, Any]]:
    """Write specs/a.yaml, apply it, and return the writes; the next plan must be empty."""
    workspace.write("a.yaml", text)
    workspace.emulator.control("DELETE", "requests")
    workspace.apply()
    writes = workspace.writes()
    assert {w["action"] for w in workspace.plan_json()["workspaces"]} == {"no-op"}
    return writes


def live(workspace: Workspace, workspace_id: str) -> dict[str, Any]:
    response = workspace.emulator.api("GET", f"/workspaces/{workspace_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def fields(body: list[dict[str, Any]]) -> dict[str, Any]:
    """A schema body as {FieldName: FieldValue}, each field named once."""
    names = [f["FieldName"] for f in body]
    assert len(names) == len(set(names)), names
    return {f["FieldName"]: f["FieldValue"] for f in body}


def test_create_sends_utc_datetimes_and_boolean_flags(
    workspace: Workspace, local_time_zone: str
) -> None:
    text = documents(
        project(
            "pr.20",
            schema={
                "StartDate": "2024-01-01",
                "EndDate": "2024-03-01T10:00:00+02:00",
                "Phase": "Initiation",
            },
        ),
        project(
            "pr.21",
            manager="Tom@XYZ.com",
            schema={"StartDate": "2024-03-01T10:00:00", "EndDate": "2024-12-31T23:30:00-01:00"},
        ),
        team_room("tr.flags", name="Flags", schema={"Topic": "Flags", "Confidential": "true"}),
    )
    writes = applied(workspace, text)
    assert [(method, path) for method, path, _ in writes] == [("POST", "/workspaces")] * 3
    bodies = {body["WorkspaceId"]: body for _, _, body in writes}
    assert bodies["pr.20"] == {
        "WorkspaceId": "pr.20",
        "Name": "Project pr.20",
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": PROJECT_TYPE,
        "Manager": {"Email": "maria@xyz.com"},
        "Schema": [
            {"FieldName": "StartDate", "FieldValue": "2024-01-01T00:00:00Z"},
            {"FieldName": "EndDate", "FieldValue": "2024-03-01T08:00:00Z"},
            {"FieldName": "Phase", "FieldValue": "Initiation"},
        ],
    }
    assert bodies["pr.21"]["Manager"] == {"Email": "Tom@XYZ.com"}
    assert fields(bodies["pr.21"]["Schema"]) == {
        "StartDate": "2024-03-01T10:00:00Z",  # no offset means UTC, whatever the local zone
        "EndDate": "2025-01-01T00:30:00Z",
    }
    assert bodies["tr.flags"] == {
        "WorkspaceId": "tr.flags",
        "Name": "Flags",
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": TEAM_ROOM_TYPE,
        "Manager": {"Email": "ana@xyz.com"},
        "Schema": [
            {"FieldName": "Topic", "FieldValue": "Flags"},
            {"FieldName": "Confidential", "FieldValue": "1"},
        ],
    }


def test_create_sends_team_and_people_as_written(workspace: Workspace) -> None:
    text = project(
        "pr.22",
        name="Project 22",
        description="Twenty-two",
        manager=("Maria@XYZ.com", "Maria M."),
        deputy="bob@xyz.com",
        schema={"Customer": "0123", "Phase": "Closure"},
        team={"Managers": ["tom@xyz.com", "AD_XYZ"], "Members": ["imp@xyz.com"], "Visitors": []},
    )
    (write,) = applied(workspace, text)
    assert write == (
        "POST",
        "/workspaces",
        {
            "WorkspaceId": "pr.22",
            "Name": "Project 22",
            "Description": "Twenty-two",
            "OrganizationUnitId": STAR_UNIT,
            "WorkspaceTypeId": PROJECT_TYPE,
            "Manager": {"Email": "Maria@XYZ.com", "Name": "Maria M."},
            "Deputy": {"Email": "bob@xyz.com"},
            "Schema": [
                {"FieldName": "Customer", "FieldValue": "0123"},
                {"FieldName": "Phase", "FieldValue": "Closure"},
            ],
            "Team": {
                "Added": [
                    {"Group": "Managers", "Members": ["tom@xyz.com", "AD_XYZ"]},
                    {"Group": "Members", "Members": ["imp@xyz.com"]},
                ]
            },
        },
    )


@pytest.mark.parametrize(
    ("manager", "sent"),
    [
        ("bob@xyz.com", {"Email": "bob@xyz.com"}),
        (("Bob@XYZ.com", "Bobby"), {"Email": "Bob@XYZ.com", "Name": "Bobby"}),
    ],
)
def test_rename_and_manager_change_is_one_workspace_put(
    workspace: Workspace, manager: Account, sent: dict[str, str]
) -> None:
    writes = applied(workspace, example(name="Orange", manager=manager))
    assert writes == [
        (
            "PUT",
            "/workspaces/example",
            {"Name": "Orange", "LifeCycle": 0, "Manager": sent, "Deputy": ANA},
        )
    ]


@pytest.mark.parametrize(
    ("change", "name", "life_cycle", "manager"),
    [
        ("rename", "Orange", 0, MARKO),
        ("manager change", "Project01", 0, {"Email": "bob@xyz.com"}),
        ("close", "Project01", 1, MARKO),
    ],
)
def test_a_deputy_the_spec_does_not_mention_is_sent_back_as_it_is(
    workspace: Workspace, change: str, name: str, life_cycle: int, manager: dict[str, str]
) -> None:
    deputy = {"Email": "Lucas@XYZ.com", "Name": "Lucas L."}
    by_hand = {"Name": "Project01", "Manager": {"Email": "marko@xyz.com"}, "Deputy": deputy}
    assert workspace.emulator.api("PUT", "/workspaces/example", by_hand).status_code == 200
    stored = live(workspace, "example")["Deputy"]
    assert stored == {"Email": "lucas@xyz.com", "Name": "Lucas L."}  # the directory's spelling
    spec = example(
        name=name,
        manager=manager["Email"],
        life_cycle="closed" if life_cycle else None,
    )
    writes = applied(workspace, spec)
    assert writes == [
        (
            "PUT",
            "/workspaces/example",
            {"Name": name, "LifeCycle": life_cycle, "Manager": manager, "Deputy": stored},
        )
    ]
    assert live(workspace, "example")["Deputy"] == stored


def test_deputy_null_leaves_deputy_out(workspace: Workspace) -> None:
    writes = applied(workspace, example(deputy=None))
    assert writes == [
        ("PUT", "/workspaces/example", {"Name": "Project01", "LifeCycle": 0, "Manager": MARKO})
    ]
    assert live(workspace, "example")["Deputy"] is None


def test_deputy_change_sends_the_new_deputy(workspace: Workspace) -> None:
    writes = applied(workspace, example(deputy=("bob@xyz.com", "Bobby")))
    assert writes == [
        (
            "PUT",
            "/workspaces/example",
            {
                "Name": "Project01",
                "LifeCycle": 0,
                "Manager": MARKO,
                "Deputy": {"Email": "bob@xyz.com", "Name": "Bobby"},
            },
        )
    ]


def team_groups(entries: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Added or Removed as {Group: sorted members}, each group named once."""
    groups = [e["Group"] for e in entries]
    assert len(groups) == len(set(groups)), groups
    return {e["Group"]: sorted(e["Members"]) for e in entries}


def test_team_change_sends_exact_added_and_removed(workspace: Workspace) -> None:
    team = {
        "Managers": ["AD_XYZ", "anita@xyz.com"],
        "Members": ["lucas@xyz.com"],
        "Visitors": ["Michael@XYZ.com"],
    }
    ((method, path, body),) = applied(workspace, example(team=team))
    assert (method, path) == ("PUT", "/workspaces/example/team")
    assert set(body) == {"Added", "Removed"}
    # anita joins Members through Managers (the service implies it); marko stays as manager
    assert team_groups(body["Added"]) == {
        "Managers": ["anita@xyz.com"],
        "Members": ["lucas@xyz.com"],
    }
    assert team_groups(body["Removed"]) == {
        "Managers": ["tom@xyz.com"],
        "Members": ["imp@xyz.com", "tom@xyz.com"],
        "Visitors": ["AD_Visitors"],
    }


def test_manager_change_with_listed_groups_leaves_the_implied_moves_to_the_service(
    workspace: Workspace,
) -> None:
    team = {"Managers": ["tom@xyz.com"], "Members": ["imp@xyz.com"]}
    writes = applied(workspace, example(manager="maria@xyz.com", team=team))
    assert [(m, p) for m, p, _ in writes] == [
        ("PUT", "/workspaces/example"),
        ("PUT", "/workspaces/example/team"),
    ]
    assert writes[0][2]["Manager"] == {"Email": "maria@xyz.com"}
    team_body = writes[1][2]
    assert team_body["Added"] == []  # maria joins Managers and Members with the manager PUT
    assert team_groups(team_body["Removed"]) == {
        "Managers": ["AD_XYZ"],
        "Members": ["AD_XYZ", "marko@xyz.com"],
    }


def test_schema_change_sends_every_field_once(workspace: Workspace, local_time_zone: str) -> None:
    schema = {"Phase": "Closure", "EndDate": "2024-03-01T10:00:00+02:00"}
    ((method, path, body),) = applied(workspace, example(schema=schema))
    assert (method, path) == ("PUT", "/workspaces/example/schema")
    assert [f["FieldName"] for f in body] == PROJECT_FIELDS
    assert fields(body) == {
        "StartDate": None,
        "EndDate": "2024-03-01T08:00:00Z",
        "Customer": "Migros",  # not listed: its live value
        "Phase": "Closure",
        "Description": None,
    }
    ((_, _, again),) = applied(workspace, example(schema={"Customer": None}))
    assert fields(again) == {
        "StartDate": None,
        "EndDate": "2024-03-01T08:00:00Z",  # not listed: sent back as stored
        "Customer": None,
        "Phase": "Closure",
        "Description": None,
    }


def test_boolean_change_sends_the_flag(workspace: Workspace) -> None:
    applied(workspace, team_room("tr.flags", schema={"Topic": "Flags", "Confidential": "TRUE"}))
    ((method, path, body),) = applied(
        workspace, team_room("tr.flags", schema={"Confidential": "0"})
    )
    assert (method, path) == ("PUT", "/workspaces/tr.flags/schema")
    assert body == [
        {"FieldName": "Topic", "FieldValue": "Flags"},
        {"FieldName": "Confidential", "FieldValue": "0"},
    ]


def test_type_change_sends_the_type_id_before_the_schema(workspace: Workspace) -> None:
    spec = example(workspace_type="Project Plus", schema={"Phase": "Closure"})
    writes = applied(workspace, spec)
    assert [(m, p) for m, p, _ in writes] == [
        ("PUT", "/workspaces/example/workspaceType"),
        ("PUT", "/workspaces/example/schema"),
    ]
    assert writes[0][2] == {"Id": PROJECT_PLUS_TYPE}
    assert fields(writes[1][2])["Phase"] == "Closure"


def test_close_comes_last_after_the_changes(workspace: Workspace) -> None:
    spec = example(
        name="Orange",
        life_cycle="closed",
        schema={"Phase": "Closure"},
        team={"Visitors": ["lucas@xyz.com"]},
    )
    writes = applied(workspace, spec)
    assert [(m, p) for m, p, _ in writes] == [
        ("PUT", "/workspaces/example/schema"),
        ("PUT", "/workspaces/example/team"),
        ("PUT", "/workspaces/example"),
    ]
    # One workspace PUT: the rename rides with the close, last.
    assert writes[-1][2] == {"Name": "Orange", "LifeCycle": 1, "Manager": MARKO, "Deputy": ANA}
    assert live(workspace, "example")["LifeCycle"] == 1


def test_a_closed_workspace_that_stays_closed_gets_only_its_team_put(
    workspace: Workspace,
) -> None:
    applied(workspace, example(life_cycle="closed"))
    writes = applied(
        workspace, example(life_cycle="closed", team={"Visitors": ["michael@xyz.com"]})
    )
    assert writes == [
        (
            "PUT",
            "/workspaces/example/team",
            {"Added": [], "Removed": [{"Group": "Visitors", "Members": ["AD_Visitors"]}]},
        )
    ]
    assert live(workspace, "example")["LifeCycle"] == 1


def test_a_close_with_a_manager_change_converges_in_one_apply(workspace: Workspace) -> None:
    spec = example(life_cycle="closed", manager="bob@xyz.com", team={"Managers": ["tom@xyz.com"]})
    writes = applied(workspace, spec)
    # The manager changes first (moving the owner group), the team PUT is planned against
    # that, and the close comes last: two workspace PUTs, the one case that needs them.
    assert [(m, p, b.get("LifeCycle") if isinstance(b, dict) else None) for m, p, b in writes] == [
        ("PUT", "/workspaces/example", 0),
        ("PUT", "/workspaces/example/team", None),
        ("PUT", "/workspaces/example", 1),
    ]
    assert writes[-1][2]["Manager"] == {"Email": "bob@xyz.com"}


def test_a_close_with_a_manager_change_and_members_listed_converges(workspace: Workspace) -> None:
    """Found by tests/properties: Members listed, the owner group not, a new manager, a close."""
    applied(workspace, example(life_cycle="closed", manager="ana@xyz.com", team={"Members": []}))
    assert live(workspace, "example")["LifeCycle"] == 1


def test_a_close_that_keeps_the_old_manager_an_owner_changes_the_manager_first(
    workspace: Workspace,
) -> None:
    spec = example(
        life_cycle="closed",
        manager="bob@xyz.com",
        team={"Managers": ["tom@xyz.com", "marko@xyz.com"]},
    )
    writes = applied(workspace, spec)
    # The manager change drops the old manager from Managers; the spec keeps him, so
    # the team PUT must come after it, and the close takes a second PUT, last.
    assert [(m, p, b.get("LifeCycle") if isinstance(b, dict) else None) for m, p, b in writes] == [
        ("PUT", "/workspaces/example", 0),
        ("PUT", "/workspaces/example/team", None),
        ("PUT", "/workspaces/example", 1),
    ]


def test_reopen_comes_first(workspace: Workspace) -> None:
    applied(workspace, example(life_cycle="closed"))
    writes = applied(workspace, example(life_cycle="active", schema={"Phase": "Closure"}))
    assert [(m, p) for m, p, _ in writes] == [
        ("PUT", "/workspaces/example"),
        ("PUT", "/workspaces/example/schema"),
    ]
    assert writes[0][2] == {"Name": "Project01", "LifeCycle": 0, "Manager": MARKO, "Deputy": ANA}
