"""Parse the API's answers into `models`: the wire quirks of what the service sends.

Quirks absorbed here (see the API document and design.md's readings):
- `SchemaDefinition` (types) and `Schema` (the PUT schema answer) are JSON
  arrays inside a string; `Schema` elsewhere is a plain array. Both accepted.
- `IsActive` arrives as "1"/"0" (or a real boolean).
- `UnitTypeId` is an int in GET workspace and a string ("3") in the
  workspaceType PUT answer.
- `ProvisioningType` and `WorkspaceIdGenerator` are numbers or names.
- Team groups are listed as "<Workspace Name> Managers"; the group is the
  suffix (a rename renames the groups, and the samples use the id instead).
Functions raise `UnexpectedResponse` on a shape they cannot read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.api.errors import UnexpectedResponse
from reconciler.api.models import (
    GENERATOR_NAMES,
    Card,
    FieldDefinition,
    GroupUpdate,
    IdGenerator,
    MemberStatus,
    MemberUpdate,
    OrganizationUnit,
    Person,
    ProvisioningType,
    SchemaField,
    SchemaUpdateResult,
    SiteGroup,
    TeamGroup,
    TeamUpdateResult,
    TypeChangeResult,
    Workspace,
    WorkspaceProperties,
    WorkspaceStatus,
    WorkspaceType,
)

KNOWN_GROUPS = ("Managers", "Members", "Visitors", "Owners")
"""Groups the API's PUT names; live groups carry a prefix before them."""


