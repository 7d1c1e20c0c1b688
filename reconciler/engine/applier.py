"""Apply a Plan: send exactly its calls, in order, and report what was done.

The applier executes the typed operations of `WorkspacePlan.calls` through
the client's typed methods (and records `record_key` on a create) and reads
nothing else of the plan: changes, reasons and summaries are for people
(style rule 4). Apart from the planned POST/PUT calls it only reads the
status of a workspace it has just created, while waiting for it to be Ready.

Every call is checked before the first one is sent: a plan with errors, a
tenant without a client, or a call whose shown request is not what its
operation sends (a plan file edited by hand) is refused as a whole
(`PlanNotApplicable`), so nothing half-applies because of a malformed plan.
After that, a failure stops only its own workspace; the others go on, and
the report says what was done and what not.
Calls run one after another: the client paces itself under the rate limit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reconciler.api import SeamlessClient, wire
from reconciler.api.errors import (
    ApiClientError,
    ApiError,
    RunFailure,
    UnsafePath,
    is_run_wide,
    run_failure_hint,
)
from reconciler.api.models import MemberStatus, Stage, TeamUpdateResult, Workspace
from reconciler.engine.report import ApplyReport, CallOutcome, Kind, WorkspaceOutcome
from reconciler.errors import ReconcilerError, StateError
from reconciler.identity import account_key, same_workspace_id
from reconciler.model.operations import (
    CreateWorkspace,
    Operation,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
    target_id,
)
from reconciler.model.plan import Action, ApiCall, Plan, WorkspacePlan

RecordId = Callable[[str, str, str], None]
"""(tenant, key, workspace_id): store a generated WorkspaceId in the state."""
RecordIntent = Callable[[str, str, "str | None"], None]
"""(tenant, key, the id the create is expected to make, when it can be known)."""
Progress = Callable[[str], None]
StopCheck = Callable[[], "str | None"]
"""Asked before every call: the name of the signal that asked to stop ("SIGTERM"), or None."""
OutcomeHook = Callable[[WorkspacePlan, "WorkspaceOutcome"], None]
"""Called the moment a workspace's calls end, so the state records it at once."""

POLL_FIRST = 0.5
POLL_MAX = 5.0
"""Status polls while a new workspace provisions: 0.5 s, doubling, at most 5 s apart."""


class PlanNotApplicable(ReconcilerError):
    """The plan cannot be applied as it stands; nothing was sent."""


# --- checking the plan before anything is sent --------------------------------


def check_applicable(plan: Plan, clients: Mapping[str, SeamlessClient]) -> None:
    """Refuse, before any call, a plan with errors, a tenant without a client, or an edited call.

    Each call's operation is what apply executes; its method, path and body
    are what people reviewed. They must be what the client makes of the
    operation, and a call may only write the workspace of its entry: a plan
    file edited by hand to redirect or add calls is refused as a whole.
    """
    if plan.errored:
        raise PlanNotApplicable(
            "The plan has errors, so nothing was applied. Fix the problems it lists and plan again."
        )
    for wp in plan.workspaces:
        if wp.calls and wp.tenant not in clients:
            raise PlanNotApplicable(f"{wp.address}: no client for tenant {wp.tenant!r}.")
        for number, call in enumerate(wp.calls, start=1):
            problem = _edited(wp, call)
            if problem:
                raise PlanNotApplicable(
                    f"{wp.address}: call {number} ({call.method} {call.path}) {problem}; "
                    "nothing was applied. Make the plan again and apply it as it was saved."
                )


def _edited(wp: WorkspacePlan, call: ApiCall) -> str | None:
    """Why a call is not the one its operation makes for this workspace, or None."""
    try:
        request = wire.request_for(call.operation)
    except UnsafePath as e:
        return str(e)
    shown = wire.Request(call.method, call.path, call.body)
    if request != shown:
        return (
            f"is not what its operation sends ({request.method} {request.path} "
            f"{json.dumps(request.body)})"
        )
    written = target_id(call.operation) or (
        call.operation.workspace_id if isinstance(call.operation, CreateWorkspace) else None
    )
    if written and not (wp.workspace_id and same_workspace_id(written, wp.workspace_id)):
        return f"writes workspace {written!r}, not this entry's {wp.workspace_id!r}"
    return None


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
    should_stop: StopCheck
    on_outcome: OutcomeHook | None


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
    should_stop: StopCheck | None = None,
    on_outcome: OutcomeHook | None = None,
) -> ApplyReport:
    """Send the plan's calls, workspace by workspace in plan order, and report what was done.

    `clients[tenant]` serves each workspace's tenant. After a create,
    `record_intent(tenant, record_key, expected_id)` is called just before a
    keyed create's POST, and `record_id(tenant, record_key, workspace_id)` as
    soon as it answers (keyed workspaces only); then, with `wait`, the workspace's status
    is polled until it is Ready, for at most `wait_timeout` seconds.
    A failure stops its own workspace only. `should_stop` is asked before each
    call: once it names a signal, no new call starts (the one in flight has
    finished) and the rest is reported as not done. Raises PlanNotApplicable,
    before sending anything, for a plan with errors or an edited call.
    """
    check_applicable(plan, clients)
    options = _Options(
        wait,
        wait_timeout,
        record_id,
        record_intent,
        abandon_intent,
        on_progress or _quiet,
        sleep,
        clock,
        should_stop or _never,
        on_outcome,
    )
    outcomes: list[WorkspaceOutcome] = []
    halted: str | None = None
    stopped_by: RunFailure | None = None
    for wp in plan.workspaces:
        if not wp.calls:
            continue
        signal = options.should_stop()
        if signal is not None:
            halted = f"not started: apply was interrupted by {signal}"
        elif stopped_by is not None:
            halted = f"not started: {stopped_by.error.message}"
        run_stopped = signal is not None or stopped_by is not None
        if halted is not None and (run_stopped or wp.record_key is not None):
            # After a signal or a run-wide failure nothing new starts; after a failed record
            # of a generated id, another keyed create would leave one more unknown workspace.
            outcome = WorkspaceOutcome(
                wp.address, (), wp.calls, halted, wp.workspace_id, kind=_kind(wp)
            )
        else:
            run = _WorkspaceRun(wp, clients[wp.tenant], options)
            outcome = run.run()
            halted = halted or run.record_failure
            if run.run_failure is not None:
                stopped_by = stopped_by or run.run_failure
        outcomes.append(outcome)
        if options.on_outcome is not None:
            options.on_outcome(wp, outcome)
    hint = run_failure_hint(stopped_by.error) if stopped_by else None
    return ApplyReport(tuple(outcomes), interrupted_by=options.should_stop(), run_failure=hint)


