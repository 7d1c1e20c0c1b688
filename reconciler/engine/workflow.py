"""Apply with the state: the stale check of a saved plan, adoptions, the managed set.

`apply_plan` sends calls; this module keeps the state in step around it:
before, a saved plan is re-read against the service and refused when
anything it planned has moved (Terraform's "Saved plan is stale"); adoptions
(workspaces an interrupted create made) are recorded; during, each generated
id is recorded the moment its POST answers; after, the workspaces applied
from the specs join the managed set that `--prune` may close.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from reconciler.api import SeamlessClient
from reconciler.engine.applier import apply_plan
from reconciler.engine.live import LiveRead, LiveWorkspace, read_live
from reconciler.engine.report import ApplyReport, WorkspaceOutcome
from reconciler.engine.state import DEFAULT_NAME, State, read_json_file
from reconciler.engine.verify import inconsistencies
from reconciler.errors import ReconcilerError
from reconciler.model.operations import CreateWorkspace
from reconciler.model.plan import Action, Plan, WorkspacePlan
from reconciler.spec.yamlfile import NotARegularFile, describe_os_error


class StalePlan(ReconcilerError):
    """A saved plan whose workspaces have moved since it was made."""


@dataclass(frozen=True)
class ApplyOptions:
    """How apply waits for new workspaces, and where it reports progress."""

    wait: bool = True
    wait_timeout: float = 600.0
    on_progress: Callable[[str], None] | None = None
    should_stop: Callable[[], str | None] | None = None
    """Asked before each call; a signal's name once one asked to stop."""


def load_saved_plan(path: Path) -> Plan:
    """A plan written by `plan --out`; a clear error for anything else.

    Only a regular file is read (a FIFO is refused unopened), at most 64 MiB
    and 64 levels deep, and every shape is checked: nothing is coerced.
    """
    try:
        data = read_json_file(path)
        if not isinstance(data, dict):
            raise ValueError("it is not a JSON object")
        return Plan.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        special = isinstance(exc, NotARegularFile) or getattr(exc, "errno", None) == errno.ELOOP
        reason = describe_os_error(exc) if special and isinstance(exc, OSError) else str(exc)
        raise ReconcilerError(f"cannot read the saved plan {path}: {reason}") from exc


def saved_state_path(plan: Plan, given: Path | None) -> Path:
    """--state (or SEAMLESS_STATE) when given, else the plan's; a keyed plan needs it to exist."""
    path = given or Path(plan.context.state_path or DEFAULT_NAME)
    keyed = any("/key=" in w.address for w in plan.workspaces)
    if keyed and plan.context.state_existed and not path.exists():
        raise StalePlan(
            f"the plan was made with a state file that is not at {path}: pass --state with "
            "that file (its keys find the workspaces the service named)"
        )
    return path


def refuse_if_stale(plan: Plan, clients: Mapping[str, SeamlessClient], state: State) -> None:
    """Re-read every workspace the plan changes; StalePlan when any has moved since."""
    changing = [w for w in plan.workspaces if w.action in (Action.CREATE, Action.UPDATE)]
    reads = [
        LiveRead(w.tenant, w.workspace_id, w.reads_team)
        for w in changing
        if w.workspace_id and w.tenant in clients
    ]
    lives = {
        (r.tenant, r.workspace_id): live
        for r, live in zip(reads, read_live(clients, reads), strict=True)
    }
    moved = [m for w in changing if (m := _moved(w, lives, state))]
    if moved:
        raise StalePlan(
            "Saved plan is stale: the given plan can no longer be applied because live "
            "workspaces changed after it was made. Make a new plan.\n  " + "\n  ".join(moved)
        )


def _moved(
    w: WorkspacePlan, lives: Mapping[tuple[str, str], LiveWorkspace], state: State
) -> str | None:
    key = w.record_key
    if (
        key
        and w.action is Action.CREATE
        and (state.workspace_id(w.tenant, key) or state.pending(w.tenant, key))
    ):
        return f"{w.address} was created (or its create sent) since the plan"
    live = lives.get((w.tenant, w.workspace_id or ""))
    if live is None:
        return None
    if w.action is Action.CREATE and live.workspace is not None:
        return f"{w.address} was created since the plan"
    if w.action is Action.UPDATE and live.digest != w.live_digest:
        return f"{w.address} changed since the plan"
    return None


def apply_with_state(
    plan: Plan, clients: Mapping[str, SeamlessClient], state: State, options: ApplyOptions
) -> ApplyReport | None:
    """Record adoptions, apply the calls (ids recorded as they come), then the managed set.

    Returns None when the plan has no calls to make.
    """
    for w in plan.workspaces:  # adopt what an interrupted create made (planned as such)
        if w.adopt and w.record_key and w.workspace_id:
            state.record(w.tenant, w.record_key, w.workspace_id)
    report = None
    if plan.has_changes:

        def record_outcome(w: WorkspacePlan, outcome: WorkspaceOutcome) -> None:
            # At once, not at the end: a run killed later must not lose this workspace.
            # A create is managed only once its POST answered: a refused one made nothing.
            created = w.action is Action.CREATE
            workspace_id = outcome.workspace_id if created else w.workspace_id
            if not workspace_id or not (outcome.done or outcome.failed):
                return
            if not w.pruned:
                state.manage(w.tenant, [workspace_id])
            create = w.calls[0].operation
            if isinstance(create, CreateWorkspace) and create.description is not None:
                state.remember_description(w.tenant, workspace_id, create.description)

        report = apply_plan(
            plan,
            clients,
            wait=options.wait,
            wait_timeout=options.wait_timeout,
            record_id=state.record,
            record_intent=state.begin_create,
            abandon_intent=state.abandon_create,
            on_progress=options.on_progress,
            should_stop=options.should_stop,
            on_outcome=record_outcome,
        )
        if report.interrupted_by is None:
            with_calls = [w for w in plan.workspaces if w.calls]
            found, unread = inconsistencies(zip(with_calls, report.outcomes, strict=False), clients)
            report = replace(report, inconsistent=tuple(found), unchecked=tuple(unread))
    remember_managed(plan, state)
    return report


def remember_managed(plan: Plan, state: State) -> None:
    """Workspaces of the specs that exist join the managed set (what --prune may close).

    Those with calls were recorded as their calls answered; this adds the ones
    already in step (no calls), so a workspace that was never changed is managed too.
    """
    by_tenant: dict[str, list[str]] = {}
    for w in plan.workspaces:
        if w.action is Action.NOOP and w.workspace_id and not w.pruned and not w.errors:
            by_tenant.setdefault(w.tenant, []).append(w.workspace_id)
    for tenant, ids in by_tenant.items():
        state.manage(tenant, ids)
