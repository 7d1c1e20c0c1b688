"""The state file: where it is, what it records, how it refuses damage, and `reconciler state`."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.engine.state import State, default_state_path, load_state, state_lock
from tests.fixtures.specs import customer_case, project
from tests.scenarios.conftest import Workspace


def test_damaged_state_is_an_error_and_is_left_alone(workspace: Workspace) -> None:
    workspace.write("case.yaml", customer_case())
    damaged = '{"version": 1, "tenants": {"contoso": {"keys": {"migros-ca'
    (workspace.root / "state.json").write_text(damaged)
    for args in (["plan"], ["apply", "--auto-approve"]):
        result = workspace.run(*args, str(workspace.specs))
        assert result.exit_code == 1
        assert "is damaged" in result.stderr
        assert "Traceback" not in result.stderr
    assert (workspace.root / "state.json").read_text() == damaged
    assert workspace.writes() == []


def test_state_that_would_lose_data_is_refused(workspace: Workspace) -> None:
    path = workspace.root / "state.json"
    workspace.write("case.yaml", customer_case("acme-case"))
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


def test_state_problems_are_messages(workspace: Workspace, tmp_path: Path) -> None:
    workspace.write("case.yaml", customer_case("acme-case"))
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


def test_keys_match_without_case(workspace: Workspace) -> None:
    workspace.write("a.yaml", customer_case("case1"))
    workspace.apply()
    workspace.write("a.yaml", customer_case("Case1"))
    assert [w["action"] for w in workspace.plan_json()["workspaces"]] == ["no-op"]


def test_state_path_defaults_beside_the_specs(workspace: Workspace) -> None:
    workspace.write("a.yaml", project("pr.43"))
    result = workspace.run(
        "apply", str(workspace.specs), "--auto-approve", without=("SEAMLESS_STATE",)
    )
    assert result.exit_code == 0, result.stderr
    assert (workspace.specs / ".reconciler" / "state.json").exists()


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


def test_a_subset_of_the_specs_finds_the_state_above(workspace: Workspace) -> None:
    (workspace.specs / "a").mkdir(parents=True)
    (workspace.specs / "a" / "case.yaml").write_text(customer_case("acme-case"))
    unset = ("SEAMLESS_STATE",)
    whole = workspace.run("apply", str(workspace.specs), "--auto-approve", without=unset)
    assert whole.exit_code == 0, whole.stderr
    subset = workspace.run("apply", str(workspace.specs / "a"), "--auto-approve", without=unset)
    assert subset.exit_code == 1
    assert "probably part of a larger set" in subset.stderr
    assert workspace.posts() == 1


def test_state_commands(workspace: Workspace) -> None:
    workspace.write("case.yaml", customer_case())
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


def test_a_managed_workspace_can_be_dropped(workspace: Workspace) -> None:
    path = workspace.root / "state.json"
    state = State(path)
    state.manage("contoso", ["gone.ws"])
    result = workspace.run(
        "state", "forget", "--tenant", "contoso", "--managed", "gone.ws", "--state", str(path)
    )
    assert result.exit_code == 0, result.stderr
    assert load_state(path).tenants["contoso"].managed == set()
