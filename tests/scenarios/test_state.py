"""State: generated ids, lost create answers, locking, prune, and the state commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from reconciler.engine.state import state_lock
from tests.scenarios.conftest import Workspace

CASE = """
kind: Workspace
tenant: contoso
key: migros-case
name: Migros claim
organizationUnit: Butterfly
workspaceType: Customer Case
manager: ana@xyz.com
schema: {Customer: Migros}
"""
DEPARTMENT = """
kind: Workspace
tenant: contoso
key: finance
name: Finance
organizationUnit: Star Unit
workspaceType: Department Site
manager: anita@xyz.com
schema: {CostCenter: "4711"}
"""
PROJECT = """
kind: Workspace
tenant: contoso
workspaceId: {id}
name: Project {id}
organizationUnit: Star Unit
workspaceType: Project
manager: maria@xyz.com
"""


def posts(workspace: Workspace) -> int:
    return sum(1 for method, _, _ in workspace.writes() if method == "POST")


def state_of(workspace: Workspace) -> Any:
    return json.loads((workspace.root / "state.json").read_text())


def test_lost_answer_of_a_full_create_is_refused_until_imported(workspace: Workspace) -> None:
    workspace.write("case.yaml", CASE)
    workspace.emulator.add_fault(action="drop_after_commit", method="POST", path="/workspaces$")
    failed = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert failed.exit_code == 1
    pending = state_of(workspace)["tenants"]["contoso"]["pending"]
    assert "migros-case" in pending
    again = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert again.exit_code == 1
    state_file = workspace.root / "state.json"
    assert f"state import --state {state_file} --tenant contoso migros-case" in again.stdout
    assert posts(workspace) == 1  # never a second create
    imported = workspace.run(
        "state", "import", "--tenant", "contoso", "migros-case", "org.bu.00001"
    )
    assert imported.exit_code == 0, imported.stderr
    plan = workspace.plan_json()
    assert [w["action"] for w in plan["workspaces"]] == ["no-op"]


def test_lost_answer_of_a_prefix_with_name_create_is_recovered(workspace: Workspace) -> None:
    workspace.write("department.yaml", DEPARTMENT)
    workspace.emulator.add_fault(action="drop_after_commit", method="POST", path="/workspaces$")
    workspace.apply()  # the client finds the workspace at the id the name generates
    assert posts(workspace) == 1
    assert state_of(workspace)["tenants"]["contoso"]["keys"] == {"finance": "dep.finance"}
    assert [w["action"] for w in workspace.plan_json()["workspaces"]] == ["no-op"]


def test_an_interrupted_create_is_adopted_next_time(workspace: Workspace) -> None:
    """A kill between the POST and the record: the intent is there, the workspace too."""
    workspace.write("department.yaml", DEPARTMENT)
    (workspace.root / "state.json").write_text(
        json.dumps(
            {
                "version": 1,
                "tenants": {
                    "contoso": {
                        "keys": {},
                        "managed": [],
                        "pending": {"finance": {"expected_id": "dep.finance", "since": "x"}},
                    }
                },
            }
        )
    )
    body = {
        "Name": "Finance",
        "OrganizationUnitId": "E555522C-6856-4B50-BC00-3D5C17129077",
        "WorkspaceTypeId": "0C1B8F3E-52A4-4C55-9B9E-2B6B7E0A1D11",
        "Manager": {"Email": "anita@xyz.com"},
        "Schema": [{"FieldName": "CostCenter", "FieldValue": "4711"}],
    }
    assert workspace.emulator.api("POST", "/workspaces", body).status_code == 201
    workspace.emulator.control("DELETE", "requests")
    plan = workspace.plan_json()
    assert plan["workspaces"][0]["action"] == "update"  # a state write, with no API call
    assert plan["workspaces"][0]["calls"] == []
    assert "adopting 'dep.finance'" in plan["workspaces"][0]["problems"][0]["message"]
    workspace.apply()
    assert posts(workspace) == 0
    assert state_of(workspace)["tenants"]["contoso"]["keys"] == {"finance": "dep.finance"}


def test_an_unrecorded_workspace_at_the_generated_id_is_not_created_twice(
    workspace: Workspace,
) -> None:
    workspace.write("department.yaml", DEPARTMENT)
    workspace.apply()
    (workspace.root / "state.json").unlink()  # the record is lost
    result = workspace.run("plan", str(workspace.specs))
    assert result.exit_code == 1
    assert "--tenant contoso finance dep.finance" in result.stdout
    assert "state import --state" in result.stdout


def test_second_apply_waits_for_the_lock_and_names_the_holder(workspace: Workspace) -> None:
    workspace.write("case.yaml", CASE)
    with state_lock(workspace.root / "state.json", 5, "apply"):
        result = workspace.run(
            "apply", str(workspace.specs), "--auto-approve", "--lock-timeout", "0.2"
        )
    assert result.exit_code == 1
    assert f"locked by apply (pid {os.getpid()}" in result.stderr
    assert workspace.writes() == []
    workspace.apply()  # the lock is free again


def test_concurrent_applies_serialize_and_create_once(workspace: Workspace) -> None:
    workspace.write("case.yaml", CASE)
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
    assert posts(workspace) == 1
    assert state_of(workspace)["tenants"]["contoso"]["keys"] == {"migros-case": "org.bu.00001"}


def test_prune_closes_exactly_what_left_the_specs(workspace: Workspace) -> None:
    workspace.write("a.yaml", PROJECT.format(id="pr.41"))
    workspace.write("b.yaml", PROJECT.format(id="pr.42"))
    workspace.apply()
    (workspace.specs / "b.yaml").unlink()
    without = workspace.plan_json()
    assert [w["address"] for w in without["workspaces"]] == ["contoso/pr.41"]
    planned = workspace.plan_json("--prune")
    closing = [w for w in planned["workspaces"] if w["action"] == "update"]
    assert [w["address"] for w in closing] == ["contoso/pr.42"]
    assert closing[0]["calls"][0]["body"]["LifeCycle"] == 1
    workspace.emulator.control("DELETE", "requests")
    workspace.apply("--prune")
    assert [(m, p) for m, p, _ in workspace.writes()] == [("PUT", "/workspaces/pr.42")]
    assert workspace.emulator.api("GET", "/workspaces/pr.42").json()["LifeCycle"] == 1
    assert workspace.emulator.api("GET", "/workspaces/pr.41").json()["LifeCycle"] == 0
    again = workspace.plan_json("--prune")
    assert {w["action"] for w in again["workspaces"]} == {"no-op"}


def test_damaged_state_is_an_error_and_is_left_alone(workspace: Workspace) -> None:
    workspace.write("case.yaml", CASE)
    damaged = '{"version": 1, "tenants": {"contoso": {"keys": {"migros-ca'
    (workspace.root / "state.json").write_text(damaged)
    for args in (["plan"], ["apply", "--auto-approve"]):
        result = workspace.run(*args, str(workspace.specs))
        assert result.exit_code == 1
        assert "is damaged" in result.stderr
        assert "Traceback" not in result.stderr
    assert (workspace.root / "state.json").read_text() == damaged
    assert workspace.writes() == []


def test_state_commands(workspace: Workspace) -> None:
    workspace.write("case.yaml", CASE)
    workspace.apply()
    state = ["--state", str(workspace.root / "state.json")]
    listed = workspace.run("state", "list", *state)
    assert "migros-case" in listed.stdout and "org.bu.00001" in listed.stdout
    shown = json.loads(workspace.run("state", "show", *state).stdout)
    assert shown["tenants"]["contoso"]["managed"] == ["org.bu.00001"]
    refused = workspace.run("state", "forget", "--tenant", "contoso", "migros-case", *state)
    assert refused.exit_code == 1
    assert "pass --force" in refused.stderr
    forgot = workspace.run(
        "state", "forget", "--tenant", "contoso", "migros-case", "--force", *state
    )
    assert forgot.exit_code == 0
    assert "migros-case" not in workspace.run("state", "list", *state).stdout
    missing = workspace.run("state", "import", "--tenant", "contoso", "k", "nope", *state)
    assert missing.exit_code == 1
    assert "has no workspace 'nope'" in missing.stderr
    assert workspace.run("state", "unlock", *state).exit_code == 0
    with state_lock(workspace.root / "state.json", 5, "apply"):
        held = workspace.run("state", "unlock", *state)
    assert held.exit_code == 1
    assert "A live process holds the lock" in held.stderr


def test_state_path_defaults_beside_the_specs(workspace: Workspace, tmp_path: Path) -> None:
    workspace.write("a.yaml", PROJECT.format(id="pr.43"))
    result = workspace.run(
        "apply", str(workspace.specs), "--auto-approve", without=("SEAMLESS_STATE",)
    )
    assert result.exit_code == 0, result.stderr
    assert (workspace.specs / ".reconciler" / "state.json").exists()
