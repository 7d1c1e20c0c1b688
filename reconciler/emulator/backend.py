"""Every operation of the Seamless API document, apart from HTTP: what each does to a tenant.

Handlers in `routes` call these methods with parsed JSON and serialize what
they return. Validation happens before any write, and each operation's writes
run in one store transaction, so a refused request changes nothing. The rule
families live beside it and touch no store: `creation` (POST /workspaces and
generated ids), `type_change`, `teams`, `validation`, `stages` and `shapes`;
`seeding` loads the fixture. This module reads and writes the store, checks a
workspace is ready for a write, and keeps the Modified stamp.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.emulator import creation, seeding, shapes, stages, teams, type_change, validation
from reconciler.emulator.errors import NotFound, Unprocessable
from reconciler.emulator.fixtures import TenantConfig
from reconciler.emulator.stages import Progression
from reconciler.emulator.store import Store


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
        seeding.seed(self.tenants, self.store)

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
        unit = creation.unit_for_create(tenant, body.get("OrganizationUnitId"))
        wtype = creation.type_for_create(tenant, unit, body.get("WorkspaceTypeId"))
        workspace_id = creation.workspace_id(wtype, body)
        doc = creation.new_document(tenant, unit, wtype, workspace_id, body, self.progression)
        with self.store.transaction():
            while creation.is_full(wtype):  # skip numbers someone already took
                number = self.store.next_value(f"{tenant.name}/full/{wtype.prefix}")
                creation.assign_number(tenant, wtype, doc, number)
                if self.store.get(tenant.name, doc["WorkspaceId"]) is None:
                    break
            if self.store.get(tenant.name, doc["WorkspaceId"]) is not None:
                raise Unprocessable(f"WorkspaceId '{doc['WorkspaceId']}' already exists.")
            doc["Id"] = self.store.next_value(f"{tenant.name}/id")
            self.store.put(tenant.name, doc)
        return shapes.render_workspace(tenant.types[doc["TypeId"]], doc)

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

    def _ready(self, tenant: TenantConfig, workspace_id: str) -> dict[str, Any]:
        """The workspace, Ready for a write. A closed one takes every write too: the API
        document states no restriction on a closed workspace (design.md, reading 15)."""
        doc = self._existing(tenant, workspace_id)
        stages.advance_if_due(doc)  # time passes for writers too, not only for pollers
        if doc["Stage"] != stages.READY:
            stage = stages.STATUS_NAMES[doc["Stage"]]
            raise Unprocessable(f"Workspace '{doc['WorkspaceId']}' is not ready (Stage: {stage}).")
        return doc

    # -- workspaces: update ------------------------------------------------------------------

    def update_workspace(self, tenant_name: str, workspace_id: str, body: Any) -> dict[str, Any]:
        """PUT workspaces/{id}: the full set of Name, LifeCycle, Manager and Deputy."""
        tenant = self.tenant(tenant_name)
        with self.store.transaction():
            doc = self._ready(tenant, workspace_id)
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
            doc = self._ready(tenant, workspace_id)
            added, removed = validation.team_sections(body)
            wtype = tenant.types[doc["TypeId"]]
            team = doc["Team"]
            removed_results = [teams.change(tenant, wtype, team, s, add=False) for s in removed]
            added_results = [teams.change(tenant, wtype, team, s, add=True) for s in added]
            self._touch(tenant, doc)
        return added_results + removed_results

    def update_schema(self, tenant_name: str, workspace_id: str, body: Any) -> dict[str, Any]:
        """PUT workspaces/{id}/schema: every FieldName of the type, exactly once."""
        tenant = self.tenant(tenant_name)
        with self.store.transaction():
            doc = self._ready(tenant, workspace_id)
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
        """PUT workspaces/{id}/workspaceType: a change `type_change` allows, with its UnitTypeId."""
        tenant = self.tenant(tenant_name)
        with self.store.transaction():
            doc = self._ready(tenant, workspace_id)
            body = validation.require_object(body, "workspace type")
            type_id = validation.require_string(body, "Id").upper()
            current = tenant.types[doc["TypeId"]]
            new = type_change.target(tenant, doc, current, type_id)
            doc["TypeId"] = new.id
            doc["UnitTypeId"] = tenant.unit_type_id(doc["UnitId"], new.id)
            self._touch(tenant, doc)
        return {
            "WorkspaceId": doc["WorkspaceId"],
            "Url": doc["Url"],
            "UnitTypeId": str(doc["UnitTypeId"]),
            "Cards": [dict(c) for c in new.cards],
        }

    def _touch(self, tenant: TenantConfig, doc: dict[str, Any]) -> None:
        doc["Modified"] = shapes.timestamp()
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
