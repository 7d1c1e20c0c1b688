"""Every rule of the Seamless API document, apart from HTTP: what each operation does to a tenant.

Handlers in `routes` call these methods with parsed JSON and serialize what
they return. Validation happens before any write, and each operation's writes
run in one store transaction, so a refused request changes nothing.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from reconciler.emulator import shapes, stages, teams, validation
from reconciler.emulator.errors import NotFound, Unprocessable
from reconciler.emulator.fixtures import (
    GENERATORS,
    FixtureError,
    OrganizationUnitConfig,
    TenantConfig,
    WorkspaceTypeConfig,
)
from reconciler.emulator.stages import Progression
from reconciler.emulator.store import Store

ADDED, REMOVED, FAILED, NOT_EXISTING_GROUP = range(4)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Backend:
    """The service model: tenants' configuration plus workspaces kept in the store."""

    def __init__(self, tenants: dict[str, TenantConfig], store: Store) -> None:
        self.tenants = tenants
        self.store = store
        self.progression = Progression()

    # -- tenants and seeding -------------------------------------------------------------

    def tenant(self, name: str) -> TenantConfig:
        try:
            return self.tenants[name]
        except KeyError:
            raise NotFound(f"Tenant '{name}' not found.") from None

    def tenant_of_token(self, token: str) -> str | None:
        return next((t.name for t in self.tenants.values() if token in t.tokens), None)

    def seed(self) -> None:
        """Create the fixture's workspaces, once per store (a --data file keeps them)."""
        if self.store.is_seeded():
            self._check_stored()
            return
        for tenant in self.tenants.values():
            for raw in tenant.workspaces:
                try:
                    self._seed_workspace(tenant, raw)
                except Unprocessable as exc:
                    where = f"tenant {tenant.name!r}, workspace {raw.get('WorkspaceId')!r}"
                    raise FixtureError(f"fixture {where}: {exc.message}") from exc
        self.store.mark_seeded()

    def _check_stored(self) -> None:
        """Stored workspaces must name units and types the fixture still has."""
        for tenant_name, doc in self.store.all():
            tenant = self.tenants.get(tenant_name)
            if (
                tenant is None
                or doc["TypeId"] not in tenant.types
                or doc["UnitId"] not in tenant.units
            ):
                raise FixtureError(
                    f"the data file holds workspace {doc['WorkspaceId']!r} of tenant "
                    f"{tenant_name!r} whose tenant, unit or type the fixture lacks: use the "
                    "fixture it was made with, or a new --data file"
                )

    def _seed_workspace(self, tenant: TenantConfig, raw: dict[str, Any]) -> None:
        unit = self._unit_by_reference(tenant, str(raw["OrganizationUnit"]))
        type_ref = str(raw["WorkspaceType"])
        wtype = next((t for t in tenant.types.values() if type_ref in (t.id, t.name)), None)
        if wtype is None:
            raise Unprocessable(f"unknown workspace type {type_ref!r}")
        body: dict[str, Any] = {
            "Name": raw["Name"],
            "Manager": _fixture_person(raw["Manager"]),
            "Deputy": _fixture_person(raw["Deputy"]) if raw.get("Deputy") else None,
            "Schema": [
                {"FieldName": k, "FieldValue": v} for k, v in (raw.get("Schema") or {}).items()
            ],
        }
        doc = self._new_document(tenant, unit, wtype, str(raw["WorkspaceId"]), body)
        if raw.get("Team") is not None:  # live state as the fixture states it, nothing implied
            groups = {str(g): [str(m) for m in members] for g, members in raw["Team"].items()}
            doc["Team"] = {g: m for g, m in groups.items() if g in teams.initial_team(wtype)[0]}
            doc["SiteGroups"] = {g: m for g, m in groups.items() if g not in doc["Team"]}
        doc["Stage"] = int(raw.get("Stage", stages.READY))
        doc.pop("Progress", None)
        doc["LifeCycle"] = 1 if raw.get("LifeCycle") in (1, "closed") else 0
        with self.store.transaction():
            doc["Id"] = self.store.next_value(f"{tenant.name}/id")
            self.store.put(tenant.name, doc)

    # -- organization units and types ------------------------------------------------------

    def list_units(self, tenant_name: str) -> list[dict[str, Any]]:
        return [shapes.render_unit(u) for u in self.tenant(tenant_name).units.values()]

    def get_unit(self, tenant_name: str, unit_id: str) -> dict[str, Any]:
        unit = self.tenant(tenant_name).unit(unit_id)
        if unit is None:
            raise NotFound(f"Organization unit '{unit_id}' not found.")
        return shapes.render_unit(unit)

    def available_types(self, tenant_name: str, unit_id: str) -> list[dict[str, Any]]:
        tenant = self.tenant(tenant_name)
        unit = tenant.unit(unit_id)
        if unit is None:
            raise NotFound(f"Organization unit '{unit_id}' not found.")
        return [
            shapes.render_type(tenant.types[t], tenant.unit_type_id(unit.id, t))
            for t in unit.type_ids
        ]

    # -- workspaces: create ------------------------------------------------------------------

    def create_workspace(self, tenant_name: str, body: Any) -> dict[str, Any]:
        """POST /workspaces: validate everything, then write the workspace in one transaction."""
        tenant = self.tenant(tenant_name)
        body = validation.require_object(body, "workspace")
        validation.require_string(body, "Name")
        unit = self._unit_for_create(tenant, body.get("OrganizationUnitId"))
        wtype = self._type_for_create(tenant, unit, body.get("WorkspaceTypeId"))
        given_id = body.get("WorkspaceId")
        if wtype.generator in (GENERATORS["Full"], GENERATORS["PrefixWithName"]):
            if given_id is not None:
                raise Unprocessable(
                    "WorkspaceId must not be sent: this workspace type generates it "
                    f"({shapes.GENERATOR_NAMES[wtype.generator]})."
                )
            workspace_id = self._generated_id(tenant, wtype, body["Name"])
        else:
            workspace_id = validation.workspace_id(given_id, wtype)
        doc = self._new_document(tenant, unit, wtype, workspace_id, body)
        with self.store.transaction():
            while wtype.generator == GENERATORS["Full"]:  # skip numbers someone already took
                number = self.store.next_value(f"{tenant.name}/full/{wtype.prefix}")
                doc["WorkspaceId"] = f"{_dotted(wtype.prefix)}{number:05d}"
                doc["Url"] = _url(tenant, doc["WorkspaceId"])
                if self.store.get(tenant.name, doc["WorkspaceId"]) is None:
                    break
            if self.store.get(tenant.name, doc["WorkspaceId"]) is not None:
                raise Unprocessable(f"WorkspaceId '{doc['WorkspaceId']}' already exists.")
            doc["Id"] = self.store.next_value(f"{tenant.name}/id")
            self.store.put(tenant.name, doc)
        return shapes.render_workspace(tenant.types[doc["TypeId"]], doc)

    def _unit_for_create(self, tenant: TenantConfig, unit_id: Any) -> OrganizationUnitConfig:
        if not isinstance(unit_id, str) or not unit_id:
            raise Unprocessable("OrganizationUnitId must be provided.")
        unit = tenant.unit(unit_id)
        if unit is None:
            raise Unprocessable(f"OrganizationUnitId '{unit_id}' is not an organization unit.")
        return unit

    def _type_for_create(
        self, tenant: TenantConfig, unit: OrganizationUnitConfig, type_id: Any
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

    def _generated_id(self, tenant: TenantConfig, wtype: WorkspaceTypeConfig, name: str) -> str:
        if wtype.generator == GENERATORS["Full"]:
            return f"{_dotted(wtype.prefix)}pending"  # numbered inside the transaction
        alnum = re.sub(r"[^a-z0-9]", "", name.lower())  # ASCII only, as URLs want
        if not alnum:
            raise Unprocessable("Name must contain letters or digits to generate a WorkspaceId.")
        generated = f"{_dotted(wtype.prefix)}{alnum}"
        if len(generated) > 128:
            raise Unprocessable("Name is too long: the WorkspaceId it generates passes 128.")
        return generated

    def _new_document(
        self,
        tenant: TenantConfig,
        unit: OrganizationUnitConfig,
        wtype: WorkspaceTypeConfig,
        workspace_id: str,
        body: dict[str, Any],
    ) -> dict[str, Any]:
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
        now = _now()
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
            "Progress": stages.start(self.progression),
        }

    # -- workspaces: read --------------------------------------------------------------------

    def get_workspace(self, tenant_name: str, workspace_id: str) -> dict[str, Any]:
        tenant = self.tenant(tenant_name)
        doc = self._polled(tenant, workspace_id)
        return shapes.render_workspace(tenant.types[doc["TypeId"]], doc)

    def get_status(self, tenant_name: str, workspace_id: str) -> dict[str, Any]:
        stage = self._polled(self.tenant(tenant_name), workspace_id)["Stage"]
        return {"Name": stages.STATUS_NAMES[stage], "Value": stage}

    def get_groups(self, tenant_name: str, workspace_id: str) -> dict[str, Any]:
        doc = self._existing(self.tenant(tenant_name), workspace_id)
        return {"Groups": [f"{doc['Name']} {g}" for g in sorted(doc["Team"])]}

    def get_team(self, tenant_name: str, workspace_id: str) -> list[dict[str, Any]]:
        doc = self._existing(self.tenant(tenant_name), workspace_id)
        site = [{"Group": g, "Members": list(m)} for g, m in doc["SiteGroups"].items()]
        named = [
            {"Group": f"{doc['Name']} {g}", "Members": list(doc["Team"][g])}
            for g in sorted(doc["Team"])
        ]
        return site + named

    def _existing(self, tenant: TenantConfig, workspace_id: str) -> dict[str, Any]:
        doc = self.store.get(tenant.name, workspace_id)
        if doc is None:
            raise NotFound(f"Workspace '{workspace_id}' not found.")
        return doc

    def _polled(self, tenant: TenantConfig, workspace_id: str) -> dict[str, Any]:
        """Read a workspace as a status poll: provisioning may advance."""
        with self.store.transaction():
            doc = self._existing(tenant, workspace_id)
            if stages.on_poll(doc):
                self.store.put(tenant.name, doc)
        return doc

    def _ready(self, tenant: TenantConfig, workspace_id: str, *, open_only: bool) -> dict[str, Any]:
        doc = self._existing(tenant, workspace_id)
        stages.advance_if_due(doc)  # time passes for writers too, not only for pollers
        if doc["Stage"] != stages.READY:
            stage = stages.STATUS_NAMES[doc["Stage"]]
            raise Unprocessable(f"Workspace '{doc['WorkspaceId']}' is not ready (Stage: {stage}).")
        if open_only and doc["LifeCycle"] == 1:
            raise Unprocessable(
                f"Workspace '{doc['WorkspaceId']}' is closed; reopen it (LifeCycle 0) first."
            )
        return doc

    # -- workspaces: update ------------------------------------------------------------------

    def update_workspace(self, tenant_name: str, workspace_id: str, body: Any) -> dict[str, Any]:
        """PUT workspaces/{id}: the full set of Name, LifeCycle, Manager and Deputy."""
        tenant = self.tenant(tenant_name)
        with self.store.transaction():
            doc = self._ready(tenant, workspace_id, open_only=False)
            body = validation.require_object(body, "workspace")
            name = validation.require_string(body, "Name")
            life_cycle = validation.life_cycle(body)
            manager = validation.person(tenant, body, "Manager")
            deputy = validation.person(tenant, body, "Deputy") if body.get("Deputy") else None
            wtype = tenant.types[doc["TypeId"]]
            old = doc["Manager"]["Email"]
            if old.lower() != manager["Email"].lower():
                teams.remove_member(doc["Team"], teams.owner_group(wtype), old)
                teams.add_member(doc["Team"], wtype, teams.owner_group(wtype), manager["Email"])
            doc.update(Name=name, LifeCycle=life_cycle, Manager=manager, Deputy=deputy)
            self._touch(tenant, doc)
        return {"Name": name, "LifeCycle": life_cycle, "Manager": manager, "Deputy": deputy}

    def update_team(self, tenant_name: str, workspace_id: str, body: Any) -> list[dict[str, Any]]:
        """PUT workspaces/{id}/team: removals, then additions; a status for every member named."""
        tenant = self.tenant(tenant_name)
        with self.store.transaction():
            doc = self._ready(tenant, workspace_id, open_only=True)
            added, removed = validation.team_sections(body)
            wtype = tenant.types[doc["TypeId"]]
            removed_results = [self._team_change(tenant, wtype, doc, s, add=False) for s in removed]
            added_results = [self._team_change(tenant, wtype, doc, s, add=True) for s in added]
            self._touch(tenant, doc)
        return added_results + removed_results

    def _team_change(
        self,
        tenant: TenantConfig,
        wtype: WorkspaceTypeConfig,
        doc: dict[str, Any],
        section: dict[str, Any],
        *,
        add: bool,
    ) -> dict[str, Any]:
        group = teams.canonical_group(wtype, section["Group"])
        results = []
        for member in section["Members"]:
            account = teams.resolve_member(tenant, wtype, member)
            if group is None:
                status = NOT_EXISTING_GROUP
            elif account is None:
                status = FAILED
            elif add:
                teams.add_member(doc["Team"], wtype, group, account)
                status = ADDED
            else:
                teams.remove_member(doc["Team"], group, account)
                status = REMOVED
            results.append({"Account": member, "Status": status})
        return {"Group": section["Group"], "Members": results}

    def update_schema(self, tenant_name: str, workspace_id: str, body: Any) -> dict[str, Any]:
        """PUT workspaces/{id}/schema: every FieldName of the type, exactly once."""
        tenant = self.tenant(tenant_name)
        with self.store.transaction():
            doc = self._ready(tenant, workspace_id, open_only=True)
            wtype = tenant.types[doc["TypeId"]]
            values = validation.schema_entries(body, wtype)
            missing = [f.name for f in wtype.fields if f.name not in values]
            if missing:
                raise Unprocessable(
                    "Schema must list every FieldName of the workspace type; missing: "
                    + ", ".join(missing)
                    + "."
                )
            validation.required_fields_set(values, wtype)
            doc["Schema"] = values
            self._touch(tenant, doc)
        schema = json.dumps(shapes.render_schema(wtype, values), separators=(",", ":"))
        return {"WorkspaceId": doc["WorkspaceId"], "Url": doc["Url"], "Schema": schema}

    def update_workspace_type(
        self, tenant_name: str, workspace_id: str, body: Any
    ) -> dict[str, Any]:
        """PUT workspaces/{id}/workspaceType, under the document's three type-change rules."""
        tenant = self.tenant(tenant_name)
        with self.store.transaction():
            doc = self._ready(tenant, workspace_id, open_only=True)
            body = validation.require_object(body, "workspace type")
            type_id = validation.require_string(body, "Id").upper()
            current = tenant.types[doc["TypeId"]]
            new = self._type_change_target(tenant, doc, current, type_id)
            doc["TypeId"] = new.id
            doc["UnitTypeId"] = tenant.unit_type_id(doc["UnitId"], new.id)
            self._touch(tenant, doc)
        return {
            "WorkspaceId": doc["WorkspaceId"],
            "Url": doc["Url"],
            "UnitTypeId": str(doc["UnitTypeId"]),
            "Cards": [dict(c) for c in new.cards],
        }

    def _type_change_target(
        self,
        tenant: TenantConfig,
        doc: dict[str, Any],
        current: WorkspaceTypeConfig,
        type_id: str,
    ) -> WorkspaceTypeConfig:
        unit = tenant.units[doc["UnitId"]]
        if type_id not in unit.type_ids:
            raise Unprocessable(
                f"Id '{type_id}' is not an available workspace type of the workspace's "
                "organization unit."
            )
        new = tenant.types[type_id]
        if not new.is_active:
            raise Unprocessable(f"Workspace type '{new.name}' is not active.")
        if {(f.name, f.type) for f in new.fields} != {(f.name, f.type) for f in current.fields}:
            raise Unprocessable(
                f"Workspace type '{new.name}' does not have a schema matching '{current.name}'."
            )
        if new.provisioning_type != current.provisioning_type:
            raise Unprocessable(f"Workspace type '{new.name}' has another ProvisioningType.")
        prefix = new.prefix or ""
        needs_prefix = new.generator in (GENERATORS["PrefixWithId"], GENERATORS["Full"])
        if needs_prefix and not doc["WorkspaceId"].lower().startswith(prefix.lower()):
            raise Unprocessable(
                f"WorkspaceId '{doc['WorkspaceId']}' does not start with the prefix "
                f"'{prefix}' of workspace type '{new.name}'."
            )
        return new

    def _touch(self, tenant: TenantConfig, doc: dict[str, Any]) -> None:
        doc["Modified"] = _now()
        doc["Modifier"] = dict(tenant.admin)
        self.store.put(tenant.name, doc)

    # -- control path helpers ----------------------------------------------------------------

    def set_stage(self, tenant_name: str, workspace_id: str, stage: int | None) -> dict[str, Any]:
        """Force a workspace's stage, or finish its provisioning now when stage is None."""
        tenant = self.tenant(tenant_name)
        with self.store.transaction():
            doc = self._existing(tenant, workspace_id)
            if stage is None:
                stages.finish(doc)
            else:
                doc.pop("Progress", None)
                doc["Stage"] = stage
            self.store.put(tenant.name, doc)
        return {"WorkspaceId": doc["WorkspaceId"], "Stage": doc["Stage"]}

    def _unit_by_reference(self, tenant: TenantConfig, ref: str) -> OrganizationUnitConfig:
        for unit in tenant.units.values():
            if ref.upper() == unit.id or ref in (unit.name, unit.short_name):
                return unit
        raise Unprocessable(f"unknown organization unit {ref!r}")


# -- pure helpers ----------------------------------------------------------------------------


def _fixture_person(raw: Any) -> dict[str, Any]:
    return dict(raw) if isinstance(raw, dict) else {"Email": str(raw)}


def _dotted(prefix: str | None) -> str:
    prefix = prefix or ""
    return prefix if not prefix or prefix.endswith(".") else prefix + "."


def _url(tenant: TenantConfig, workspace_id: str) -> str:
    return f"https://{tenant.host}/sites/{workspace_id}"
