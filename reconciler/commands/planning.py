"""`plan` and `apply`: load -> read -> plan -> render, or confirm -> apply. Wiring only.

The decisions live in the engine (`planner`, `workflow`); this module opens
clients, holds the state lock, prints, and returns an exit code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from reconciler.api import SeamlessClient
from reconciler.commands.signals import graceful_stop
from reconciler.commands.terminal import err, out, progress_bar, use_color
from reconciler.engine.guards import sent_guards
from reconciler.engine.planner import PlanOptions, make_plan
from reconciler.engine.state import (
    State,
    default_state_path,
    load_state,
    refuse_missed_state,
    state_lock,
)
from reconciler.engine.workflow import (
    ApplyOptions,
    StalePlan,
    apply_with_state,
    load_saved_plan,
    refuse_if_stale,
    saved_state_path,
)
from reconciler.errors import ExitCode, ReconcilerError
from reconciler.model.plan import Plan
from reconciler.render import render_json, render_markdown, render_text
from reconciler.settings import ConnectionSettings
from reconciler.spec import load_specs
from reconciler.spec.revision import changes_since

Confirm = Callable[[], bool]
"""Asks the person at the terminal to approve the plan; True when they typed yes."""


@dataclass(frozen=True)
class PlanRequest:
    """What `plan` and `apply` were asked to do."""

    paths: tuple[Path, ...]
    connection: ConnectionSettings
    targets: tuple[str, ...] = ()
    max_removals: int = 10
    max_closes: int = 5
    state_path: Path | None = None
    prune: bool = False
    lock_timeout: float = 60.0
    changed_since: str | None = None
    """--changed-since REF: only the documents that differ from the git revision REF."""

    def resolved_state_path(self) -> Path:
        return self.state_path or default_state_path(list(self.paths))


@dataclass(frozen=True)
class ApplyRequest:
    """What `apply` adds to a plan request."""

    saved_plan: Path | None
    auto_approve: bool
    confirm: Confirm
    wait: bool = True
    wait_timeout: float = 600.0


@contextmanager
def open_clients(
    tenants: Sequence[str], connection: ConnectionSettings
) -> Iterator[dict[str, SeamlessClient]]:
    """One client per tenant, all with the same connection settings."""
    with ExitStack() as stack:
        yield {
            tenant: stack.enter_context(SeamlessClient(connection, tenant=tenant))
            for tenant in sorted(set(tenants))
        }


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
        refuse_missed_state(state_path, request.paths)
    state = load_state(state_path)
    changes = None
    if request.changed_since is not None:
        changes = changes_since(
            request.changed_since, list(request.paths), request.connection.tenant
        )
    options = PlanOptions(
        api_url=request.connection.api_url,
        created_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        targets=request.targets,
        max_removals=request.max_removals,
        max_closes=request.max_closes,
        prune=request.prune,
        changes=changes,
        find_leaving=not any(p.is_file() for p in request.paths),
    )
    with (
        open_clients([s.tenant for s in specs], request.connection) as clients,
        progress_bar("Reading workspaces", clients.values()) as update,
    ):
        plan = make_plan(specs, clients, state, options, on_progress=update)
    return plan, state


def run_plan(
    request: PlanRequest, output_format: str, out_file: Path | None, detailed_exitcode: bool
) -> ExitCode:
    """`reconciler plan`: print the plan; 1 if it has errors, 2 for changes with the flag."""
    plan, _ = build_plan(request)
    if out_file is not None:
        try:
            out_file.write_text(render_json(plan), encoding="utf-8")
        except OSError as exc:
            raise ReconcilerError(f"cannot write the plan to {out_file}: {exc}") from exc
    out(render(plan, output_format), newline=False)
    if out_file is not None:
        err(_saved_note(plan, out_file))
    if plan.errored:
        return ExitCode.ERROR
    return ExitCode.CHANGES if detailed_exitcode and plan.pending else ExitCode.OK


def _saved_note(plan: Plan, path: Path) -> str:
    """Terraform's habit: say where the plan went and how to apply exactly it."""
    if plan.errored:
        return f"Saved the plan to {path}. It has errors, so apply would refuse it."
    if not plan.has_changes:
        return f"Saved the plan to {path}. It has no changes to apply."
    return (
        f"Saved the plan to {path}. To make exactly these changes, run:\n"
        f"  reconciler apply --plan {path}"
    )


def run_show(path: Path, output_format: str) -> ExitCode:
    """`reconciler show`: render a saved plan without applying it (no network)."""
    out(render(load_saved_plan(path), output_format), newline=False)
    return ExitCode.OK


def render(plan: Plan, output_format: str) -> str:
    """The plan in the asked format: json, markdown, or text (coloured on a terminal)."""
    if output_format == "json":
        return render_json(plan)
    if output_format == "markdown":
        return render_markdown(plan)
    return render_text(plan, color=use_color(sys.stdout))


def run_apply(request: PlanRequest, apply: ApplyRequest) -> ExitCode:
    """`reconciler apply`: under the state lock, plan (or load a plan), confirm, call, record."""
    saved = load_saved_plan(apply.saved_plan) if apply.saved_plan is not None else None
    state_path = request.resolved_state_path()
    if saved is not None:
        state_path = saved_state_path(saved, request.state_path)
    with state_lock(state_path, request.lock_timeout, "apply"):
        if saved is not None:
            _refuse_other_service(saved, request.connection)
            state = load_state(state_path)
            tenants = [w.tenant for w in saved.workspaces]
            refused = sent_guards(saved, request.max_removals, request.max_closes)
            if refused:
                raise StalePlan(
                    "Saved plan refused: " + "; ".join(refused) + ". Check the plan file (it "
                    "may have been edited), or raise the limit on purpose."
                )
            with open_clients(tenants, request.connection) as clients:
                refuse_if_stale(saved, clients, state)
            plan = saved
        else:
            plan, state = build_plan(request)
        return _apply(plan, state, request.connection, apply)


def _refuse_other_service(plan: Plan, connection: ConnectionSettings) -> None:
    if plan.api_url.rstrip("/") != connection.api_url.rstrip("/"):
        raise StalePlan(
            f"the saved plan was made against {plan.api_url}, not "
            f"{connection.api_url}: make a new plan for this service"
        )


def _apply(
    plan: Plan, state: State, connection: ConnectionSettings, apply: ApplyRequest
) -> ExitCode:
    out(render_text(plan, color=use_color(sys.stdout)), newline=False)
    if apply.saved_plan is not None and plan.calls:
        # The diff above is the file's text; this is what its operations will send.
        out("Apply will send:")
        for call in plan.calls:
            out(f"  {call.method} {call.path}  {call.operation.describe()}")
    if plan.errored:
        err("Apply refused: the plan has errors. Nothing was changed.")
        return ExitCode.ERROR
    # A saved plan was reviewed (that is why it was saved): apply it without asking again.
    asks = not apply.auto_approve and apply.saved_plan is None
    if plan.has_changes and asks and not apply.confirm():
        err("Apply cancelled. Nothing was changed.")
        return ExitCode.ERROR
    with graceful_stop(err) as stop:
        options = ApplyOptions(apply.wait, apply.wait_timeout, err, stop.asked)
        tenants = [w.tenant for w in plan.workspaces] if plan.has_changes else []
        with open_clients(tenants, connection) as clients:
            report = apply_with_state(plan, clients, state, options)
    if report is not None:
        for line in report.summary_lines():
            err(line)
    if stop.exit_code is not None:
        return stop.exit_code
    return ExitCode.OK if report is None or report.ok else ExitCode.ERROR
