"""The state lock: a second apply waits and names the holder; the kernel-held lock file stays."""

from __future__ import annotations

import os
import subprocess
import sys

from reconciler.engine.state import lock_paths, state_lock
from tests.fixtures.specs import customer_case
from tests.scenarios.conftest import Workspace


def test_second_apply_waits_for_the_lock_and_names_the_holder(workspace: Workspace) -> None:
    workspace.write("case.yaml", customer_case())
    with state_lock(workspace.root / "state.json", 5, "apply"):
        result = workspace.run(
            "apply", str(workspace.specs), "--auto-approve", "--lock-timeout", "0.2"
        )
    assert result.exit_code == 1
    assert f"locked by apply (pid {os.getpid()}" in result.stderr
    assert workspace.writes() == []
    workspace.apply()  # the lock is free again


def test_concurrent_applies_serialize_and_create_once(workspace: Workspace) -> None:
    workspace.write("case.yaml", customer_case())
    workspace.emulator.add_fault(
        action="latency", method="POST", path="/workspaces$", latency_ms=500
    )
    command = [sys.executable, "-m", "reconciler", "apply", str(workspace.specs), "--auto-approve"]
    env = {**os.environ, **workspace.env()}
    runs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [(run.wait(timeout=120), run.communicate()) for run in runs]
    assert [code for code, _ in results] == [0, 0], results
    assert workspace.posts() == 1
    assert workspace.state()["tenants"]["contoso"]["keys"] == {"migros-case": "org.bu.00001"}


def test_unlock_keeps_the_lock_file(workspace: Workspace) -> None:
    path = workspace.root / "state.json"
    with state_lock(path, 1, "apply"):
        pass
    lock_file, info_file = lock_paths(path)
    assert workspace.run("state", "unlock", "--state", str(path)).exit_code == 0
    assert lock_file.exists()  # removing it would let two holders lock two files
    assert not info_file.exists()
