"""One function per verb: load -> read -> plan -> render or apply. The CLI calls these.

Machine output (JSON, markdown) goes to stdout alone; progress, prompts and
reports go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from reconciler.api import SeamlessClient
from reconciler.engine.applier import ApplyReport, apply_plan
from reconciler.engine.live import LiveRead, read_live
from reconciler.engine.planner import PlanOptions, make_plan
from reconciler.engine.state import (
    DEFAULT_NAME,
    State,
    default_state_path,
    load_state,
    state_lock,
)
from reconciler.errors import ReconcilerError, StateError
from reconciler.model.plan import Action, Plan
from reconciler.render import render_json, render_markdown, render_text
from reconciler.settings import ConnectionSettings
from reconciler.spec import WorkspaceSpec, load_specs

OK, ERROR, CHANGES = 0, 1, 2


class StalePlan(ReconcilerError):
    """A saved plan whose workspaces have moved since it was made."""


@dataclass(frozen=True)
class PlanRequest:
    """What `plan` and `apply` were asked to do."""

    paths: tuple[Path, ...]
    connection: ConnectionSettings
    targets: tuple[str, ...] = ()
    max_removals: int = 10
    state_path: Path | None = None
    prune: bool = False
    lock_timeout: float = 60.0

    def resolved_state_path(self) -> Path:
        return self.state_path or default_state_path(list(self.paths))


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


@contextmanager
def open_clients(
    specs: Sequence[WorkspaceSpec], connection: ConnectionSettings
) -> Iterator[dict[str, SeamlessClient]]:
    """One client per tenant named by the specs, all with the same connection settings."""
    with ExitStack() as stack:
        clients = {}
        for tenant in sorted({s.tenant for s in specs}):
            client = SeamlessClient(connection, tenant=tenant)
            stack.callback(client.close)
            clients[tenant] = client
        yield clients


class RateLimitColumn(ProgressColumn):
    """Says so when the run is waiting for the rate limit's window to reset."""

    def __init__(self, clients: Iterable[SeamlessClient]) -> None:
        super().__init__()
        self.budgets = [c.budget for c in clients]

    def render(self, task: Task) -> Text:
        wait = max((b.wait_seconds() for b in self.budgets), default=0.0)
        return Text(f"rate limit: next window in {wait:.0f} s" if wait >= 1 else "")


@contextmanager
def progress_bar(
    label: str, clients: Iterable[SeamlessClient] = ()
) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal, showing waits on the rate limit."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        RateLimitColumn(clients),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def build_plan(request: PlanRequest) -> tuple[Plan, State]:
    """Load the specs, read live state and plan; no write of any kind."""
    specs = load_specs(list(request.paths), request.connection.tenant)
    if request.prune and any(p.is_file() for p in request.paths):
        raise ReconcilerError(
            "--prune closes what the specs no longer hold, so it needs the folders that hold "
            "all of them, not single files"
        )
    state_path = request.resolved_state_path()
    if request.state_path is None:
        _refuse_missed_state(state_path)
    state = load_state(state_path)
    options = PlanOptions(
        api_url=request.connection.api_url,
        created_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        targets=request.targets,
        max_removals=request.max_removals,
        prune=request.prune,
    )
    with (
        open_clients(specs, request.connection) as clients,
        progress_bar("Reading workspaces", clients.values()) as update,
    ):
        plan = make_plan(specs, clients, state, options, on_progress=update)
    reads = {
        s.address: {"workspace_id": w.workspace_id, "team": bool(s.team)}
        for s in specs
        for w in plan.workspaces
        if w.address == s.address
    }
    plan.extra["reads"] = reads
    plan.extra["state_path"] = str(state.path)
    plan.extra["state_existed"] = state.exists
    return plan, state


def _refuse_missed_state(default: Path) -> None:
    """No state file by default here, but one in a folder above: a subset of the specs was given."""
    if default.exists():
        return
    for folder in default.parent.parent.resolve().parents:
        candidate = folder / DEFAULT_NAME
        if candidate.exists():
            raise StateError(
                f"no state file at {default}, but there is one at {candidate}: these specs are "
                f"probably part of a larger set. Pass --state {candidate} (or run on the folder "
                "that holds all the specs), so nothing is created twice."
            )


def run_plan(
    request: PlanRequest, output_format: str, out: Path | None, detailed_exitcode: bool
) -> int:
    """`reconciler plan`: print the plan; 1 if it has errors, 2 for changes with the flag."""
    plan, _ = build_plan(request)
    if out is not None:
        try:
            out.write_text(render_json(plan), encoding="utf-8")
        except OSError as exc:
            raise ReconcilerError(f"cannot write the plan to {out}: {exc}") from exc
    click.echo(_render(plan, output_format), nl=False)
    if plan.errored:
        return ERROR
    return CHANGES if detailed_exitcode and plan.has_changes else OK


def _render(plan: Plan, output_format: str) -> str:
    if output_format == "json":
        return render_json(plan)
    if output_format == "markdown":
        return render_markdown(plan)
    return render_text(plan, color=use_color(sys.stdout))


