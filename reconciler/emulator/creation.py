"""The rules of POST /workspaces: which unit and type take it, its WorkspaceId, its document.

Each function checks or builds; none touches the store. `backend` runs them
before its transaction and writes the result, so a refused create writes
nothing. The Full generator's number is the one part decided inside that
transaction (it needs the store's counter): this module only spells it.
Seeding builds the fixture's workspaces with `new_document` too, so fixture
and API workspaces carry the same fields.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.emulator import shapes, stages, teams, validation
from reconciler.emulator.errors import Unprocessable
from reconciler.emulator.fixtures import (
    GENERATORS,
    OrganizationUnitConfig,
    TenantConfig,
    WorkspaceTypeConfig,
)
from reconciler.emulator.stages import Progression


def unit_for_create(tenant: TenantConfig, unit_id: Any) -> OrganizationUnitConfig:
    if not isinstance(unit_id, str) or not unit_id:
        raise Unprocessable("OrganizationUnitId must be provided.")
    unit = tenant.unit(unit_id)
    if unit is None:
        raise Unprocessable(f"OrganizationUnitId '{unit_id}' is not an organization unit.")
    return unit


def type_for_create(
    tenant: TenantConfig, unit: OrganizationUnitConfig, type_id: Any
) -> WorkspaceTypeConfig:
    if not isinstance(type_id, str) or not type_id:
        raise Unprocessable("WorkspaceTypeId must be provided.")
    if type_id.upper() not in unit.type_ids:
        raise Unprocessable(
            f"WorkspaceTypeId '{type_id}' is not in the available workspace types of "
            f"organization unit '{unit.id}'."
        )
    wtype = tenant.types[type_id.upper()]
    if not wtype.is_active:
        raise Unprocessable(f"Workspace type '{wtype.name}' is not active.")
    if wtype.creation_mode == 0:
        raise Unprocessable(f"Workspace type '{wtype.name}' is created manually only.")
    return wtype


def is_full(wtype: WorkspaceTypeConfig) -> bool:
    """The Full generator numbers ids from a counter, so the store must pick the number."""
    return wtype.generator == GENERATORS["Full"]


def workspace_id(wtype: WorkspaceTypeConfig, body: dict[str, Any]) -> str:
    """The WorkspaceId the body gives, or the one the type generates (then none may be given)."""
    given_id = body.get("WorkspaceId")
    if wtype.generator not in (GENERATORS["Full"], GENERATORS["PrefixWithName"]):
        return validation.workspace_id(given_id, wtype)
    if given_id is not None:
        raise Unprocessable(
            "WorkspaceId must not be sent: this workspace type generates it "
            f"({shapes.GENERATOR_NAMES[wtype.generator]})."
        )
    if is_full(wtype):
        return f"{_dotted(wtype.prefix)}pending"  # numbered inside the transaction
    alnum = re.sub(r"[^a-z0-9]", "", body["Name"].lower())  # ASCII only, as URLs want
    if not alnum:
        raise Unprocessable("Name must contain letters or digits to generate a WorkspaceId.")
    generated = f"{_dotted(wtype.prefix)}{alnum}"
    if len(generated) > 128:
        raise Unprocessable("Name is too long: the WorkspaceId it generates passes 128.")
    return generated


def assign_number(
    tenant: TenantConfig, wtype: WorkspaceTypeConfig, doc: dict[str, Any], n: int
) -> None:
    """Give a Full-generated document the WorkspaceId (and Url) of counter value n."""
    doc["WorkspaceId"] = f"{_dotted(wtype.prefix)}{n:05d}"
    doc["Url"] = _url(tenant, doc["WorkspaceId"])


def new_document(
    tenant: TenantConfig,
    unit: OrganizationUnitConfig,
    wtype: WorkspaceTypeConfig,
    workspace_id: str,
    body: dict[str, Any],
    progression: Progression,
) -> dict[str, Any]:
    """The stored form of a new workspace, provisioning; Id 0 until the store numbers it."""
    manager = validation.person(tenant, body, "Manager")
    deputy = validation.person(tenant, body, "Deputy") if body.get("Deputy") else None
    given = validation.schema_entries(body.get("Schema") or [], wtype)
    values = {f.name: given.get(f.name) for f in wtype.fields}
    validation.required_fields_set(values, wtype)
    description = body.get("Description")
    if description is not None and not isinstance(description, str):
        raise Unprocessable("Description must be a string.")
    team, site_groups = teams.initial_team(wtype)
    added, _ = validation.team_sections(body.get("Team") or {})  # Removed: not on creation
    for section in added:
        group = teams.group_for_create(wtype, section["Group"])
        for member in dict.fromkeys(section["Members"]):  # distinct, in order
            account = teams.resolve_member(tenant, wtype, member)
            if account is None:
                raise Unprocessable(teams.member_problem(wtype, group, member))
            teams.add_member(team, wtype, group, account)
    teams.add_member(team, wtype, teams.owner_group(wtype), manager["Email"])
    now = shapes.timestamp()
    return {
        "Id": 0,
        "Stage": stages.PROVISIONING,
        "WorkspaceId": workspace_id,
        "Name": body["Name"],
        "UnitTypeId": tenant.unit_type_id(unit.id, wtype.id),
        "Url": _url(tenant, workspace_id),
        "Shared": False,
        "LifeCycle": 0,
        "Created": now,
        "Modified": now,
        "Creator": dict(tenant.admin),
        "Modifier": dict(tenant.admin),
        "Manager": manager,
        "Deputy": deputy,
        "UnitId": unit.id,
        "TypeId": wtype.id,
        "Description": description,
        "Schema": values,
        "Team": team,
        "SiteGroups": site_groups,
        "Progress": stages.start(progression),
    }


def _dotted(prefix: str | None) -> str:
    prefix = prefix or ""
    return prefix if not prefix or prefix.endswith(".") else prefix + "."


def _url(tenant: TenantConfig, workspace_id: str) -> str:
    return f"https://{tenant.host}/sites/{workspace_id}"
