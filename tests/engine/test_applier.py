"""apply_plan against the emulator over HTTPS: the planned calls exactly, waits, failures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from reconciler.api import SeamlessClient
from reconciler.engine.applier import PlanNotApplicable, apply_plan
from reconciler.engine.calls import api_call
from reconciler.engine.report import ApplyReport
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
from reconciler.model.plan import Action, ApiCall, Plan, WorkspacePlan
from reconciler.settings import ConnectionSettings, Secret
from tests.conftest import (
    BUTTERFLY_UNIT,
    CUSTOMER_CASE_TYPE,
    PROJECT_TYPE,
    STAR_UNIT,
    TENANT,
    TOKEN,
    RunningEmulator,
)

PROJECT_FIELDS = ("StartDate", "EndDate", "Customer", "Phase", "Description")
CASE = CreateWorkspace(  # Customer Case: a Full generator, so no WorkspaceId
    name="Case A",
    organization_unit_id=BUTTERFLY_UNIT,
    workspace_type_id=CUSTOMER_CASE_TYPE,
    manager=PersonRef("maria@xyz.com"),
    schema=(("Customer", "Migros"),),
)


@pytest.fixture
def clients(emulator: RunningEmulator) -> Iterator[dict[str, SeamlessClient]]:
    settings = ConnectionSettings(
        api_url=emulator.url,
        tenant=TENANT,
        token=Secret(TOKEN),
        ca_bundle=emulator.ca_bundle,
        timeout=10.0,
    )
    # Tiny backoff: the client's own PUT retries on a 5xx must not slow the tests.
    client = SeamlessClient(settings, backoff=0.01)
    yield {TENANT: client}
    client.close()


def no_sleep(_: float) -> None:
    pass


def plan_of(*workspaces: WorkspacePlan) -> Plan:
    return Plan(
        api_url="https://127.0.0.1", created_at="2024-01-01T00:00:00Z", workspaces=workspaces
    )


def workspace(address: str, *calls: ApiCall, **extra: Any) -> WorkspacePlan:
    action = Action.CREATE if calls and calls[0].method == "POST" else Action.UPDATE
    values: dict[str, Any] = {"workspace_id": address.split("/")[1], "action": action}
    values.update(extra)
    return WorkspacePlan(address=address, tenant=TENANT, calls=calls, **values)


def create_call(operation: CreateWorkspace) -> ApiCall:
    return api_call(operation, f"create workspace {operation.name}")


def project(workspace_id: str, name: str) -> CreateWorkspace:
    return CreateWorkspace(
        workspace_id=workspace_id,
        name=name,
        organization_unit_id=STAR_UNIT,
        workspace_type_id=PROJECT_TYPE,
        manager=PersonRef("maria@xyz.com"),
    )


def project_body(workspace_id: str, name: str) -> dict[str, Any]:
    """The POST body of `project`, as the API document spells it (to seed the emulator)."""
    return {
        "WorkspaceId": workspace_id,
        "Name": name,
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": PROJECT_TYPE,
        "Manager": {"Email": "maria@xyz.com"},
    }


def put_workspace(workspace_id: str, name: str = "Project01") -> ApiCall:
    operation = UpdateWorkspace(
        workspace_id,
        name,
        closed=False,
        manager=PersonRef("marko@xyz.com"),
        deputy=PersonRef("anita@xyz.com"),
    )
    return api_call(operation, "update workspace (deputy)")


def put_schema(workspace_id: str, **values: str) -> ApiCall:
    fields = tuple((f, values.get(f)) for f in PROJECT_FIELDS)
    return api_call(UpdateSchema(workspace_id, fields), "update schema")


def put_team(
    workspace_id: str, added: dict[str, list[str]], removed: dict[str, list[str]] | None = None
) -> ApiCall:
    operation = UpdateTeam(
        workspace_id,
        added=tuple((g, tuple(m)) for g, m in added.items()),
        removed=tuple((g, tuple(m)) for g, m in (removed or {}).items()),
    )
    return api_call(operation, "update team")


def writes(emulator: RunningEmulator) -> list[tuple[str, str, Any]]:
    return [
        (r["method"], r["path"], r["body"])
        for r in emulator.requests_log()
        if r["method"] in ("POST", "PUT")
    ]


def reads(emulator: RunningEmulator) -> list[str]:
    return [r["path"] for r in emulator.requests_log() if r["method"] == "GET"]


def as_logged(plan: Plan) -> list[tuple[str, str, Any]]:
    return [(c.method, f"/{TENANT}{c.path}", c.body) for c in plan.calls]


def seed_project(emulator: RunningEmulator, workspace_id: str, name: str) -> None:
    """A second Ready workspace, then a clean request log."""
    emulator.api("POST", "/workspaces", project_body(workspace_id, name))
    emulator.control("POST", f"workspaces/{TENANT}/{workspace_id}/stage", {})
    emulator.control("DELETE", "requests")


# --- creates and provisioning ------------------------------------------------------


def test_create_waits_until_ready(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    emulator.configure(progression={"mode": "manual", "polls": 3})
    sleeps: list[float] = []
    plan = plan_of(workspace("contoso/pr.02", create_call(project("pr.02", "Project02"))))
    report = apply_plan(plan, clients, sleep=sleeps.append)
    assert report.ok
    (outcome,) = report.outcomes
    assert outcome.workspace_id == "pr.02"
    assert outcome.done == plan.calls and outcome.not_done == ()
    assert reads(emulator) == ["/contoso/workspaces/pr.02/status"] * 3
    assert sleeps == [0.5, 1.0]  # the backoff between the three polls
    assert emulator.api("GET", "/workspaces/pr.02/status").json()["Name"] == "Ready"
    assert writes(emulator) == as_logged(plan)


def test_generated_id_is_recorded_before_the_wait(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    emulator.configure(progression={"mode": "manual", "polls": 3})
    wp = WorkspacePlan(
        address="contoso/key=case-a",
        tenant=TENANT,
        workspace_id=None,
        action=Action.CREATE,
        calls=(create_call(CASE),),
        record_key="case-a",
    )
    recorded: list[tuple[str, str, str, list[str]]] = []

    def record(tenant: str, key: str, workspace_id: str) -> None:
        recorded.append((tenant, key, workspace_id, reads(emulator)))

    report = apply_plan(plan_of(wp), clients, record_id=record, sleep=no_sleep)
    assert report.ok
    generated = report.outcomes[0].workspace_id
    assert generated is not None and generated.startswith("org.bu.")
    assert recorded == [(TENANT, "case-a", generated, [])]  # no status read had happened yet
    assert reads(emulator) == [f"/contoso/workspaces/{generated}/status"] * 3


def test_an_id_the_state_cannot_record_stops_later_keyed_creates(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    def case(key: str) -> WorkspacePlan:
        calls = (create_call(replace(CASE, name=f"Case {key}")),)
        return WorkspacePlan(
            f"contoso/key={key}", TENANT, None, Action.CREATE, calls=calls, record_key=key
        )

    def record(tenant: str, key: str, workspace_id: str) -> None:
        raise StateError("the state file is locked by another apply")

    plan = plan_of(case("a"), case("b"))
    report = apply_plan(plan, clients, record_id=record, sleep=no_sleep)
    first, second = report.outcomes
    assert first.error is not None
    assert first.error.startswith(f"workspace {first.workspace_id} was created, but recording it")
    assert "the state file is locked by another apply" in first.error
    assert second.error is not None and second.error.startswith("not started:")
    assert second.done == () and second.not_done == plan.workspaces[1].calls
    assert [m for m, _, _ in writes(emulator)] == ["POST"]


def test_provisioning_that_fails_is_an_error(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    emulator.configure(progression={"mode": "manual", "polls": 2, "fail": True})
    plan = plan_of(workspace("contoso/pr.02", create_call(project("pr.02", "Project02"))))
    report = apply_plan(plan, clients, sleep=no_sleep)
    assert not report.ok
    (outcome,) = report.outcomes
    assert outcome.error is not None
    assert "workspace pr.02 was created, but its provisioning failed" in outcome.error
    assert "the service reports Failed" in outcome.error
    # The POST happened (the workspace exists, its id is known) but it is reported once,
    # as FAILED, not also as done.
    assert (outcome.done, outcome.failed, outcome.not_done) == ((), plan.calls[0], ())
    assert outcome.workspace_id == "pr.02"


def test_still_provisioning_at_the_timeout(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    emulator.configure(progression={"mode": "manual", "polls": 1000})
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    later = put_workspace("pr.02", "Project02")
    create = create_call(project("pr.02", "Project02"))
    plan = plan_of(workspace("contoso/pr.02", create, later))
    report = apply_plan(plan, clients, wait_timeout=12.0, sleep=sleep, clock=lambda: now[0])
    (outcome,) = report.outcomes
    assert outcome.error == (
        "workspace pr.02 was created but is still Provisioning (Stage 1) after waiting 12 s; "
        "run apply again later, once it is Ready."
    )
    assert now[0] == 12.0  # 0.5 + 1 + 2 + 4 + 4.5: the last sleep is cut to the deadline
    assert (outcome.done, outcome.failed, outcome.not_done) == ((), create, (later,))
    assert [m for m, _, _ in writes(emulator)] == ["POST"]


def test_no_wait_makes_no_status_reads(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    emulator.configure(progression={"mode": "manual", "polls": 3})
    plan = plan_of(workspace("contoso/pr.02", create_call(project("pr.02", "Project02"))))
    report = apply_plan(plan, clients, wait=False, sleep=no_sleep)
    assert report.ok
    assert report.outcomes[0].workspace_id == "pr.02"
    assert reads(emulator) == []
    assert writes(emulator) == as_logged(plan)


# --- updates -------------------------------------------------------------------------


def test_update_sends_exactly_the_planned_calls(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    plan = plan_of(
        workspace(
            "contoso/example",
            put_workspace("example"),
            put_schema("example", Customer="Coop", Phase="Closure"),
            put_team("example", {"Visitors": ["maria@xyz.com"]}, {"Members": ["imp@xyz.com"]}),
        )
    )
    progress: list[str] = []
    report = apply_plan(plan, clients, on_progress=progress.append, sleep=no_sleep)
    assert report.ok
    assert writes(emulator) == as_logged(plan)
    assert reads(emulator) == []
    assert progress == [
        "contoso/example: update workspace (deputy)",
        "contoso/example: update schema",
        "contoso/example: update team",
    ]
    assert report.summary_lines()[-1] == (
        "Apply complete! Workspaces: 0 created, 1 updated, 0 closed."
    )


def test_team_member_failed_is_an_error(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    team = put_team("example", {"Members": ["ghost@xyz.com", "maria@xyz.com"]})
    after = put_schema("example", Customer="Coop")
    report = apply_plan(plan_of(workspace("contoso/example", team, after)), clients)
    (outcome,) = report.outcomes
    assert outcome.error == (
        "ghost@xyz.com could not be added to Members: not an account of the tenant (Failed)"
    )
    assert (outcome.done, outcome.failed, outcome.not_done) == ((), team, (after,))
    assert [c.ok for c in outcome.calls] == [False]
    assert [m for m, _, _ in writes(emulator)] == ["PUT"]


def test_a_failing_workspace_stops_alone(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    seed_project(emulator, "pr.02", "Project02")
    emulator.add_fault(action="status", method="PUT", path="/schema$", status=500, times=-1)
    first = workspace(
        "contoso/example",
        put_workspace("example"),
        put_schema("example", Customer="Coop"),
        put_team("example", {"Visitors": ["maria@xyz.com"]}),
    )
    second = workspace(
        "contoso/pr.02",
        put_workspace("pr.02", "Project02"),
        put_team("pr.02", {"Members": ["bob@xyz.com"]}),
    )
    report = apply_plan(plan_of(first, second), clients, sleep=no_sleep)

    failed, completed = report.outcomes
    assert failed.done == first.calls[:1]
    assert failed.failed == first.calls[1]
    assert failed.not_done == first.calls[2:]
    assert failed.error is not None
    assert failed.error.startswith("update schema failed: PUT /workspaces/example/schema:")
    assert "500" in failed.error
    assert completed.error is None and completed.done == second.calls
    assert not report.ok
    sent = [(m, p) for m, p, _ in writes(emulator)]
    assert ("PUT", "/contoso/workspaces/example/team") not in sent
    assert sent[-2:] == [
        ("PUT", "/contoso/workspaces/pr.02"),
        ("PUT", "/contoso/workspaces/pr.02/team"),
    ]
    assert report.summary_lines() == [
        f"contoso/example: FAILED: {failed.error}",
        "  done      update workspace (deputy) (PUT /workspaces/example)",
        "  FAILED    update schema (PUT /workspaces/example/schema)",
        "  not done  update team (PUT /workspaces/example/team)",
        "contoso/pr.02: done",
        "  done      update workspace (deputy) (PUT /workspaces/pr.02)",
        "  done      update team (PUT /workspaces/pr.02/team)",
        "Apply incomplete (1 of 2 workspaces failed): 3 of 5 calls done. "
        "Workspaces: 0 created, 1 updated, 0 closed. Run apply again to finish.",
    ]


# --- refusals before anything is sent ---------------------------------------------


def test_an_errored_plan_is_refused(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    good = workspace("contoso/example", put_workspace("example"))
    bad = WorkspacePlan(
        address="contoso/pr.09",
        tenant=TENANT,
        workspace_id="pr.09",
        action=Action.ERROR,
        problems=(Diagnostic.error("unknown organization unit 'Moon'"),),
    )
    with pytest.raises(PlanNotApplicable, match="The plan has errors, so nothing was applied"):
        apply_plan(plan_of(good, bad), clients)
    assert emulator.requests_log() == []


TEAM = put_team("pr.02", {"Members": ["bob@xyz.com"]})


@pytest.mark.parametrize(
    ("call", "why"),
    [
        (replace(TEAM, body={"Added": [], "Removed": []}), "is not what its operation sends"),
        (replace(TEAM, path="/workspaces/example/team"), "is not what its operation sends"),
        (replace(TEAM, method="POST"), "is not what its operation sends"),
        (api_call(ChangeType("example", "t"), "moved"), "writes workspace 'example', not"),
        (replace(TEAM, operation=UpdateTeam("..")), "'..' cannot be used as an id"),
    ],
    ids=["body-edited", "path-edited", "method-edited", "other-workspace", "dot-segment"],
)
def test_an_edited_call_refuses_the_whole_plan(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient], call: ApiCall, why: str
) -> None:
    plan = plan_of(
        workspace("contoso/example", put_workspace("example")),
        workspace("contoso/pr.02", call),
    )
    with pytest.raises(PlanNotApplicable, match=r"contoso/pr\.02: call 1 \(") as info:
        apply_plan(plan, clients)
    assert why in str(info.value)
    assert emulator.requests_log() == []


def test_a_workspace_without_calls_is_not_reported(clients: dict[str, SeamlessClient]) -> None:
    noop = WorkspacePlan("contoso/example", TENANT, "example", Action.NOOP)
    assert apply_plan(plan_of(noop), clients) == ApplyReport(())