def _never() -> str | None:
    return None


def _kind(wp: WorkspacePlan) -> Kind:
    if wp.action is Action.CREATE:
        return "created"
    return "closed" if wp.closes else "updated"


def _quiet(_: str) -> None:
    pass


class _WorkspaceRun:
    """Sends one workspace's calls in order and stops at the first failure."""

    def __init__(self, wp: WorkspacePlan, client: SeamlessClient, options: _Options) -> None:
        self.wp = wp
        self.client = client
        self.options = options
        self.workspace_id = next(
            (target_id(c.operation) for c in wp.calls if target_id(c.operation)), None
        )
        self.sent: list[CallOutcome] = []
        self.run_failure: RunFailure | None = None
        """Set on an auth or connection failure: no other workspace is started."""
        self.record_failure: str | None = None
        """Set when a created workspace's id could not be recorded: later keyed creates stop."""

    def run(self) -> WorkspaceOutcome:
        for index, call in enumerate(self.wp.calls):
            stop = self.options.should_stop()
            if stop is not None:
                return self._outcome(index, f"stopped: apply was interrupted by {stop}")
            self.options.progress(f"{self.wp.address}: {call.summary}")
            try:
                self._perform(call.operation)
            except StateError as e:  # the intent could not be written: the POST was not sent
                return self._outcome(index, f"{call.summary} not sent: {e}")
            except ApiError as e:
                if isinstance(call.operation, CreateWorkspace) and isinstance(e, ApiClientError):
                    self._abandon()  # refused: nothing was made, nothing to find next time
                if is_run_wide(e):  # every later call would fail alike: stop the run here
                    self.run_failure = RunFailure(e)
                return self._failed(index, f"{call.summary} failed: {e}")
            except _CallProblem as e:
                return self._failed(index, str(e))
            self.sent.append(CallOutcome(self.wp.address, call, True))
        return self._outcome(len(self.wp.calls), None)

    def _failed(self, index: int, error: str) -> WorkspaceOutcome:
        """The call at `index` was sent and failed; those after it were not sent."""
        self.sent.append(CallOutcome(self.wp.address, self.wp.calls[index], False, error))
        self.options.progress(f"{self.wp.address}: failed: {error}")
        return self._outcome(index, error, failed=True)

    def _outcome(self, done: int, error: str | None, *, failed: bool = False) -> WorkspaceOutcome:
        calls = self.wp.calls
        rest = done + 1 if failed else done
        return WorkspaceOutcome(
            self.wp.address,
            calls[:done],
            calls[rest:],
            error,
            self.workspace_id,
            tuple(self.sent),
            failed=calls[done] if failed else None,
            kind=_kind(self.wp),
        )

    def _perform(self, operation: Operation) -> None:
        """Send one call; ApiError if refused, _CallProblem if accepted but then a failure."""
        if isinstance(operation, CreateWorkspace):
            expected = operation.workspace_id or self.wp.workspace_id
            if self.wp.record_key is not None and self.options.record_intent is not None:
                self.options.record_intent(self.wp.tenant, self.wp.record_key, expected)
            self._created(self.client.create_workspace(operation, expected_id=expected))
        elif isinstance(operation, UpdateWorkspace):
            self.client.update_workspace(operation)
        elif isinstance(operation, UpdateTeam):
            self._check_team(self.client.update_team(operation), operation)
        elif isinstance(operation, UpdateSchema):
            self.client.update_schema(operation)
        else:
            self.client.change_type(operation)

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
            if status.value == Stage.READY or self.options.should_stop() is not None:
                return  # Ready; or a signal: the create is done, the next plan sees the rest
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

    def _check_team(self, result: TeamUpdateResult, operation: UpdateTeam) -> None:
        """Every member must be Added or Removed; Failed and NotExistingGroup are errors."""
        removals = {
            (group, account_key(m)) for group, members in operation.removed for m in members
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
    verb = "removed from" if (group, account_key(account)) in removals else "added to"
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
