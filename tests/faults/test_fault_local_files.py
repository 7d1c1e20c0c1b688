"""Malformed local files: a clear error naming the file, exit 1, never a traceback or a hang."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.spec import load, load_documents
from tests.fixtures.specs import customer_case, project
from tests.scenarios.conftest import Workspace


def _validate(*paths: Path) -> Result:
    return CliRunner().invoke(cli, ["validate", *map(str, paths)], env={"NO_COLOR": "1"})


def _refused(result: Result, *expected: str) -> None:
    """Exit 1 with a message (no traceback, no unexpected exception) that holds `expected`."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    text = result.stdout + result.stderr
    assert "Traceback" not in text
    for part in expected:
        assert part in text, text


# -- spec files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("named", [False, True], ids=["in-folder", "named"])
def test_a_spec_file_symlink_loop_is_an_error(tmp_path: Path, named: bool) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "good.yaml").write_text(project("pr.41"))
    (specs / "a.yaml").symlink_to("b.yaml")
    (specs / "b.yaml").symlink_to("a.yaml")
    result = _validate(specs / "a.yaml" if named else specs)
    _refused(result, f"{specs / 'a.yaml'}: symbolic link loop")


@pytest.mark.timeout(10)
@pytest.mark.parametrize("named", [False, True], ids=["in-folder", "named"])
def test_a_fifo_named_yaml_is_refused_unopened(tmp_path: Path, named: bool) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "good.yaml").write_text(project("pr.41"))
    os.mkfifo(specs / "pipe.yaml")
    result = _validate(specs / "pipe.yaml" if named else specs)
    _refused(result, f"{specs / 'pipe.yaml'}: cannot read file: not a regular file (a FIFO)")


def test_a_spec_tree_over_the_file_count_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "MAX_TREE_FILES", 3)
    for n in range(4):
        (tmp_path / f"ws{n}.yaml").write_text(project(f"pr.{n}"))

    def never(*_: object) -> None:
        raise AssertionError("a file of a refused tree was read")

    monkeypatch.setattr(load, "read_spec_text", never)
    result = load_documents([tmp_path], None)
    (problem,) = result.diagnostics
    assert problem.file == str(tmp_path)
    assert "more than 3 spec files" in problem.message
    assert result.files == ()


def test_a_spec_tree_over_the_total_size_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = project("pr.1")
    monkeypatch.setattr(load, "MAX_TREE_BYTES", len(text.encode()) * 2 + 1)
    for n in range(3):
        (tmp_path / f"ws{n}.yaml").write_text(project(f"pr.{n}"))
    monkeypatch.setattr(load, "read_spec_text", lambda *_: pytest.fail("read"))
    result = load_documents([tmp_path], None)
    (problem,) = result.diagnostics
    assert problem.file == str(tmp_path)
    assert "spec files over" in problem.message
    assert result.files == ()


def test_a_spec_tree_over_the_folder_count_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "MAX_TREE_FOLDERS", 2)
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (deep / "ws.yaml").write_text(project("pr.1"))
    result = load_documents([tmp_path], None)
    (problem,) = result.diagnostics
    assert problem.file == str(tmp_path)
    assert problem.message.startswith("more than 2 folders: refused unread")
    assert result.files == ()


def test_the_tree_limits_are_generous_and_documented() -> None:
    assert load.MAX_TREE_BYTES == 64 * 1024 * 1024
    assert load.MAX_TREE_FILES == 10_000
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "64 MiB" in readme
    assert "10,000 spec files" in readme


# -- the state file -----------------------------------------------------------------------------

NESTED = "[" * 100_000 + "]" * 100_000

BAD_STATES: dict[str, str] = {
    "version-true": json.dumps({"version": True, "tenants": {}}),
    "version-float": json.dumps({"version": 1.0, "tenants": {}}),
    "tenants-list": json.dumps({"version": 1, "tenants": ["contoso"]}),
    "tenant-string": json.dumps({"version": 1, "tenants": {"contoso": "keys"}}),
    "managed-string": json.dumps({"version": 1, "tenants": {"contoso": {"managed": "pr.42"}}}),
    "managed-number": json.dumps({"version": 1, "tenants": {"contoso": {"managed": [42]}}}),
    "keys-list": json.dumps({"version": 1, "tenants": {"contoso": {"keys": ["acme-case"]}}}),
    "key-number": json.dumps({"version": 1, "tenants": {"contoso": {"keys": {"acme-case": 5}}}}),
    "pending-string": json.dumps(
        {"version": 1, "tenants": {"contoso": {"pending": {"acme-case": "soon"}}}}
    ),
    "pending-id-number": json.dumps(
        {
            "version": 1,
            "tenants": {"contoso": {"pending": {"acme-case": {"expected_id": 5, "since": "x"}}}},
        }
    ),
    "description-number": json.dumps(
        {"version": 1, "tenants": {"contoso": {"descriptions": {"pr.42": 7}}}}
    ),
    "deep": '{"version": 1, "tenants": {"contoso": {"pending": {"k": ' + NESTED + "}}}}",
}


