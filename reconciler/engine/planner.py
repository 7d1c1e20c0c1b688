"""Specs + live state -> Plan: resolve names and ids, read, decide every workspace.

`make_plan` does the reading (catalog once per tenant, workspaces concurrently);
`resolve` and `plan_workspace` are pure. What a create or an update sends is
decided in `calls`; this module adds the run-wide parts: one spec per
workspace, lost creates, --prune and the blast-radius guard.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler.api import SeamlessClient
from reconciler.api.errors import ApiError
from reconciler.engine import rules
from reconciler.engine.calls import (
    Resolved,
    base_plan,
    errored,
    plan_create,
    plan_update,
)
from reconciler.engine.guards import close_guard, removal_guard
from reconciler.engine.leaving import left_the_specs, prune
from reconciler.engine.live import (
    AmbiguousReference,
    Catalog,
    LiveRead,
    LiveWorkspace,
    read_catalog,
    read_live,
)
from reconciler.engine.normalize import BadValue, generated_id
from reconciler.engine.state import State
from reconciler.errors import ReconcilerError
from reconciler.identity import fold, workspace_id_key
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.plan import Action, FieldChange, FieldOp, Plan, PlanContext, WorkspacePlan
from reconciler.spec import WorkspaceSpec
from reconciler.spec.revision import Changes


@dataclass(frozen=True)
class PlanOptions:
    """What the user asked of this plan."""

    api_url: str
    created_at: str
    targets: tuple[str, ...] = ()
    max_removals: int = 10
    max_closes: int = 5
    prune: bool = False
    """Close managed workspaces (in the state) that the specs no longer hold."""
    changes: Changes | None = None
    """--changed-since: plan only the documents changed since a revision, and those deleted."""
    find_leaving: bool = True
    """Only when the specs given are whole folders: given single files, every other managed
    workspace (and a document moved to another file) would look as if it left the specs."""


def make_plan(
    specs: Sequence[WorkspaceSpec],
    clients: Mapping[str, SeamlessClient],
    state: State,
    options: PlanOptions,
    on_progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """Read what the specs need and plan every workspace."""
    chosen = [s for s in specs if _targeted(s, options.targets, state)]
    if options.changes is not None:
        chosen = [s for s in chosen if options.changes.touches(s)]
    unmatched = [t for t in options.targets if not any(_targeted(s, (t,), state) for s in specs)]
    if unmatched:
        raise ReconcilerError(
            f"--target {', '.join(unmatched)} matches no workspace in the specs "
            "(give an address such as contoso/pr.01, a workspaceId, a key, or the id "
            "the state records for a key)"
        )
    catalogs = read_catalogs(clients, [s.tenant for s in chosen])
    resolved = resolve_all(chosen, catalogs, state)
    readable = [r for r in resolved if r.workspace_id and not r.problems]
    reads = [LiveRead(r.spec.tenant, r.workspace_id or "", bool(r.spec.team)) for r in readable]
    results = read_live(clients, reads, on_progress)
    lives = dict(zip((id(r) for r in readable), results, strict=True))
    workspaces = [plan_workspace(r, lives.get(id(r))) for r in resolved]
    notices: list[Diagnostic] = []
    leaving: list[str] = []
    if options.targets:
        notices.append(_partial_notice(len(chosen), len(specs), options.prune))
    elif not options.find_leaving:
        if options.changes is not None:
            notices.append(changed_notice(options.changes, len(chosen), len(specs)))
    elif options.changes is not None:
        notices.append(changed_notice(options.changes, len(chosen), len(specs)))
        left = deleted_and_managed(options.changes, specs, state)
        if options.prune:
            workspaces += prune(left, clients)
        else:
            leaving = [f"{r.tenant}/{r.workspace_id}" for r in left]
    else:
        left = left_the_specs(held_by_specs(resolved, state), state, catalogs)
        if options.prune:
            workspaces += prune(left, clients)
        else:
            leaving = [f"{r.tenant}/{r.workspace_id}" for r in left]
    workspaces.sort(key=lambda w: w.address)
    guards = [
        *removal_guard(workspaces, options.max_removals),
        *close_guard(workspaces, options.max_closes),
    ]
    return Plan(
        api_url=options.api_url,
        created_at=options.created_at,
        workspaces=tuple(workspaces),
        problems=(*notices, *guards),
        context=PlanContext(str(state.path), state.exists),
        leaving=tuple(leaving),
        partial=bool(options.targets) or options.changes is not None,
    )


def read_catalogs(
    clients: Mapping[str, SeamlessClient], tenants: Sequence[str]
) -> dict[str, Catalog | str]:
    """Each tenant's catalog, or why it could not be read (RunFailure for auth or connection)."""
    return {t: _catalog(clients[t], t) for t in sorted(set(tenants))}


