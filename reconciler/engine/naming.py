"""Which spec already names a live workspace: by workspaceId, by a key the state maps to it, or
by a key whose name generates its id. `import` records only what a spec names; export skips
what the specs there already name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.api.models import Workspace
from reconciler.engine.live import AmbiguousReference, Catalog
from reconciler.engine.normalize import BadValue, generated_id
from reconciler.errors import ReconcilerError
from reconciler.identity import key_key, same_catalog_id, same_workspace_id, tenant_key
from reconciler.spec import WorkspaceSpec


class ImportRefused(ReconcilerError):
    """`import` would record a workspace under a second identity; the message says what to do."""


def recorded_key(keys: Mapping[str, str], workspace_id: str) -> str | None:
    """The key the state records for a WorkspaceId, if any."""
    return next((k for k, w in sorted(keys.items()) if same_workspace_id(w, workspace_id)), None)


def spec_naming(
    specs: Sequence[WorkspaceSpec],
    tenant: str,
    workspace: Workspace,
    catalog: Catalog,
    keys: Mapping[str, str],
) -> WorkspaceSpec | None:
    """The spec that already names this workspace, for `import`; None when none does.

    By workspaceId; by a key the state maps to it; or by an unrecorded key
    whose name generates its id (PrefixWithName). ImportRefused when the state
    holds it under another key than the spec's, or when a spec of a Full type
    (whose ids cannot be derived) may name it.
    """
    recorded = recorded_key(keys, workspace.workspace_id)
    for spec in (s for s in specs if tenant_key(s.tenant) == tenant_key(tenant)):
        if spec.workspace_id is not None:
            if same_workspace_id(spec.workspace_id, workspace.workspace_id):
                return spec
            continue
        key = key_key(spec.key or "")
        if key in keys:
            if same_workspace_id(keys[key], workspace.workspace_id):
                return spec
            continue
        verdict = _names_by_key(spec, catalog, workspace)
        if verdict and recorded:
            raise ImportRefused(
                f"{spec.source} names {workspace.workspace_id} by key '{spec.key}', but the "
                f"state manages it under key '{recorded}': write 'key: {recorded}' there"
            )
        if verdict == "generates":
            return spec
        if verdict == "may":
            raise ImportRefused(
                f"{spec.source} (key '{spec.key}') may name {workspace.workspace_id}: the "
                "service generates the ids of its type, so only you can tell. If it does: "
                f"`reconciler state import --tenant {tenant} {spec.key} "
                f"{workspace.workspace_id}`; if not, give one of them another name"
            )
    return None


def _names_by_key(spec: WorkspaceSpec, catalog: Catalog, workspace: Workspace) -> str | None:
    """'generates': its name generates this id; 'may': a Full type of the same name; else None."""
    pair = catalog.pair(workspace.unit_type_id)
    try:
        unit = catalog.find_unit(spec.organization_unit)
        wtype = catalog.find_type(unit, spec.workspace_type) if unit else None
    except AmbiguousReference:
        return None
    if wtype is None or unit is None or pair is None:
        return None
    if not (same_catalog_id(pair[0].id, unit.id) and same_catalog_id(pair[1].id, wtype.id)):
        return None
    if wtype.generator.name == "Full":
        return "may" if spec.name == workspace.name else None
    try:
        derived = generated_id(wtype.generator.prefix, spec.name)
    except BadValue:
        return None
    return "generates" if same_workspace_id(derived, workspace.workspace_id) else None
