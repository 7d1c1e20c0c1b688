"""SIGKILL in the middle of a multi-workspace apply (a real `python -m reconciler apply` process).

The emulator holds the seeded write (a `latency` rule whose `nth` is the
seed's pick) so it is in flight when the process dies: the kill lands when
the rule has fired, that is when the seeded number of writes has reached the
emulator. The held write then commits with nobody to answer. Nothing is
written after the kill; the state file is whole (every write of it is
atomic) and holds what was recorded before it. The next apply finishes the
job: a created workspace with a known id is found (None, PrefixWithId) or
adopted (PrefixWithName), a Full one is imported as plan says, an update
goes on after the call that committed late; nothing is created twice.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.faults.test_fault_harness import (  # noqa: F401  (fleet_fixture, workspace: fixtures)
    DEADLINE,
    GENERATORS,
    SEEDS,
    Fleet,
    Want,
    changed,
    check_state_shape,
    fleet_fixture,
    lines,
    new,
    spread,
    wait_for,
    workspace,
)

pytestmark = pytest.mark.slow

FLEET = [new(g, 1) for g in GENERATORS] + [changed("pr.a")]
"""A create of each id generator and one workspace updated by four PUTs: in plan order case-1
(Full), dept-1 (PrefixWithName), pr.a (the PUTs), pr.n1 (None), tr.n1 (PrefixWithId)."""


def fleet_for(generator: str, seed: int) -> list[Want]:
    """FLEET, and for seeds 2 and 3 a second create of `generator`, the one to kill: the seed
    moves the kill point (case-2 comes right after case-1, tr.n3 last of all)."""
    return FLEET + ([new(generator, seed)] if seed > 1 else [])


HOLD = 700
"""ms the emulator holds the seeded write: the process is killed well within it."""


@contextmanager
def apply_process(fleet: Fleet) -> Iterator[subprocess.Popen[str]]:
    command = [sys.executable, "-m", "reconciler", "apply", str(fleet.workspace.specs)]
    env = {**os.environ, **fleet.workspace.env(), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [*command, "--auto-approve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=DEADLINE)


def kill_when_held(fleet: Fleet, method: str, path: str, nth: int) -> None:
    """Run apply; SIGKILL it once the seeded write reached the emulator; let that write commit.

    The killed process held the state lock: its holder note names it, and the
    kernel released the lock itself (the next apply does not wait for it).
    """
    fleet.add_fault(action="latency", latency_ms=HOLD, method=method, path=path, nth=nth)

    def fired() -> bool:
        return any(rule["fired"] for rule in fleet.emulator.control("GET", "faults")["faults"])

    with apply_process(fleet) as process:
        wait_for(fired, f"write {method} {path} #{nth} to reach the emulator")
        assert process.poll() is None, "apply ended before the kill"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=DEADLINE) == -signal.SIGKILL
    holder = fleet.workspace.root / "state.json.lock.info"
    assert json.loads(holder.read_text())["pid"] == process.pid
    wait_for(
        lambda: any(e["fault"] == "latency" for e in fleet.log()),
        "the held write to be served after the kill",
    )
    fleet.clear_faults()


def check_after_kill(fleet: Fleet, held: Want, calls_before: int) -> None:
    """What the emulator saw and the state holds when the process died at `held`'s write."""
    writes = [e for e in fleet.log() if e["method"] in ("POST", "PUT")]
    assert len(writes) == calls_before + 1, [(e["method"], e["path"]) for e in writes]
    assert writes[-1]["fault"] == "latency" and writes[-1]["status"] in (200, 201)
    assert all(e["status"] in (200, 201) for e in writes)
    state = check_state_shape(fleet.state_text())  # whole: old or new, never half
    before = fleet.wants[: fleet.wants.index(held)]
    recorded = state["keys"]
    assert set(recorded) == {w.key for w in before if w.key}
    for want in (w for w in before if w.key):
        assert fleet.store_doc(recorded[want.key])["Name"] == want.name
        assert recorded[want.key] == (want.expected_id() or recorded[want.key])
    ids = {(w.workspace_id or recorded[w.key]).lower() for w in before}
    assert {i.lower() for i in state["managed"]} == ids  # each recorded as its calls ended
    if held.key and not held.existing:
        assert list(state["pending"]) == [held.key]
        assert state["pending"][held.key]["expected_id"] == held.expected_id()
    else:
        assert state["pending"] == {}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("generator", GENERATORS)
def test_sigkill_while_a_create_is_in_flight(fleet: Fleet, generator: str, seed: int) -> None:
    fleet.use(fleet_for(generator, seed))
    held = fleet.want(new(generator, seed).address)
    creates = [w for w in fleet.wants if not w.existing]
    kill_when_held(fleet, "POST", "/workspaces$", nth=creates.index(held) + 1)
    index = fleet.wants.index(held)
    calls_before = sum(len(w.calls()) for w in fleet.wants[:index])
    check_after_kill(fleet, held, calls_before)
    if generator == "Full":
        fleet.settle_lost_create(held, created=True)
    result = fleet.finish([(w, 0) for w in fleet.wants[index + 1 :]])
    if generator == "PrefixWithName":
        assert fleet.adopting(held) in lines(result.stdout)


@pytest.mark.parametrize("seed", SEEDS)
def test_sigkill_while_an_update_is_in_flight(fleet: Fleet, seed: int) -> None:
    fleet.use(FLEET)
    held = fleet.want("contoso/pr.a")
    at = spread("sigkill-put", range(len(held.calls())), seed)
    method, path = held.paths()[at]
    kill_when_held(fleet, method, re.escape(path) + "$", nth=1)
    index = fleet.wants.index(held)
    calls_before = sum(len(w.calls()) for w in fleet.wants[:index]) + at
    check_after_kill(fleet, held, calls_before)
    # The held PUT committed late: the next apply goes on after it.
    left = [(held, at + 1)] if at + 1 < len(held.calls()) else []
    fleet.finish([*left, *((w, 0) for w in fleet.wants[index + 1 :])])
