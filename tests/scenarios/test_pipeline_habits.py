"""The habits a CI pipeline relies on: workspaces that left the specs, --max-closes,
saved plans (`plan --out`, `apply --plan`, `show`), and --target by a generated id."""

from __future__ import annotations

import json

from tests.fixtures.specs import department, documents, example, project
from tests.scenarios.conftest import Workspace


def test_workspaces_that_left_the_specs_are_listed_and_pending(workspace: Workspace) -> None:
    workspace.write("a.yaml", documents(project("pr.41"), project("pr.42"), project("pr.43")))
    workspace.apply()
    workspace.write("a.yaml", project("pr.41"))
    result = workspace.run("plan", str(workspace.specs))
    assert result.exit_code == 0
    assert (
        "Note: 2 managed workspaces are no longer in the specs; `--prune` closes them: "
        "contoso/pr.42, contoso/pr.43"
    ) in result.stdout
    assert "No changes. Live workspaces match the specs." in result.stdout
    pending = workspace.run("plan", str(workspace.specs), "--detailed-exitcode")
    assert pending.exit_code == 2
    plan = workspace.plan_json()
    assert plan["leaving"] == ["contoso/pr.42", "contoso/pr.43"]
    assert plan["summary"]["leaving"] == 2 and plan["summary"]["has_changes"] is False
    markdown = workspace.run("plan", str(workspace.specs), "--format", "markdown").stdout
    assert "**Note:** 2 managed workspaces are no longer in the specs" in markdown


def test_closes_are_counted_apart_and_guarded_by_max_closes(workspace: Workspace) -> None:
    workspace.write("a.yaml", documents(project("pr.41"), project("pr.42"), project("pr.43")))
    workspace.apply()
    workspace.write("a.yaml", project("pr.41", life_cycle="closed"))
    workspace.emulator.control("DELETE", "requests")
    refused = workspace.run(
        "apply", str(workspace.specs), "--auto-approve", "--prune", "--max-closes", "2"
    )
    assert refused.exit_code == 1
    assert (
        "Error: the plan closes 3 workspaces, more than --max-closes 2; check the specs (and "
        "--prune), then raise --max-closes on purpose. Closes: contoso/pr.41, contoso/pr.42, "
        "contoso/pr.43"
    ) in refused.stdout
    assert workspace.writes() == []
    allowed = workspace.run("plan", str(workspace.specs), "--prune", "--max-closes", "3")
    assert allowed.exit_code == 0
    assert "Plan: 0 to create, 0 to update, 3 to close, 0 unchanged, 0 errors." in allowed.stdout
    assert workspace.plan_json("--prune")["summary"]["close"] == 3


def test_plan_out_says_where_and_apply_plan_does_not_ask(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(name="Orange"))
    saved = workspace.root / "plan.json"
    result = workspace.run("plan", str(workspace.specs), "--out", str(saved))
    assert result.exit_code == 0
    assert result.stderr.endswith(
        f"Saved the plan to {saved}. To make exactly these changes, run:\n"
        f"  reconciler apply --plan {saved}\n"
    )
    # No --auto-approve and no terminal: a saved plan was reviewed, so it is not asked again.
    applied = workspace.run("apply", "--plan", str(saved))
    assert applied.exit_code == 0, applied.stderr
    assert workspace.emulator.api("GET", "/workspaces/example").json()["Name"] == "Orange"


def test_apply_without_a_saved_plan_still_asks(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(name="Orange"))
    result = workspace.run("apply", str(workspace.specs))
    assert result.exit_code == 1
    assert "apply needs confirmation, but standard input is not a terminal" in result.stderr
    assert workspace.writes() == []


def test_show_renders_a_saved_plan_without_the_network(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(name="Orange"))
    saved = workspace.root / "plan.json"
    workspace.run("plan", str(workspace.specs), "--out", str(saved))
    workspace.emulator.control("DELETE", "requests")
    text = workspace.run("show", str(saved), without=("SEAMLESS_TOKEN", "SEAMLESS_API_URL"))
    assert text.exit_code == 0
    assert '~ name: "Project01" -> "Orange"' in text.stdout
    as_json = workspace.run("show", str(saved), "--format", "json")
    assert json.loads(as_json.stdout) == json.loads(saved.read_text())
    markdown = workspace.run("show", str(saved), "--format", "markdown")
    assert markdown.stdout.startswith("<!-- reconciler:plan -->")
    assert workspace.emulator.requests_log() == []


def test_show_refuses_what_is_not_a_plan(workspace: Workspace) -> None:
    bad = workspace.root / "plan.json"
    bad.write_text('{"format_version": "2", "workspaces": "oops"}', encoding="utf-8")
    result = workspace.run("show", str(bad))
    assert result.exit_code == 1
    assert f"Error: cannot read the saved plan {bad}:" in result.stderr
    assert "Traceback" not in result.stderr


def test_target_by_the_generated_id_the_state_records(workspace: Workspace) -> None:
    workspace.write("dep.yaml", documents(department("finance", name="Finance"), example()))
    workspace.apply()
    workspace.write(
        "dep.yaml",
        documents(department("finance", name="Finance", cost_center="7"), example(name="Orange")),
    )
    plan = workspace.plan_json("--target", "dep.finance")
    assert [w["address"] for w in plan["workspaces"]] == ["contoso/key=finance"]
    assert plan["partial"] is True
    assert plan["problems"][0]["message"].startswith(
        "this plan is partial: --target limits it to 1 of 2 workspaces"
    )


def test_the_description_warning_only_when_it_differs_from_the_one_sent(
    workspace: Workspace,
) -> None:
    warning = "description is set at creation only; the service cannot change or show it"
    differs = "description differs from the one sent at creation"
    workspace.write("a.yaml", project("pr.81", description="First words"))
    workspace.apply()
    entry = workspace.state()["tenants"]["contoso"]
    assert list(entry["descriptions"]) == ["pr.81"]
    assert entry["descriptions"]["pr.81"].startswith("sha256:")
    assert "First words" not in json.dumps(workspace.state())  # a digest, not the text
    same = workspace.run("plan", str(workspace.specs))
    assert warning not in same.stdout and differs not in same.stdout
    workspace.write("a.yaml", project("pr.81", description="Other words"))
    changed = workspace.run("plan", str(workspace.specs))
    assert differs in changed.stdout
    # The seeded workspace was not created by this tool: what it was sent is unknown.
    workspace.write("a.yaml", example(description="Anything"))
    unknown = workspace.run("plan", str(workspace.specs))
    assert warning in unknown.stdout


def test_state_unlock_without_a_state_creates_nothing(workspace: Workspace) -> None:
    state = workspace.root / "nowhere" / "state.json"
    result = workspace.run("state", "unlock", "--state", str(state))
    assert result.exit_code == 0
    assert result.stdout == f"The state {state} has no lock to clear; nothing was changed.\n"
    assert not (workspace.root / "nowhere").exists()


def test_a_refused_create_does_not_join_the_managed_set(workspace: Workspace) -> None:
    """Found by the fault suite: a 422 create was recorded as managed, then 'left the specs'."""
    workspace.write(
        "a.yaml", documents(project("pr.88"), project("pr.89", manager="ghost@xyz.com"))
    )
    result = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert result.exit_code == 1
    assert workspace.state()["tenants"]["contoso"]["managed"] == ["pr.88"]
    workspace.write("a.yaml", project("pr.88"))
    assert workspace.run("plan", str(workspace.specs), "--detailed-exitcode").exit_code == 0
