"""Spec folders reached through symbolic links are read; a folder not read fails the run."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from reconciler.spec import load_documents
from tests.fixtures.specs import project
from tests.scenarios.conftest import Workspace


def _folder(path: Path, **files: str) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


def test_a_symlinked_spec_folder_is_read(tmp_path: Path) -> None:
    specs = _folder(tmp_path / "specs", **{"a.yaml": project("pr.41")})
    _folder(tmp_path / "elsewhere", **{"b.yaml": project("pr.42")})
    (specs / "team").symlink_to(Path("..") / "elsewhere")
    result = load_documents([specs], None)
    assert result.diagnostics == ()
    assert sorted(s.workspace_id or "" for s in result.specs) == ["pr.41", "pr.42"]
    assert result.files == (str(specs / "a.yaml"), str(specs / "team" / "b.yaml"))


def test_a_folder_reached_twice_through_links_is_read_once(tmp_path: Path) -> None:
    specs = _folder(tmp_path / "specs", **{"a.yaml": project("pr.41")})
    _folder(tmp_path / "shared", **{"b.yaml": project("pr.42")})
    (specs / "one").symlink_to(tmp_path / "shared")
    (specs / "two").symlink_to(tmp_path / "shared")
    result = load_documents([specs], None)
    assert result.diagnostics == ()  # in particular, no "defined twice"
    assert sorted(s.workspace_id or "" for s in result.specs) == ["pr.41", "pr.42"]


def test_a_folder_link_loop_is_an_error_naming_it(tmp_path: Path) -> None:
    specs = _folder(tmp_path / "specs", **{"a.yaml": project("pr.41")})
    _folder(specs / "team", **{"b.yaml": project("pr.42")})
    (specs / "team" / "up").symlink_to("..")
    result = load_documents([specs], None)
    (problem,) = result.diagnostics
    assert problem.file == str(specs / "team" / "up")
    assert "symbolic link loop" in problem.message
    assert str(specs) in problem.message


def test_a_dangling_folder_link_is_an_error(tmp_path: Path) -> None:
    specs = _folder(tmp_path / "specs", **{"a.yaml": project("pr.41")})
    (specs / "team").symlink_to(Path("..") / "moved-away")
    result = load_documents([specs], None)
    (problem,) = result.diagnostics
    assert problem.file == str(specs / "team")
    assert "leads to nothing" in problem.message


def _managed_pr41_pr42(workspace: Workspace) -> None:
    """Apply pr.41 (specs/a.yaml) and pr.42 (specs/team/b.yaml): both managed."""
    workspace.write("a.yaml", project("pr.41"))
    _folder(workspace.specs / "team", **{"b.yaml": project("pr.42")})
    workspace.apply()


def test_prune_keeps_what_a_symlinked_folder_holds(workspace: Workspace) -> None:
    _managed_pr41_pr42(workspace)
    # The team's specs move to a folder of their own, linked back in: nothing left the specs.
    (workspace.specs / "team").rename(workspace.root / "elsewhere")
    (workspace.specs / "team").symlink_to(Path("..") / "elsewhere")
    plan = workspace.plan_json("--prune")
    assert plan["leaving"] == []
    assert {w["address"]: w["action"] for w in plan["workspaces"]} == {
        "contoso/pr.41": "no-op",
        "contoso/pr.42": "no-op",
    }
    workspace.emulator.control("DELETE", "requests")
    workspace.apply("--prune")
    assert workspace.writes() == []


def test_prune_stops_when_a_folder_could_not_be_read(workspace: Workspace) -> None:
    _managed_pr41_pr42(workspace)
    (workspace.specs / "team").rename(workspace.root / "elsewhere")
    (workspace.specs / "team").symlink_to(Path("..") / "elsewhere")
    (workspace.root / "elsewhere" / "loop").symlink_to(Path("..") / "specs")
    workspace.emulator.control("DELETE", "requests")
    for args in (["plan"], ["apply", "--auto-approve"]):
        result = workspace.run(*args, str(workspace.specs), "--prune")
        assert result.exit_code == 1, result.stdout
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert f"{workspace.specs / 'team' / 'loop'}: symbolic link loop" in result.stderr
    assert workspace.writes() == []
    assert workspace.emulator.api("GET", "/workspaces/pr.42").json()["LifeCycle"] == 0


def test_a_folder_that_cannot_be_listed_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = _folder(tmp_path / "specs", **{"a.yaml": project("pr.41")})
    _folder(specs / "team", **{"b.yaml": project("pr.42")})
    listing = os.scandir

    def refuse_team(
        path: Any,
    ) -> Any:  # as for a folder without read permission (tests run as root)
        if Path(path).name == "team":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", refuse_team)
    result = load_documents([specs], None)
    (problem,) = result.diagnostics
    assert str(problem) == f"{specs / 'team'}: cannot read this folder: Permission denied"
