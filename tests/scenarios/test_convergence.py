"""Every kind of change converges in one apply, and apply makes exactly the planned calls."""

from __future__ import annotations

from tests.fixtures.specs import (
    Account,
    Deputy,
    Team,
    customer_case,
    department,
    documents,
    example,
    project,
    team_room,
)
from tests.scenarios.conftest import Workspace


def baseline(
    *,
    name: str = "Project01",
    workspace_type: str = "Project",
    life_cycle: str = "active",
    manager: Account = "marko@xyz.com",
    deputy: Deputy = "ana@xyz.com",
    customer: str = "Migros",
    phase: str = "Execution",
    team: Team | None = None,
) -> str:
    """contoso/example with every property written out (deputy and lifeCycle too)."""
    return example(
        name=name,
        workspace_type=workspace_type,
        life_cycle=life_cycle,
        manager=manager,
        deputy=deputy,
        schema={"Customer": customer, "Phase": phase},
        team=team,
    )


def test_the_fixture_matches_the_baseline_spec(workspace: Workspace) -> None:
    workspace.write("example.yaml", baseline())
    plan = workspace.plan_json()
    assert [w["action"] for w in plan["workspaces"]] == ["no-op"]


def test_create_sharepoint_with_team_and_schema(workspace: Workspace) -> None:
    spec = project(
        "pr.10",
        name="Project Ten",
        description="Ten",
        unit="SU",
        manager=("Maria@XYZ.com", "Maria M."),
        deputy="bob@xyz.com",
        schema={
            "StartDate": "2025-03-01",
            "EndDate": "2025-06-30T12:00:00+02:00",
            "Phase": "Initiation",
        },
        team={"Managers": ["tom@xyz.com", "AD_XYZ"], "Members": ["imp@xyz.com"], "Visitors": []},
    )
    workspace.write("new.yaml", spec)
    plan = workspace.converge()
    assert plan["workspaces"][0]["action"] == "create"


def test_create_teams_room(workspace: Workspace) -> None:
    spec = team_room(
        schema={"Topic": "Support", "Confidential": '"true"'},
        team={"Owners": ["tom@xyz.com"], "Members": ["imp@xyz.com", "tom@xyz.com"]},
    )
    workspace.write("room.yaml", spec)
    workspace.converge()


def test_create_generated_ids_are_recorded_and_found_again(workspace: Workspace) -> None:
    workspace.write("generated.yaml", documents(department(name="Finance Dept"), customer_case()))
    workspace.converge()
    state = (workspace.root / "state.json").read_text()
    assert '"finance": "dep.financedept"' in state
    assert '"migros-case": "org.bu.00001"' in state
    workspace.emulator.control("DELETE", "requests")
    workspace.apply()  # a second apply creates nothing
    assert workspace.writes() == []


def test_rename(workspace: Workspace) -> None:
    workspace.write("example.yaml", baseline(name="Orange", team={"Visitors": ["AD_Visitors"]}))
    workspace.converge()


def test_manager_change_with_and_without_listed_groups(workspace: Workspace) -> None:
    workspace.write("example.yaml", baseline(manager="bob@xyz.com"))
    workspace.converge()
    listed = {"Managers": ["tom@xyz.com"], "Members": ["imp@xyz.com"]}
    workspace.write("example.yaml", baseline(manager="maria@xyz.com", team=listed))
    workspace.converge()


def test_deputy_change_and_removal(workspace: Workspace) -> None:
    workspace.write("example.yaml", baseline(deputy=("bob@xyz.com", "Bobby")))
    workspace.converge()
    workspace.write("example.yaml", baseline(deputy=None))
    workspace.converge()


def test_close_and_reopen(workspace: Workspace) -> None:
    workspace.write("example.yaml", baseline(life_cycle="closed"))
    workspace.converge()
    workspace.write("example.yaml", baseline(life_cycle="active", phase="Closure"))
    plan = workspace.converge()
    summaries = [c["summary"] for c in plan["workspaces"][0]["calls"]]
    assert summaries[0] == "reopen workspace"


def test_close_with_team_change_runs_changes_before_closing(workspace: Workspace) -> None:
    workspace.write(
        "example.yaml", baseline(life_cycle="closed", team={"Visitors": ["lucas@xyz.com"]})
    )
    plan = workspace.converge()
    calls = plan["workspaces"][0]["calls"]
    assert [c["summary"] for c in calls][-1] == "close workspace"
    assert calls[0]["path"].endswith("/team")


def test_team_adds_and_removals(workspace: Workspace) -> None:
    team = {
        "Managers": ["AD_XYZ", "anita@xyz.com"],
        "Members": ["lucas@xyz.com"],
        "Visitors": ["Michael@XYZ.com"],
    }
    workspace.write("example.yaml", baseline(team=team))
    plan = workspace.converge()
    ops = {
        (c["op"], c["path"][1], c["before"] or c["after"]) for c in plan["workspaces"][0]["changes"]
    }
    assert ("remove", "Managers", "tom@xyz.com") in ops
    assert ("add", "Managers", "anita@xyz.com") in ops
    assert ("remove", "Visitors", "AD_Visitors") in ops
    assert ("remove", "Members", "marko@xyz.com") not in ops  # the manager stays implied


def test_schema_update(workspace: Workspace) -> None:
    workspace.write("example.yaml", baseline(customer="Coop", phase="Closure"))
    workspace.converge()


def test_workspace_type_change_then_schema(workspace: Workspace) -> None:
    workspace.write("example.yaml", baseline(workspace_type="Project Plus", phase="Closure"))
    plan = workspace.converge()
    paths = [c["path"] for c in plan["workspaces"][0]["calls"]]
    assert paths == ["/workspaces/example/workspaceType", "/workspaces/example/schema"]
