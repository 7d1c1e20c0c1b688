"""plan and apply as a pipeline uses them: exit codes, output streams, targets, failures, tokens."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import TOKEN
from tests.fixtures.specs import customer_case, example, project
from tests.scenarios.conftest import Workspace


def test_plan_exit_codes(workspace: Workspace) -> None:
    workspace.write("example.yaml", example())
    assert workspace.run("plan", str(workspace.specs), "--detailed-exitcode").exit_code == 0
    workspace.write("example.yaml", example(schema={"Phase": "Closure"}))
    assert workspace.run("plan", str(workspace.specs)).exit_code == 0
    assert workspace.run("plan", str(workspace.specs), "--detailed-exitcode").exit_code == 2
    assert workspace.writes() == []  # plan never writes


def test_json_goes_to_stdout_alone(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(schema={"Phase": "Closure"}))
    result = workspace.run("plan", str(workspace.specs), "--json")
    plan = json.loads(result.stdout)
    assert plan["format_version"] == "2"
    assert plan["summary"]["update"] == 1
    (call,) = plan["workspaces"][0]["calls"]
    assert (call["method"], call["path"]) == ("PUT", "/workspaces/example/schema")
    assert {f["FieldName"]: f["FieldValue"] for f in call["body"]}["Phase"] == "Closure"
    assert call["operation"]["type"] == "update_schema"
    assert call["operation"]["fields"]["Phase"] == "Closure"
    assert list(call["operation"]["fields"]) == [f["FieldName"] for f in call["body"]]


def test_markdown_for_pull_requests(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(schema={"Phase": "Closure"}))
    result = workspace.run("plan", str(workspace.specs), "--format", "markdown")
    assert "<!-- reconciler:plan -->" in result.stdout
    assert "contoso/example" in result.stdout


def test_apply_without_a_terminal_needs_auto_approve(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(schema={"Phase": "Closure"}))
    result = workspace.run("apply", str(workspace.specs), stdin="yes\n")
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr
    assert workspace.writes() == []


def test_target_limits_the_plan(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(schema={"Phase": "Closure"}))
    workspace.write("other.yaml", project("pr.77", name="P77", unit="SU", manager="ana@xyz.com"))
    plan = workspace.plan_json("--target", "pr.77")
    assert [w["address"] for w in plan["workspaces"]] == ["contoso/pr.77"]


def test_a_target_that_matches_nothing_is_an_error(workspace: Workspace) -> None:
    workspace.write("a.yaml", customer_case("c"))
    result = workspace.run("plan", str(workspace.specs), "--target", "nothing-like-this")
    assert result.exit_code == 1
    assert "--target nothing-like-this matches no workspace" in result.stderr


def test_failure_mid_apply_reports_and_a_rerun_finishes(workspace: Workspace) -> None:
    spec = example(schema={"Phase": "Closure"}, team={"Visitors": ["michael@xyz.com"]})
    workspace.write("example.yaml", spec)
    workspace.emulator.add_fault(action="status", method="PUT", path="/team$", status=503, times=-1)
    failed = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert failed.exit_code == 1
    lines = failed.stderr.splitlines()
    assert "  done      update schema (1 field(s)) (PUT /workspaces/example/schema)" in lines
    assert "  FAILED    update team (0 added, 1 removed) (PUT /workspaces/example/team)" in lines
    assert not any(line.startswith("  done      update team") for line in lines)
    assert lines[-1] == (
        "Apply incomplete (1 of 1 workspaces failed): 1 of 2 calls done. "
        "Workspaces: 0 created, 0 updated, 0 closed. Run apply again to finish."
    )
    workspace.emulator.control("DELETE", "faults")
    workspace.apply()
    assert [w["action"] for w in workspace.plan_json()["workspaces"]] == ["no-op"]


def test_bad_specs_make_no_call(workspace: Workspace) -> None:
    workspace.write("example.yaml", example() + "manger: x@y.z\n")
    result = workspace.run("plan", str(workspace.specs))
    assert result.exit_code == 1
    assert "did you mean 'manager'" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert workspace.emulator.requests_log() == []


def test_missing_token_is_a_message(workspace: Workspace) -> None:
    workspace.write("example.yaml", example())
    result = workspace.run("plan", str(workspace.specs), without=("SEAMLESS_TOKEN",))
    assert result.exit_code == 1
    assert "No API token" in result.stderr
    assert TOKEN not in result.output + result.stderr


def test_a_token_that_cannot_be_sent_is_a_message(workspace: Workspace, tmp_path: Path) -> None:
    workspace.write("a.yaml", customer_case("c"))
    token_file = tmp_path / "token"
    token_file.write_text("SuperSecret99\r\nmore\n")
    result = workspace.run(
        "plan", str(workspace.specs), "--token-file", str(token_file), without=("SEAMLESS_TOKEN",)
    )
    assert result.exit_code == 1
    assert "cannot be sent in an HTTP header" in result.stderr
    assert "SuperSecret99" not in result.output + result.stderr
