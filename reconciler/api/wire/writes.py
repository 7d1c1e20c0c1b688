"""Write the API's requests: the only code that knows their JSON keys and paths.

`request_for` turns a typed operation (`reconciler.model.operations`) into
its method, path and body, for the client to send and for the plan to show,
so what people review and what goes out cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from reconciler.api.errors import UnsafePath
from reconciler.api.models import LifeCycle
from reconciler.model.operations import (
    CreateWorkspace,
    Fields,
    Groups,
    Operation,
    PersonRef,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
)


@dataclass(frozen=True)
class Request:
    """One request exactly as it goes out: method, path below the tenant, JSON body."""

    method: str
    path: str
    body: Any


def segment(value: str) -> str:
    """One URL path segment: quoted so '/', '?' or '#' cannot change the path.

    "." and ".." are refused: quoting leaves them as they are, and the HTTP
    library would then resolve them, sending the request to another path.
    """
    if value in ("", ".", ".."):
        raise UnsafePath(f"{value!r} cannot be used as an id in a URL path")
    return quote(value, safe="")


def workspace_path(workspace_id: str, resource: str = "") -> str:
    """/workspaces/{id} or /workspaces/{id}/{resource}, the id quoted."""
    path = f"/workspaces/{segment(workspace_id)}"
    return f"{path}/{resource}" if resource else path


def request_for(operation: Operation) -> Request:
    """The exact request that carries out an operation."""
    if isinstance(operation, CreateWorkspace):
        return Request("POST", "/workspaces", create_body(operation))
    if isinstance(operation, UpdateWorkspace):
        return Request("PUT", workspace_path(operation.workspace_id), properties_body(operation))
    if isinstance(operation, UpdateTeam):
        team = team_body(operation.added, operation.removed)
        return Request("PUT", workspace_path(operation.workspace_id, "team"), team)
    if isinstance(operation, UpdateSchema):
        schema = schema_body(operation.fields)
        return Request("PUT", workspace_path(operation.workspace_id, "schema"), schema)
    type_body = {"Id": operation.type_id}
    return Request("PUT", workspace_path(operation.workspace_id, "workspaceType"), type_body)


def person_body(person: PersonRef) -> dict[str, str]:
    """{Email, Name}; Name left out when unknown (the service fills it in from the directory)."""
    return {"Email": person.email, "Name": person.name} if person.name else {"Email": person.email}


def create_body(operation: CreateWorkspace) -> dict[str, Any]:
    """The POST body: schema and team inline; WorkspaceId only for types that take one."""
    body: dict[str, Any] = {}
    if operation.workspace_id is not None:
        body["WorkspaceId"] = operation.workspace_id
    body["Name"] = operation.name
    if operation.description is not None:
        body["Description"] = operation.description
    body["OrganizationUnitId"] = operation.organization_unit_id
    body["WorkspaceTypeId"] = operation.workspace_type_id
    body["Manager"] = person_body(operation.manager)
    if operation.deputy is not None:
        body["Deputy"] = person_body(operation.deputy)
    if operation.schema:
        body["Schema"] = schema_body(operation.schema)
    added = tuple((group, members) for group, members in operation.team if members)
    if added:
        body["Team"] = {"Added": _group_entries(added)}
    return body


def properties_body(operation: UpdateWorkspace) -> dict[str, Any]:
    """The workspace PUT: Name, LifeCycle (0 active, 1 closed), Manager, and Deputy if any."""
    body: dict[str, Any] = {
        "Name": operation.name,
        "LifeCycle": int(LifeCycle.CLOSED if operation.closed else LifeCycle.ACTIVE),
        "Manager": person_body(operation.manager),
    }
    if operation.deputy is not None:  # a missing Deputy clears it (design.md, reading 5)
        body["Deputy"] = person_body(operation.deputy)
    return body


def team_body(added: Groups, removed: Groups) -> dict[str, Any]:
    """The PUT team body: {"Added": [{Group, Members}], "Removed": [...]}."""
    return {"Added": _group_entries(added), "Removed": _group_entries(removed)}


def _group_entries(groups: Groups) -> list[dict[str, Any]]:
    return [{"Group": group, "Members": list(members)} for group, members in groups]


def schema_body(fields: Fields) -> list[dict[str, Any]]:
    """The PUT schema body: [{FieldName, FieldValue}] in the given order."""
    return [{"FieldName": name, "FieldValue": value} for name, value in fields]
