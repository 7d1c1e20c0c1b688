"""Answers slower than the client waits (`--request-timeout 0.5`, the emulator's `latency`).

The emulator serves a delayed request in full after the client has given up,
so every timeout here is also a late commit. Before a PUT that timed out is
sent again, the client reads the workspace back: when the late commit has
landed by then, the PUT is not sent again; when it has not, the PUT is sent
again once, and the late commit lands after it (same full value: it changes
nothing here). A PUT that never answers in time fails its workspace and
commits later, so the next apply only makes the calls after it. A POST that
timed out is not sent again; its workspace appears late, and the next apply
finds it (None, PrefixWithId), adopts it (PrefixWithName), or refuses the key
until it is imported (Full).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import STAR_UNIT, TENANT
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
UPDATED = [w for w in FLEET if w.existing]
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


def read_back(target: Want, at: int) -> list[tuple[str, str]]:
    """The GETs with which the client reads `target` back after its call `at` timed out."""
    path = f"/{TENANT}/workspaces/{target.workspace_id}"
    reads = [path]
    if at == 1:  # the type: GET workspace names only a UnitTypeId; the catalog says whose
        units = f"/{TENANT}/organizationUnits"
        reads += [units, f"{units}/{STAR_UNIT}/availableWsTypes"]
    if at == 3:  # the team
        reads.append(f"{path}/team")
    return [("GET", r) for r in reads]


def apply_phase(fleet: Fleet, target: Want) -> list[dict[str, Any]]:
    """What apply sent after planning, to `target` and the catalog, in the order it was served."""
    log = fleet.log()
    first_write = next(e["seq"] for e in log if e["method"] != "GET")
    paths = {f"/{TENANT}{p}" for _, p in target.paths()} | {
        f"/{TENANT}/workspaces/{target.workspace_id}/team",
        f"/{TENANT}/organizationUnits",
        f"/{TENANT}/organizationUnits/{STAR_UNIT}/availableWsTypes",
    }
    return [e for e in log if e["seq"] >= first_write and e["path"] in paths]


def timed_out_then(target: Want, at: int, resent: bool) -> list[tuple[str, str]]:
    """The apply phase of `target` without the delayed request: read back, then resent or not."""
    calls = [(m, f"/{TENANT}{p}") for m, p in target.paths()]
    verify = [
        ("GET", f"/{TENANT}/workspaces/{target.workspace_id}"),
        ("GET", f"{calls[0][1]}/team"),
    ]
    again = [calls[at]] if resent else []
    return [*calls[:at], *read_back(target, at), *again, *calls[at + 1 :], *verify]


def notes(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The client's retry and read-back warnings, in order."""
    return [m for m in caplog.messages if m.startswith(("attempt ", "PUT "))]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_put_that_committed_before_the_read_back_is_not_sent_again(
    fleet: Fleet, seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Seed n delays the n-th PUT (workspace, workspaceType, schema, team) of pr.a or pr.b.

    The PUT commits 1.5 s after it arrived, past `--request-timeout 1`; reads of
    that workspace take 0.5 s, so the read-back (after the retry's 0.5-1 s backoff)
    reads at least 2 s after the PUT went out: after the commit.
    """
    at = seed - 1
    target = spread("late-commit", UPDATED, seed)
    method, path = target.paths()[at]
    fleet.use(FLEET)
    fleet.add_fault(action="latency", latency_ms=1500, method="PUT", path=re.escape(path) + "$")
    workspace_path = f"/workspaces/{target.workspace_id}$"
    fleet.add_fault(
        action="latency", latency_ms=500, method="GET", path=re.escape(workspace_path), times=-1
    )
    result = fleet.apply("--request-timeout", "1")
    assert result.exit_code == 0, result.stderr
    assert report(result) == all_done(fleet.wants)
    failure, settled = notes(caplog)
    retry = re.escape(f"attempt 1/4 failed: {method} {path}: no answer within 1 s; ")
    assert re.fullmatch(retry + RETRY_SECONDS, failure), failure
    assert settled == (
        f"PUT {path} got no answer; reading back shows workspace {target.workspace_id} already "
        "holds what it sets: the write went through, so it is not sent again"
    )
    sent = apply_phase(fleet, target)
    (late,) = [e for e in sent if e["method"] == "PUT" and e["path"] == f"/{TENANT}{path}"]
    assert (late["fault"], late["status"], late["committed"]) == ("latency", 200, True)
    rest = [e for e in sent if e is not late]
    assert [(e["method"], e["path"]) for e in rest] == timed_out_then(target, at, resent=False)
    first_read = rest[at]  # the premise: the late commit was served before the read-back
    assert late["seq"] < first_read["seq"], (late, first_read)
    wait_for_late_commits(fleet)
    fleet.finish()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_put_not_committed_by_the_read_back_is_sent_again_once(
    fleet: Fleet, seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Seed n delays the n-th PUT kind 3 s, past `--request-timeout 0.5` and past the read-back.

    The read-back (0.5-1 s after the timeout) finds the old values, so the PUT is sent
    again, exactly once; the delayed one commits after it, and after the workspace's
    later calls: the race RELIABILITY.md describes, harmless here (the same full value).
    """
    at = seed - 1
    target = spread("not-yet-committed", UPDATED, seed)
    method, path = target.paths()[at]
    fleet.use(FLEET)
    fleet.add_fault(action="latency", latency_ms=3000, method="PUT", path=re.escape(path) + "$")
    result = fleet.apply(*TIMEOUT)
    assert result.exit_code == 0, result.stderr
    assert report(result) == all_done(fleet.wants)
    failure, settled = notes(caplog)
    pattern = re.escape(f"attempt 1/4 failed: {method} {path}: {NO_ANSWER}; ") + RETRY_SECONDS
    assert re.fullmatch(pattern, failure), failure
    assert settled == (
        f"PUT {path} got no answer; reading back shows workspace {target.workspace_id} does not "
        "hold what it sets yet, so it is sent again"
    )
    wait_for_late_commits(fleet)
    sent = apply_phase(fleet, target)
    puts = [e for e in sent if e["method"] == "PUT" and e["path"] == f"/{TENANT}{path}"]
    assert [(e["fault"], e["status"]) for e in puts] == [(None, 200), ("latency", 200)]
    rest = [e for e in sent if e["fault"] != "latency"]
    assert [(e["method"], e["path"]) for e in rest] == timed_out_then(target, at, resent=True)
    # The late copy landed after the resend and the workspace's later calls.
    assert puts[1]["seq"] > max(e["seq"] for e in rest if e["method"] == "PUT")
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