@pytest.mark.parametrize("text", list(BAD_STATES.values()), ids=list(BAD_STATES))
def test_a_state_file_of_the_wrong_shape_is_an_error(workspace: Workspace, text: str) -> None:
    path = workspace.root / "state.json"
    path.write_text(text)
    workspace.write("case.yaml", customer_case("acme-case"))
    for args in (["plan"], ["apply", "--auto-approve"], ["state", "list"]):
        paths = [] if args[0] == "state" else [str(workspace.specs)]
        _refused(workspace.run(*args, *paths), f"the state file {path}")
    assert path.read_text() == text
    assert workspace.writes() == []


@pytest.mark.timeout(10)
def test_a_fifo_as_state_file_is_refused(workspace: Workspace) -> None:
    os.mkfifo(workspace.root / "state.json")
    workspace.write("case.yaml", customer_case("acme-case"))
    result = workspace.run("plan", str(workspace.specs))
    _refused(result, f"{workspace.root / 'state.json'}", "not a regular file")


# -- saved plans --------------------------------------------------------------------------------


def _saved_plan(workspace: Workspace) -> dict[str, Any]:
    workspace.write("a.yaml", project("pr.42"))
    workspace.write("case.yaml", customer_case("acme-case"))
    out = workspace.root / "plan.json"
    result = workspace.run("plan", str(workspace.specs), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(out.read_text())
    assert [len(w["changes"]) > 0 for w in data["workspaces"]] == [True, True]
    return data


def _set(data: dict[str, Any], where: str, value: Any) -> dict[str, Any]:
    """A copy of `data` with the value at "a/0/b" replaced."""
    changed = copy.deepcopy(data)
    *parents, last = where.split("/")
    node: Any = changed
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value
    return changed


BAD_PLANS: dict[str, tuple[str, Any]] = {
    "change-path-string": ("workspaces/0/changes/0/path", "lifeCycle"),
    "change-path-numbers": ("workspaces/0/changes/0/path", [1, 2]),
    "change-reason-number": ("workspaces/0/changes/0/reason", 5),
    "address-number": ("workspaces/0/address", 5),
    "tenant-list": ("workspaces/0/tenant", ["contoso"]),
    "workspace-id-number": ("workspaces/0/workspace_id", 42),
    "name-null": ("workspaces/0/name", None),
    "file-number": ("workspaces/0/file", 3),
    "line-true": ("workspaces/0/line", True),
    "line-text": ("workspaces/0/line", "7"),
    "digest-number": ("workspaces/0/live_digest", 1),
    "record-key-number": ("workspaces/0/record_key", 9),
    "seconds-true": ("seconds_per_call", True),
    "seconds-text": ("seconds_per_call", "fast"),
    "api-url-number": ("api_url", 443),
    "created-at-null": ("created_at", None),
    "leaving-numbers": ("leaving", [1, 2]),
    "leaving-string": ("leaving", "contoso/pr.1"),
}


@pytest.mark.parametrize("where,value", list(BAD_PLANS.values()), ids=list(BAD_PLANS))
def test_a_saved_plan_of_the_wrong_shape_is_an_error(
    workspace: Workspace, where: str, value: Any
) -> None:
    path = workspace.root / "edited.json"
    path.write_text(json.dumps(_set(_saved_plan(workspace), where, value)))
    workspace.emulator.control("DELETE", "requests")
    for args in (["show", str(path)], ["apply", "--plan", str(path), "--auto-approve"]):
        _refused(workspace.run(*args), f"cannot read the saved plan {path}")
    assert workspace.writes() == []


@pytest.mark.parametrize("depth", [600, 100_000])
def test_a_deeply_nested_saved_plan_is_an_error(workspace: Workspace, depth: int) -> None:
    data = _saved_plan(workspace)
    text = json.dumps(data).replace('"after": "', '"after": ' + "[" * depth + '"', 1)
    text = text.replace('", "reason"', '"' + "]" * depth + ', "reason"', 1)
    path = workspace.root / "deep.json"
    path.write_text(text)
    for args in (["show", str(path)], ["apply", "--plan", str(path), "--auto-approve"]):
        _refused(workspace.run(*args), f"cannot read the saved plan {path}", "nested")
    assert workspace.writes() == []


@pytest.mark.timeout(10)
def test_a_fifo_as_saved_plan_is_refused(workspace: Workspace) -> None:
    os.mkfifo(workspace.root / "plan.json")
    result = workspace.run("show", str(workspace.root / "plan.json"))
    _refused(result, f"cannot read the saved plan {workspace.root / 'plan.json'}", "not a regular")
