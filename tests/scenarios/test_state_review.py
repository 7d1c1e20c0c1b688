"""Regressions from a review of the state, prune and saved plans: duplicates and tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from reconciler.engine.state import State, load_state, lock_paths, state_lock
from tests.scenarios.conftest import Workspace

CASE = """
kind: Workspace
tenant: contoso
key: acme-case
name: ACME Case
organizationUnit: Butterfly
workspaceType: Customer Case
manager: michael@xyz.com
schema: {Customer: ACME}
"""


def posts(workspace: Workspace) -> int:
    return sum(1 for method, _, _ in workspace.writes() if method == "POST")


def test_apply_plan_uses_the_state_given_now(workspace: Workspace, tmp_path: Path) -> None:
    workspace.write("case.yaml", CASE)
    first = workspace.root / "first-state.json"
    State(first).save()  # the plan is made with an existing (empty) state
    saved = workspace.root / "plan.json"
    made = workspace.run("plan", str(workspace.specs), "--state", str(first), "--out", str(saved))
    assert made.exit_code == 0
    moved = workspace.root / "moved-state.json"
    shutil.move(first, moved)  # a fresh checkout: the plan's path is gone
    refused = workspace.run("apply", "--plan", str(saved), "--auto-approve", "--state", str(first))
    assert refused.exit_code == 1
    assert "pass --state" in refused.stderr
    applied = workspace.run("apply", "--plan", str(saved), "--auto-approve", "--state", str(moved))
    assert applied.exit_code == 0, applied.stderr
    assert load_state(moved).workspace_id("contoso", "acme-case") == "org.bu.00001"
    again = workspace.run("apply", str(workspace.specs), "--auto-approve", "--state", str(moved))
    assert again.exit_code == 0
    assert posts(workspace) == 1


def test_a_subset_of_the_specs_finds_the_state_above(workspace: Workspace) -> None:
    (workspace.specs / "a").mkdir(parents=True)
    (workspace.specs / "a" / "case.yaml").write_text(CASE)
    unset = ("SEAMLESS_STATE",)
    whole = workspace.run("apply", str(workspace.specs), "--auto-approve", without=unset)
    assert whole.exit_code == 0, whole.stderr
    subset = workspace.run("apply", str(workspace.specs / "a"), "--auto-approve", without=unset)
    assert subset.exit_code == 1
    assert "probably part of a larger set" in subset.stderr
    assert posts(workspace) == 1


def test_prune_refuses_single_files(workspace: Workspace) -> None:
    workspace.write("case.yaml", CASE)
    result = workspace.run("plan", str(workspace.specs / "case.yaml"), "--prune")
    assert result.exit_code == 1
    assert "needs the folders" in result.stderr


def test_an_id_taken_by_another_workspace_is_not_offered_for_import(workspace: Workspace) -> None:
    body = {
        "Name": "HR",
        "OrganizationUnitId": "E555522C-6856-4B50-BC00-3D5C17129077",
        "WorkspaceTypeId": "0C1B8F3E-52A4-4C55-9B9E-2B6B7E0A1D11",
        "Manager": {"Email": "tom@xyz.com"},
        "Schema": [{"FieldName": "CostCenter", "FieldValue": "9"}],
    }
    assert workspace.emulator.api("POST", "/workspaces", body).status_code == 201
    workspace.write(
        "hr.yaml",
        "kind: Workspace\ntenant: contoso\nkey: people\nname: H.R.\n"
        "organizationUnit: Star Unit\nworkspaceType: Department Site\nmanager: anita@xyz.com\n"
        "schema: {CostCenter: '100'}\n",
    )
    result = workspace.run("plan", str(workspace.specs))
    assert result.exit_code == 1
    assert "is taken by another workspace ('HR')" in result.stdout
    assert "state import" not in result.stdout


def test_unlock_keeps_the_lock_file(workspace: Workspace) -> None:
    path = workspace.root / "state.json"
    with state_lock(path, 1, "apply"):
        pass
    lock_file, info_file = lock_paths(path)
    assert workspace.run("state", "unlock", "--state", str(path)).exit_code == 0
    assert lock_file.exists()  # removing it would let two holders lock two files
    assert not info_file.exists()


def test_state_problems_are_messages(workspace: Workspace, tmp_path: Path) -> None:
    workspace.write("case.yaml", CASE)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = workspace.run(
        "apply", str(workspace.specs), "--auto-approve", "--state", str(blocker / "state.json")
    )
    assert result.exit_code == 1
    assert "cannot lock the state" in result.stderr
    out = workspace.run("plan", str(workspace.specs), "--out", str(tmp_path / "no" / "p.json"))
    assert out.exit_code == 1
    assert "cannot write the plan" in out.stderr
    (tmp_path / "bad.json").write_text("[]")
    bad = workspace.run("apply", "--plan", str(tmp_path / "bad.json"), "--auto-approve")
    assert bad.exit_code == 1
    assert "not a JSON object" in bad.stderr
    for output in (result, out, bad):
        assert "Traceback" not in output.output + output.stderr


def test_a_managed_workspace_can_be_dropped(workspace: Workspace) -> None:
    path = workspace.root / "state.json"
    state = State(path)
    state.manage("contoso", ["gone.ws"])
    result = workspace.run(
        "state", "forget", "--tenant", "contoso", "--managed", "gone.ws", "--state", str(path)
    )
    assert result.exit_code == 0, result.stderr
    assert load_state(path).tenants["contoso"].managed == set()


def test_state_that_would_lose_data_is_refused(workspace: Workspace) -> None:
    path = workspace.root / "state.json"
    workspace.write("case.yaml", CASE)
    for body in (
        {"version": 1, "comment": "mine", "tenants": {}},
        {"version": 1, "tenants": {"contoso": {"keys": {"Old": "dep.old", "old": "dep.x"}}}},
    ):
        text = json.dumps(body)
        path.write_text(text)
        result = workspace.run("plan", str(workspace.specs))
        assert result.exit_code == 1
        assert "left as it is" in result.stderr
        assert path.read_text() == text


def test_prune_with_target_says_it_is_skipped(workspace: Workspace) -> None:
    workspace.write("case.yaml", CASE)
    plan = workspace.plan_json("--prune", "--target", "acme-case")
    assert plan["problems"][0]["message"] == "--prune is skipped with --target"
