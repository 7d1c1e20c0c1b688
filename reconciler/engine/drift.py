"""Specs + live state -> DriftReport: the plan's comparison, read-only, for a nightly job.

Each workspace is resolved, read and planned exactly as `plan` does
(`planner.resolve_all`, `planner.plan_workspace`), so drift and plan never
disagree about what differs: a workspace drifts when plan would make a call
for it. What differs is then said in the words of the definition. A read
that failed is *unknown*, never drift and never in sync. With a budget the
workspaces checked longest ago go first; `record_sweep` remembers the checks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from reconciler.api import SeamlessClient
from reconciler.api.models import Stage
from reconciler.engine.acknowledge import acknowledge, spec_names
from reconciler.engine.calls import Resolved, stage_name
from reconciler.engine.leaving import left_the_specs
from reconciler.engine.live import Catalog, LiveRead, LiveWorkspace, read_while
from reconciler.engine.planner import (
    changed_notice,
    deleted_and_managed,
    held_by_specs,
    plan_workspace,
    read_catalogs,
    resolve_all,
)
from reconciler.engine.state import State
from reconciler.engine.team import live_groups, team_delta
from reconciler.model.drift import (
    WHOLE_WORKSPACE,
    Difference,
    DriftReport,
    Kind,
    Sweep,
    Verdict,
    WorkspaceDrift,
)
from reconciler.model.plan import Action, FieldChange, FieldOp
from reconciler.spec import WorkspaceSpec
from reconciler.spec.ignore import Acknowledgement
from reconciler.spec.revision import Changes


@dataclass(frozen=True)
class Budget:
    """At most `count` workspaces, or reads started within `seconds`; neither: all of them."""

    count: int | None = None
    seconds: float | None = None
    text: str | None = None
    """As the user wrote it, for the report: "200", "10m"."""


NO_BUDGET = Budget()


@dataclass(frozen=True)
class DriftOptions:
    api_url: str
    now: datetime
    """Aware, UTC: the time of the checks, and the day acknowledgements expire against."""
    budget: Budget = NO_BUDGET
    acknowledgements: tuple[Acknowledgement, ...] = ()
    find_orphans: bool = True
    changes: Changes | None = None
    """--changed-since: check only the documents changed since a revision; orphans: the deleted."""
    """Only when the specs given are whole folders: a single file would make orphans of all."""


@dataclass(frozen=True)
class DriftRun:
    """The report, and what to remember of this run's reads (see `State.record_checks`)."""

    report: DriftReport
    records: dict[str, list[tuple[str, str]]]
    """Per tenant, (WorkspaceId, verdict) of each read that answered."""
    checked_at: str


@dataclass(frozen=True)
class _Check:
    """One workspace that needs a read: a spec's, or an orphan's (no spec)."""

    read: LiveRead
    resolved: Resolved | None
    last_at: str | None


