"""Answers slower than the client waits (`--request-timeout 0.5`, the emulator's `latency`).

The emulator serves a delayed request in full after the client has given up,
so every timeout here is also a late commit. A PUT that timed out is sent
again (same full value: the late commit changes nothing); one that never
answers in time fails its workspace and commits later, so the next apply
only makes the calls after it. A POST that timed out is not sent again; its
workspace appears late, and the next apply finds it (None, PrefixWithId),
adopts it (PrefixWithName), or refuses the key until it is imported (Full).
"""

from __future__ import annotations

import re

import pytest

from tests.faults.test_fault_harness import (  # noqa: F401  (fleet_fixture, workspace: fixtures)
    GENERATORS,
    RETRY_SECONDS,
    SEEDS,
    Fleet,
    Want,
    all_done,
    changed,
    complete,
    done,
    failed,
    fleet_fixture,
    incomplete,
    lines,
    new,
    report,
    spread,
    wait_for,
    workspace,
)

pytestmark = pytest.mark.slow

FLEET = sorted(
    [new(g, 1) for g in GENERATORS] + [changed("pr.a"), changed("pr.b")], key=lambda w: w.address
)
PUTS = [(w, i) for w in FLEET if w.existing for i in range(4)]
CALLS = sum(len(w.calls()) for w in FLEET)
TIMEOUT = ("--request-timeout", "0.5")
LATE = 1000
"""ms the emulator waits before serving: past the client's timeout, then committed."""
NO_ANSWER = "no answer within 0.5 s"


def wait_for_late_commits(fleet: Fleet) -> list[dict[str, object]]:
    """Every request the latency rule delayed has been served (and logged)."""

    def served() -> bool:
        fired = sum(r["fired"] for r in fleet.emulator.control("GET", "faults")["faults"])
        return len([e for e in fleet.log() if e["fault"] == "latency"]) >= fired > 0

    wait_for(served, "the delayed requests to be served")
    late = [e for e in fleet.log() if e["fault"] == "latency"]
    assert all(e["status"] in (200, 201) for e in late), late
    return late


def check_report(got: list[str], expected: list[str]) -> None:
    assert len(got) == len(expected), "\n".join(got)
    for line, pattern in zip(got, expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)


def report_with(fleet: Fleet, target: Want, at: int, error: str) -> list[str]:
    """Patterns of the apply report where `target` failed at call `at` with `error` (a pattern)."""
    expected: list[str] = []
    for want in fleet.wants:
        if want is target:
            block = [re.escape(line) for line in failed(want, at, "")]
            expected += [re.escape(f"{want.address}: FAILED: ") + error, *block[1:]]
        else:
            expected += [re.escape(line) for line in done(want)]
    others = [w for w in fleet.wants if w is not target]
    calls_done = CALLS - len(target.calls()) + at
    return [*expected, re.escape(incomplete(1, len(FLEET), calls_done, CALLS, others))]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_put_past_the_timeout_is_sent_again(
    fleet: Fleet, seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    target, at = spread("timeout-put", PUTS, seed)
    method, path = target.paths()[at]
    fleet.use(FLEET)
    fleet.add_fault(action="latency", latency_ms=LATE, method="PUT", path=re.escape(path) + "$")
    result = fleet.apply(*TIMEOUT)
    assert result.exit_code == 0, result.stderr
    assert report(result) == all_done(fleet.wants)
    (warning,) = [m for m in caplog.messages if m.startswith("attempt ")]
    pattern = re.escape(f"attempt 1/4 failed: {method} {path}: {NO_ANSWER}; ") + RETRY_SECONDS
    assert re.fullmatch(pattern, warning), warning
    (late,) = wait_for_late_commits(fleet)
    assert late["path"] == f"/contoso{path}"
    fleet.finish()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_put_that_never_answers_in_time_fails_its_workspace(fleet: Fleet, seed: int) -> None:
    target, at = spread("timeout-put-outage", PUTS, seed)
    method, path = target.paths()[at]
    fleet.use(FLEET)
    fleet.add_fault(
        action="latency", latency_ms=LATE, method="PUT", path=re.escape(path) + "$", times=-1
    )
    result = fleet.apply(*TIMEOUT, "--max-retry-time", "1")
    assert result.exit_code == 1, result.stderr
    error = re.escape(f"{target.summaries()[at]} failed: {method} {path}: {NO_ANSWER}")
    check_report(report(result), report_with(fleet, target, at, error))
    late = wait_for_late_commits(fleet)
    assert {e["path"] for e in late} == {f"/contoso{path}"}
    # Every attempt committed late; the next apply makes only the calls after it.
    remaining = [(target, at + 1)] if at + 1 < len(target.calls()) else []
    fleet.finish(remaining)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_create_past_the_timeout_is_not_sent_again(fleet: Fleet, seed: int) -> None:
    """Seed n delays the n-th create in plan order: Full, PrefixWithName, None, PrefixWithId."""
    fleet.use(FLEET)
    target = [w for w in fleet.wants if not w.existing][seed - 1]
    fleet.add_fault(action="latency", latency_ms=LATE, method="POST", path="/workspaces$", nth=seed)
    result = fleet.apply(*TIMEOUT)
    assert result.exit_code == 1, result.stderr
    start = f"{target.summaries()[0]} failed: POST /workspaces for "
    if target.generator == "Full":
        error = start + (
            f"'{target.name}' failed ({NO_ANSWER}); the service generates this WorkspaceId, so "
            "the client cannot check whether the create happened. It was not sent again: look "
            "in the tenant before applying again."
        )
    else:
        wid = target.expected_id()
        error = start + (
            f"'{wid}' failed ({NO_ANSWER}), and workspace {wid} does not exist now: the create "
            "may or may not have happened (it may still appear). It was not sent again; run plan "
            "to see the live state before applying again."
        )
    check_report(report(result), report_with(fleet, target, 0, re.escape(error)))
    pending = fleet.state()["pending"]
    assert list(pending) == ([target.key] if target.key else [])
    (late,) = wait_for_late_commits(fleet)
    assert late["body"]["Name"] == target.name  # it appeared after the client gave up
    if target.generator == "Full":
        fleet.settle_lost_create(target, created=True)
        fleet.finish()
    elif target.generator == "PrefixWithName":
        fleet.clear_faults()
        plan = fleet.plan()
        assert plan.exit_code == 0, plan.stdout
        assert fleet.adopting(target) in lines(plan.stdout)
        adopted = fleet.rerun()
        assert lines(adopted.stderr) == [complete([])]
        fleet.check_converged()
    else:
        fleet.finish()