def _obj(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise UnexpectedResponse(f"expected an object for {what}, got {type(value).__name__}")
    return value


def _list(value: Any, what: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise UnexpectedResponse(f"expected an array for {what}, got {type(value).__name__}")
    return value


def _str(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise UnexpectedResponse(f"expected a string in {key!r}, got {value!r}")
    return value


def _opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return None if value is None else str(value)


def as_bool(value: Any) -> bool:
    """A flag sent as true/false, 1/0 or "1"/"0" (or "true"/"false")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("1", "true"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", ""):
        return False
    if value is None:
        return False
    raise UnexpectedResponse(f"expected a flag, got {value!r}")


def as_int(value: Any) -> int | None:
    """An integer sent as a number or a numeric string; None stays None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise UnexpectedResponse(f"expected an integer, got {value!r}")


def json_array(value: Any, what: str) -> Sequence[Any]:
    """An array that may come as JSON text inside a string (or null)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError as e:
            raise UnexpectedResponse(f"{what} holds a string that is not JSON") from e
    return _list(value, what)


def _valid_values(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(str(v) for v in json_array(value, "ValidValues"))


def parse_person(value: Any) -> Person | None:
    """A {Email, Name} object, or None."""
    if value is None:
        return None
    obj = _obj(value, "a person")
    return Person(email=_str(obj, "Email"), name=_opt_str(obj, "Name"))


def parse_org_unit(value: Any) -> OrganizationUnit:
    """One organization unit."""
    obj = _obj(value, "an organization unit")
    return OrganizationUnit(
        id=_str(obj, "Id"),
        name=_opt_str(obj, "Name"),
        short_name=_opt_str(obj, "ShortName"),
        logo=_opt_str(obj, "Logo"),
    )


def parse_field_definition(value: Any) -> FieldDefinition:
    """One field of a type's SchemaDefinition."""
    obj = _obj(value, "a schema field")
    return FieldDefinition(
        name=_str(obj, "FieldName"),
        field_type=_opt_str(obj, "FieldType") or "string",
        is_required=as_bool(obj.get("IsRequired")),
        valid_values=_valid_values(obj.get("ValidValues")),
        default=_opt_str(obj, "FieldValue"),
    )


def parse_schema_field(value: Any) -> SchemaField:
    """One field of a workspace's Schema, with its value."""
    obj = _obj(value, "a schema field")
    return SchemaField(
        name=_str(obj, "FieldName"),
        field_type=_opt_str(obj, "FieldType") or "string",
        value=_opt_str(obj, "FieldValue"),
        is_required=as_bool(obj.get("IsRequired")),
        valid_values=_valid_values(obj.get("ValidValues")),
    )


def parse_generator(value: Any) -> IdGenerator:
    """WorkspaceIdGenerator: an object {Name, Value, Prefix}, a number or a name."""
    if value is None:
        return IdGenerator(name="None", value=0, prefix=None)
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        value = {"Value": value} if as_int_or_none(value) is not None else {"Name": value}
    obj = _obj(value, "WorkspaceIdGenerator")
    number = as_int(obj.get("Value"))
    name = _opt_str(obj, "Name")
    if number is None:
        by_name = {v.lower(): k for k, v in GENERATOR_NAMES.items()}
        if name is None or name.lower() not in by_name:
            raise UnexpectedResponse(f"unknown WorkspaceIdGenerator {dict(obj)!r}")
        number = by_name[name.lower()]
    prefix = _opt_str(obj, "Prefix")
    return IdGenerator(
        name=GENERATOR_NAMES.get(number, name or str(number)), value=number, prefix=prefix
    )


def as_int_or_none(value: Any) -> int | None:
    """Like `as_int`, but None (not an error) for a non-numeric value."""
    try:
        return as_int(value)
    except UnexpectedResponse:
        return None


def parse_provisioning_type(value: Any) -> ProvisioningType:
    """ProvisioningType: 0/"SharePoint" or 1/"Teams"."""
    number = as_int_or_none(value)
    if number == 0 or (isinstance(value, str) and value.lower() == "sharepoint"):
        return "SharePoint"
    if number == 1 or (isinstance(value, str) and value.lower() == "teams"):
        return "Teams"
    raise UnexpectedResponse(f"unknown ProvisioningType {value!r}")


def parse_workspace_type(value: Any) -> WorkspaceType:
    """One entry of availableWsTypes."""
    obj = _obj(value, "a workspace type")
    return WorkspaceType(
        id=_str(obj, "Id"),
        name=_str(obj, "Name"),
        creation_mode=as_int(obj.get("CreationMode")) or 0,
        is_active=as_bool(obj.get("IsActive")),
        schema_definition=tuple(
            parse_field_definition(f)
            for f in json_array(obj.get("SchemaDefinition"), "SchemaDefinition")
        ),
        generator=parse_generator(obj.get("WorkspaceIdGenerator")),
        provisioning_type=parse_provisioning_type(obj.get("ProvisioningType")),
        unit_type_id=as_int(obj.get("UnitTypeId")),
    )


def parse_card(value: Any) -> Card:
    """One provisioned tool."""
    obj = _obj(value, "a card")
    return Card(
        title=_str(obj, "Title"),
        list_name=_opt_str(obj, "ListName") or "",
        is_restricted=as_bool(obj.get("IsRestricted")),
    )


def parse_schema(value: Any) -> tuple[SchemaField, ...]:
    """A workspace Schema, as an array or as JSON text in a string."""
    return tuple(parse_schema_field(f) for f in json_array(value, "Schema"))


def parse_workspace(value: Any) -> Workspace:
    """GET /workspaces/{id} or the POST's 201 answer."""
    obj = _obj(value, "a workspace")
    return Workspace(
        id=as_int(obj.get("Id")),
        workspace_id=_str(obj, "WorkspaceId"),
        name=_str(obj, "Name"),
        unit_type_id=as_int(obj.get("UnitTypeId")),
        url=_opt_str(obj, "Url"),
        stage=as_int(obj.get("Stage")) or 0,
        shared=as_bool(obj.get("Shared")),
        life_cycle=as_int(obj.get("LifeCycle")) or 0,
        created=_opt_str(obj, "Created"),
        modified=_opt_str(obj, "Modified"),
        creator=parse_person(obj.get("Creator")),
        modifier=parse_person(obj.get("Modifier")),
        # The field table says "Manger", every sample "Manager": accept both.
        manager=parse_person(obj.get("Manager", obj.get("Manger"))),
        deputy=parse_person(obj.get("Deputy")),
        cards=tuple(parse_card(c) for c in _list(obj.get("Cards"), "Cards")),
        schema=parse_schema(obj.get("Schema")),
    )


def parse_status(value: Any) -> WorkspaceStatus:
    """GET /workspaces/{id}/status."""
    obj = _obj(value, "a status")
    number = as_int(obj.get("Value"))
    if number is None:
        raise UnexpectedResponse(f"status without a Value: {dict(obj)!r}")
    return WorkspaceStatus(name=_opt_str(obj, "Name") or str(number), value=number)


def parse_properties(value: Any) -> WorkspaceProperties:
    """PUT /workspaces/{id} answer."""
    obj = _obj(value, "workspace properties")
    return WorkspaceProperties(
        name=_str(obj, "Name"),
        life_cycle=as_int(obj.get("LifeCycle")) or 0,
        manager=parse_person(obj.get("Manager", obj.get("Manger"))),
        deputy=parse_person(obj.get("Deputy")),
    )


def group_of(raw_name: str, workspace_name: str | None = None) -> str:
    """The group a live name stands for: "<Name> Managers" -> "Managers".

    The workspace's own name is stripped when given; otherwise a known group
    word at the end decides (the samples prefix the id, a rename the new
    name). Names without either, like "Excel Services Viewers", stay whole.
    """
    if workspace_name and raw_name.startswith(workspace_name + " "):
        return raw_name[len(workspace_name) + 1 :]
    for group in KNOWN_GROUPS:
        if raw_name == group or raw_name.endswith(" " + group):
            return group
    return raw_name


def parse_groups(value: Any, workspace_name: str | None = None) -> tuple[SiteGroup, ...]:
    """GET groups: {"Groups": [...]} (or a bare array)."""
    names = value.get("Groups") if isinstance(value, Mapping) else value
    return tuple(
        SiteGroup(raw_name=str(n), group=group_of(str(n), workspace_name))
        for n in _list(names, "Groups")
    )


def parse_team(value: Any, workspace_name: str | None = None) -> tuple[TeamGroup, ...]:
    """GET team: [{Group, Members: [account, ...]}]."""
    groups = []
    for item in _list(value, "a team"):
        obj = _obj(item, "a team group")
        raw = _str(obj, "Group")
        members = tuple(str(m) for m in _list(obj.get("Members"), "Members"))
        groups.append(TeamGroup(raw_name=raw, group=group_of(raw, workspace_name), members=members))
    return tuple(groups)


def _member_status(value: Any) -> MemberStatus | int:
    number = as_int(value)
    if number is None:
        raise UnexpectedResponse(f"member status {value!r} is not a number")
    try:
        return MemberStatus(number)
    except ValueError:
        return number


def parse_team_update(value: Any) -> TeamUpdateResult:
    """PUT team answer: [{Group, Members: [{Account, Status}]}]."""
    groups = []
    for item in _list(value, "a team update"):
        obj = _obj(item, "a team update group")
        members = tuple(
            MemberUpdate(account=_str(m, "Account"), status=_member_status(m.get("Status")))
            for m in (_obj(x, "a member update") for x in _list(obj.get("Members"), "Members"))
        )
        groups.append(GroupUpdate(group=_str(obj, "Group"), members=members))
    return TeamUpdateResult(groups=tuple(groups))


def parse_schema_update(value: Any) -> SchemaUpdateResult:
    """PUT schema answer: Schema is JSON text inside a string (or an array)."""
    obj = _obj(value, "a schema update")
    return SchemaUpdateResult(
        workspace_id=_str(obj, "WorkspaceId"),
        url=_opt_str(obj, "Url"),
        schema=parse_schema(obj.get("Schema")),
    )


def parse_type_change(value: Any) -> TypeChangeResult:
    """PUT workspaceType answer: UnitTypeId arrives as a string."""
    obj = _obj(value, "a workspace type change")
    return TypeChangeResult(
        workspace_id=_str(obj, "WorkspaceId"),
        url=_opt_str(obj, "Url"),
        unit_type_id=as_int(obj.get("UnitTypeId")),
        cards=tuple(parse_card(c) for c in _list(obj.get("Cards"), "Cards")),
    )
