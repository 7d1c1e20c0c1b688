"""Drift for a nightly job: acknowledgements that expire, budgeted sweeps, the webhook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.fixtures.specs import department, project
from tests.fixtures.webhook import Answer, HookServer, hook_url, new_ca, running_hook
from tests.scenarios.conftest import Workspace
from tests.scenarios.test_drift import PROPERTIES, SPEC, differences, drift, put

TOM_ADDED = {"Added": [{"Group": "Members", "Members": ["tom@xyz.com"]}]}


def today(days: int = 0) -> str:
    return (datetime.now(timezone.utc).date() + timedelta(days=days)).isoformat()


def ignore_file(workspace: Workspace, expires: str, *, owner: str = "it-ops@xyz.com") -> Path:
    path = workspace.specs / ".reconciler-ignore.yaml"
    path.write_text(
        "# Acknowledged drift\n"
        "acknowledgements:\n"
        "  - workspace: contoso/pr.51\n"
        "    path: team.Members\n"
        "    member: tom@xyz.com\n"
        "    reason: Tom covers for Anita until the audit ends\n"
        f"    owner: {owner}\n"
        f"    expires: {expires}\n",
        encoding="utf-8",
    )
    return path


def test_an_acknowledged_change_passes_until_its_entry_expires(workspace: Workspace) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    put(workspace.emulator, "/team", TOM_ADDED)
    ignore_file(workspace, today())  # holds through today
    found = drift(workspace)
    assert found.exit_code == 0, found.stdout
    assert f'= contoso/pr.51 "Project pr.51"  ({workspace.specs}/a.yaml:1)\n' in found.stdout
    assert (
        "    team.Members: tom@xyz.com is a member live, not in the definition "
        f"[acknowledged until {today()} by it-ops@xyz.com: Tom covers for Anita until the "
        "audit ends]\n"
    ) in found.stdout
    assert "Drift: 0 drifted, 1 acknowledged, 0 unknown, 0 in sync, 0 errors." in found.stdout
    as_json = drift(workspace, "--format", "json").report
    (checked,) = as_json["workspaces"]
    assert checked["verdict"] == "acknowledged"
    assert checked["differences"][0]["acknowledged"] == {
        "reason": "Tom covers for Anita until the audit ends",
        "owner": "it-ops@xyz.com",
        "expires": today(),
        "file": str(workspace.specs / ".reconciler-ignore.yaml"),
        "line": 3,
    }
    ignore_file(workspace, today(-1))
    expired = drift(workspace)
    assert expired.exit_code == 2
    assert (
        f"Warning: {workspace.specs}/.reconciler-ignore.yaml:3:1: acknowledgement of "
        f"contoso/pr.51 team.Members tom@xyz.com expired on {today(-1)}"
    ) in expired.stdout


def test_an_entry_that_matches_nothing_is_a_warning(workspace: Workspace) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    ignore_file(workspace, today(30))
    found = drift(workspace)
    assert found.exit_code == 0
    assert "acknowledgement of contoso/pr.51 team.Members tom@xyz.com matches no difference" in (
        found.stdout
    )


def test_a_broken_ignore_file_is_an_error_before_any_read(workspace: Workspace) -> None:
    workspace.write("a.yaml", SPEC)
    ignore_file(workspace, today(30), owner='""')
    workspace.emulator.control("DELETE", "requests")
    result = workspace.run("drift", str(workspace.specs))
    assert result.exit_code == 1
    assert f"{workspace.specs}/.reconciler-ignore.yaml:7" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert workspace.emulator.requests_log() == []


def workspace_reads(workspace: Workspace) -> list[str]:
    """The ids of the workspaces a run read (GET /workspaces/<id>, not their teams)."""
    return [
        e["path"].split("/")[3]
        for e in workspace.emulator.requests_log()
        if e["method"] == "GET" and e["path"].count("/") == 3 and "/workspaces/" in e["path"]
    ]


def test_a_budget_rotates_through_every_workspace_once_per_cycle(workspace: Workspace) -> None:
    ids = [f"pr.6{n}" for n in range(6)]
    for workspace_id in ids:
        workspace.write(f"{workspace_id}.yaml", project(workspace_id))
    workspace.apply()
    seen: list[list[str]] = []
    for run in range(4):
        found = drift(workspace, "--budget", "2", "--format", "json")
        assert found.exit_code == 0
        reads = workspace_reads(workspace)
        assert len(reads) == 2, reads  # exactly the budget, no read of the others
        assert sorted(w["workspace_id"] for w in found.report["workspaces"]) == sorted(reads)
        sweep = found.report["sweep"]
        assert (sweep["budget"], sweep["total"], sweep["checked"], sweep["remaining"]) == (
            "2",
            6,
            2,
            4,
        )
        assert sweep["never_checked"] == max(0, 4 - 2 * run)
        seen.append(sorted(reads))
    assert sorted(seen[0] + seen[1] + seen[2]) == ids  # one cycle: each exactly once
    assert seen[3] == seen[0]  # the next cycle starts again with the oldest
    checks = workspace.state()["tenants"]["contoso"]["checks"]
    assert sorted(checks) == ids
    assert {c["verdict"] for c in checks.values()} == {"in-sync"}
    text = drift(workspace, "--budget", "2").stdout
    assert "Checked 2 of 6 workspaces (budget 2); 4 remain, the oldest last checked at " in text


def test_a_run_that_fails_leaves_the_old_record(workspace: Workspace) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    drift(workspace, "--budget", "5")
    before = (workspace.root / "state.json").read_bytes()
    failed = workspace.run(
        "drift", str(workspace.specs), "--budget", "5", without=("SEAMLESS_TOKEN",)
    )
    assert failed.exit_code == 1
    assert (workspace.root / "state.json").read_bytes() == before


def test_unknown_workspaces_are_tried_first_next_time(workspace: Workspace) -> None:
    for workspace_id in ("pr.61", "pr.62", "pr.63"):
        workspace.write(f"{workspace_id}.yaml", project(workspace_id))
    workspace.apply()
    drift(workspace)  # every one checked once
    workspace.emulator.add_fault(
        method="GET", path="/workspaces/pr.61$", action="status", status=503, times=-1
    )
    assert drift(workspace, "--max-retry-time", "1").exit_code == 3
    workspace.emulator.control("DELETE", "faults")
    drift(workspace, "--budget", "1")
    assert workspace_reads(workspace) == ["pr.61"]


@pytest.fixture
def hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HookServer]:
    """A receiver whose CA the webhook client trusts through REQUESTS_CA_BUNDLE."""
    authority, bundle = new_ca(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    with running_hook(authority) as server:
        yield server


def test_the_webhook_receives_the_json_report(
    workspace: Workspace,
    hook: HookServer,
) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    put(workspace.emulator, "/team", TOM_ADDED)
    found = drift(workspace, "--format", "json", "--webhook", hook_url(hook))
    assert found.exit_code == 2
    (received,) = hook.received
    assert received.method == "POST"
    assert json.loads(received.body) == found.report
    assert not any(
        "demo-token" in value or name.lower() == "authorization"
        for name, value in received.headers.items()
    )


def test_a_failed_delivery_is_a_warning_and_keeps_the_exit_code(
    workspace: Workspace,
    hook: HookServer,
) -> None:
    hook.answers = [Answer(500)]
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    put(workspace.emulator, "/team", TOM_ADDED)
    found = drift(workspace, "--webhook", hook_url(hook))
    assert found.exit_code == 2
    assert len(hook.received) == 3
    assert "Warning: webhook not delivered to " in found.stdout
    assert "HTTP 500 after 3 attempts" in found.stdout
    assert "sig=" not in found.stdout + found.stderr
    assert differences(drift(workspace, "--format", "json").report, "contoso/pr.51")


def test_without_a_state_file_drift_says_what_it_cannot_do_and_creates_none(
    workspace: Workspace,
) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    missing = workspace.root / "elsewhere" / "state.json"
    found = drift(workspace, "--budget", "5", "--state", str(missing))
    assert found.exit_code == 0
    assert (
        f"Warning: no state file at {missing}: orphans (managed workspaces whose definition is "
        "gone) cannot be found, and this sweep is not recorded and --budget cannot rotate"
    ) in found.stdout
    assert not missing.exists() and not missing.parent.exists()


def test_single_files_look_for_no_orphans(workspace: Workspace) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.write("b.yaml", project("pr.52"))
    workspace.apply()
    found = drift(workspace, path=workspace.specs / "a.yaml")
    assert found.exit_code == 0, found.stdout
    assert "pr.52" not in found.stdout
    assert "Warning: orphans are looked for only when whole folders of specs are given" in (
        found.stdout
    )


def test_an_adoption_waiting_in_the_state_is_not_drift(workspace: Workspace) -> None:
    """A lost create's adoption changes the state, not the service: nothing to report."""
    workspace.write("a.yaml", department("finance"))
    workspace.apply()
    state = workspace.state()
    tenant = state["tenants"]["contoso"]
    workspace_id = tenant["keys"].pop("finance")
    tenant["pending"]["finance"] = {"expected_id": workspace_id, "since": "2026-11-29T00:00:00Z"}
    (workspace.root / "state.json").write_text(json.dumps(state), encoding="utf-8")
    assert workspace.plan_json()["workspaces"][0]["adopt"] is True
    found = drift(workspace, "--format", "json")
    assert found.exit_code == 0
    assert [w["verdict"] for w in found.report["workspaces"]] == ["in-sync"]


def test_ignore_files_given_add_to_the_one_beside_the_specs(workspace: Workspace) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    put(workspace.emulator, "/team", TOM_ADDED)
    put(workspace.emulator, "", {**PROPERTIES, "Name": "Renamed"})
    ignore_file(workspace, today(1))
    other = workspace.root / "more-ignores.yaml"
    other.write_text(
        "acknowledgements:\n"
        "  - {workspace: pr.51, path: name, reason: rename pending, owner: it, "
        f"expires: '{today(1)}'}}\n",
        encoding="utf-8",
    )
    assert drift(workspace).exit_code == 2  # the rename is not acknowledged beside the specs
    found = drift(workspace, "--ignore-file", str(other))
    assert found.exit_code == 0, found.stdout
    assert "Drift: 0 drifted, 1 acknowledged" in found.stdout
