"""Faults on apply's writes: 5xx bursts, connection resets and 429 storms on POST and PUT.

A PUT is retried (4 attempts): a short burst is absorbed, a longer one fails
its workspace only, and the calls after it in that workspace are not sent. A
POST is never sent twice: after a 5xx or a reset the client looks the
workspace up, finds nothing (the fault struck before processing) and says the
outcome is unknown; a Full type cannot be looked up, so its intent stays in
the state until `state forget`. A 429 is refused before processing, so even a
POST is sent again after the wait. Then the faults are cleared, apply runs
again, and the harness checks convergence.
"""

from __future__ import annotations

import re

import pytest

from tests.faults.test_fault_harness import (  # noqa: F401  (fleet_fixture, workspace: fixtures)
    DROPPED,
    GENERATORS,
    SEEDS,
    Fleet,
    Want,
    all_done,
    changed,
    check_retry_warnings,
    complete,
    done,
    failed,
    fleet_fixture,
    incomplete,
    lines,
    new,
    report,
    rng,
    spread,
    workspace,
)

FLEET = sorted(
    [new(g, 1) for g in GENERATORS] + [changed("pr.a"), changed("pr.b")], key=lambda w: w.address
)
"""Writes in plan order: POST case-1 (Full), POST dept-1 (PrefixWithName), four PUTs of pr.a
(workspace, workspaceType, schema, team), four of pr.b, POST pr.n1 (None), POST tr.n1
(PrefixWithId)."""
PUTS = [(w, i) for w in FLEET if w.existing for i in range(4)]
CREATES = [w for w in FLEET if not w.existing]
CALLS = sum(len(w.calls()) for w in FLEET)


def below(path: str) -> str:
    """A logged path below the tenant: /contoso/workspaces/x -> /workspaces/x."""
    return "/" + path.split("/", 2)[2]


def why(action: str, status: int) -> str:
    """What the client says of a write the fault hit (a pattern)."""
    return DROPPED if action == "drop" else f"the service answered {status} with no details"


def check_report(result_lines: list[str], expected: list[str]) -> None:
    """Line by line; an expected line may be a pattern (for the transport's own words)."""
    assert len(result_lines) == len(expected), "\n".join(result_lines)
    for line, want in zip(result_lines, expected, strict=True):
        assert line == want or re.fullmatch(want, line), (line, want)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("action", ["status", "drop"])
