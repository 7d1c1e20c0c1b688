"""wire.request_for: every operation becomes exactly one request, keys and paths pinned."""

from __future__ import annotations

import pytest

from reconciler.api import wire
from reconciler.api.errors import UnsafePath
from reconciler.model.operations import (
    ChangeType,
    CreateWorkspace,
    PersonRef,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
)

MARKO = PersonRef("marko@xyz.com", "Marko")


def test_create_sends_every_given_field_in_order_and_groups_with_members_only() -> None:
    operation = CreateWorkspace(
        workspace_id="pr.01",
        name="Project01",
        description="First",
        organization_unit_id="unit-1",
        workspace_type_id="type-1",
        manager=MARKO,
        deputy=PersonRef("ana@xyz.com"),
        schema=(("Customer", "Migros"), ("EndDate", None)),
        team=(("Managers", ("tom@xyz.com",)), ("Visitors", ())),
    )
    request = wire.request_for(operation)
    assert (request.method, request.path) == ("POST", "/workspaces")
    assert list(request.body) == [
        "WorkspaceId",
        "Name",
        "Description",
        "OrganizationUnitId",
        "WorkspaceTypeId",
        "Manager",
        "Deputy",
        "Schema",
        "Team",
    ]
    assert request.body == {
        "WorkspaceId": "pr.01",
        "Name": "Project01",
        "Description": "First",
        "OrganizationUnitId": "unit-1",
        "WorkspaceTypeId": "type-1",
        "Manager": {"Email": "marko@xyz.com", "Name": "Marko"},
        "Deputy": {"Email": "ana@xyz.com"},
        "Schema": [
            {"FieldName": "Customer", "FieldValue": "Migros"},
            {"FieldName": "EndDate", "FieldValue": None},
        ],
        "Team": {"Added": [{"Group": "Managers", "Members": ["tom@xyz.com"]}]},
    }


def test_create_of_a_generated_id_leaves_out_what_was_not_given() -> None:
    operation = CreateWorkspace(
        name="Finance", organization_unit_id="u", workspace_type_id="t", manager=MARKO
    )
    assert wire.request_for(operation).body == {
        "Name": "Finance",
        "OrganizationUnitId": "u",
        "WorkspaceTypeId": "t",
        "Manager": {"Email": "marko@xyz.com", "Name": "Marko"},
    }


@pytest.mark.parametrize(
    ("closed", "deputy", "expected_extra"),
    [
        (False, None, {"LifeCycle": 0}),
        (True, None, {"LifeCycle": 1}),
        (
            False,
            PersonRef("ana@xyz.com", "Ana"),
            {"LifeCycle": 0, "Deputy": {"Email": "ana@xyz.com", "Name": "Ana"}},
        ),
    ],
    ids=["open-no-deputy", "closed", "with-deputy"],
)
def test_workspace_put_is_the_full_set(
    closed: bool, deputy: PersonRef | None, expected_extra: dict[str, object]
) -> None:
    operation = UpdateWorkspace("pr.01", "Orange", closed=closed, manager=MARKO, deputy=deputy)
    request = wire.request_for(operation)
    assert (request.method, request.path) == ("PUT", "/workspaces/pr.01")
    assert request.body == {
        "Name": "Orange",
        "Manager": {"Email": "marko@xyz.com", "Name": "Marko"},
        **expected_extra,
    }


def test_team_schema_and_type_puts() -> None:
    team = wire.request_for(
        UpdateTeam(
            "pr.01", added=(("Members", ("a@x.com",)),), removed=(("Visitors", ("b@x.com",)),)
        )
    )
    assert (team.method, team.path) == ("PUT", "/workspaces/pr.01/team")
    assert team.body == {
        "Added": [{"Group": "Members", "Members": ["a@x.com"]}],
        "Removed": [{"Group": "Visitors", "Members": ["b@x.com"]}],
    }
    schema = wire.request_for(UpdateSchema("pr.01", (("Customer", "Coop"), ("EndDate", None))))
    assert (schema.method, schema.path) == ("PUT", "/workspaces/pr.01/schema")
    assert schema.body == [
        {"FieldName": "Customer", "FieldValue": "Coop"},
        {"FieldName": "EndDate", "FieldValue": None},
    ]
    kind = wire.request_for(ChangeType("pr.01", "type-2"))
    assert (kind.method, kind.path, kind.body) == (
        "PUT",
        "/workspaces/pr.01/workspaceType",
        {"Id": "type-2"},
    )


def test_ids_are_quoted_into_one_path_segment() -> None:
    request = wire.request_for(ChangeType("a/b?c#d", "t"))
    assert request.path == "/workspaces/a%2Fb%3Fc%23d/workspaceType"


@pytest.mark.parametrize("workspace_id", [".", "..", ""])
def test_dot_segments_are_refused(workspace_id: str) -> None:
    with pytest.raises(UnsafePath):
        wire.request_for(UpdateTeam(workspace_id))
