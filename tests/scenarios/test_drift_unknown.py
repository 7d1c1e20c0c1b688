"""Drift never raises a false alarm: a read that failed is *unknown* (exit 3), never drift.

Faults come from the emulator's rules over real HTTPS: 5xx for ever, dropped
connections, a 429 storm past the retry time, answers later than the
request timeout. Auth and connection failures that hit every read are one
error (exit 1), not N unknowns.
"""

from __future__ import annotations

import pytest

from tests.fixtures.specs import project
from tests.scenarios.conftest import Workspace
from tests.scenarios.test_drift import SPEC, differences, drift, put

FAULTS = {
    "5xx for ever": {"action": "status", "status": 503, "times": -1},
    "dropped connections": {"action": "drop", "times": -1},
    "answers too late": {"action": "latency", "latency_ms": 1500, "times": -1},
}
PATIENCE = ("--request-timeout", "0.5", "--max-retry-time", "1")


def two_workspaces(workspace: Workspace) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.write("b.yaml", project("pr.52"))
    workspace.apply()


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_workspace_whose_reads_fail_is_unknown_not_drift(
    workspace: Workspace, fault: str
) -> None:
    two_workspaces(workspace)
    workspace.emulator.add_fault(method="GET", path="/workspaces/pr.52$", **FAULTS[fault])
    found = drift(workspace, "--format", "json", *PATIENCE)
    assert found.exit_code == 3, found.stdout + found.stderr
    report = found.report
    assert report["outcome"] == "unknown"
    verdicts = {w["address"]: w["verdict"] for w in report["workspaces"]}
    assert verdicts == {"contoso/pr.51": "in-sync", "contoso/pr.52": "unknown"}
    (unknown,) = [w for w in report["workspaces"] if w["verdict"] == "unknown"]
    assert unknown["reason"] and unknown["differences"] == []
    text = drift(workspace, *PATIENCE)
    assert text.exit_code == 3
    assert "? contoso/pr.52" in text.stdout
    assert "No drift found, but some workspaces could not be read" in text.stdout


def test_a_429_storm_on_every_read_is_unknown_never_drift(workspace: Workspace) -> None:
    """The rate limit is per token: a storm slows every read, and none may pass for drift."""
    two_workspaces(workspace)
    put(workspace.emulator, "/team", {"Added": [{"Group": "Members", "Members": ["tom@xyz.com"]}]})
    storm = {"action": "rate_limit", "reset_seconds": 1, "times": -1}
    workspace.emulator.add_fault(method="GET", path="/workspaces/", **storm)
    found = drift(workspace, "--format", "json", *PATIENCE)
    assert found.exit_code == 3, found.stdout + found.stderr
    assert {w["verdict"] for w in found.report["workspaces"]} == {"unknown"}
    workspace.emulator.control("DELETE", "faults")
    assert drift(workspace, *PATIENCE).exit_code == 2  # the hand change, once it can be seen


def test_drift_elsewhere_outranks_unknown(workspace: Workspace) -> None:
    two_workspaces(workspace)
    put(workspace.emulator, "/team", {"Added": [{"Group": "Members", "Members": ["tom@xyz.com"]}]})
    workspace.emulator.add_fault(method="GET", path="/workspaces/pr.52$", **FAULTS["5xx for ever"])
    found = drift(workspace, "--format", "json", *PATIENCE)
    assert found.exit_code == 2
    assert found.report["counts"] == {
        "in-sync": 0,
        "drift": 1,
        "acknowledged": 0,
        "unknown": 1,
        "error": 0,
    }
    assert differences(found.report, "contoso/pr.51") == [
        ("team.Members", "member-added", "tom@xyz.com", None)
    ]


def test_a_failed_team_read_makes_the_workspace_unknown(workspace: Workspace) -> None:
    """Half a read is no read: the workspace answered, its team did not."""
    two_workspaces(workspace)
    workspace.emulator.add_fault(
        method="GET", path="/workspaces/pr.51/team$", **FAULTS["5xx for ever"]
    )
    found = drift(workspace, "--format", "json", *PATIENCE)
    assert found.exit_code == 3
    verdicts = {w["address"]: w["verdict"] for w in found.report["workspaces"]}
    assert verdicts["contoso/pr.51"] == "unknown"


def test_an_unreadable_catalog_makes_its_tenant_unknown(workspace: Workspace) -> None:
    two_workspaces(workspace)
    workspace.emulator.add_fault(method="GET", path="/organizationUnits$", **FAULTS["5xx for ever"])
    found = drift(workspace, "--format", "json", *PATIENCE)
    assert found.exit_code == 3
    assert {w["verdict"] for w in found.report["workspaces"]} == {"unknown"}


def test_a_wrong_token_is_one_error_not_n_unknowns(workspace: Workspace) -> None:
    two_workspaces(workspace)
    workspace.emulator.control("DELETE", "requests")
    result = workspace.run(
        "drift", str(workspace.specs), "--format", "json", without=("SEAMLESS_TOKEN",)
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert result.stderr.count("\n") <= 3  # one message, not one per workspace


def test_an_orphan_that_cannot_be_read_is_unknown(workspace: Workspace) -> None:
    two_workspaces(workspace)
    (workspace.specs / "b.yaml").unlink()
    workspace.emulator.add_fault(method="GET", path="/workspaces/pr.52$", **FAULTS["5xx for ever"])
    found = drift(workspace, "--format", "json", *PATIENCE)
    assert found.exit_code == 3
    (orphan,) = [w for w in found.report["workspaces"] if w["orphan"]]
    assert orphan["verdict"] == "unknown"