def test_a_short_burst_on_puts_is_retried(
    fleet: Fleet, action: str, seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    nth = spread(f"apply-burst-{action}", range(1, 9), seed)
    pick = rng("apply-burst", action, seed)
    status, times = pick.choice([500, 502, 503, 504]), pick.randint(1, 2)
    fleet.use(FLEET)
    fleet.add_fault(action=action, method="PUT", status=status, nth=nth, times=times)
    result = fleet.apply()
    assert result.exit_code == 0, result.stderr
    assert report(result) == all_done(fleet.wants)
    assert fleet.fired() == times
    assert not [e for e in fleet.log() if e["fault"] == action and e["committed"]]
    puts = [path for w in FLEET for method, path in w.paths() if method == "PUT"]
    check_retry_warnings(caplog.messages, why(action, status), puts, times)
    fleet.finish()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("action", ["status", "drop"])
def test_a_burst_past_the_retries_fails_only_its_workspace(
    fleet: Fleet, action: str, seed: int
) -> None:
    target, at = spread(f"apply-outage-{action}", PUTS, seed)
    method, path = target.paths()[at]
    fleet.use(FLEET)
    fleet.add_fault(action=action, method="PUT", path=re.escape(path) + "$", times=-1)
    result = fleet.apply("--max-retry-time", "1")
    assert result.exit_code == 1, result.stderr
    error = re.escape(f"{target.summaries()[at]} failed: {method} {path}: ") + why(action, 503)
    expected: list[str] = []
    for want in fleet.wants:
        if want is target:
            block = [re.escape(line) for line in failed(want, at, "")]
            expected += [re.escape(f"{want.address}: FAILED: ") + error, *block[1:]]
        else:
            expected += [re.escape(line) for line in done(want)]
    others = [w for w in fleet.wants if w is not target]
    calls_done = CALLS - len(target.calls()) + at
    expected.append(re.escape(incomplete(1, len(FLEET), calls_done, CALLS, others)))
    check_report(report(result), expected)
    # Nothing after the failed call was sent for that workspace; the others went on.
    later = {p for _, p in target.paths()[at + 1 :]}
    assert not [e for e in fleet.log() if e["method"] == "PUT" and below(e["path"]) in later]
    assert fleet.state()["pending"] == {}
    fleet.finish([(target, at)])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("action", ["status", "drop"])
def test_a_create_that_failed_is_not_sent_again(fleet: Fleet, action: str, seed: int) -> None:
    """Seeds walk the creates in an order per action: together they cover every id generator."""
    target = spread(f"apply-create-{action}", CREATES, seed)
    fleet.use(FLEET)
    nth = [w for w in fleet.wants if not w.existing].index(target) + 1
    fleet.add_fault(action=action, method="POST", path="/workspaces$", nth=nth)
    result = fleet.apply()
    assert result.exit_code == 1, result.stderr
    reason = why(action, 503)
    summary = re.escape(f"{target.summaries()[0]} failed: POST /workspaces for ")
    if target.generator == "Full":
        error = (
            summary + re.escape(f"'{target.name}' failed (") + reason + re.escape(
                "); the service generates this WorkspaceId, so the client cannot check whether "
                "the create happened. It was not sent again: look in the tenant before applying "
                "again."
            )
        )  # fmt: skip
    else:
        wid = target.expected_id()
        error = (
            summary + re.escape(f"'{wid}' failed (") + reason + re.escape(
                f"), and workspace {wid} does not exist now: the create may or may not have "
                "happened (it may still appear). It was not sent again; run plan to see the live "
                "state before applying again."
            )
        )  # fmt: skip
    expected: list[str] = []
    for want in fleet.wants:
        if want is target:
            block = [re.escape(line) for line in failed(want, 0, "")]
            expected += [re.escape(f"{want.address}: FAILED: ") + error, *block[1:]]
        else:
            expected += [re.escape(line) for line in done(want)]
    others = [w for w in fleet.wants if w is not target]
    expected.append(re.escape(incomplete(1, len(FLEET), CALLS - 1, CALLS, others)))
    check_report(report(result), expected)
    # The intent of a keyed create stays: the next plan must know a create was sent.
    pending = fleet.state()["pending"]
    if target.key:
        assert list(pending) == [target.key]
        assert pending[target.key]["expected_id"] == target.expected_id()
    else:
        assert pending == {}
    if target.generator == "Full":
        # The id cannot be looked up: plan refuses the key until someone decides.
        fleet.settle_lost_create(target, created=False)
    fleet.finish([(target, 0)])


@pytest.mark.parametrize("seed", SEEDS)
def test_a_429_storm_on_writes_is_waited_out(fleet: Fleet, seed: int) -> None:
    writes = [("POST", n) for n in range(1, 5)] + [("PUT", n) for n in range(1, 9)]
    method, nth = spread("apply-429", writes, seed)
    pick = rng("apply-429", seed)
    times = pick.randint(1, 2)
    reset = pick.choice([0, 1])  # the window ends at the next whole second, or the one after
    fleet.use(FLEET)
    fleet.add_fault(
        action="rate_limit", method=method, path="/workspaces", nth=nth, times=times,
        reset_seconds=reset,
    )  # fmt: skip
    result = fleet.apply()
    assert result.exit_code == 0, result.stderr
    assert report(result) == all_done(fleet.wants)
    stormed = [e for e in fleet.log() if e["fault"] == "rate_limit"]
    assert [(e["method"], e["status"]) for e in stormed] == [(method, 429)] * times
    fleet.finish()
