"""Every client operation against the emulator, over HTTPS: typed results, typed errors."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from reconciler.api import SeamlessClient
from reconciler.api.errors import Forbidden, NotFound, Unauthorized, Unprocessable
from reconciler.api.models import MemberStatus, Person
from reconciler.model.operations import (
    ChangeType,
    CreateWorkspace,
    PersonRef,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
)
from reconciler.settings import Secret
from tests.api.conftest import ClientFactory, api_calls
from tests.conftest import (
    OTHER_TENANT,
    PROJECT_PLUS_TYPE,
    PROJECT_TYPE,
    STAR_UNIT,
    TEAM_ROOM_TYPE,
    RunningEmulator,
)


def new_workspace(workspace_id: str | None = "pr.01", **changes: Any) -> CreateWorkspace:
    operation = CreateWorkspace(
        workspace_id=workspace_id,
        name="Project01",
        organization_unit_id=STAR_UNIT,
        workspace_type_id=PROJECT_TYPE,
        manager=PersonRef("marko@xyz.com"),
        schema=(("Customer", "Migros"),),
    )
    return replace(operation, **changes)


def test_organization_units_and_types(client: SeamlessClient) -> None:
    units = client.list_organization_units()
    assert {u.name for u in units} == {"Star Unit", "Butterfly"}
    assert client.get_organization_unit(STAR_UNIT).short_name == "SU"
    types = {t.id: t for t in client.list_available_workspace_types(STAR_UNIT)}
    team_room = types[TEAM_ROOM_TYPE]
    assert team_room.provisioning_type == "Teams"
    assert team_room.generator.prefix == "tr."
    assert team_room.is_active is True
    assert [f.name for f in team_room.schema_definition] == ["Topic", "Confidential"]
    assert all(t.unit_type_id is not None for t in types.values())


def test_get_workspace_reads_the_fixture(client: SeamlessClient) -> None:
    workspace = client.get_workspace("example")
    assert workspace is not None
    assert workspace.ready
    assert workspace.manager == Person("marko@xyz.com", "Marko")
    assert {f.name: f.value for f in workspace.schema}["Customer"] == "Migros"


def test_get_workspace_is_none_when_it_does_not_exist(client: SeamlessClient) -> None:
    assert client.get_workspace("does.not.exist") is None


def test_team_groups_are_matched_by_suffix(client: SeamlessClient) -> None:
    team = {g.group: g for g in client.get_team("example")}
    assert team["Managers"].raw_name == "Project01 Managers"
    assert "tom@xyz.com" in team["Managers"].members
    assert "Excel Services Viewers" in team  # kept whole: not one of the API's groups
    assert {g.group for g in client.get_groups("example")} >= {"Managers", "Members", "Visitors"}
    assert client.get_status("example").value == 2


def test_create_then_update_every_aspect(client: SeamlessClient) -> None:
    created = client.create_workspace(new_workspace())
    assert created.workspace_id == "pr.01"
    assert client.get_status("pr.01").value == 2  # immediate progression: Ready on the first poll
    renamed = client.update_workspace(
        UpdateWorkspace(
            "pr.01", "Orange", closed=False, manager=PersonRef("bob@xyz.com"), deputy=None
        )
    )
    assert renamed.name == "Orange" and renamed.manager == Person("bob@xyz.com", "Bob")
    visitors = ("Visitors", ("lucas@xyz.com", "nobody@xyz.com"))
    result = client.update_team(UpdateTeam("pr.01", added=(visitors,)))
    assert result.with_status(MemberStatus.FAILED) == (("Visitors", "nobody@xyz.com"),)
    fields = {f.name: f.value for f in client.get_workspace("pr.01").schema}  # type: ignore[union-attr]
    fields["Customer"] = "Coop"
    schema = client.update_schema(UpdateSchema("pr.01", tuple(fields.items())))
    assert {f.name: f.value for f in schema.schema}["Customer"] == "Coop"
    changed = client.change_type(ChangeType("pr.01", PROJECT_PLUS_TYPE))
    assert changed.unit_type_id is not None
    assert {c.title for c in changed.cards} >= {"Tasks"}


def test_validation_error_carries_the_service_message(client: SeamlessClient) -> None:
    with pytest.raises(Unprocessable) as info:
        client.create_workspace(new_workspace(schema=(("NoSuchField", "x"),)))
    assert info.value.status == 422
    assert "NoSuchField" in str(info.value)


def test_wrong_token_is_unauthorized(make_client: ClientFactory) -> None:
    with pytest.raises(Unauthorized) as info:
        make_client(token=Secret("not-a-token")).get_workspace("example")
    assert info.value.status == 401
    assert "denied" in info.value.message


def test_token_of_another_tenant_is_forbidden(make_client: ClientFactory) -> None:
    with pytest.raises(Forbidden):
        make_client(tenant=OTHER_TENANT).list_organization_units()


def test_missing_unit_is_not_found(client: SeamlessClient) -> None:
    with pytest.raises(NotFound):
        client.get_organization_unit("00000000-0000-0000-0000-000000000000")


def test_method_override_sends_put_as_post_with_the_header(
    make_client: ClientFactory, emulator: RunningEmulator
) -> None:
    client = make_client(method_override=True)
    client.update_team(UpdateTeam("example", added=(("Members", ("ana@xyz.com",)),)))
    (call,) = api_calls(emulator, "PUT")
    assert call["raw_method"] == "POST"
    assert call["headers"]["X-HTTP-Method-Override"] == "PUT"
    assert call["status"] == 200
