"""--prune: close (never delete) exactly the managed workspaces that left the specs."""

from __future__ import annotations

from tests.fixtures.specs import customer_case, project
from tests.scenarios.conftest import Workspace


def test_prune_closes_exactly_what_left_the_specs(workspace: Workspace) -> None:
    workspace.write("a.yaml", project("pr.41"))
    workspace.write("b.yaml", project("pr.42"))
    workspace.apply()
    (workspace.specs / "b.yaml").unlink()
    without = workspace.plan_json()
    assert [w["address"] for w in without["workspaces"]] == ["contoso/pr.41"]
    planned = workspace.plan_json("--prune")
    closing = [w for w in planned["workspaces"] if w["action"] == "update"]
    assert [w["address"] for w in closing] == ["contoso/pr.42"]
    assert closing[0]["calls"][0]["body"]["LifeCycle"] == 1
    workspace.emulator.control("DELETE", "requests")
    workspace.apply("--prune")
    assert [(m, p) for m, p, _ in workspace.writes()] == [("PUT", "/workspaces/pr.42")]
    assert workspace.emulator.api("GET", "/workspaces/pr.42").json()["LifeCycle"] == 1
    assert workspace.emulator.api("GET", "/workspaces/pr.41").json()["LifeCycle"] == 0
    again = workspace.plan_json("--prune")
    assert {w["action"] for w in again["workspaces"]} == {"no-op"}


def test_prune_refuses_single_files(workspace: Workspace) -> None:
    workspace.write("case.yaml", customer_case("acme-case"))
    result = workspace.run("plan", str(workspace.specs / "case.yaml"), "--prune")
    assert result.exit_code == 1
    assert "needs the folders" in result.stderr


def test_prune_with_target_says_it_is_skipped(workspace: Workspace) -> None:
    workspace.write("case.yaml", customer_case("acme-case"))
    plan = workspace.plan_json("--prune", "--target", "acme-case")
    assert plan["problems"][0]["message"] == (
        "this plan is partial: --target limits it to 1 of 1 workspaces; the others, and "
        "workspaces that left the specs, were not looked at. --prune is skipped with --target."
    )
    assert plan["partial"] is True


def test_prune_sends_the_live_properties_back_closed(workspace: Workspace) -> None:
    workspace.write("a.yaml", project("pr.42"))
    workspace.apply()
    by_hand = {
        "Name": "Renamed by hand",
        "Manager": {"Email": "maria@xyz.com"},
        "Deputy": {"Email": "Lucas@XYZ.com", "Name": "Lucas L."},
    }
    assert workspace.emulator.api("PUT", "/workspaces/pr.42", by_hand).status_code == 200
    (workspace.specs / "a.yaml").unlink()
    workspace.write("other.yaml", project("pr.43"))
    workspace.emulator.control("DELETE", "requests")
    workspace.apply("--prune")
    closes = [(p, b) for m, p, b in workspace.writes() if p == "/workspaces/pr.42"]
    assert closes == [
        (
            "/workspaces/pr.42",
            {
                "Name": "Renamed by hand",
                "LifeCycle": 1,
                "Manager": {"Email": "maria@xyz.com", "Name": "Maria"},
                "Deputy": {"Email": "lucas@xyz.com", "Name": "Lucas L."},
            },
        )
    ]
