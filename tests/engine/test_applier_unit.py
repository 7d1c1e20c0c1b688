"""apply_plan against a fake client: every message, progress line, wait and stop, exactly.

No server: the fake answers each typed call from a script, so the tests pin what
the applier itself decides (test_applier.py runs the same code over HTTPS).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from reconciler.api.errors import (
    ApiClientError,
    ApiConnectionError,
    ApiError,
    Forbidden,
    Unauthorized,
)
from reconciler.api.models import (
    GroupUpdate,
    MemberStatus,
    MemberUpdate,
    TeamUpdateResult,
    Workspace,
    WorkspaceStatus,
)
from reconciler.engine import applier
from reconciler.engine.applier import PlanNotApplicable, apply_plan
from reconciler.engine.calls import api_call
from reconciler.engine.report import ApplyReport, CallOutcome, WorkspaceOutcome
from reconciler.errors import StateError
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.operations import (
    ChangeType,
    CreateWorkspace,
    PersonRef,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
)
from reconciler.model.plan import Action, ApiCall, FieldChange, FieldOp, Plan, WorkspacePlan
from tests.engine.values import live_workspace_of

T = "contoso"
STATUS = {0: "ForProvisioning", 1: "Provisioning", 2: "Ready", 3: "Failed"}


def workspace(workspace_id: str, stage: int) -> Workspace:
    return live_workspace_of(workspace_id=workspace_id, stage=stage)


@dataclass
class FakeClient:
    """Answers from scripts; logs every call as (method, id)."""

    created_stage: int = 2
    generated: str = "org.1"
    statuses: list[int | ApiError] = field(default_factory=list)
    errors: dict[str, ApiError] = field(default_factory=dict)
    team: TeamUpdateResult = field(default_factory=lambda: TeamUpdateResult(()))
    log: list[tuple[str, str | None]] = field(default_factory=list)

    def _called(self, what: str, workspace_id: str | None) -> None:
        self.log.append((what, workspace_id))
        key = f"{what} {workspace_id}"
        if key in self.errors:
            raise self.errors[key]
        if what in self.errors:
            raise self.errors[what]

    def create_workspace(self, operation: CreateWorkspace, *, expected_id: str | None) -> Workspace:
        self._called("create", expected_id)
        return workspace(expected_id or self.generated, self.created_stage)

    def update_workspace(self, operation: UpdateWorkspace) -> None:
        self._called("update", operation.workspace_id)

    def update_team(self, operation: UpdateTeam) -> TeamUpdateResult:
        self._called("team", operation.workspace_id)
        return self.team

    def update_schema(self, operation: UpdateSchema) -> None:
        self._called("schema", operation.workspace_id)

    def change_type(self, operation: ChangeType) -> None:
        self._called("type", operation.workspace_id)

    def get_status(self, workspace_id: str) -> WorkspaceStatus:
        self._called("status", workspace_id)
        value = self.statuses.pop(0)
        if isinstance(value, ApiError):
            raise value
        return WorkspaceStatus(STATUS[value], value)


def create(workspace_id: str | None = None) -> ApiCall:
    operation = CreateWorkspace("N", "U", "T", PersonRef("m@x.com"), workspace_id=workspace_id)
    return api_call(operation, "create workspace")


def put(workspace_id: str, closed: bool = False) -> ApiCall:
    operation = UpdateWorkspace(workspace_id, "N", closed, PersonRef("m@x.com"), None)
    return api_call(operation, "update workspace")


def schema(workspace_id: str) -> ApiCall:
    return api_call(UpdateSchema(workspace_id, (("F", "1"),)), "update schema")


def team(workspace_id: str, removed: tuple[str, ...] = ()) -> ApiCall:
    operation = UpdateTeam(
        workspace_id, added=(("Members", ("a@x.com", "AD_X")),), removed=(("Owners", removed),)
    )
    return api_call(operation, "update team")


def change_type(workspace_id: str) -> ApiCall:
    return api_call(ChangeType(workspace_id, "T2"), "change type")


def entry(address: str, *calls: ApiCall, **extra: Any) -> WorkspacePlan:
    action = Action.CREATE if calls and calls[0].method == "POST" else Action.UPDATE
    values: dict[str, Any] = {"workspace_id": address.split("/")[1], "action": action}
    values.update(extra)
    return WorkspacePlan(address=address, tenant=T, calls=calls, **values)


def plan_of(*workspaces: WorkspacePlan) -> Plan:
    return Plan(api_url="https://x", created_at="2024-01-01T00:00:00Z", workspaces=workspaces)


@dataclass
class Clock:
    """A clock that moves only when the applier sleeps."""

    now: float = 100.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


@dataclass
class Run:
    client: FakeClient
    clock: Clock = field(default_factory=Clock)
    progress: list[str] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)

    def apply(self, plan: Plan, **kwargs: Any) -> ApplyReport:
        kwargs.setdefault("sleep", self.clock.sleep)
        kwargs.setdefault("clock", self.clock)
        kwargs.setdefault("on_progress", self.progress.append)
        kwargs.setdefault("on_outcome", lambda wp, o: self.events.append(("outcome", wp.address)))
        kwargs.setdefault("record_id", lambda *a: self.events.append(("record", *a)))
        kwargs.setdefault("record_intent", lambda *a: self.events.append(("intent", *a)))
        kwargs.setdefault("abandon_intent", lambda *a: self.events.append(("abandon", *a)))
        return apply_plan(plan, {T: self.client}, **kwargs)  # type: ignore[dict-item]


@pytest.fixture
def run() -> Iterator[Run]:
    yield Run(FakeClient())


def test_constants() -> None:
    assert (applier.POLL_FIRST, applier.POLL_MAX) == (0.5, 5.0)


# -- refused before anything is sent ---------------------------------------------------------


def test_a_plan_with_errors_is_refused(run: Run) -> None:
    bad = replace(entry("contoso/w"), action=Action.ERROR, problems=(Diagnostic.error("x"),))
    with pytest.raises(PlanNotApplicable) as caught:
        run.apply(plan_of(entry("contoso/a", put("a")), bad))
    assert str(caught.value) == (
        "The plan has errors, so nothing was applied. Fix the problems it lists and plan again."
    )
    assert run.client.log == []


def test_a_tenant_without_a_client_is_refused(run: Run) -> None:
    other = replace(entry("fabrikam/w", put("w")), tenant="fabrikam")
    with pytest.raises(PlanNotApplicable) as caught:
        run.apply(plan_of(entry("contoso/a", put("a")), other))
    assert str(caught.value) == "fabrikam/w: no client for tenant 'fabrikam'."
    assert run.client.log == []
    run.apply(plan_of(replace(entry("fabrikam/n"), tenant="fabrikam")))  # no calls: no client


def test_an_edited_call_is_refused(run: Run) -> None:
    edited = replace(put("w"), body={"Name": "Other"})
    with pytest.raises(PlanNotApplicable) as caught:
        run.apply(plan_of(entry("contoso/w", schema("w"), edited)))
    assert str(caught.value) == (
        "contoso/w: call 2 (PUT /workspaces/w) is not what its operation sends "
        '(PUT /workspaces/w {"Name": "N", "LifeCycle": 0, "Manager": {"Email": "m@x.com"}}); '
        "nothing was applied. Make the plan again and apply it as it was saved."
    )
    moved = replace(put("w"), method="POST")
    with pytest.raises(PlanNotApplicable, match=r"call 1 \(POST /workspaces/w\) is not what"):
        run.apply(plan_of(entry("contoso/w", moved)))
    assert run.client.log == []


def test_an_unsafe_id_is_refused(run: Run) -> None:
    call = ApiCall(UpdateSchema("..", ()), "PUT", "/workspaces/../schema", [], "s")
    with pytest.raises(PlanNotApplicable) as caught:
        run.apply(plan_of(entry("contoso/..", call)))
    assert str(caught.value) == (
        "contoso/..: call 1 (PUT /workspaces/../schema) '..' cannot be used as an id in a URL "
        "path; nothing was applied. Make the plan again and apply it as it was saved."
    )


def test_a_call_writing_another_workspace_is_refused(run: Run) -> None:
    with pytest.raises(PlanNotApplicable) as caught:
        run.apply(plan_of(entry("contoso/w", put("other"))))
    assert str(caught.value) == (
        "contoso/w: call 1 (PUT /workspaces/other) writes workspace 'other', not this entry's "
        "'w'; nothing was applied. Make the plan again and apply it as it was saved."
    )
    with pytest.raises(PlanNotApplicable, match=r"writes workspace 'pr\.9', not this entry's None"):
        run.apply(plan_of(entry("contoso/key=k", create("pr.9"), workspace_id=None)))
    with pytest.raises(PlanNotApplicable, match=r"writes workspace 'pr\.9', not this entry's 'x'"):
        run.apply(plan_of(entry("contoso/x", create("pr.9"))))
    run.apply(plan_of(entry("contoso/W", put("w"))))  # the same id in another case
    run.apply(plan_of(entry("contoso/key=k", create(), workspace_id=None)))
    assert run.client.log == [("update", "w"), ("create", None)]


# -- sending ---------------------------------------------------------------------------------


def test_every_kind_of_call_in_order_with_its_progress(run: Run) -> None:
    calls = (put("w"), team("w"), schema("w"), change_type("w"))
    report = run.apply(plan_of(entry("contoso/w", *calls), entry("contoso/idle")))
    assert run.client.log == [("update", "w"), ("team", "w"), ("schema", "w"), ("type", "w")]
    assert run.progress == [
        "contoso/w: update workspace",
        "contoso/w: update team",
        "contoso/w: update schema",
        "contoso/w: change type",
    ]
    assert report == ApplyReport(
        (
            WorkspaceOutcome(
                "contoso/w",
                calls,
                (),
                None,
                "w",
                tuple(CallOutcome("contoso/w", c, True) for c in calls),
                kind="updated",
            ),
        )
    )
    assert run.events == [("outcome", "contoso/w")]


def test_kinds(run: Run) -> None:
    closing = replace(
        entry("contoso/c", put("c", closed=True)),
        changes=(FieldChange(("lifeCycle",), FieldOp.CHANGE, "active", "closed"),),
    )
    report = run.apply(
        plan_of(entry("contoso/n", create("n")), closing, entry("contoso/u", put("u")))
    )
    assert [o.kind for o in report.outcomes] == ["created", "closed", "updated"]


def test_a_create_waits_with_backoff_until_ready(run: Run) -> None:
    run.client.created_stage = 0
    run.client.statuses = [0, 1, 1, 1, 1, 1, 2]
    report = run.apply(plan_of(entry("contoso/n", create("n"))))
    assert report.ok and report.outcomes[0].workspace_id == "n"
    assert run.clock.sleeps == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert run.progress == [
        "contoso/n: create workspace",
        "contoso/n: created n",
        "contoso/n: n is ForProvisioning, checking again in 0.5 s",
        "contoso/n: n is Provisioning, checking again in 1 s",
        "contoso/n: n is Provisioning, checking again in 2 s",
        "contoso/n: n is Provisioning, checking again in 4 s",
        "contoso/n: n is Provisioning, checking again in 5 s",
        "contoso/n: n is Provisioning, checking again in 5 s",
    ]
    assert run.client.log == [("create", "n")] + [("status", "n")] * 7


def test_a_ready_create_and_no_wait_do_not_poll(run: Run) -> None:
    run.apply(plan_of(entry("contoso/n", create("n"))))
    run.client.created_stage = 1
    run.apply(plan_of(entry("contoso/m", create("m"))), wait=False)
    assert run.client.log == [("create", "n"), ("create", "m")]


def test_the_wait_times_out(run: Run) -> None:
    run.client.created_stage = 1
    run.client.statuses = [1, 1, 1, 1]
    report = run.apply(plan_of(entry("contoso/n", create("n"), put("n"))), wait_timeout=3.0)
    assert run.clock.sleeps == [0.5, 1.0, 1.5]
    error = (
        "workspace n was created but is still Provisioning (Stage 1) after waiting 3 s; "
        "run apply again later, once it is Ready."
    )
    (outcome,) = report.outcomes
    assert outcome.error == error
    assert outcome.failed == create("n") and outcome.not_done == (put("n"),)
    assert outcome.done == () and outcome.workspace_id == "n"
    assert outcome.calls == (CallOutcome("contoso/n", create("n"), False, error),)
    assert run.progress[-1] == f"contoso/n: failed: {error}"
    assert report.summary_lines()[0] == f"contoso/n: FAILED: {error}"


def test_a_provisioning_that_fails_while_waited_for(run: Run) -> None:
    run.client.created_stage = 0
    run.client.statuses = [1, 3]
    report = run.apply(plan_of(entry("contoso/n", create("n"))))
    assert report.outcomes[0].error == (
        "workspace n was created, but its provisioning failed: the service reports "
        "Failed (Stage 3) after 0 s of waiting. Look at it in Seamless; "
        "apply cannot change a workspace that is not Ready."
    )
    run.client.statuses = [1, 1, 1, 3]
    run.clock.sleeps.clear()
    report = run.apply(plan_of(entry("contoso/m", create("m"))))
    assert run.clock.sleeps == [0.5, 1.0, 2.0]
    assert "reports Failed (Stage 3) after 4 s of waiting" in (report.outcomes[0].error or "")


def test_a_create_that_answers_failed(run: Run) -> None:
    run.client.created_stage = 3
    report = run.apply(plan_of(entry("contoso/n", create("n"))), wait=False)
    assert report.outcomes[0].error == (
        "workspace n was created, but its provisioning failed: the service reports "
        "Failed (Stage 3) after 0 s of waiting. Look at it in Seamless; "
        "apply cannot change a workspace that is not Ready."
    )
    assert run.client.log == [("create", "n")]


def test_a_status_that_cannot_be_read(run: Run) -> None:
    run.client.created_stage = 1
    run.client.statuses = [ApiError("boom", status=500)]
    report = run.apply(plan_of(entry("contoso/n", create("n"))))
    assert report.outcomes[0].error == (
        "workspace n was created, but reading its status failed (boom); run apply again later."
    )


def test_a_signal_during_the_wait_ends_it(run: Run) -> None:
    run.client.created_stage = 1
    run.client.statuses = [1, 1]
    asked: list[int] = []

    def should_stop() -> str | None:
        asked.append(1)
        return "SIGTERM" if len(asked) >= 4 else None

    report = run.apply(
        plan_of(entry("contoso/n", create("n")), entry("contoso/w", put("w"))),
        should_stop=should_stop,
    )
    assert run.client.log == [("create", "n"), ("status", "n"), ("status", "n")]
    assert report.outcomes[0].done == (create("n"),) and report.outcomes[0].ok
    assert report.outcomes[1].error == "not started: apply was interrupted by SIGTERM"
    assert report.interrupted_by == "SIGTERM"


# -- keys and the state ----------------------------------------------------------------------


def test_a_keyed_create_writes_its_intent_then_its_id(run: Run) -> None:
    keyed = entry("contoso/key=k", create(), workspace_id=None, record_key="k")
    report = run.apply(plan_of(keyed))
    assert run.events == [
        ("intent", T, "k", None),
        ("record", T, "k", "org.1"),
        ("outcome", "contoso/key=k"),
    ]
    assert report.outcomes[0].workspace_id == "org.1"
    assert run.progress == ["contoso/key=k: create workspace", "contoso/key=k: created org.1"]


def test_the_expected_id_is_the_entrys_when_the_operation_has_none(run: Run) -> None:
    derived = entry("contoso/key=k", create(), workspace_id="dep.n", record_key="k")
    run.apply(plan_of(derived))
    assert run.events[:2] == [("intent", T, "k", "dep.n"), ("record", T, "k", "dep.n")]
    assert run.client.log == [("create", "dep.n")]


def test_unkeyed_creates_record_nothing(run: Run) -> None:
    run.apply(plan_of(entry("contoso/n", create("n"))))
    assert run.events == [("outcome", "contoso/n")]
    run.apply(plan_of(entry("contoso/key=k", create(), record_key="k", workspace_id=None)),
              record_id=None, record_intent=None)  # fmt: skip
    assert run.events == [("outcome", "contoso/n"), ("outcome", "contoso/key=k")]


def test_an_intent_that_cannot_be_written_sends_nothing(run: Run) -> None:
    def refuse(*args: object) -> None:
        raise StateError("disk full")

    keyed = entry("contoso/key=k", create(), put("x"), workspace_id=None, record_key="k")
    with pytest.raises(PlanNotApplicable):  # put("x") writes another workspace than None
        run.apply(plan_of(keyed), record_intent=refuse)
    keyed = entry("contoso/key=k", create(), workspace_id=None, record_key="k")
    report = run.apply(plan_of(keyed), record_intent=refuse)
    (outcome,) = report.outcomes
    assert outcome.error == "create workspace not sent: disk full"
    assert outcome.failed is None and outcome.not_done == (create(),)
    assert outcome.calls == ()
    assert run.client.log == []


def test_an_id_that_cannot_be_recorded_stops_later_keyed_creates(run: Run) -> None:
    def refuse(*args: object) -> None:
        raise StateError("disk full")

    plan = plan_of(
        entry("contoso/key=a", create(), workspace_id=None, record_key="a"),
        entry("contoso/key=b", create(), workspace_id=None, record_key="b"),
        entry("contoso/w", put("w")),
    )
    report = run.apply(plan, record_id=refuse)
    first, second, third = report.outcomes
    assert first.error == (
        "workspace org.1 was created, but recording it under key 'a' failed (disk full). "
        "Record it (reconciler state import) before applying again, "
        "or the next apply creates it a second time."
    )
    assert first.workspace_id == "org.1"
    assert second.error == "not started: recording the id of contoso/key=a in the state failed"
    assert second.not_done == (create(),) and second.kind == "created"
    assert third.ok
    assert run.client.log == [("create", None), ("update", "w")]
    assert report.interrupted_by is None and report.run_failure is None


def test_a_refused_keyed_create_abandons_its_intent(run: Run) -> None:
    run.client.errors["create"] = ApiClientError("bad request", status=400)
    plan = plan_of(
        entry("contoso/key=k", create(), workspace_id=None, record_key="k"),
        entry("contoso/n", create("n")),
        entry("contoso/w", put("w")),
    )
    report = run.apply(plan)
    assert run.events == [
        ("intent", T, "k", None),
        ("abandon", T, "k"),
        ("outcome", "contoso/key=k"),
        ("outcome", "contoso/n"),
        ("outcome", "contoso/w"),
    ]
    assert report.outcomes[0].error == "create workspace failed: bad request"
    assert report.outcomes[2].ok


def test_a_create_that_fails_otherwise_keeps_its_intent(run: Run) -> None:
    run.client.errors["create"] = ApiError("server error", status=500)
    run.apply(plan_of(entry("contoso/key=k", create(), workspace_id=None, record_key="k")))
    assert ("abandon", T, "k") not in run.events
    run.client.errors["create"] = ApiClientError("bad request", status=400)
    run.apply(plan_of(entry("contoso/key=k", create(), workspace_id=None, record_key="k")),
              abandon_intent=None)  # fmt: skip


def test_a_refused_put_does_not_abandon(run: Run) -> None:
    run.client.errors["update"] = ApiClientError("bad request", status=400)
    run.apply(plan_of(entry("contoso/w", put("w"), record_key="k")))
    assert [e for e in run.events if e[0] == "abandon"] == []


# -- failures and stops ----------------------------------------------------------------------


def test_a_failure_stops_only_its_workspace(run: Run) -> None:
    run.client.errors["schema a"] = ApiClientError("no", status=422, method="PUT", path="/p")
    report = run.apply(
        plan_of(entry("contoso/a", put("a"), schema("a"), team("a")), entry("contoso/b", put("b")))
    )
    first, second = report.outcomes
    assert first.done == (put("a"),) and first.failed == schema("a")
    assert first.not_done == (team("a"),)
    assert first.error == "update schema failed: PUT /p: no"
    assert first.calls == (
        CallOutcome("contoso/a", put("a"), True),
        CallOutcome("contoso/a", schema("a"), False, "update schema failed: PUT /p: no"),
    )
    assert second.ok
    assert run.progress == [
        "contoso/a: update workspace",
        "contoso/a: update schema",
        "contoso/a: failed: update schema failed: PUT /p: no",
        "contoso/b: update workspace",
    ]
    assert report.run_failure is None


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        (
            Unauthorized("unauthorized", status=401),
            "Check the token: SEAMLESS_TOKEN or --token-file (it is never printed).",
        ),
        (Forbidden("forbidden", status=403), None),
        (
            ApiConnectionError("refused", run_wide=True),
            "Nothing was changed by this failure; fix the connection settings and run again.",
        ),
    ],
)
def test_a_run_wide_failure_stops_the_run(run: Run, error: ApiError, hint: str | None) -> None:
    run.client.errors["update a"] = error
    plan = plan_of(
        entry("contoso/a", put("a"), schema("a")),
        entry("contoso/b", put("b")),
        entry("contoso/key=c", create(), workspace_id=None, record_key="c"),
    )
    report = run.apply(plan)
    assert run.client.log == [("update", "a")]
    first, second, third = report.outcomes
    assert first.error == f"update workspace failed: {error}"
    assert second.error == third.error == f"not started: {error.message}"
    assert second.not_done == (put("b"),) and second.workspace_id == "b"
    assert third.kind == "created"
    if hint is not None:
        assert report.run_failure == hint
    else:
        assert report.run_failure is not None and report.run_failure.startswith(
            "The token is valid"
        )
    assert report.interrupted_by is None


def test_a_connection_failure_that_is_not_run_wide_stops_only_its_workspace(run: Run) -> None:
    run.client.errors["update a"] = ApiConnectionError("reset", run_wide=False)
    report = run.apply(plan_of(entry("contoso/a", put("a")), entry("contoso/b", put("b"))))
    assert report.outcomes[1].ok and report.run_failure is None


def test_a_signal_before_a_workspace_and_between_calls(run: Run) -> None:
    answers = iter([None, None, "SIGINT"])

    def should_stop() -> str | None:
        return next(answers, "SIGINT")

    plan = plan_of(entry("contoso/a", put("a"), schema("a")), entry("contoso/b", put("b")))
    report = run.apply(plan, should_stop=should_stop)
    first, second = report.outcomes
    assert first.done == (put("a"),) and first.not_done == (schema("a"),)
    assert first.error == "stopped: apply was interrupted by SIGINT" and first.failed is None
    assert second.error == "not started: apply was interrupted by SIGINT"
    assert second.not_done == (put("b"),) and second.done == ()
    assert report.interrupted_by == "SIGINT"
    assert run.events == [("outcome", "contoso/a"), ("outcome", "contoso/b")]


# -- team answers ----------------------------------------------------------------------------


def member(account: str, status: MemberStatus | int) -> MemberUpdate:
    return MemberUpdate(account, status)


def test_member_statuses_that_are_problems(run: Run) -> None:
    run.client.team = TeamUpdateResult(
        (
            GroupUpdate(
                "Members",
                (
                    member("a@x.com", MemberStatus.ADDED),
                    member("ghost@x.com", MemberStatus.FAILED),
                    member("AD_X", MemberStatus.FAILED),
                    member("b@x.com", 9),
                ),
            ),
            GroupUpdate(
                "Owners",
                (
                    member("Old@x.com", MemberStatus.REMOVED),
                    member("old@x.com", MemberStatus.FAILED),
                    member("c@x.com", MemberStatus.NOT_EXISTING_GROUP),
                ),
            ),
        )
    )
    report = run.apply(plan_of(entry("contoso/w", team("w", removed=("OLD@x.com",)), put("w"))))
    assert report.outcomes[0].error == (
        "ghost@x.com could not be added to Members: not an account of the tenant (Failed); "
        "AD_X could not be added to Members: not an AD group of the tenant, or an AD group on "
        "a Teams workspace (Failed); "
        "b@x.com could not be added to Members: the service answered status 9; "
        "old@x.com could not be removed from Owners: not an account of the tenant (Failed); "
        "c@x.com could not be added to Owners: the workspace's type does not manage Owners "
        "through the API (NotExistingGroup)"
    )
    assert report.outcomes[0].not_done == (put("w"),)


def test_a_removal_is_matched_by_group_and_account() -> None:
    removals = {("Owners", "old@x.com")}
    assert applier._member_problem("Members", "Old@x.com", 9, removals) == (
        "Old@x.com could not be added to Members: the service answered status 9"
    )
    assert applier._member_problem("Owners", "Old@x.com", 9, removals) == (
        "Old@x.com could not be removed from Owners: the service answered status 9"
    )
    assert applier._member_problem("Owners", "x@x.com", 9, removals).startswith(
        "x@x.com could not be added to"
    )


def test_all_added_and_removed_is_fine(run: Run) -> None:
    run.client.team = TeamUpdateResult(
        (
            GroupUpdate(
                "Members", (member("a", MemberStatus.ADDED), member("b", MemberStatus.REMOVED))
            ),
        )
    )
    assert run.apply(plan_of(entry("contoso/w", team("w")))).ok


def test_the_last_sleep_is_what_is_left_of_the_wait(run: Run) -> None:
    run.client.created_stage = 1
    run.client.statuses = [1, 1, 1, 1]
    report = run.apply(plan_of(entry("contoso/n", create("n"))), wait_timeout=2.0)
    assert run.clock.sleeps == [0.5, 1.0, 0.5]
    assert report.outcomes[0].error == (
        "workspace n was created but is still Provisioning (Stage 1) after waiting 2 s; "
        "run apply again later, once it is Ready."
    )


def test_the_default_wait_is_ten_minutes(run: Run) -> None:
    run.client.created_stage = 1
    run.client.statuses = [1] * 200
    report = run.apply(plan_of(entry("contoso/n", create("n"))))
    assert sum(run.clock.sleeps) == 600.0
    assert "after waiting 600 s" in (report.outcomes[0].error or "")
