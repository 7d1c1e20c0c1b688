"""Apply a Plan: send exactly its calls, in order, and report what was done.

The applier reads `WorkspacePlan.calls` (and `record_key` on a create) and
nothing else of the plan: changes, reasons and summaries are for people
(style rule 4). Apart from the planned POST/PUT calls it only reads the
status of a workspace it has just created, while waiting for it to be Ready.

Every call is checked before the first one is sent: a plan with errors, a
tenant without a client, or a call the client cannot send byte for byte as
planned is refused as a whole (`PlanNotApplicable`), so nothing half-applies
because of a malformed plan. After that, a failure stops only its own
workspace; the others go on, and the report says what was done and what not.
Calls run one after another: the client paces itself under the rate limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.api import SeamlessClient, wire
from reconciler.api.errors import ApiClientError, ApiError
from reconciler.api.models import MemberStatus, Stage, TeamUpdateResult, Workspace
from reconciler.errors import ReconcilerError, StateError
from reconciler.model.plan import ApiCall, Plan, WorkspacePlan

RecordId = Callable[[str, str, str], None]
"""(tenant, key, workspace_id): store a generated WorkspaceId in the state."""
RecordIntent = Callable[[str, str, "str | None"], None]
"""(tenant, key, the id the create is expected to make, when it can be known)."""
Progress = Callable[[str], None]

POLL_FIRST = 0.5
POLL_MAX = 5.0
"""Status polls while a new workspace provisions: 0.5 s, doubling, at most 5 s apart."""

_Kind = Literal["create", "workspace", "team", "schema", "workspaceType"]
_SUB_RESOURCES: dict[str, _Kind] = {
    "team": "team",
    "schema": "schema",
    "workspaceType": "workspaceType",
}


class PlanNotApplicable(ReconcilerError):
    """The plan cannot be applied as it stands; nothing was sent."""


@dataclass(frozen=True)
class CallOutcome:
    """One call that was sent: `ok` when the service accepted it and nothing after it failed."""

    address: str
    call: ApiCall
    ok: bool
    message: str | None = None


@dataclass(frozen=True)
class WorkspaceOutcome:
    """What apply did for one workspace.

    `done` holds the calls the service accepted (a create whose provisioning
    then failed is done: the workspace exists); `not_done` the call it refused
    and every call after it, which were never sent.
    """

    address: str
    done: tuple[ApiCall, ...]
    not_done: tuple[ApiCall, ...]
    error: str | None
    workspace_id: str | None
    calls: tuple[CallOutcome, ...] = ()
    """One entry per call sent, in order."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ApplyReport:
    """The outcome of every workspace that had calls, in plan order."""

    outcomes: tuple[WorkspaceOutcome, ...]

    @property
    def ok(self) -> bool:
        """True when every planned call was done without a problem."""
        return all(o.ok for o in self.outcomes)

    def summary_lines(self) -> list[str]:
        """A readable report: each workspace, its done and not-done calls, then the counts."""
        lines: list[str] = []
        for outcome in self.outcomes:
            state = "done" if outcome.ok else f"FAILED: {outcome.error}"
            lines.append(f"{outcome.address}: {state}")
            lines += [f"  done      {_describe(c)}" for c in outcome.done]
            lines += [f"  not done  {_describe(c)}" for c in outcome.not_done]
        lines.append(self._count_line())
        return lines

    def _count_line(self) -> str:
        done = sum(len(o.done) for o in self.outcomes)
        total = done + sum(len(o.not_done) for o in self.outcomes)
        failed = sum(not o.ok for o in self.outcomes)
        workspaces = len(self.outcomes)
        if failed == 0:
            return f"Apply complete: {done} of {total} calls done in {workspaces} workspaces."
        return (
            f"Apply incomplete: {done} of {total} calls done; "
            f"{failed} of {workspaces} workspaces failed."
        )


def _describe(call: ApiCall) -> str:
    return f"{call.summary} ({call.method} {call.path})"


# --- checking the plan before anything is sent --------------------------------


@dataclass(frozen=True)
class _Step:
    """A planned call matched to the client operation that sends exactly its body."""

    call: ApiCall
    kind: _Kind
    workspace_id: str | None
    """From the path; None for a create."""


class _NotSendable(Exception):
    """Internal: why a call cannot be sent exactly as planned (becomes PlanNotApplicable)."""


