"""Saved plans: `plan --out` then `apply --plan`, exactly that plan or a refusal if stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from reconciler.engine.state import State, load_state
from tests.fixtures.specs import customer_case, example
from tests.scenarios.conftest import Workspace


def test_saved_plan_applies_and_a_stale_one_is_refused(workspace: Workspace) -> None:
    spec = example(
        schema={"Phase": "Closure"}, team={"Visitors": ["michael@xyz.com", "AD_Visitors"]}
    )
    workspace.write("example.yaml", spec)
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


def test_a_saved_keyed_create_is_stale_once_applied(workspace: Workspace) -> None:
    workspace.write(
        "a.yaml", customer_case("case2", name="Case", manager="bob@xyz.com", customer="Coop")
    )
    saved = workspace.root / "plan.json"
    assert workspace.run("plan", str(workspace.specs), "--out", str(saved)).exit_code == 0
    workspace.apply()
    again = workspace.run("apply", "--plan", str(saved), "--auto-approve")
    assert again.exit_code == 1
    assert "Saved plan is stale" in again.stderr
    assert workspace.posts() == 1


def test_apply_plan_takes_no_paths(workspace: Workspace) -> None:
    workspace.write("a.yaml", customer_case("c"))
    saved = workspace.root / "plan.json"
    workspace.run("plan", str(workspace.specs), "--out", str(saved))
    result = workspace.run("apply", "--plan", str(saved), str(workspace.specs), "--auto-approve")
    assert result.exit_code != 0
    assert "give no PATH" in result.output + result.stderr
    assert workspace.writes() == []


def test_apply_plan_uses_the_state_given_now(workspace: Workspace) -> None:
    workspace.write(
        "case.yaml",
        customer_case("acme-case", name="ACME Case", manager="michael@xyz.com", customer="ACME"),
    )
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
    assert workspace.posts() == 1


def _edited_plan(workspace: Workspace) -> tuple[Path, dict[str, Any]]:
    """A saved plan with one team call on contoso/example, read back as JSON for editing."""
    workspace.write("example.yaml", example(team={"Visitors": ["michael@xyz.com"]}))
    saved = workspace.root / "plan.json"
    assert workspace.run("plan", str(workspace.specs), "--out", str(saved)).exit_code == 0
    return saved, json.loads(saved.read_text())


def test_a_call_redirected_to_another_workspace_is_refused(workspace: Workspace) -> None:
    saved, data = _edited_plan(workspace)
    (call,) = data["workspaces"][0]["calls"]
    call["operation"]["workspace_id"] = "pr.99"
    call["path"] = "/workspaces/pr.99/team"
    saved.write_text(json.dumps(data))
    workspace.emulator.control("DELETE", "requests")
    result = workspace.run("apply", "--plan", str(saved))
    assert result.exit_code == 1
    assert (
        "contoso/example: call 1 (PUT /workspaces/pr.99/team) writes workspace 'pr.99', "
        "not this entry's 'example'"
    ) in result.stderr
    assert workspace.writes() == []


def test_removals_added_by_hand_meet_the_guard_on_what_would_be_sent(
    workspace: Workspace,
) -> None:
    saved, data = _edited_plan(workspace)
    (call,) = data["workspaces"][0]["calls"]
    victims = [f"user{i}@xyz.com" for i in range(11)]
    call["operation"]["removed"]["Members"] = victims
    call["body"]["Removed"].append({"Group": "Members", "Members": victims})
    saved.write_text(json.dumps(data))  # consistent edit: body and operation agree
    workspace.emulator.control("DELETE", "requests")
    result = workspace.run("apply", "--plan", str(saved))
    assert result.exit_code == 1
    assert (
        "Saved plan refused: the plan's calls remove 12 team members, more than --max-removals 10"
    ) in result.stderr
    assert workspace.writes() == []


def test_apply_of_a_saved_plan_shows_what_it_will_send(workspace: Workspace) -> None:
    saved, _ = _edited_plan(workspace)
    result = workspace.run("apply", "--plan", str(saved))
    assert result.exit_code == 0, result.stderr
    assert (
        "Apply will send:\n"
        "  PUT /workspaces/example/team  team of example: -Visitors: AD_Visitors\n"
    ) in result.stdout
