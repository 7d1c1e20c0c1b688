"""Faults while plan reads: 5xx bursts, connection resets and 429 storms on the GETs.

A burst the retries (GET: 4 attempts) or the rate-limit wait absorb leaves the
plan as it would be without it; one that outlasts `--max-retry-time` is an
error of the workspaces it hides (or of every workspace, for the tenant's
units and types), and apply refuses the plan without a single write. Then the
faults are cleared, apply runs again, and the harness checks convergence.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import BUTTERFLY_UNIT, STAR_UNIT
from tests.faults.test_fault_harness import (  # noqa: F401  (fleet_fixture, workspace: fixtures)
    APPLY_REFUSED,
    DROPPED,
    GENERATORS,
    SEEDS,
    Fleet,
    Want,
    all_done,
    changed,
    check_retry_warnings,
    fleet_fixture,
    lines,
    new,
    plan_summary,
    report,
    rng,
    spread,
    workspace,
)

FLEET = sorted(
    [new(g, 1) for g in GENERATORS] + [changed("pr.a"), changed("pr.b")], key=lambda w: w.address
)
"""Four creates (one per id generator) and two updates that list a team (so plan reads it)."""

WORKSPACE_READS = [
    "/workspaces/pr.a",
    "/workspaces/pr.a/team",
    "/workspaces/pr.b",
    "/workspaces/pr.b/team",
    "/workspaces/pr.n1",
    "/workspaces/tr.n1",
    "/workspaces/dep.department1",
]
"""Plan's reads of single workspaces (a Full workspace has no id to read yet)."""
TENANT_READS = [
    "/organizationUnits",
    f"/organizationUnits/{STAR_UNIT}/availableWsTypes",
    f"/organizationUnits/{BUTTERFLY_UNIT}/availableWsTypes",
]
"""Plan's reads, once per tenant, that every workspace of the tenant depends on."""
NEXT_SLOT = r"rate limit: the next slot is \d+\.\d s away, past the call's deadline"


def why(action: str, status: int = 503) -> str:
    """What the client says of a request the fault hit (a pattern)."""
    return DROPPED if action == "drop" else f"the service answered {status} with no details"


def hidden_by(path: str) -> list[Want]:
    """The workspaces a failed read leaves unplannable."""
    if path in TENANT_READS:
        return FLEET
    workspace_id = path.split("/")[2]
    return [w for w in FLEET if w.expected_id() == workspace_id]


def read_error(fleet: Fleet, want: Want, path: str, reason: str) -> str:
    """The plan's error line for `want` when the read of `path` failed (a pattern)."""
    what = (
        "cannot read the organization units of tenant 'contoso'"
        if path in TENANT_READS
        else "cannot read the workspace"
    )
    return re.escape(fleet.error(want, f"{what}: GET {path}: ")) + reason


def error_lines(text: str) -> list[str]:
    return [line for line in lines(text) if line.startswith("      Error: ")]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("action", ["status", "drop"])
def test_a_short_burst_while_planning_is_retried(
    fleet: Fleet, action: str, seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    nth = spread(f"plan-burst-{action}", range(1, 8), seed)
    pick = rng("plan-burst", action, seed)
    status, times = pick.choice([500, 502, 503, 504]), pick.randint(1, 2)
    fleet.use(FLEET)
    fleet.add_fault(
        action=action, method="GET", path="/workspaces/", status=status, nth=nth, times=times
    )
    result = fleet.plan()
    assert result.exit_code == 0, result.stdout
    assert error_lines(result.stdout) == []
    assert plan_summary(FLEET) in lines(result.stdout)
    assert fleet.fired() == times
    # The client's warnings (on stderr through logging's last resort; here pytest captures them).
    check_retry_warnings(caplog.messages, why(action, status), WORKSPACE_READS, times)
    assert [e for e in fleet.log() if e["method"] != "GET"] == []
    fleet.finish([(w, 0) for w in fleet.wants])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("action", ["status", "drop"])
def test_a_burst_past_the_retries_refuses_the_apply(fleet: Fleet, action: str, seed: int) -> None:
    path = spread(f"plan-outage-{action}", WORKSPACE_READS + TENANT_READS, seed)
    fleet.use(FLEET)
    fleet.add_fault(action=action, method="GET", path=re.escape(path) + "$", times=-1)
    result = fleet.apply("--max-retry-time", "1")
    assert result.exit_code == 1, (path, result.stdout)
    hidden = hidden_by(path)
    errors = error_lines(result.stdout)
    expected = [read_error(fleet, w, path, why(action)) for w in hidden]
    assert len(errors) == len(expected), (path, errors)
    for line, pattern in zip(errors, expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)
    assert plan_summary(FLEET, errored=hidden) in lines(result.stdout)
    assert lines(result.stderr)[-1] == APPLY_REFUSED
    assert [e for e in fleet.log() if e["method"] != "GET"] == []
    assert not (fleet.workspace.root / "state.json").exists()
    fleet.finish([(w, 0) for w in fleet.wants])


@pytest.mark.parametrize("seed", SEEDS)
def test_a_429_storm_while_planning_is_waited_out(fleet: Fleet, seed: int) -> None:
    nth = spread("plan-429", range(1, 8), seed)
    pick = rng("plan-429", seed)
    times, reset = pick.randint(1, 2), pick.choice([0, 1])
    fleet.use(FLEET)
    fleet.add_fault(
        action="rate_limit", method="GET", path="/workspaces/", nth=nth, times=times,
        reset_seconds=reset,
    )  # fmt: skip
    result = fleet.plan()
    assert result.exit_code == 0, result.stdout
    assert error_lines(result.stdout) == []
    assert plan_summary(FLEET) in lines(result.stdout)
    assert [e["status"] for e in fleet.log() if e["fault"] == "rate_limit"] == [429] * times
    fleet.finish([(w, 0) for w in fleet.wants])


@pytest.mark.parametrize("seed", SEEDS)
def test_a_429_storm_past_the_deadline_fails_the_plan(fleet: Fleet, seed: int) -> None:
    """The stormed read fails with the 429; reads the shared budget then holds back past their
    deadline fail saying so (which ones depends on timing); the others are planned."""
    path = spread("plan-429-outage", WORKSPACE_READS, seed)
    reset = rng("plan-429-outage", seed).choice([1, 3])
    fleet.use(FLEET)
    fleet.add_fault(
        action="rate_limit", method="GET", path=re.escape(path) + "$", times=-1,
        reset_seconds=reset,
    )  # fmt: skip
    result = fleet.plan("--max-retry-time", "1")
    assert result.exit_code == 1, result.stdout
    (stormed,) = hidden_by(path)
    quota = "the service answered 429: API calls quota exceeded!"
    stormed_line = fleet.error(stormed, f"cannot read the workspace: GET {path}: {quota}")
    errors = error_lines(result.stdout)
    assert stormed_line in errors, (path, errors)
    errored = {stormed.address}
    for line in errors:
        if line != stormed_line:
            want = next(w for w in FLEET if f":{fleet.line(w)}: " in line)
            pattern = re.escape(fleet.error(want, "cannot read the workspace: ")) + NEXT_SLOT
            assert re.fullmatch(pattern, line), line
            errored.add(want.address)
    hidden = [w for w in FLEET if w.address in errored]
    assert plan_summary(FLEET, errored=hidden) in lines(result.stdout)
    assert [e for e in fleet.log() if e["method"] != "GET"] == []
    fleet.finish([(w, 0) for w in fleet.wants])