def resolve_all(
    specs: Sequence[WorkspaceSpec], catalogs: Mapping[str, Catalog | str], state: State
) -> list[Resolved]:
    """Resolve every spec; two documents that lead to one workspace are both errors."""
    resolved = _one_spec_per_workspace([resolve(s, catalogs[s.tenant], state) for s in specs])
    return [_with_sent_description(r, state) for r in resolved]


def _with_sent_description(resolved: Resolved, state: State) -> Resolved:
    if not resolved.workspace_id:
        return resolved
    sent = state.description_digest(resolved.spec.tenant, resolved.workspace_id)
    return replace(resolved, sent_description=sent)


def held_by_specs(resolved: Sequence[Resolved], state: State) -> list[tuple[str, str]]:
    """(tenant, WorkspaceId) of every document, resolved or not: one with an error still counts."""
    return [(r.spec.tenant, r.workspace_id or _written_id(r.spec, state)) for r in resolved]


def _written_id(spec: WorkspaceSpec, state: State) -> str:
    if spec.workspace_id:
        return spec.workspace_id
    return (state.workspace_id(spec.tenant, spec.key) if spec.key else None) or ""


def deleted_and_managed(
    changes: Changes, specs: Sequence[WorkspaceSpec], state: State
) -> list[LiveRead]:
    """Workspaces whose document was deleted since the revision, that the state manages and
    no document names now (a document rewritten from a key to its id is not leaving)."""
    named = {
        (s.tenant, workspace_id_key(w))
        for s in specs
        if (w := s.workspace_id or (state.workspace_id(s.tenant, s.key) if s.key else None))
    }
    left = []
    for gone in changes.deleted:
        entry = state.tenants.get(gone.tenant)
        workspace_id = gone.workspace_id or (
            state.workspace_id(gone.tenant, gone.key) if gone.key else None
        )
        if (
            not workspace_id
            or entry is None
            or (gone.tenant, workspace_id_key(workspace_id)) in named
        ):
            continue
        if any(workspace_id_key(m) == workspace_id_key(workspace_id) for m in entry.managed):
            left.append(LiveRead(gone.tenant, workspace_id, False))
    return left


def changed_notice(changes: Changes, chosen: int, total: int, what: str = "plan") -> Diagnostic:
    """The note that a plan (or drift check) of --changed-since is partial."""
    return Diagnostic.warning(
        f"this {what} is partial: --changed-since {changes.ref} limits it to the {chosen} of "
        f"{total} workspaces whose documents changed (and those deleted); the others were "
        "not read"
    )


def _partial_notice(chosen: int, total: int, prune: bool) -> Diagnostic:
    skipped = " --prune is skipped with --target." if prune else ""
    return Diagnostic.warning(
        f"this plan is partial: --target limits it to {chosen} of {total} workspaces; "
        f"the others, and workspaces that left the specs, were not looked at.{skipped}"
    )


def _targeted(spec: WorkspaceSpec, targets: tuple[str, ...], state: State) -> bool:
    """By address, workspaceId or key, or the id the state records for the key."""
    recorded = state.workspace_id(spec.tenant, spec.key) if spec.key else None
    names = {fold(spec.address), fold(spec.workspace_id or ""), fold(spec.key or "")}
    names.add(fold(recorded or ""))
    names.discard("")
    return not targets or any(fold(t) in names for t in targets)


def _catalog(client: SeamlessClient, tenant: str) -> Catalog | str:
    try:
        return read_catalog(client, tenant)
    except ApiError as exc:
        return f"cannot read the organization units of tenant '{tenant}': {exc}"


def resolve(spec: WorkspaceSpec, catalog: Catalog | str, state: State) -> Resolved:
    """Find the unit and type by name or id, check the identity, find the WorkspaceId."""
    if isinstance(catalog, str):
        return Resolved(spec, problems=(rules.problem(spec, "", catalog),))
    try:
        unit = catalog.find_unit(spec.organization_unit)
    except AmbiguousReference as exc:
        return Resolved(spec, problems=(rules.problem(spec, "/organizationUnit", str(exc)),))
    if unit is None:
        known = ", ".join(catalog.unit_names())
        message = f"unknown organization unit '{spec.organization_unit}' (units: {known})"
        return Resolved(spec, problems=(rules.problem(spec, "/organizationUnit", message),))
    try:
        wtype = catalog.find_type(unit, spec.workspace_type)
    except AmbiguousReference as exc:  # said at the type's line, not the unit's
        return Resolved(spec, unit, problems=(rules.problem(spec, "/workspaceType", str(exc)),))
    if wtype is None:
        known = ", ".join(t.name for t in catalog.types_by_unit.get(unit.id, ()))
        message = (
            f"workspace type '{spec.workspace_type}' is not available in unit "
            f"'{unit.name}' (types: {known})"
        )
        return Resolved(spec, unit, problems=(rules.problem(spec, "/workspaceType", message),))
    problems = rules.check_identity(spec, wtype)
    if spec.key is None or problems:
        return Resolved(spec, unit, wtype, spec.workspace_id, catalog, tuple(problems))
    recorded = state.workspace_id(spec.tenant, spec.key)
    if recorded is not None:
        return Resolved(spec, unit, wtype, recorded, catalog)
    pending = state.pending(spec.tenant, spec.key)
    if pending is not None and not pending.get("expected_id"):
        lost = _lost_create(spec, pending, state)
        return Resolved(spec, unit, wtype, None, catalog, (lost,))
    derived = None
    if wtype.generator.name == "PrefixWithName":
        try:
            derived = generated_id(wtype.generator.prefix, spec.name)
        except BadValue as exc:
            message = f"name {exc} (type '{wtype.name}' generates ids from the name)"
            return Resolved(spec, unit, wtype, problems=(rules.problem(spec, "/name", message),))
    if pending is not None:
        derived = pending["expected_id"]
        taken = {workspace_id_key(w) for w in state.tenant_ids(spec.tenant)}
        if workspace_id_key(derived) in taken:
            message = (
                f"key '{spec.key}' waits on '{derived}', which the state records under another "
                f"key: `reconciler state forget --state {state.path} --tenant {spec.tenant} "
                f"{spec.key}`"
            )
            return Resolved(
                spec, unit, wtype, None, catalog, (rules.problem(spec, "/key", message),)
            )
    return Resolved(
        spec,
        unit,
        wtype,
        derived,
        catalog,
        unrecorded=True,
        adopt=pending is not None,
        state_exists=state.exists,
        state_path=str(state.path),
    )


