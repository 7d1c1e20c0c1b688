"""Keyed creates whose answer was lost: never a silent duplicate; adopted, imported or refused."""

from __future__ import annotations

import json

from tests.conftest import DEPARTMENT_TYPE, STAR_UNIT
from tests.fixtures.specs import customer_case, department
from tests.scenarios.conftest import Workspace


def department_body(name: str, manager: str, cost_center: str) -> dict[str, object]:
    """A Department Site create as another tool (or a killed apply) sends it."""
    return {
        "Name": name,
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": DEPARTMENT_TYPE,
        "Manager": {"Email": manager},
        "Schema": [{"FieldName": "CostCenter", "FieldValue": cost_center}],
    }


def test_lost_answer_of_a_full_create_is_refused_until_imported(workspace: Workspace) -> None:
    workspace.write("case.yaml", customer_case())
    workspace.emulator.add_fault(action="drop_after_commit", method="POST", path="/workspaces$")
    failed = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert failed.exit_code == 1
    pending = workspace.state()["tenants"]["contoso"]["pending"]
    assert "migros-case" in pending
    again = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert again.exit_code == 1
    state_file = workspace.root / "state.json"
    assert f"state import --state {state_file} --tenant contoso migros-case" in again.stdout
    assert workspace.posts() == 1  # never a second create
    imported = workspace.run(
        "state", "import", "--tenant", "contoso", "migros-case", "org.bu.00001"
    )
    assert imported.exit_code == 0, imported.stderr
    plan = workspace.plan_json()
    assert [w["action"] for w in plan["workspaces"]] == ["no-op"]


def test_lost_answer_of_a_prefix_with_name_create_is_recovered(workspace: Workspace) -> None:
    workspace.write("department.yaml", department())
    workspace.emulator.add_fault(action="drop_after_commit", method="POST", path="/workspaces$")
    workspace.apply()  # the client finds the workspace at the id the name generates
    assert workspace.posts() == 1
    assert workspace.state()["tenants"]["contoso"]["keys"] == {"finance": "dep.finance"}
    assert [w["action"] for w in workspace.plan_json()["workspaces"]] == ["no-op"]


def test_an_interrupted_create_is_adopted_next_time(workspace: Workspace) -> None:
    """A kill between the POST and the record: the intent is there, the workspace too."""
    workspace.write("department.yaml", department())
    (workspace.root / "state.json").write_text(
        json.dumps(
            {
                "version": 1,
                "tenants": {
                    "contoso": {
                        "keys": {},
                        "managed": [],
                        "pending": {"finance": {"expected_id": "dep.finance", "since": "x"}},
                    }
                },
            }
        )
    )
    body = department_body("Finance", "anita@xyz.com", "4711")
    assert workspace.emulator.api("POST", "/workspaces", body).status_code == 201
    workspace.emulator.control("DELETE", "requests")
    plan = workspace.plan_json()
    assert plan["workspaces"][0]["action"] == "update"  # a state write, with no API call
    assert plan["workspaces"][0]["calls"] == []
    assert "adopting 'dep.finance'" in plan["workspaces"][0]["problems"][0]["message"]
    workspace.apply()
    assert workspace.posts() == 0
    assert workspace.state()["tenants"]["contoso"]["keys"] == {"finance": "dep.finance"}


def test_an_unrecorded_workspace_at_the_generated_id_is_not_created_twice(
    workspace: Workspace,
) -> None:
    workspace.write("department.yaml", department())
    workspace.apply()
    (workspace.root / "state.json").unlink()  # the record is lost
    result = workspace.run("plan", str(workspace.specs))
    assert result.exit_code == 1
    assert "--tenant contoso finance dep.finance" in result.stdout
    assert "state import --state" in result.stdout


def test_an_id_taken_by_another_workspace_is_not_offered_for_import(workspace: Workspace) -> None:
    body = department_body("HR", "tom@xyz.com", "9")
    assert workspace.emulator.api("POST", "/workspaces", body).status_code == 201
    workspace.write("hr.yaml", department("people", name="H.R.", cost_center="'100'"))
    result = workspace.run("plan", str(workspace.specs))
    assert result.exit_code == 1
    assert "is taken by another workspace ('HR')" in result.stdout
    assert "state import" not in result.stdout


def test_a_refused_create_leaves_no_intent_behind(workspace: Workspace) -> None:
    workspace.write("a.yaml", department("fin", manager="maria@xyz.com", cost_center="1"))
    workspace.emulator.add_fault(action="status", method="POST", path="/workspaces$", status=422)
    assert workspace.run("apply", str(workspace.specs), "--auto-approve").exit_code == 1
    assert workspace.state()["tenants"]["contoso"]["pending"] == {}
    plan = workspace.plan_json()
    assert plan["workspaces"][0]["action"] == "create"
    assert not any("adopting" in p["message"] for p in plan["workspaces"][0]["problems"])
