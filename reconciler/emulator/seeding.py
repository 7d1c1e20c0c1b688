"""The fixture's workspaces, written into a store once; a stored --data file checked against it.

Fixture workspaces are built by `creation.new_document`, so they pass the
same checks (accounts, schema values, team groups) as an API create; a
workspace that fails them stops the emulator with a FixtureError naming it.
Unlike a create, a fixture states live state: its stage and life cycle, and
its team (when it gives one) as it is, nothing implied. No API rule lives here.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator import creation, stages, teams
from reconciler.emulator.errors import Unprocessable
from reconciler.emulator.fixtures import FixtureError, OrganizationUnitConfig, TenantConfig
from reconciler.emulator.stages import Progression
from reconciler.emulator.store import Store


def seed(tenants: dict[str, TenantConfig], store: Store) -> None:
    """Create the fixture's workspaces, once per store (a --data file keeps them)."""
    if store.is_seeded():
        _check_stored(tenants, store)
        return
    for tenant in tenants.values():
        for raw in tenant.workspaces:
            try:
                _seed_workspace(store, tenant, raw)
            except Unprocessable as exc:
                where = f"tenant {tenant.name!r}, workspace {raw.get('WorkspaceId')!r}"
                raise FixtureError(f"fixture {where}: {exc.message}") from exc
    store.mark_seeded()


def _check_stored(tenants: dict[str, TenantConfig], store: Store) -> None:
    """Stored workspaces must name units and types the fixture still has."""
    for tenant_name, doc in store.all():
        tenant = tenants.get(tenant_name)
        if tenant is None or doc["TypeId"] not in tenant.types or doc["UnitId"] not in tenant.units:
            raise FixtureError(
                f"the data file holds workspace {doc['WorkspaceId']!r} of tenant "
                f"{tenant_name!r} whose tenant, unit or type the fixture lacks: use the "
                "fixture it was made with, or a new --data file"
            )


def _seed_workspace(store: Store, tenant: TenantConfig, raw: dict[str, Any]) -> None:
    unit = _unit_by_reference(tenant, str(raw["OrganizationUnit"]))
    type_ref = str(raw["WorkspaceType"])
    wtype = next((t for t in tenant.types.values() if type_ref in (t.id, t.name)), None)
    if wtype is None:
        raise Unprocessable(f"unknown workspace type {type_ref!r}")
    body: dict[str, Any] = {
        "Name": raw["Name"],
        "Manager": _fixture_person(raw["Manager"]),
        "Deputy": _fixture_person(raw["Deputy"]) if raw.get("Deputy") else None,
        "Schema": [{"FieldName": k, "FieldValue": v} for k, v in (raw.get("Schema") or {}).items()],
    }
    # Any progression will do: the fixture states the stage, so Progress is dropped below.
    doc = creation.new_document(tenant, unit, wtype, str(raw["WorkspaceId"]), body, Progression())
    if raw.get("Team") is not None:  # live state as the fixture states it, nothing implied
        groups = {str(g): [str(m) for m in members] for g, members in raw["Team"].items()}
        doc["Team"] = {g: m for g, m in groups.items() if g in teams.initial_team(wtype)[0]}
        doc["SiteGroups"] = {g: m for g, m in groups.items() if g not in doc["Team"]}
    doc["Stage"] = int(raw.get("Stage", stages.READY))
    doc.pop("Progress", None)
    doc["LifeCycle"] = 1 if raw.get("LifeCycle") in (1, "closed") else 0
    with store.transaction():
        doc["Id"] = store.next_value(f"{tenant.name}/id")
        store.put(tenant.name, doc)


def _unit_by_reference(tenant: TenantConfig, ref: str) -> OrganizationUnitConfig:
    """A fixture names a unit by Id (any case), Name or ShortName."""
    for unit in tenant.units.values():
        if ref.upper() == unit.id or ref in (unit.name, unit.short_name):
            return unit
    raise Unprocessable(f"unknown organization unit {ref!r}")


def _fixture_person(raw: Any) -> dict[str, Any]:
    """A fixture gives a person as an email alone or as {Email, Name}."""
    return dict(raw) if isinstance(raw, dict) else {"Email": str(raw)}