def check_drift(
    specs: Sequence[WorkspaceSpec],
    clients: Mapping[str, SeamlessClient],
    state: State,
    options: DriftOptions,
    on_progress: Callable[[int, int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> DriftRun:
    """Check the workspaces the budget allows, oldest check first; never a write call."""
    all_specs = specs
    if options.changes is not None:
        specs = [s for s in specs if options.changes.touches(s)]
    catalogs = read_catalogs(clients, [s.tenant for s in specs])
    resolved = resolve_all(specs, catalogs, state)
    verdicts: list[WorkspaceDrift] = []
    checks: list[_Check] = []
    for r in resolved:
        if r.workspace_id and not r.problems:
            read = LiveRead(r.spec.tenant, r.workspace_id, bool(r.spec.team))
            checks.append(_Check(read, r, _last_at(state, read)))
        else:
            verdicts.append(_unread(r, catalogs[r.spec.tenant]))
    if not options.find_orphans:
        orphans = []
    elif options.changes is not None:
        orphans = deleted_and_managed(options.changes, all_specs, state)
    else:
        orphans = left_the_specs(held_by_specs(resolved, state), state, catalogs)
    checks += [_Check(read, None, _last_at(state, read)) for read in orphans]
    # Never checked first, then the oldest check; the address breaks ties the same way each run.
    checks.sort(key=lambda c: (c.last_at or "", c.read.tenant, c.read.workspace_id))
    chosen = checks[: options.budget.count] if options.budget.count is not None else checks
    deadline = clock() + options.budget.seconds if options.budget.seconds is not None else None
    lives = read_while(
        clients,
        [c.read for c in chosen],
        (lambda: clock() < deadline) if deadline is not None else (lambda: True),
        on_progress,
    )
    unchecked = checks[len(chosen) :]
    judged: list[WorkspaceDrift] = []
    for check, live in zip(chosen, lives, strict=True):
        if live is None:
            unchecked.append(check)
        else:
            judged.append(_judge(check, live))
    known = {name for r in resolved for name in spec_names(r.spec, r.workspace_id)}
    workspaces, warnings = acknowledge(
        verdicts + judged, options.acknowledgements, options.now.date(), state, known
    )
    read_now = workspaces[len(verdicts) :]  # acknowledge keeps the order
    checked_at = options.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    workspaces.sort(key=lambda w: (w.orphan, w.address))
    sweep = Sweep(
        total=len(checks),
        checked=len(judged),
        budget=options.budget.text,
        oldest_unchecked_at=min((c.last_at for c in unchecked if c.last_at), default=None),
        never_checked=sum(1 for c in unchecked if not c.last_at),
    )
    if options.changes is not None:
        warnings.insert(0, changed_notice(options.changes, len(specs), len(all_specs), "check"))
    report = DriftReport(
        api_url=options.api_url,
        checked_at=checked_at,
        workspaces=tuple(workspaces),
        sweep=sweep,
        warnings=tuple(warnings),
    )
    # An unknown keeps its old record, so the next budgeted run tries it first again.
    records: dict[str, list[tuple[str, str]]] = {}
    for w in read_now:
        if w.workspace_id and w.verdict is not Verdict.UNKNOWN:
            records.setdefault(w.tenant, []).append((w.workspace_id, w.verdict.value))
    # To the microsecond: two runs in one second must still rotate (ties go by address).
    return DriftRun(report, records, options.now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def _last_at(state: State, read: LiveRead) -> str | None:
    record = state.last_check(read.tenant, read.workspace_id)
    return record["at"] if record else None


def _base(spec: WorkspaceSpec, workspace_id: str | None) -> WorkspaceDrift:
    return WorkspaceDrift(
        address=spec.address,
        tenant=spec.tenant,
        workspace_id=workspace_id,
        verdict=Verdict.IN_SYNC,
        name=spec.name,
        key=spec.key,
        file=spec.source.file,
        line=spec.source.line,
    )


def _unread(resolved: Resolved, catalog: Catalog | str) -> WorkspaceDrift:
    """A spec that needs no read (there is nothing to find yet) or cannot be checked."""
    base = _base(resolved.spec, resolved.workspace_id)
    if isinstance(catalog, str):  # the tenant's units could not be read: nothing is known
        return replace(base, verdict=Verdict.UNKNOWN, reason=catalog)
    if resolved.problems:
        errors = "; ".join(p.summary for p in resolved.problems if p.is_error)
        return replace(base, verdict=Verdict.ERROR, reason=errors or "cannot be checked")
    # A keyed workspace whose id only a create will tell: apply has not created it yet.
    return _drifted(base, Difference((WHOLE_WORKSPACE,), Kind.MISSING, None, "not created yet"))


def _drifted(base: WorkspaceDrift, *differences: Difference) -> WorkspaceDrift:
    return replace(base, verdict=Verdict.DRIFT, differences=differences)


def _judge(check: _Check, live: LiveWorkspace) -> WorkspaceDrift:
    resolved = check.resolved
    if resolved is None:
        return _judge_orphan(check.read, live)
    base = _base(resolved.spec, check.read.workspace_id)
    if live.error:
        return replace(base, verdict=Verdict.UNKNOWN, reason=live.error)
    workspace = live.workspace
    if workspace is not None and workspace.stage != Stage.READY:
        return _not_ready(base, workspace.stage)
    planned = plan_workspace(resolved, live)
    if planned.action is Action.NOOP or (planned.action is Action.UPDATE and not planned.calls):
        return base  # e.g. adopting a lost create: the state changes, the service does not
    if planned.action is Action.CREATE:
        return _drifted(base, Difference((WHOLE_WORKSPACE,), Kind.MISSING, "not found", "exists"))
    if planned.action is Action.ERROR:
        errors = "; ".join(p.summary for p in planned.errors)
        return replace(base, verdict=Verdict.ERROR, reason=errors or "cannot be checked")
    others = [c for c in planned.changes if c.path[:1] != ("team",)]
    return _drifted(base, *_differences(others), *_team_differences(resolved, live))


def _team_differences(resolved: Resolved, live: LiveWorkspace) -> list[Difference]:
    """The listed groups against the groups as they are now.

    Plan compares them with the groups as they will be after its own calls
    (a manager change moves the owner group first); drift says what is live.
    """
    spec, wtype = resolved.spec, resolved.wtype
    if not spec.team or live.team is None or wtype is None:
        return []
    groups = live_groups(live.team)
    delta = team_delta(spec.team, groups, wtype.provisioning_type, spec.manager.email)
    return _differences(delta.changes)


def _not_ready(base: WorkspaceDrift, stage: int) -> WorkspaceDrift:
    """Failed provisioning is drift; a workspace busy provisioning or updating is unknown."""
    name = stage_name(stage)
    if stage == Stage.FAILED:
        return _drifted(base, Difference((WHOLE_WORKSPACE,), Kind.NOT_READY, name, "Ready"))
    reason = f"busy (Stage: {name}); it can be compared once it is Ready"
    return replace(base, verdict=Verdict.UNKNOWN, reason=reason)


def _judge_orphan(read: LiveRead, live: LiveWorkspace) -> WorkspaceDrift:
    base = WorkspaceDrift(
        address=f"{read.tenant}/{read.workspace_id}",
        tenant=read.tenant,
        workspace_id=read.workspace_id,
        verdict=Verdict.IN_SYNC,
        orphan=True,
    )
    workspace = live.workspace
    if live.error:
        return replace(base, verdict=Verdict.UNKNOWN, reason=live.error)
    if workspace is None:
        return _drifted(base, Difference((WHOLE_WORKSPACE,), Kind.ORPHAN, "not found", None))
    base = replace(base, name=workspace.name)
    if workspace.stage != Stage.READY:
        return _not_ready(base, workspace.stage)
    if workspace.closed:  # left the specs and closed: nothing more to do
        return base
    return _drifted(base, Difference((WHOLE_WORKSPACE,), Kind.ORPHAN, "active", None))


_SPEC_PATHS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("managerName",): ("manager", "name"),
    ("deputyName",): ("deputy", "name"),
}
"""The plan's names for a person's display name, as the spec writes it: `manager: {name: ...}`."""


def _differences(changes: Sequence[FieldChange]) -> list[Difference]:
    """The plan's changes (live -> definition) in the words of the definition."""
    found = []
    for planned in changes:
        if planned.path[:1] == ("state",):  # the tool's own record, not the service
            continue
        change = replace(planned, path=_SPEC_PATHS.get(planned.path, planned.path))
        if change.path and change.path[0] == "team":
            if change.op is FieldOp.REMOVE:  # plan would remove it: someone added it
                found.append(Difference(change.path, Kind.MEMBER_ADDED, change.before, None))
            else:
                found.append(Difference(change.path, Kind.MEMBER_REMOVED, None, change.after))
        elif change.path == ("lifeCycle",):
            kind = Kind.CLOSED if change.before == "closed" else Kind.REOPENED
            found.append(Difference(change.path, kind, change.before, change.after))
        elif change.path == ("workspaceType",):
            found.append(Difference(change.path, Kind.TYPE_CHANGED, change.before, change.after))
        else:
            found.append(Difference(change.path, Kind.VALUE_CHANGED, change.before, change.after))
    return found
