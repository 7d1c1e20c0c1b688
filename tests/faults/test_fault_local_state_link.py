"""A state file reached through a symbolic link: its target is locked and written, not replaced."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reconciler.engine.state import load_state, lock_paths, state_lock
from reconciler.errors import StateError
from tests.fixtures.specs import customer_case
from tests.scenarios.conftest import Workspace


def _linked_state(root: Path) -> tuple[Path, Path]:
    """real/state.json (an empty state), and link.json -> real/state.json (relative)."""
    target = root / "real" / "state.json"
    target.parent.mkdir()
    target.write_text(json.dumps({"version": 1, "tenants": {}}) + "\n")
    link = root / "link.json"
    link.symlink_to(Path("real") / "state.json")
    return target, link


def test_a_symlinked_state_file_is_written_through_the_link(workspace: Workspace) -> None:
    target, link = _linked_state(workspace.root)
    workspace.write("case.yaml", customer_case("acme-case"))
    workspace.apply("--state", str(link))
    assert link.is_symlink(), "the link was replaced by a regular file"
    recorded = json.loads(target.read_text())["tenants"]["contoso"]["keys"]
    assert list(recorded) == ["acme-case"]
    # A run that names the target (from elsewhere) knows the key: nothing is created twice.
    plan = workspace.plan_json("--state", str(target))
    assert [w["action"] for w in plan["workspaces"]] == ["no-op"]
    workspace.apply("--state", str(target))
    assert workspace.posts() == 1


def test_the_lock_of_a_symlinked_state_is_the_targets(workspace: Workspace) -> None:
    target, link = _linked_state(workspace.root)
    assert lock_paths(link) == lock_paths(target)
    workspace.write("case.yaml", customer_case("acme-case"))
    with state_lock(target, 0, "test"):
        result = workspace.run(
            "apply", str(workspace.specs), "--auto-approve", "--state", str(link),
            "--lock-timeout", "0",
        )  # fmt: skip
    assert result.exit_code == 1, result.stdout
    assert "is locked by test" in result.stderr
    assert workspace.posts() == 0


@pytest.mark.parametrize("kind", ["loop", "dangling"])
def test_a_state_link_that_leads_nowhere_is_an_error(workspace: Workspace, kind: str) -> None:
    link = workspace.root / "link.json"
    if kind == "loop":
        (workspace.root / "other.json").symlink_to("link.json")
        link.symlink_to("other.json")
    else:
        link.symlink_to(Path("gone") / "state.json")
    workspace.write("case.yaml", customer_case("acme-case"))
    for args in (["plan"], ["apply", "--auto-approve"]):
        result = workspace.run(*args, str(workspace.specs), "--state", str(link))
        assert result.exit_code == 1, result.stdout
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert str(link) in result.stderr
        expected = "symbolic link loop" if kind == "loop" else "leads to nothing"
        assert expected in result.stderr
    assert link.is_symlink()
    assert not (workspace.root / "gone").exists()
    assert workspace.posts() == 0


def test_state_commands_write_through_the_link(tmp_path: Path) -> None:
    target, link = _linked_state(tmp_path)
    state = load_state(link)
    state.record("contoso", "k", "org.bu.00001")
    assert link.is_symlink()
    assert load_state(target).workspace_id("contoso", "k") == "org.bu.00001"
    assert sorted(os.listdir(tmp_path)) == ["link.json", "real"]


def test_a_loop_is_refused_by_the_lock_too(tmp_path: Path) -> None:
    link = tmp_path / "state.json"
    link.symlink_to("state.json")
    with pytest.raises(StateError, match="symbolic link loop"), state_lock(link, 0, "test"):
        pass
