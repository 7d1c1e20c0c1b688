"""plan and apply as a pipeline uses them: exit codes, output streams, guards, saved plans."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import TOKEN
from tests.scenarios.conftest import Workspace

EXAMPLE = """
kind: Workspace
tenant: contoso
workspaceId: example
name: Project01
organizationUnit: Star Unit
workspaceType: Project
manager: marko@xyz.com
schema:
  Phase: {phase}
team:
  Visitors: {visitors}
"""


def example(phase: str = "Execution", visitors: str = "[michael@xyz.com, AD_Visitors]") -> str:
    return EXAMPLE.format(phase=phase, visitors=visitors)


def test_plan_exit_codes(workspace: Workspace) -> None:
    workspace.write("example.yaml", example())
    assert workspace.run("plan", str(workspace.specs), "--detailed-exitcode").exit_code == 0
    workspace.write("example.yaml", example(phase="Closure"))
    assert workspace.run("plan", str(workspace.specs)).exit_code == 0
    assert workspace.run("plan", str(workspace.specs), "--detailed-exitcode").exit_code == 2
    assert workspace.writes() == []  # plan never writes


def test_json_goes_to_stdout_alone(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(phase="Closure"))
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
    workspace.write("example.yaml", example(phase="Closure"))
    result = workspace.run("plan", str(workspace.specs), "--format", "markdown")
    assert "<!-- reconciler:plan -->" in result.stdout
    assert "contoso/example" in result.stdout


def test_plan_error_names_workspace_and_field_and_writes_nothing(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(phase="Done"))
    result = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert result.exit_code == 1
    assert "contoso/example" in result.stdout
    assert "example.yaml:10" in result.stdout
    assert "'Done' is not one of Initiation, Execution, Closure" in result.stdout
    assert workspace.writes() == []


def test_unknown_unit_and_type_are_plan_errors(workspace: Workspace) -> None:
    text = example().replace("Star Unit", "Moon Unit")
    workspace.write("example.yaml", text)
    result = workspace.run("plan", str(workspace.specs))
    assert result.exit_code == 1
    assert "unknown organization unit 'Moon Unit'" in result.stdout


def test_blast_radius_guard(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(visitors="[]"))
    result = workspace.run("plan", str(workspace.specs), "--max-removals", "1")
    assert result.exit_code == 1
    assert "removes 2 team members, more than --max-removals 1" in result.stdout
    assert "contoso/example: michael@xyz.com from Visitors" in result.stdout
    assert workspace.run("plan", str(workspace.specs), "--max-removals", "2").exit_code == 0


def test_apply_without_a_terminal_needs_auto_approve(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(phase="Closure"))
    result = workspace.run("apply", str(workspace.specs), stdin="yes\n")
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr
    assert workspace.writes() == []


def test_saved_plan_applies_and_a_stale_one_is_refused(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(phase="Closure"))
    saved = workspace.root / "plan.json"
    assert workspace.run("plan", str(workspace.specs), "--out", str(saved)).exit_code == 0
    workspace.emulator.api(
        "PUT",
        "/workspaces/example",
        {"Name": "Changed by hand", "Manager": {"Email": "marko@xyz.com"}},
    )
    workspace.emulator.control("DELETE", "requests")
    refused = workspace.run("apply", "--plan", str(saved), "--auto-approve")
    assert refused.exit_code == 1
    assert "Saved plan is stale" in refused.stderr
    assert workspace.writes() == []
    assert workspace.run("plan", str(workspace.specs), "--out", str(saved)).exit_code == 0
    applied = workspace.run("apply", "--plan", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert [w[1] for w in workspace.writes()] == [
        "/workspaces/example",
        "/workspaces/example/schema",
    ]


def test_target_limits_the_plan(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(phase="Closure"))
    workspace.write(
        "other.yaml",
        "kind: Workspace\ntenant: contoso\nworkspaceId: pr.77\nname: P77\n"
        "organizationUnit: SU\nworkspaceType: Project\nmanager: ana@xyz.com\n",
    )
    plan = workspace.plan_json("--target", "pr.77")
    assert [w["address"] for w in plan["workspaces"]] == ["contoso/pr.77"]


def test_failure_mid_apply_reports_and_a_rerun_finishes(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(phase="Closure", visitors="[michael@xyz.com]"))
    workspace.emulator.add_fault(action="status", method="PUT", path="/team$", status=503, times=-1)
    failed = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert failed.exit_code == 1
    assert "not done" in failed.stderr
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


def test_missing_token_is_a_message(workspace: Workspace, tmp_path: Path) -> None:
    workspace.write("example.yaml", example())
    result = workspace.run("plan", str(workspace.specs), without=("SEAMLESS_TOKEN",))
    assert result.exit_code == 1
    assert "No API token" in result.stderr
    assert TOKEN not in result.output + result.stderr
