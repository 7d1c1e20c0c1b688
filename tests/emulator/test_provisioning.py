"""Provisioning stages advance by the chosen progression: immediate, after N polls, after a time."""

from __future__ import annotations

from tests.conftest import PROJECT_TYPE, STAR_UNIT, RunningEmulator

NEW = {
    "WorkspaceId": "pr.new",
    "Name": "New",
    "OrganizationUnitId": STAR_UNIT,
    "WorkspaceTypeId": PROJECT_TYPE,
    "Manager": {"Email": "maria@xyz.com"},
}
UPDATE = {"Name": "New", "Manager": {"Email": "maria@xyz.com"}}


def statuses(emulator: RunningEmulator, polls: int) -> list[str]:
    return [emulator.api("GET", "/workspaces/pr.new/status").json()["Name"] for _ in range(polls)]


def test_immediate_is_ready_at_the_first_poll(emulator: RunningEmulator) -> None:
    assert emulator.api("POST", "/workspaces", NEW).json()["Stage"] == 1
    assert statuses(emulator, 2) == ["Ready", "Ready"]


def test_manual_progression_after_n_polls(emulator: RunningEmulator) -> None:
    emulator.configure(progression={"mode": "manual", "polls": 3})
    emulator.api("POST", "/workspaces", NEW)
    assert statuses(emulator, 2) == ["Provisioning", "Provisioning"]
    assert emulator.api("GET", "/workspaces/pr.new").json()["Stage"] == 2  # GET counts as a poll
    assert statuses(emulator, 1) == ["Ready"]


def test_put_before_ready_is_422(emulator: RunningEmulator) -> None:
    emulator.configure(progression={"mode": "manual", "polls": 5})
    emulator.api("POST", "/workspaces", NEW)
    refused = emulator.api("PUT", "/workspaces/pr.new", UPDATE)
    assert refused.status_code == 422
    assert "not ready (Stage: Provisioning)" in refused.json()["Message"]
    emulator.control("POST", "workspaces/contoso/pr.new/stage", {})  # finish now
    assert emulator.api("PUT", "/workspaces/pr.new", UPDATE).status_code == 200


def test_time_progression(emulator: RunningEmulator) -> None:
    emulator.configure(progression={"mode": "time", "seconds": 3600})
    emulator.api("POST", "/workspaces", NEW)
    assert statuses(emulator, 1) == ["Provisioning"]
    emulator.configure(progression={"mode": "time", "seconds": 0})
    emulator.api("POST", "/workspaces", {**NEW, "WorkspaceId": "pr.zero"})
    assert emulator.api("GET", "/workspaces/pr.zero/status").json()["Name"] == "Ready"
    assert statuses(emulator, 1) == ["Provisioning"]  # progression is fixed at creation


def test_provisioning_can_end_in_failed(emulator: RunningEmulator) -> None:
    emulator.configure(progression={"mode": "manual", "polls": 2, "fail": True})
    emulator.api("POST", "/workspaces", NEW)
    assert statuses(emulator, 3) == ["Provisioning", "Failed", "Failed"]
    assert emulator.api("GET", "/workspaces/pr.new").json()["Stage"] == 3
    assert emulator.api("PUT", "/workspaces/pr.new", UPDATE).status_code == 422


def test_forced_stages_show_as_the_status_names(emulator: RunningEmulator) -> None:
    names = []
    for stage in (0, 1, 2, 3, 4):
        emulator.control("POST", "workspaces/contoso/example/stage", {"stage": stage})
        names.append(emulator.api("GET", "/workspaces/example/status").json())
    assert names == [
        {"Name": "ForProvisioning", "Value": 0},
        {"Name": "Provisioning", "Value": 1},
        {"Name": "Ready", "Value": 2},
        {"Name": "Failed", "Value": 3},
        {"Name": "Updating", "Value": 4},
    ]
