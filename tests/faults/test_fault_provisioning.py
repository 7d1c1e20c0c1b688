"""New workspaces whose provisioning ends Failed, or never ends (`--wait-timeout 1`).

The create itself went through, so its id is recorded at once (keys of
PrefixWithName and Full types included) and the other workspaces go on. A
workspace that is not Ready cannot be changed: the next plan says so and
apply refuses. Once the service desk repairs it (the emulator's control path
sets the stage), apply has nothing left to do and the harness checks.
"""

from __future__ import annotations

from itertools import combinations

import pytest

from tests.faults.test_fault_harness import (  # noqa: F401  (fleet_fixture, workspace: fixtures)
    APPLY_REFUSED,
    GENERATORS,
    SEEDS,
    TENANT,
    Fleet,
    Want,
    changed,
    done,
    failed,
    fleet_fixture,
    incomplete,
    lines,
    new,
    report,
    spread,
    workspace,
)


def run_with(fleet: Fleet, creates: list[Want], message: str, *args: str) -> None:
    """Apply: each new workspace FAILED with `message` (its id in `{id}`), the update done."""
    result = fleet.apply(*args)
    assert result.exit_code == 1, result.stderr
    ids = {w.address: fleet.resolved_id(w) for w in creates}
    expected: list[str] = []
    for want in fleet.wants:
        if want in creates:
            expected += failed(want, 0, message.format(id=ids[want.address]))
        else:
            expected += done(want)
    ok = [w for w in fleet.wants if w not in creates]
    calls = sum(len(w.calls()) for w in fleet.wants)
    done_calls = sum(len(w.calls()) for w in ok)
    expected.append(incomplete(len(creates), len(fleet.wants), done_calls, calls, ok))
    assert report(result) == expected
    # The creates happened: their ids are recorded, nothing is pending.
    state = fleet.state()
    assert state["pending"] == {}
    assert {w.key: ids[w.address] for w in creates if w.key} == {
        k: v for k, v in state["keys"].items() if k in {w.key for w in creates}
    }


def refused_until_repaired(fleet: Fleet, creates: list[Want], why: str, stage: object) -> None:
    """Apply again: refused with `why` on each new workspace; repair them; nothing is left."""
    refused = fleet.apply()
    assert refused.exit_code == 1
    errors = [line for line in lines(refused.stdout) if line.startswith("      Error: ")]
    assert errors == [fleet.error(w, why) for w in creates]
    assert lines(refused.stderr)[-1] == APPLY_REFUSED
    for want in creates:
        path = f"workspaces/{TENANT}/{fleet.resolved_id(want)}/stage"
        fleet.emulator.control("POST", path, stage)
    fleet.finish()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_provisioning_that_ends_failed(fleet: Fleet, seed: int) -> None:
    generators = spread("provisioning-failed", list(combinations(GENERATORS, 2)), seed)
    fleet.use([new(g, 1) for g in generators] + [changed("pr.a")])
    fleet.emulator.configure(progression={"mode": "manual", "polls": 1, "fail": True})
    creates = [w for w in fleet.wants if not w.existing]
    run_with(
        fleet,
        creates,
        "workspace {id} was created, but its provisioning failed: the service reports Failed "
        "(Stage 3) after 0 s of waiting. Look at it in Seamless; apply cannot change a "
        "workspace that is not Ready.",
    )
    fleet.emulator.configure(progression={"mode": "immediate"})
    why = "provisioning of this workspace failed (Stage: Failed); ask the service desk"
    refused_until_repaired(fleet, creates, why, {"stage": 2})


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_a_provisioning_that_never_ends(fleet: Fleet, seed: int) -> None:
    generator = spread("provisioning-endless", GENERATORS, seed)
    fleet.use([new(generator, 1), changed("pr.a")])
    fleet.emulator.configure(progression={"mode": "manual", "polls": 10**6})
    creates = [w for w in fleet.wants if not w.existing]
    run_with(
        fleet,
        creates,
        "workspace {id} was created but is still Provisioning (Stage 1) after waiting 1 s; "
        "run apply again later, once it is Ready.",
        "--wait-timeout",
        "1",
    )
    why = "the workspace is busy (Stage: Provisioning); plan again when it is Ready"
    refused_until_repaired(fleet, creates, why, {})