def _one_spec_per_workspace(resolved: list[Resolved]) -> list[Resolved]:
    """Two documents that lead to one workspace (a shared generated id) would fight over it."""
    seen: dict[tuple[str, str], list[int]] = {}
    for index, r in enumerate(resolved):
        if r.workspace_id:
            seen.setdefault((r.spec.tenant, workspace_id_key(r.workspace_id)), []).append(index)
    result = list(resolved)
    for (_, workspace_id), indexes in seen.items():
        if len(indexes) < 2:
            continue
        names = ", ".join(resolved[i].spec.address for i in indexes)
        for i in indexes:
            message = (
                f"{names} all lead to workspace '{workspace_id}': give each document its own "
                "workspace (names of PrefixWithName types generate the id)"
            )
            problem = rules.problem(resolved[i].spec, "", message)
            result[i] = Resolved(resolved[i].spec, problems=(*resolved[i].problems, problem))
    return result


def _lost_create(spec: WorkspaceSpec, pending: dict[str, Any], state: State) -> Diagnostic:
    where = f"--state {state.path} --tenant {spec.tenant}"
    message = (
        f"an apply at {pending.get('since', '?')} sent the create of key '{spec.key}' and lost "
        "the answer; the service generates this type's ids, so it may exist under an id we "
        f"cannot know. Find it, then `reconciler state import {where} {spec.key} "
        f"WORKSPACE_ID`; or, if it was not created, `reconciler state forget {where} "
        f"{spec.key}` to create it again"
    )
    return rules.problem(spec, "/key", message)


def plan_workspace(resolved: Resolved, live: LiveWorkspace | None) -> WorkspacePlan:
    """Decide one workspace: create, update, no-op or error. Pure."""
    spec = resolved.spec
    base = base_plan(spec, resolved.workspace_id)
    if resolved.problems or resolved.wtype is None or resolved.unit is None:
        return errored(base, list(resolved.problems))
    if live is not None and live.error:
        return errored(base, [rules.problem(spec, "", f"cannot read the workspace: {live.error}")])
    if live is None or live.workspace is None:
        return plan_create(base, resolved)
    if resolved.unrecorded and live.workspace.name != spec.name:
        message = (
            f"the id this name generates, '{resolved.workspace_id}', is taken by another "
            f"workspace ('{live.workspace.name}'): give this workspace another name"
        )
        return errored(base, [rules.problem(spec, "/key", message)])
    if resolved.unrecorded and not resolved.adopt:
        message = (
            f"workspace '{resolved.workspace_id}' (the id this name generates) exists but the "
            f"state has no record of key '{spec.key}': if it is this one, adopt it with "
            f"`reconciler state import --state {resolved.state_path} --tenant {spec.tenant} "
            f"{spec.key} {resolved.workspace_id}`"
        )
        return errored(base, [rules.problem(spec, "/key", message)])
    planned = plan_update(base, resolved, live)
    if resolved.adopt and planned.action is not Action.ERROR:
        note = rules.problem(
            spec,
            "/key",
            f"adopting '{resolved.workspace_id}', created by an earlier apply whose answer "
            "was lost; apply records it under the key",
            warning=True,
        )
        adoption = FieldChange(
            ("state", spec.key or ""), FieldOp.ADD, None, resolved.workspace_id, "adopted"
        )
        planned = replace(
            planned,
            action=Action.UPDATE,
            record_key=spec.key,
            adopt=True,
            changes=(adoption, *planned.changes),
            problems=(*planned.problems, note),
        )
    return planned