def _step(call: ApiCall) -> _Step:
    """Match a call to an operation by method and path, and check the client reproduces its body."""
    # A WorkspaceId never holds a "/", and the planner writes it raw (the client quotes it).
    parts = call.path.split("/")
    if parts[:2] != ["", "workspaces"] or any(not p for p in parts[2:]):
        raise _NotSendable(f"no API operation is {call.method} {call.path}")
    kind: _Kind | None = None
    if call.method == "POST" and len(parts) == 2:
        kind = "create"
    elif call.method == "PUT" and len(parts) == 3:
        kind = "workspace"
    elif call.method == "PUT" and len(parts) == 4:
        kind = _SUB_RESOURCES.get(parts[3])
    if kind is None:
        raise _NotSendable(f"no API operation is {call.method} {call.path}")
    step = _Step(call, kind, parts[2] if len(parts) > 2 else None)
    _check_body(step)
    return step


def _check_body(step: _Step) -> None:
    """The client builds team/schema/type bodies itself: they must come out equal to the plan's."""
    body = step.call.body
    if step.kind in ("create", "workspace"):
        if not isinstance(body, dict):
            raise _NotSendable("the body is not a JSON object")
        return
    if step.kind == "team":
        rebuilt: Any = wire.team_body(*_team_args(body))
    elif step.kind == "schema":
        rebuilt = wire.schema_body(_schema_args(body))
    else:
        rebuilt = {"Id": _type_arg(body)}
    if rebuilt != body:
        raise _NotSendable(f"the client would send {rebuilt!r} instead of the planned body")


def _team_args(body: Any) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    if not isinstance(body, dict):
        raise _NotSendable("the body is not a JSON object")
    return _groups(body.get("Added", []), "Added"), _groups(body.get("Removed", []), "Removed")


def _groups(entries: Any, what: str) -> dict[str, list[str]]:
    """[{Group, Members}] -> {group: members}; a repeated group would merge, so it is refused."""
    if not isinstance(entries, list):
        raise _NotSendable(f"{what} is not a list")
    groups: dict[str, list[str]] = {}
    for entry in entries:
        group = entry.get("Group") if isinstance(entry, dict) else None
        members = entry.get("Members") if isinstance(entry, dict) else None
        if not isinstance(group, str) or not isinstance(members, list) or group in groups:
            raise _NotSendable(f"{what} holds a malformed or repeated group entry: {entry!r}")
        groups[group] = [str(m) for m in members]
    return groups


def _schema_args(body: Any) -> dict[str, str | None]:
    if not isinstance(body, list):
        raise _NotSendable("a schema body must be a list of {FieldName, FieldValue}")
    fields: dict[str, str | None] = {}
    for entry in body:
        name = entry.get("FieldName") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name in fields:
            raise _NotSendable(f"malformed or repeated schema field: {entry!r}")
        fields[name] = entry.get("FieldValue")
    return fields


def _type_arg(body: Any) -> str:
    type_id = body.get("Id") if isinstance(body, dict) else None
    if not isinstance(type_id, str):
        raise _NotSendable('a workspaceType body must be {"Id": "<type id>"}')
    return type_id


def _checked_steps(
    plan: Plan, clients: Mapping[str, SeamlessClient]
) -> list[tuple[WorkspacePlan, list[_Step]]]:
    """Every workspace with calls, its calls matched to operations; raises PlanNotApplicable."""
    if plan.errored:
        raise PlanNotApplicable(
            "The plan has errors, so nothing was applied. Fix the problems it lists and plan again."
        )
    checked = []
    for wp in plan.workspaces:
        if not wp.calls:
            continue
        if wp.tenant not in clients:
            raise PlanNotApplicable(f"{wp.address}: no client for tenant {wp.tenant!r}.")
        try:
            steps = [_step(call) for call in wp.calls]
        except _NotSendable as e:
            raise PlanNotApplicable(
                f"{wp.address}: a planned call cannot be sent exactly as planned ({e}); "
                "nothing was applied. Make the plan again with this version of reconciler."
            ) from e
        checked.append((wp, steps))
    return checked


# --- sending ------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    wait: bool
    wait_timeout: float
    record_id: RecordId | None
    record_intent: RecordIntent | None
    abandon_intent: Callable[[str, str], None] | None
    progress: Progress
    sleep: Callable[[float], None]
    clock: Callable[[], float]


class _CallProblem(Exception):
    """Internal: the service accepted the call, but what followed failed (message for users)."""


