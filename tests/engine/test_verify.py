"""engine.verify: read back what the calls set; a late commit or a hand edit is caught."""

from __future__ import annotations

from reconciler.api import SeamlessClient
from reconciler.engine.applier import apply_plan
from reconciler.engine.report import ApplyReport, WorkspaceOutcome
from reconciler.engine.verify import inconsistencies
from reconciler.model.plan import Plan
from tests.conftest import RunningEmulator
from tests.engine.test_applier import (
    clients,
    no_sleep,
    plan_of,
    put_schema,
    put_team,
    put_workspace,
    workspace,
)

__all__ = ["clients"]  # the fixture, re-exported for pytest


def applied(plan: Plan, clients: dict[str, SeamlessClient]) -> list[str]:
    report = apply_plan(plan, clients, sleep=no_sleep)
    assert report.ok
    with_calls = [w for w in plan.workspaces if w.calls]
    found, unread = inconsistencies(zip(with_calls, report.outcomes, strict=True), clients)
    assert unread == []
    return found


def test_what_the_calls_set_reads_back_the_same(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    plan = plan_of(
        workspace(
            "contoso/example",
            put_workspace("example", "Orange"),
            put_schema("example", Customer="Coop", Phase="Closure"),
            put_team("example", {"Visitors": ["maria@xyz.com"]}, {"Members": ["imp@xyz.com"]}),
        )
    )
    assert applied(plan, clients) == []


def test_a_value_changed_after_the_call_is_reported(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    plan = plan_of(
        workspace(
            "contoso/example",
            put_workspace("example", "Orange"),
            put_team("example", {"Visitors": ["maria@xyz.com"]}, {"Members": ["imp@xyz.com"]}),
        )
    )
    report = apply_plan(plan, clients, sleep=no_sleep)
    # What a PUT that timed out and committed late would do: an older state wins.
    late = {"Name": "Project01", "LifeCycle": 1, "Manager": {"Email": "bob@xyz.com"}}
    assert emulator.api("PUT", "/workspaces/example", late).status_code == 200
    team = {"Added": [{"Group": "Members", "Members": ["imp@xyz.com"]}], "Removed": []}
    assert emulator.api("PUT", "/workspaces/example/team", team).status_code == 200
    found, _ = inconsistencies(zip(plan.workspaces, report.outcomes, strict=True), clients)
    assert found == [
        "contoso/example: name is 'Project01', the plan set 'Orange'",
        "contoso/example: manager is 'bob@xyz.com', the plan set 'marko@xyz.com'",
        "contoso/example: lifeCycle is closed, the plan set active",
        "contoso/example: deputy is None, the plan set 'anita@xyz.com'",
        "contoso/example: team.Members still holds imp@xyz.com, which the plan removed",
    ]


def test_a_workspace_that_failed_is_not_read_back(
    emulator: RunningEmulator, clients: dict[str, SeamlessClient]
) -> None:
    emulator.add_fault(action="status", method="PUT", path="/schema$", status=422, times=-1)
    plan = plan_of(workspace("contoso/example", put_schema("example", Customer="Coop")))
    report = apply_plan(plan, clients, sleep=no_sleep)
    emulator.control("DELETE", "requests")
    pairs = zip(plan.workspaces, report.outcomes, strict=True)
    assert inconsistencies(pairs, clients) == ([], [])
    assert emulator.requests_log() == []


def test_an_inconsistent_report_is_not_ok_and_says_what_to_do() -> None:
    outcome = WorkspaceOutcome("contoso/example", (), (), None, "example")
    report = ApplyReport(
        (outcome,), inconsistent=("contoso/example: name is 'A', the plan set 'B'",)
    )
    assert not report.ok
    assert report.summary_lines() == [
        "contoso/example: done",
        "Inconsistent result after apply: every call answered, but reading back shows values "
        "the calls did not set (a call that timed out may have committed late, or someone "
        "changed the workspace meanwhile):",
        "  contoso/example: name is 'A', the plan set 'B'",
        "Run plan to see the live state, then apply again.",
        "Apply incomplete (inconsistent result): 0 of 0 calls done. Workspaces: 0 created, "
        "1 updated, 0 closed. Run apply again to finish.",
    ]