def run_apply(
    request: PlanRequest,
    saved_plan: Path | None,
    auto_approve: bool,
    wait: bool,
    wait_timeout: float,
) -> int:
    """`reconciler apply`: under the state lock, plan (or load a plan), confirm, call, record."""
    saved = _load_saved(saved_plan) if saved_plan is not None else None
    state_path = request.resolved_state_path()
    if saved is not None:
        state_path = _saved_state_path(saved, request.state_path)
    with state_lock(state_path, request.lock_timeout, "apply"):
        if saved is not None:
            if saved.api_url.rstrip("/") != request.connection.api_url.rstrip("/"):
                raise StalePlan(
                    f"the saved plan was made against {saved.api_url}, not "
                    f"{request.connection.api_url}: make a new plan for this service"
                )
            state = load_state(state_path)
            _refuse_if_stale(saved, request.connection, state)
            plan = saved
        else:
            plan, state = build_plan(request)
        return _apply(plan, state, request.connection, auto_approve, wait, wait_timeout)


def _saved_state_path(plan: Plan, given: Path | None) -> Path:
    """--state (or SEAMLESS_STATE) when given, else the plan's; a keyed plan needs it to exist."""
    path = given or Path(str(plan.extra.get("state_path") or DEFAULT_NAME))
    keyed = any("/key=" in w.address for w in plan.workspaces)
    if keyed and plan.extra.get("state_existed") and not path.exists():
        raise StalePlan(
            f"the plan was made with a state file that is not at {path}: pass --state with "
            "that file (its keys find the workspaces the service named)"
        )
    return path


def _apply(
    plan: Plan,
    state: State,
    connection: ConnectionSettings,
    auto_approve: bool,
    wait: bool,
    wait_timeout: float,
) -> int:
    click.echo(render_text(plan, color=use_color(sys.stdout)), nl=False)
    if plan.errored:
        click.echo("Apply refused: the plan has errors. Nothing was changed.", err=True)
        return ERROR
    if plan.has_changes and not auto_approve and not _confirmed():
        click.echo("Apply cancelled. Nothing was changed.", err=True)
        return ERROR
    for w in plan.workspaces:  # adopt what an interrupted create made (planned as such)
        if w.record_key and w.action is not Action.CREATE and w.workspace_id:
            state.record(w.tenant, w.record_key, w.workspace_id)
    report = None
    if plan.has_changes:
        with ExitStack() as stack:
            clients = {
                t: stack.enter_context(SeamlessClient(connection, tenant=t))
                for t in sorted({w.tenant for w in plan.workspaces})
            }
            report = apply_plan(
                plan,
                clients,
                wait=wait,
                wait_timeout=wait_timeout,
                record_id=state.record,
                record_intent=state.begin_create,
                abandon_intent=state.abandon_create,
                on_progress=lambda line: click.echo(line, err=True),
            )
        for line in report.summary_lines():
            click.echo(line, err=True)
    _remember_managed(plan, state, report)
    return OK if report is None or report.ok else ERROR


def _remember_managed(plan: Plan, state: State, report: ApplyReport | None) -> None:
    """Workspaces applied from the specs join the managed set (what --prune may close)."""
    created = {o.address: o.workspace_id for o in (report.outcomes if report else ()) if o.done}
    by_tenant: dict[str, list[str]] = {}
    for w in plan.workspaces:
        if w.changes and all(c.reason == "pruned: no longer in the specs" for c in w.changes):
            continue
        workspace_id = created.get(w.address) if w.action is Action.CREATE else w.workspace_id
        if workspace_id and w.action is not Action.ERROR:
            by_tenant.setdefault(w.tenant, []).append(workspace_id)
    for tenant, ids in by_tenant.items():
        state.manage(tenant, ids)


def _confirmed() -> bool:
    if not sys.stdin.isatty():
        raise ReconcilerError(
            "apply needs confirmation, but standard input is not a terminal: "
            "review the plan and pass --auto-approve"
        )
    answer: str = click.prompt(
        "Apply these changes? Only 'yes' is accepted", default="", show_default=False, err=True
    )
    return answer.strip() == "yes"


def _load_saved(path: Path) -> Plan:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("it is not a JSON object")
        return Plan.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReconcilerError(f"cannot read the saved plan {path}: {exc}") from exc


