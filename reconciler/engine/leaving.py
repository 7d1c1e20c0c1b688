"""Workspaces that left the specs: listed by plan, closed (never deleted) with --prune.

The state's managed set says what the tool applied; a managed workspace that
no spec holds any more has left the specs. Without --prune the plan names
them (so `--detailed-exitcode` sees them); with it, each one still open gets
a workspace PUT with its live properties and LifeCycle closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from reconciler.api import SeamlessClient
from reconciler.api.models import Stage
from reconciler.engine.calls import api_call, live_person
from reconciler.engine.live import LiveRead, LiveWorkspace, read_live
from reconciler.engine.state import State
from reconciler.identity import workspace_id_key
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.operations import UpdateWorkspace
from reconciler.model.plan import Action, FieldChange, FieldOp, WorkspacePlan

PRUNE_REASON = "pruned: no longer in the specs"
"""Display only: apply knows a pruned workspace by `WorkspacePlan.pruned`."""


def left_the_specs(
    in_specs: Iterable[tuple[str, str]], state: State, tenants: Iterable[str]
) -> list[LiveRead]:
    """Managed workspaces of these tenants that no spec holds, as reads (tenant, id)."""
    held = {(tenant, workspace_id_key(w)) for tenant, w in in_specs}
    wanted = set(tenants)
    return [
        LiveRead(tenant, workspace_id, False)
        for tenant, entry in sorted(state.tenants.items())
        if tenant in wanted
        for workspace_id in sorted(entry.managed, key=workspace_id_key)
        if (tenant, workspace_id_key(workspace_id)) not in held
    ]


def prune(leaving: list[LiveRead], clients: Mapping[str, SeamlessClient]) -> list[WorkspacePlan]:
    """Close what left the specs; never anything more."""
    lives = read_live(clients, leaving)
    return [prune_one(read, live) for read, live in zip(leaving, lives, strict=True)]


def prune_one(read: LiveRead, live: LiveWorkspace) -> WorkspacePlan:
    base = WorkspacePlan(
        address=f"{read.tenant}/{read.workspace_id}",
        tenant=read.tenant,
        workspace_id=read.workspace_id,
        action=Action.NOOP,
        live_digest=live.digest,
    )
    workspace = live.workspace
    if workspace is None or workspace.stage != Stage.READY:
        why = live.error or ("it no longer exists" if workspace is None else "it is not Ready")
        return replace(base, problems=(Diagnostic.warning(f"--prune: left alone, {why}"),))
    if workspace.closed:
        return replace(base, name=workspace.name)
    if workspace.manager is None:  # a workspace PUT needs one (missing Manager is 422)
        note = Diagnostic.warning("--prune: left alone, the workspace has no manager to send")
        return replace(base, name=workspace.name, problems=(note,))
    operation = UpdateWorkspace(
        workspace_id=workspace.workspace_id,
        name=workspace.name,
        closed=True,
        manager=live_person(workspace.manager),
        deputy=live_person(workspace.deputy) if workspace.deputy else None,
    )
    change = FieldChange(("lifeCycle",), FieldOp.CHANGE, "active", "closed", PRUNE_REASON)
    call = api_call(operation, "close workspace (prune)")
    return replace(
        base,
        name=workspace.name,
        action=Action.UPDATE,
        changes=(change,),
        calls=(call,),
        pruned=True,
    )
