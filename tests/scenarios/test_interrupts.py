"""SIGINT / SIGTERM during apply: the call in flight finishes and is recorded, nothing new
starts, the report is printed, the exit code says which signal; the next apply converges.

The CLI runs as a real process (signals need one) against the test emulator, whose
latency fault keeps a call in flight while the signal arrives.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import pytest

from tests.fixtures.specs import department, documents, project
from tests.scenarios.conftest import Workspace

SPECS = documents(project("pr.61"), department("finance", name="Finance"), project("pr.63"))
DEADLINE = 60.0


@contextmanager
def apply_process(workspace: Workspace) -> Iterator[subprocess.Popen[str]]:
    command = [sys.executable, "-m", "reconciler", "apply", str(workspace.specs), "--auto-approve"]
    env = {**os.environ, **workspace.env(), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=DEADLINE)


def wait_for_line(stream: IO[str], wanted: str) -> list[str]:
    """Read lines until one holds `wanted` (the progress line printed as a call starts)."""
    seen: list[str] = []
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        line = stream.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
        if wanted in line:
            return seen
    raise AssertionError(f"{wanted!r} never appeared; stderr so far: {seen}")


def wait_for_fault(workspace: Workspace) -> None:
    """The latency fault has fired: its request reached the emulator and waits there."""
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        if any(rule["fired"] for rule in workspace.emulator.control("GET", "faults")["faults"]):
            return
        time.sleep(0.05)  # polling a condition with a deadline, not waiting out a race
    raise AssertionError("the slow call never reached the emulator")


def wait_until_exists(workspace: Workspace, workspace_id: str) -> None:
    """The abandoned create commits late, after its latency, with nobody to answer."""
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        if workspace.emulator.api("GET", f"/workspaces/{workspace_id}").status_code == 200:
            return
        time.sleep(0.05)  # polling a condition with a deadline, not waiting out a race
    raise AssertionError(f"workspace {workspace_id} never appeared")


@pytest.mark.parametrize(
    ("number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_the_first_signal_finishes_the_call_in_flight_and_stops(
    workspace: Workspace, number: signal.Signals, code: int
) -> None:
    workspace.write("a.yaml", SPECS)
    workspace.emulator.add_fault(
        method="POST", path="/workspaces$", action="latency", latency_ms=1500, times=1
    )
    with apply_process(workspace) as process:
        assert process.stderr is not None
        wait_for_line(process.stderr, "contoso/key=finance: create SharePoint workspace")
        wait_for_fault(workspace)  # the POST has reached the emulator: it is in flight
        process.send_signal(number)
        rest = process.stderr.read()
        assert process.wait(timeout=DEADLINE) == code
    assert f"{number.name}: stopping after the call in flight" in rest
    assert "contoso/key=finance: done" in rest
    for address in ("contoso/pr.61", "contoso/pr.63"):
        assert f"{address}: FAILED: not started: apply was interrupted by {number.name}" in rest
    assert f"Apply incomplete (interrupted by {number.name}): 1 of 3 calls done." in rest
    assert "Traceback" not in rest
    # Recorded the moment its POST answered: the generated id and the managed set.
    state = workspace.state()["tenants"]["contoso"]
    assert state["keys"] == {"finance": "dep.finance"}
    assert "dep.finance" in state["managed"]
    assert workspace.posts() == 1
    workspace.emulator.control("DELETE", "requests")
    workspace.apply()
    posted = [b["WorkspaceId"] for m, _, b in workspace.writes() if m == "POST"]
    assert posted == ["pr.61", "pr.63"]  # finance is not created again
    assert {w["action"] for w in workspace.plan_json()["workspaces"]} == {"no-op"}


def test_a_second_signal_stops_at_once_and_the_state_stays_valid(workspace: Workspace) -> None:
    workspace.write("a.yaml", SPECS)
    workspace.emulator.add_fault(
        method="POST", path="/workspaces$", action="latency", latency_ms=3000, times=1
    )
    with apply_process(workspace) as process:
        assert process.stderr is not None
        wait_for_line(process.stderr, "contoso/key=finance: create SharePoint workspace")
        wait_for_fault(workspace)  # the POST has reached the emulator: it is in flight
        process.send_signal(signal.SIGTERM)
        wait_for_line(process.stderr, "SIGTERM: stopping after the call in flight")
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        rest = process.stderr.read()
        assert process.wait(timeout=DEADLINE) == 143
        assert time.monotonic() - started < 2.5  # did not wait for the 3 s call
    assert "SIGTERM again: stopping at once. The state file is valid." in rest
    state = workspace.state()  # valid JSON: every write of it is atomic
    assert state["tenants"]["contoso"]["pending"]["finance"]["expected_id"] == "dep.finance"
    wait_until_exists(workspace, "dep.finance")
    workspace.emulator.control("DELETE", "requests")
    workspace.apply()
    posted = [b["WorkspaceId"] for m, _, b in workspace.writes() if m == "POST"]
    assert posted == ["pr.61", "pr.63"]  # finance is adopted, not created a second time
    after = workspace.state()["tenants"]["contoso"]
    assert after["keys"] == {"finance": "dep.finance"} and after["pending"] == {}
    assert {w["action"] for w in workspace.plan_json()["workspaces"]} == {"no-op"}


def test_a_signal_before_any_call_changes_nothing(workspace: Workspace) -> None:
    """SIGTERM while plan reads: exit 143 at once, one line, no write."""
    workspace.write("a.yaml", SPECS)
    workspace.emulator.add_fault(
        method="GET", path="/availableWsTypes$", action="latency", latency_ms=3000, times=1
    )
    with apply_process(workspace) as process:
        assert process.stderr is not None
        wait_for_fault(workspace)  # the types GET of the plan is in flight
        process.send_signal(signal.SIGTERM)
        rest = process.stderr.read()
        assert process.wait(timeout=DEADLINE) == 143
    assert rest.strip().splitlines()[-1] == "Terminated (SIGTERM): no call was made."
    assert workspace.writes() == []
    assert "Traceback" not in rest


@pytest.mark.parametrize(
    ("number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_a_signal_during_drift_starts_no_more_reads(
    workspace: Workspace, number: signal.Signals, code: int
) -> None:
    """The reads in flight finish; the queued ones are never sent (not 40 more slow GETs)."""
    # Workspaces the service has not got: each still costs one (slow) read.
    workspace.write("many.yaml", documents(*(project(f"pr.s{n:02d}") for n in range(40))))
    workspace.emulator.add_fault(
        method="GET", path="/workspaces/pr", action="latency", latency_ms=1500, times=-1
    )
    command = [sys.executable, "-m", "reconciler", "drift", str(workspace.specs)]
    env = {**os.environ, **workspace.env(), "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        wait_for_fault(workspace)
        process.send_signal(number)
        assert process.wait(timeout=DEADLINE) == code
    reads = [e for e in workspace.emulator.requests_log() if "/workspaces/pr" in e["path"]]
    # Those under way when the signal was handled: one per read worker (8), or a second
    # round if a loaded machine handled it late; never the 40 a queue drained would send.
    assert 1 <= len(reads) <= 16
