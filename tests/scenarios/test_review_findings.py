"""Regressions from a review of plan/apply: each was a duplicate, a perpetual diff or a crash."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.engine.state import default_state_path
from tests.scenarios.conftest import Workspace

DEPARTMENT = """
kind: Workspace
tenant: contoso
key: {key}
name: "{name}"
organizationUnit: Star Unit
workspaceType: Department Site
manager: maria@xyz.com
schema: {{CostCenter: "{cost}"}}
"""
CASE = """
kind: Workspace
tenant: contoso
key: {key}
name: Case
organizationUnit: Butterfly
workspaceType: Customer Case
manager: bob@xyz.com
schema: {{Customer: Coop}}
"""


def posts(workspace: Workspace) -> int:
    return sum(1 for method, _, _ in workspace.writes() if method == "POST")


def test_two_keys_that_generate_one_id_are_both_errors(workspace: Workspace) -> None:
    workspace.write(
        "a.yaml",
        DEPARTMENT.format(key="fin1", name="Finance", cost=1)
        + "---"
        + DEPARTMENT.format(key="fin2", name="Fin-ance", cost=2),
    )
    result = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert result.exit_code == 1
    assert result.stdout.count("all lead to workspace 'dep.finance'") == 2
    assert workspace.writes() == []


def test_a_refused_create_leaves_no_intent_behind(workspace: Workspace) -> None:
    workspace.write("a.yaml", DEPARTMENT.format(key="fin", name="Finance", cost=1))
    workspace.emulator.add_fault(action="status", method="POST", path="/workspaces$", status=422)
    assert workspace.run("apply", str(workspace.specs), "--auto-approve").exit_code == 1
    state = json.loads((workspace.root / "state.json").read_text())
    assert state["tenants"]["contoso"]["pending"] == {}
    plan = workspace.plan_json()
    assert plan["workspaces"][0]["action"] == "create"
    assert not any("adopting" in p["message"] for p in plan["workspaces"][0]["problems"])


def test_a_saved_keyed_create_is_stale_once_applied(workspace: Workspace) -> None:
    workspace.write("a.yaml", CASE.format(key="case2"))
    saved = workspace.root / "plan.json"
    assert workspace.run("plan", str(workspace.specs), "--out", str(saved)).exit_code == 0
    workspace.apply()
    again = workspace.run("apply", "--plan", str(saved), "--auto-approve")
    assert again.exit_code == 1
    assert "Saved plan is stale" in again.stderr
    assert posts(workspace) == 1


def test_keys_match_without_case(workspace: Workspace) -> None:
    workspace.write("a.yaml", CASE.format(key="case1"))
    workspace.apply()
    workspace.write("a.yaml", CASE.format(key="Case1"))
    assert [w["action"] for w in workspace.plan_json()["workspaces"]] == ["no-op"]


def test_a_blank_required_value_is_a_plan_error(workspace: Workspace) -> None:
    workspace.write(
        "room.yaml",
        "kind: Workspace\ntenant: contoso\nworkspaceId: tr.room1\nname: Room\n"
        "organizationUnit: Star Unit\nworkspaceType: Team Room\nmanager: tom@xyz.com\n"
        'schema: {Topic: "  "}\n',
    )
    result = workspace.run("plan", str(workspace.specs))
    assert result.exit_code == 1
    assert "schema field 'Topic' is required" in result.stdout


def test_a_token_that_cannot_be_sent_is_a_message(workspace: Workspace, tmp_path: Path) -> None:
    workspace.write("a.yaml", CASE.format(key="c"))
    token_file = tmp_path / "token"
    token_file.write_text("SuperSecret99\r\nmore\n")
    result = workspace.run(
        "plan", str(workspace.specs), "--token-file", str(token_file), without=("SEAMLESS_TOKEN",)
    )
    assert result.exit_code == 1
    assert "cannot be sent in an HTTP header" in result.stderr
    assert "SuperSecret99" not in result.output + result.stderr


def test_a_target_that_matches_nothing_is_an_error(workspace: Workspace) -> None:
    workspace.write("a.yaml", CASE.format(key="c"))
    result = workspace.run("plan", str(workspace.specs), "--target", "nothing-like-this")
    assert result.exit_code == 1
    assert "--target nothing-like-this matches no workspace" in result.stderr


def test_apply_plan_takes_no_paths(workspace: Workspace) -> None:
    workspace.write("a.yaml", CASE.format(key="c"))
    saved = workspace.root / "plan.json"
    workspace.run("plan", str(workspace.specs), "--out", str(saved))
    result = workspace.run("apply", "--plan", str(saved), str(workspace.specs), "--auto-approve")
    assert result.exit_code != 0
    assert "give no PATH" in result.output + result.stderr
    assert workspace.writes() == []


def test_default_state_path_does_not_depend_on_the_order(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = default_state_path([tmp_path / "a", tmp_path / "b"])
    other = default_state_path([tmp_path / "b", tmp_path / "a"])
    assert one == other == tmp_path.resolve() / ".reconciler" / "state.json"
    assert (
        default_state_path([tmp_path / "a"])
        == (tmp_path / "a").resolve() / ".reconciler" / "state.json"
    )
