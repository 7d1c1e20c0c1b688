"""The API document's shapes of units, types, schemas and times, rendered from configuration."""

from __future__ import annotations

import json
import time
from typing import Any

from reconciler.emulator.fixtures import GENERATORS, OrganizationUnitConfig, WorkspaceTypeConfig

GENERATOR_NAMES = {value: name for name, value in GENERATORS.items()}


def timestamp() -> str:
    """Now, as Created and Modified carry it: UTC, to the second, with a Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def render_unit(unit: OrganizationUnitConfig) -> dict[str, Any]:
    return {"Id": unit.id, "Name": unit.name, "ShortName": unit.short_name, "Logo": unit.logo}


def render_type(wtype: WorkspaceTypeConfig, unit_type_id: int | None) -> dict[str, Any]:
    definition = render_schema(wtype, {})
    return {
        "Id": wtype.id,
        "Name": wtype.name,
        "CreationMode": wtype.creation_mode,
        "IsActive": "1" if wtype.is_active else "0",
        "SchemaDefinition": json.dumps(definition, separators=(",", ":")),
        "WorkspaceIdGenerator": {
            "Name": GENERATOR_NAMES[wtype.generator],
            "Value": wtype.generator,
            "Prefix": wtype.prefix,
        },
        "ProvisioningType": wtype.provisioning_type,
        "UnitTypeId": unit_type_id,
    }


def render_schema(
    wtype: WorkspaceTypeConfig, values: dict[str, str | None]
) -> list[dict[str, Any]]:
    return [
        {
            "FieldName": f.name,
            "FieldType": f.type,
            "FieldValue": values.get(f.name),
            "IsRequired": f.required,
            "ValidValues": list(f.valid_values) if f.valid_values is not None else None,
        }
        for f in wtype.fields
    ]


def render_workspace(wtype: WorkspaceTypeConfig, doc: dict[str, Any]) -> dict[str, Any]:
    """GET workspace's shape, in the sample's key order; cards and schema from the type."""
    keys = ("Id", "Stage", "WorkspaceId", "Name", "UnitTypeId", "Url", "Shared", "LifeCycle")
    rendered = {k: doc[k] for k in keys}
    for k in ("Created", "Modified", "Creator", "Modifier", "Manager", "Deputy"):
        rendered[k] = doc[k]
    rendered["Cards"] = [dict(c) for c in wtype.cards]
    rendered["Schema"] = render_schema(wtype, doc["Schema"])
    return rendered
