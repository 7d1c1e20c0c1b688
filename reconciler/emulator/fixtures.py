"""Load the emulator's seed: tenants, tokens, units, workspace types, directory, workspaces.

The fixture format is documented in README ("Emulator fixture format"). A bad
fixture stops the emulator with a message naming the tenant and entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEMO_FIXTURE = Path(__file__).parent / "fixtures" / "demo.yaml"

GENERATORS = {"None": 0, "PrefixWithId": 1, "Full": 2, "PrefixWithName": 3}
PROVISIONING_TYPES = {"SharePoint": 0, "Teams": 1}
FIELD_TYPES = ("string", "datetime", "number", "boolean")


class FixtureError(Exception):
    """The fixture file cannot seed the emulator; the message says where and why."""


@dataclass(frozen=True)
class FieldDefinition:
    """One field of a workspace type's SchemaDefinition."""

    name: str
    type: str
    required: bool = False
    valid_values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class WorkspaceTypeConfig:
    """A workspace type as the tenant has configured it."""

    id: str
    name: str
    creation_mode: int
    is_active: bool
    provisioning_type: int
    generator: int
    prefix: str | None
    fields: tuple[FieldDefinition, ...]
    cards: tuple[dict[str, Any], ...]

    @property
    def is_teams(self) -> bool:
        return self.provisioning_type == PROVISIONING_TYPES["Teams"]

    def field(self, name: str) -> FieldDefinition | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class OrganizationUnitConfig:
    """An organization unit and the ids of the workspace types available in it."""

    id: str
    name: str | None
    short_name: str | None
    logo: str | None
    type_ids: tuple[str, ...]


@dataclass
class TenantConfig:
    """Everything about one tenant that is configuration rather than workspace state."""

    name: str
    tokens: tuple[str, ...]
    admin: dict[str, str]
    host: str
    units: dict[str, OrganizationUnitConfig]
    types: dict[str, WorkspaceTypeConfig]
    # UnitTypeId -> (unit id, type id): our reading 1 of the API document.
    unit_types: dict[int, tuple[str, str]]
    accounts: dict[str, dict[str, str]]  # lower-case email -> {"Email", "Name"}
    ad_groups: dict[str, str]  # lower-case name -> name as the directory spells it
    workspaces: list[dict[str, Any]] = field(default_factory=list)

    def unit(self, unit_id: str) -> OrganizationUnitConfig | None:
        return self.units.get(unit_id.upper())

    def unit_type_id(self, unit_id: str, type_id: str) -> int | None:
        for pair_id, pair in self.unit_types.items():
            if pair == (unit_id.upper(), type_id.upper()):
                return pair_id
        return None


def load_fixture(path: Path) -> dict[str, TenantConfig]:
    """Read a fixture file into tenant configurations, or raise FixtureError."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FixtureError(f"{path}: cannot read fixture: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("tenants"), dict):
        raise FixtureError(f"{path}: a fixture is a mapping with a 'tenants' mapping")
    tenants = {name: _tenant(str(name), body, path) for name, body in raw["tenants"].items()}
    _check_tokens_unique(tenants, path)
    return tenants


def _tenant(name: str, body: Any, path: Path) -> TenantConfig:
    where = f"{path}: tenant {name!r}"
    if not isinstance(body, dict):
        raise FixtureError(f"{where}: must be a mapping")
    try:
        types = {t.id: t for t in (_workspace_type(t) for t in body.get("workspaceTypes", []))}
        units, unit_types = _units(body.get("organizationUnits", []), types)
        directory = body.get("directory") or {}
        accounts = {
            str(a["Email"]).lower(): {"Email": str(a["Email"]), "Name": str(a.get("Name") or "")}
            for a in directory.get("accounts", [])
        }
        ad_groups = {str(g).lower(): str(g) for g in directory.get("adGroups", [])}
        tokens = tuple(str(t) for t in body.get("tokens", []))
        admin = body.get("admin") or {
            "Name": "Seamless Admin",
            "Email": f"seamless@{name}.onmicrosoft.com",
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FixtureError(f"{where}: {type(exc).__name__}: {exc}") from exc
    if not tokens:
        raise FixtureError(f"{where}: needs at least one token")
    if not units:
        raise FixtureError(f"{where}: needs at least one organization unit")
    return TenantConfig(
        name=name,
        tokens=tokens,
        admin={"Name": str(admin["Name"]), "Email": str(admin["Email"])},
        host=str(body.get("sharepointHost") or f"{name}.sharepoint.com"),
        units=units,
        types=types,
        unit_types=unit_types,
        accounts=accounts,
        ad_groups=ad_groups,
        workspaces=list(body.get("workspaces") or []),
    )


def _workspace_type(raw: dict[str, Any]) -> WorkspaceTypeConfig:
    generator = raw.get("WorkspaceIdGenerator") or {"Name": "None"}
    if generator["Name"] not in GENERATORS:
        raise ValueError(f"type {raw['Name']!r}: unknown generator {generator['Name']!r}")
    fields = []
    for f in raw.get("Schema") or []:
        if f["FieldType"] not in FIELD_TYPES:
            raise ValueError(f"field {f['FieldName']!r}: FieldType must be one of {FIELD_TYPES}")
        valid = f.get("ValidValues")
        fields.append(
            FieldDefinition(
                name=str(f["FieldName"]),
                type=str(f["FieldType"]),
                required=bool(f.get("IsRequired", False)),
                valid_values=tuple(str(v) for v in valid) if valid is not None else None,
            )
        )
    provisioning = raw.get("ProvisioningType", "SharePoint")
    return WorkspaceTypeConfig(
        id=str(raw["Id"]).upper(),
        name=str(raw["Name"]),
        creation_mode=int(raw.get("CreationMode", 2)),
        is_active=bool(raw.get("IsActive", True)),
        provisioning_type=PROVISIONING_TYPES[provisioning]
        if isinstance(provisioning, str)
        else int(provisioning),
        generator=GENERATORS[generator["Name"]],
        prefix=generator.get("Prefix"),
        fields=tuple(fields),
        cards=tuple(dict(c) for c in raw.get("Cards") or []),
    )


def _units(
    raw_units: list[dict[str, Any]], types: dict[str, WorkspaceTypeConfig]
) -> tuple[dict[str, OrganizationUnitConfig], dict[int, tuple[str, str]]]:
    by_name = {t.name: t.id for t in types.values()}
    units: dict[str, OrganizationUnitConfig] = {}
    unit_types: dict[int, tuple[str, str]] = {}
    for raw in raw_units:
        unit_id = str(raw["Id"]).upper()
        type_ids = []
        for ref in raw.get("workspaceTypes", []):
            type_id = by_name.get(ref) or str(ref).upper()
            if type_id not in types:
                raise ValueError(f"unit {raw.get('Name')!r}: unknown workspace type {ref!r}")
            type_ids.append(type_id)
            unit_types[len(unit_types) + 1] = (unit_id, type_id)
        units[unit_id] = OrganizationUnitConfig(
            id=unit_id,
            name=raw.get("Name"),
            short_name=raw.get("ShortName"),
            logo=raw.get("Logo"),
            type_ids=tuple(type_ids),
        )
    return units, unit_types


def _check_tokens_unique(tenants: dict[str, TenantConfig], path: Path) -> None:
    seen: dict[str, str] = {}
    for tenant in tenants.values():
        for token in tenant.tokens:
            if token in seen:
                raise FixtureError(
                    f"{path}: a token is shared by {seen[token]!r} and {tenant.name!r}"
                )
            seen[token] = tenant.name