def apply_plan(
    plan: Plan,
    clients: Mapping[str, SeamlessClient],
    *,
    wait: bool = True,
    wait_timeout: float = 600.0,
    record_id: RecordId | None = None,
    record_intent: RecordIntent | None = None,
    abandon_intent: Callable[[str, str], None] | None = None,
    on_progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ApplyReport:
    """Send the plan's calls, workspace by workspace in plan order, and report what was done.

    `clients[tenant]` serves each workspace's tenant. After a create,
    `record_intent(tenant, record_key, expected_id)` is called just before a
    keyed create's POST, and `record_id(tenant, record_key, workspace_id)` as
    soon as it answers (keyed workspaces only); then, with `wait`, the workspace's status
    is polled until it is Ready, for at most `wait_timeout` seconds.
    A failure stops its own workspace only. Raises PlanNotApplicable, before
    sending anything, for a plan with errors or a call that cannot be sent
    exactly as planned.
    """
    checked = _checked_steps(plan, clients)
    options = _Options(
        wait,
        wait_timeout,
        record_id,
        record_intent,
        abandon_intent,
        on_progress or _quiet,
        sleep,
        clock,
    )
    outcomes: list[WorkspaceOutcome] = []
    halted: str | None = None
    for wp, steps in checked:
        if halted is not None and wp.record_key is not None:
            # The state could not take the last generated id; another keyed create
            # would leave one more workspace the state does not know.
            options.progress(f"{wp.address}: {halted}")
            outcomes.append(WorkspaceOutcome(wp.address, (), wp.calls, halted, wp.workspace_id))
            continue
        run = _WorkspaceRun(wp, steps, clients[wp.tenant], options)
        outcomes.append(run.run())
        halted = halted or run.record_failure
    return ApplyReport(tuple(outcomes))


def _quiet(_: str) -> None:
    pass


class _WorkspaceRun:
    """Sends one workspace's calls in order and stops at the first failure."""

    def __init__(
        self, wp: WorkspacePlan, steps: Sequence[_Step], client: SeamlessClient, options: _Options
    ) -> None:
        self.wp = wp
        self.steps = steps
        self.client = client
        self.options = options
        self.workspace_id = next((s.workspace_id for s in steps if s.workspace_id), None)
        self.sent: list[CallOutcome] = []
        self.record_failure: str | None = None
        """Set when a created workspace's id could not be recorded: later keyed creates stop."""

    def run(self) -> WorkspaceOutcome:
        for index, step in enumerate(self.steps):
            self.options.progress(f"{self.wp.address}: {step.call.summary}")
            try:
                self._perform(step)
            except StateError as e:  # the intent could not be written: the POST was not sent
                return self._stopped(index, index, f"{step.call.summary} not sent: {e}")
            except ApiError as e:
                if step.kind == "create" and isinstance(e, ApiClientError):
                    self._abandon()  # refused: nothing was made, nothing to find next time
                return self._stopped(index, index, f"{step.call.summary} failed: {e}")
            except _CallProblem as e:
                return self._stopped(index, index + 1, str(e))
            self.sent.append(CallOutcome(self.wp.address, step.call, True))
        return self._outcome(len(self.steps), None)

    def _stopped(self, index: int, done: int, error: str) -> WorkspaceOutcome:
        self.sent.append(CallOutcome(self.wp.address, self.steps[index].call, False, error))
        self.options.progress(f"{self.wp.address}: failed: {error}")
        return self._outcome(done, error)

    def _outcome(self, done: int, error: str | None) -> WorkspaceOutcome:
        calls = self.wp.calls
        return WorkspaceOutcome(
            self.wp.address, calls[:done], calls[done:], error, self.workspace_id, tuple(self.sent)
        )

    def _perform(self, step: _Step) -> None:
        """Send one call; ApiError if refused, _CallProblem if accepted but then a failure."""
        body = step.call.body
        target = step.workspace_id or ""
        if step.kind == "create":
            expected = body.get("WorkspaceId") or self.wp.workspace_id
            if self.wp.record_key is not None and self.options.record_intent is not None:
                self.options.record_intent(self.wp.tenant, self.wp.record_key, expected)
            self._created(self.client.create_workspace(body, expected_id=expected))
        elif step.kind == "workspace":
            self.client.update_workspace(target, body)
        elif step.kind == "team":
            self._check_team(self.client.update_team(target, *_team_args(body)), body)
        elif step.kind == "schema":
            self.client.update_schema(target, _schema_args(body))
        else:
            self.client.update_workspace_type(target, _type_arg(body))

    # --- after a create -------------------------------------------------------

    def _created(self, created: Workspace) -> None:
        self.workspace_id = created.workspace_id
        self._record(created.workspace_id)
        self.options.progress(f"{self.wp.address}: created {created.workspace_id}")
        if created.stage == Stage.FAILED:
            raise _CallProblem(_failed_message(created.workspace_id, 0.0))
        if self.options.wait and not created.ready:
            self._wait_until_ready(created.workspace_id)

    def _abandon(self) -> None:
        if self.wp.record_key is not None and self.options.abandon_intent is not None:
            self.options.abandon_intent(self.wp.tenant, self.wp.record_key)

    def _record(self, workspace_id: str) -> None:
        key = self.wp.record_key
        if key is None or self.options.record_id is None:
            return
        try:
            self.options.record_id(self.wp.tenant, key, workspace_id)
        except ReconcilerError as e:
            self.record_failure = (
                f"not started: recording the id of {self.wp.address} in the state failed"
            )
            raise _CallProblem(
                f"workspace {workspace_id} was created, but recording it under key {key!r} "
                f"failed ({e}). Record it (reconciler state import) before applying again, "
                "or the next apply creates it a second time."
            ) from e

    def _wait_until_ready(self, workspace_id: str) -> None:
        """Poll the status with backoff until Ready; _CallProblem on Failed or at the timeout."""
        started = self.options.clock()
        delay = POLL_FIRST
        while True:
            try:
                status = self.client.get_status(workspace_id)
            except ApiError as e:
                raise _CallProblem(
                    f"workspace {workspace_id} was created, but reading its status failed ({e}); "
                    "run apply again later."
                ) from e
            waited = self.options.clock() - started
            if status.value == Stage.READY:
                return
            if status.value == Stage.FAILED:
                raise _CallProblem(_failed_message(workspace_id, waited))
            left = self.options.wait_timeout - waited
            if left <= 0:
                raise _CallProblem(
                    f"workspace {workspace_id} was created but is still {status.name} "
                    f"(Stage {status.value}) after waiting {waited:.0f} s; "
                    "run apply again later, once it is Ready."
                )
            self.options.progress(
                f"{self.wp.address}: {workspace_id} is {status.name}, checking again in {delay:g} s"
            )
            self.options.sleep(min(delay, left))
            delay = min(delay * 2, POLL_MAX)

    # --- after a team update -------------------------------------------------

    def _check_team(self, result: TeamUpdateResult, body: Any) -> None:
        """Every member must be Added or Removed; Failed and NotExistingGroup are errors."""
        removals = {
            (g["Group"], str(m).lower()) for g in body.get("Removed", []) for m in g["Members"]
        }
        problems = [
            _member_problem(group.group, m.account, m.status, removals)
            for group in result.groups
            for m in group.members
            if m.status not in (MemberStatus.ADDED, MemberStatus.REMOVED)
        ]
        if problems:
            raise _CallProblem("; ".join(problems))


def _failed_message(workspace_id: str, waited: float) -> str:
    return (
        f"workspace {workspace_id} was created, but its provisioning failed: the service reports "
        f"Failed (Stage 3) after {waited:.0f} s of waiting. Look at it in Seamless; "
        "apply cannot change a workspace that is not Ready."
    )


def _member_problem(
    group: str, account: str, status: MemberStatus | int, removals: set[tuple[str, str]]
) -> str:
    """ "ghost@xyz.com could not be added to Members: not an account of the tenant (Failed)"."""
    verb = "removed from" if (group, account.lower()) in removals else "added to"
    if status == MemberStatus.FAILED:
        # Failed means "not in the tenant's directory", or an AD group on a Teams workspace.
        why = (
            "not an account of the tenant"
            if "@" in account
            else "not an AD group of the tenant, or an AD group on a Teams workspace"
        )
        return f"{account} could not be {verb} {group}: {why} (Failed)"
    if status == MemberStatus.NOT_EXISTING_GROUP:
        return (
            f"{account} could not be {verb} {group}: the workspace's type does not manage "
            f"{group} through the API (NotExistingGroup)"
        )
    return f"{account} could not be {verb} {group}: the service answered status {int(status)}"
