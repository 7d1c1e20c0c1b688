"""Every kind of change converges in one apply, and apply makes exactly the planned calls."""

from __future__ import annotations

from tests.scenarios.conftest import Workspace

EXAMPLE = """
kind: Workspace
tenant: contoso
workspaceId: example
name: {name}
organizationUnit: Star Unit
workspaceType: {type}
lifeCycle: {life_cycle}
manager: {manager}
{deputy}
schema:
  Customer: {customer}
  Phase: {phase}
{team}
"""


def example(
    *,
    name: str = "Project01",
    type: str = "Project",
    life_cycle: str = "active",
    manager: str = "marko@xyz.com",
    deputy: str = "deputy: ana@xyz.com",
    customer: str = "Migros",
    phase: str = "Execution",
    team: str = "",
) -> str:
    return EXAMPLE.format(
        name=name,
        type=type,
        life_cycle=life_cycle,
        manager=manager,
        deputy=deputy,
        customer=customer,
        phase=phase,
        team=team,
    )


def test_the_fixture_matches_the_baseline_spec(workspace: Workspace) -> None:
    workspace.write("example.yaml", example())
    plan = workspace.plan_json()
    assert [w["action"] for w in plan["workspaces"]] == ["no-op"]


def test_create_sharepoint_with_team_and_schema(workspace: Workspace) -> None:
    workspace.write(
        "new.yaml",
        """
kind: Workspace
tenant: contoso
workspaceId: pr.10
name: Project Ten
description: Ten
organizationUnit: SU
workspaceType: Project
manager: {email: Maria@XYZ.com, name: Maria M.}
deputy: bob@xyz.com
schema:
  StartDate: 2025-03-01
  EndDate: 2025-06-30T12:00:00+02:00
  Phase: Initiation
team:
  Managers: [tom@xyz.com, AD_XYZ]
  Members: [imp@xyz.com]
  Visitors: []
""",
    )
    plan = workspace.converge()
    assert plan["workspaces"][0]["action"] == "create"


def test_create_teams_room(workspace: Workspace) -> None:
    workspace.write(
        "room.yaml",
        """
kind: Workspace
tenant: contoso
workspaceId: tr.support
name: Support
organizationUnit: Star Unit
workspaceType: Team Room
manager: ana@xyz.com
schema: {Topic: Support, Confidential: "true"}
team:
  Owners: [tom@xyz.com]
  Members: [imp@xyz.com, tom@xyz.com]
""",
    )
    workspace.converge()


def test_create_generated_ids_are_recorded_and_found_again(workspace: Workspace) -> None:
    workspace.write(
        "generated.yaml",
        """
kind: Workspace
tenant: contoso
key: finance
name: Finance Dept
organizationUnit: Star Unit
workspaceType: Department Site
manager: anita@xyz.com
schema: {CostCenter: "4711"}
---
kind: Workspace
tenant: contoso
key: migros-case
name: Migros claim
organizationUnit: Butterfly
workspaceType: Customer Case
manager: ana@xyz.com
schema: {Customer: Migros}
""",
    )
    workspace.converge()
    state = (workspace.root / "state.json").read_text()
    assert '"finance": "dep.financedept"' in state
    assert '"migros-case": "org.bu.00001"' in state
    workspace.emulator.control("DELETE", "requests")
    workspace.apply()  # a second apply creates nothing
    assert workspace.writes() == []


def test_rename(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(name="Orange", team="team:\n  Visitors: [AD_Visitors]"))
    workspace.converge()


def test_manager_change_with_and_without_listed_groups(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(manager="bob@xyz.com"))
    workspace.converge()
    listed = "team:\n  Managers: [tom@xyz.com]\n  Members: [imp@xyz.com]"
    workspace.write("example.yaml", example(manager="maria@xyz.com", team=listed))
    workspace.converge()


def test_deputy_change_and_removal(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(deputy="deputy: {email: bob@xyz.com, name: Bobby}"))
    workspace.converge()
    workspace.write("example.yaml", example(deputy="deputy: null"))
    workspace.converge()


def test_close_and_reopen(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(life_cycle="closed"))
    workspace.converge()
    workspace.write("example.yaml", example(life_cycle="active", phase="Closure"))
    plan = workspace.converge()
    summaries = [c["summary"] for c in plan["workspaces"][0]["calls"]]
    assert summaries[0] == "reopen workspace"


def test_close_with_team_change_runs_changes_before_closing(workspace: Workspace) -> None:
    team = "team:\n  Visitors: [lucas@xyz.com]"
    workspace.write("example.yaml", example(life_cycle="closed", team=team))
    plan = workspace.converge()
    calls = plan["workspaces"][0]["calls"]
    assert [c["summary"] for c in calls][-1] == "close workspace"
    assert calls[0]["path"].endswith("/team")


def test_team_adds_and_removals(workspace: Workspace) -> None:
    team = (
        "team:\n  Managers: [AD_XYZ, anita@xyz.com]\n  Members: [lucas@xyz.com]\n"
        "  Visitors: [Michael@XYZ.com]"
    )
    workspace.write("example.yaml", example(team=team))
    plan = workspace.converge()
    ops = {
        (c["op"], c["path"][1], c["before"] or c["after"]) for c in plan["workspaces"][0]["changes"]
    }
    assert ("remove", "Managers", "tom@xyz.com") in ops
    assert ("add", "Managers", "anita@xyz.com") in ops
    assert ("remove", "Visitors", "AD_Visitors") in ops
    assert ("remove", "Members", "marko@xyz.com") not in ops  # the manager stays implied


def test_schema_update(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(customer="Coop", phase="Closure"))
    workspace.converge()


def test_workspace_type_change_then_schema(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(type="Project Plus", phase="Closure"))
    plan = workspace.converge()
    paths = [c["path"] for c in plan["workspaces"][0]["calls"]]
    assert paths == ["/workspaces/example/workspaceType", "/workspaces/example/schema"]