def _refuse_if_stale(plan: Plan, connection: ConnectionSettings, state: State) -> None:
    """Re-read every planned workspace; refuse when any has moved since the plan."""
    reads_info: Mapping[str, dict[str, object]] = plan.extra.get("reads", {})
    changing = [w for w in plan.workspaces if w.action in (Action.CREATE, Action.UPDATE)]
    by_tenant: dict[str, list[LiveRead]] = {}
    for w in changing:
        info = reads_info.get(w.address, {})
        if w.workspace_id:
            read = LiveRead(w.tenant, w.workspace_id, bool(info.get("team")))
            by_tenant.setdefault(w.tenant, []).append(read)
    moved = []
    with ExitStack() as stack:
        clients = {t: stack.enter_context(SeamlessClient(connection, tenant=t)) for t in by_tenant}
        reads = [r for rs in by_tenant.values() for r in rs]
        lives = read_live(clients, reads)
    digests = {(r.tenant, r.workspace_id): live for r, live in zip(reads, lives, strict=True)}
    for w in changing:
        keyed = w.record_key and w.action is Action.CREATE
        if keyed and (
            state.workspace_id(w.tenant, w.record_key or "")
            or state.pending(w.tenant, w.record_key or "")
        ):
            moved.append(f"{w.address} was created (or its create sent) since the plan")
            continue
        live = digests.get((w.tenant, w.workspace_id or ""))
        if live is None:
            continue
        if w.action is Action.CREATE and live.workspace is not None:
            moved.append(f"{w.address} was created since the plan")
        elif w.action is Action.UPDATE and live.digest != w.live_digest:
            moved.append(f"{w.address} changed since the plan")
    if moved:
        raise StalePlan(
            "Saved plan is stale: the given plan can no longer be applied because live "
            "workspaces changed after it was made. Make a new plan.\n  " + "\n  ".join(moved)
        )


# -- reconciler state ------------------------------------------------------------------------


def run_state_list(state_path: Path) -> int:
    """Per tenant: keys and their ids, unfinished creates, managed workspaces."""
    state = load_state(state_path)
    click.echo(f"State {state_path}")
    if not state.tenants:
        click.echo("  (empty)")
    for name, entry in sorted(state.tenants.items()):
        click.echo(f"tenant {name}")
        for key, workspace_id in sorted(entry.keys.items()):
            click.echo(f"  key {key:24} -> {workspace_id}")
        for key, intent in sorted(entry.pending.items()):
            expected = intent.get("expected_id") or "an id the service chooses"
            click.echo(
                f"  key {key:24} -> ? create sent {intent.get('since')}, answer lost "
                f"(expected {expected})"
            )
        managed = ", ".join(sorted(entry.managed, key=str.lower)) or "none"
        click.echo(f"  managed: {managed}")
    return OK


def run_state_show(state_path: Path) -> int:
    """The state as JSON on stdout."""
    click.echo(json.dumps(load_state(state_path).to_dict(), indent=2))
    return OK


def run_state_forget(
    state_path: Path, tenant: str, key: str, lock_timeout: float, force: bool, managed: bool
) -> int:
    """Drop a key (the next apply creates it again), or with `managed` a managed workspace id."""
    with state_lock(state_path, lock_timeout, "state forget"):
        state = load_state(state_path)
        if managed:
            if not state.unmanage(tenant, key):
                raise ReconcilerError(f"tenant '{tenant}' has no managed workspace '{key}'")
            click.echo(f"Workspace {key} of tenant '{tenant}' is no longer managed.")
            return OK
        entry = state.tenants.get(tenant)
        if entry is None or (key.lower() not in entry.keys and key.lower() not in entry.pending):
            raise ReconcilerError(f"the state has no key '{key}' for tenant '{tenant}'")
        recorded = entry.keys.get(key.lower())
        if recorded and not force:
            raise ReconcilerError(
                f"key '{key}' stands for workspace '{recorded}'. Forgetting it makes the next "
                "apply create a second workspace for it. If that is what you want (the old one "
                "is gone or closed for good), pass --force."
            )
        workspace_id = state.forget(tenant, key)
    click.echo(
        f"Forgot key '{key}' of tenant '{tenant}'"
        + (f" ({workspace_id})." if workspace_id else ".")
    )
    return OK


def run_state_import(
    state_path: Path,
    tenant: str,
    key: str,
    workspace_id: str,
    connection: ConnectionSettings,
    lock_timeout: float,
) -> int:
    """Adopt an existing workspace under a key, after checking that it exists."""
    with SeamlessClient(connection, tenant=tenant) as client:
        workspace = client.get_workspace(workspace_id)
    if workspace is None:
        raise ReconcilerError(f"tenant '{tenant}' has no workspace '{workspace_id}'")
    with state_lock(state_path, lock_timeout, "state import"):
        state = load_state(state_path)
        known = state.workspace_id(tenant, key)
        if known is not None and known.lower() != workspace.workspace_id.lower():
            raise ReconcilerError(
                f"key '{key}' already stands for '{known}'; `reconciler state forget` it first"
            )
        state.record(tenant, key, workspace.workspace_id)
    click.echo(f"Key '{key}' of tenant '{tenant}' now stands for {workspace.workspace_id}.")
    return OK


def run_state_unlock(state_path: Path) -> int:
    """Clear the lock's leftovers when no live process holds it; refuse otherwise."""
    try:
        with state_lock(state_path, 0, "state unlock"):
            pass  # taking and releasing it clears the holder description
    except StateError as exc:
        raise ReconcilerError(
            f"{exc}\nA live process holds the lock; it is released the moment that process "
            "ends (even when killed). Stop it, or wait for it."
        ) from exc
    # The lock file itself stays: removing it would let two holders lock two files.
    click.echo(f"The state {state_path} is not locked (no live holder); its description cleared.")
    return OK
