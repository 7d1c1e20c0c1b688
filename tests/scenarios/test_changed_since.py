"""`plan --changed-since REF` and `drift --changed-since REF` in a real git repository: reads
grow with the change, not the repository; deleted documents are shown leaving the specs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.specs import documents, project
from tests.scenarios.conftest import Workspace


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(workspace: Workspace) -> Workspace:
    """Five applied workspaces in specs/ (a folder of the repository), committed on main."""
    workspace.write("a.yaml", documents(project("pr.71"), project("pr.72")))
    workspace.write("b.yaml", documents(project("pr.73"), project("pr.74")))
    workspace.write("c.yaml", project("pr.75"))
    workspace.apply()
    git(workspace.root, "init", "-q", "-b", "main")
    git(workspace.root, "config", "user.email", "t@example.com")
    git(workspace.root, "config", "user.name", "T")
    git(workspace.root, "add", "specs")
    git(workspace.root, "commit", "-q", "-m", "base")
    return workspace


def workspace_reads(workspace: Workspace) -> list[str]:
    return sorted(
        e["path"].split("/")[3]
        for e in workspace.emulator.requests_log()
        if e["method"] == "GET" and e["path"].count("/") == 3 and "/workspaces/" in e["path"]
    )


def test_a_pull_request_plan_reads_only_what_changed(repo: Workspace) -> None:
    specs = repo.specs
    # Edit pr.72, add pr.76, delete pr.74, move pr.73 to another file unchanged.
    (specs / "a.yaml").write_text(
        documents(project("pr.71"), project("pr.72", name="Renamed")), encoding="utf-8"
    )
    (specs / "b.yaml").write_text(project("pr.73"), encoding="utf-8")
    (specs / "c.yaml").write_text(documents(project("pr.75"), project("pr.76")), encoding="utf-8")
    repo.emulator.control("DELETE", "requests")
    plan = repo.plan_json("--changed-since", "main")
    assert workspace_reads(repo) == ["pr.72", "pr.76"]
    assert [(w["address"], w["action"]) for w in plan["workspaces"]] == [
        ("contoso/pr.72", "update"),
        ("contoso/pr.76", "create"),
    ]
    assert plan["leaving"] == ["contoso/pr.74"]
    assert plan["partial"] is True
    assert plan["problems"][0]["message"] == (
        "this plan is partial: --changed-since main limits it to the 2 of 5 workspaces whose "
        "documents changed (and those deleted); the others were not read"
    )
    pruned = repo.plan_json("--changed-since", "main", "--prune")
    closing = [w["address"] for w in pruned["workspaces"] if w.get("pruned")]
    assert closing == ["contoso/pr.74"]


def test_nothing_changed_reads_nothing(repo: Workspace) -> None:
    repo.emulator.control("DELETE", "requests")
    plan = repo.plan_json("--changed-since", "HEAD")
    assert plan["workspaces"] == [] and plan["leaving"] == []
    assert workspace_reads(repo) == []


def test_drift_checks_only_what_changed(repo: Workspace) -> None:
    (repo.specs / "c.yaml").write_text(project("pr.75", name="Renamed"), encoding="utf-8")
    repo.emulator.control("DELETE", "requests")
    result = repo.run("drift", str(repo.specs), "--changed-since", "main", "--format", "json")
    assert result.exit_code == 2, result.output
    assert workspace_reads(repo) == ["pr.75"]


def test_an_unknown_ref_and_a_folder_outside_git_are_errors(
    repo: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = repo.run("plan", str(repo.specs), "--changed-since", "origin/nope")
    assert result.exit_code == 1
    assert "'origin/nope': git cannot resolve it to a commit" in result.stderr
    loose = tmp_path_factory.mktemp("outside-git")
    (loose / "a.yaml").write_text(project("pr.71"), encoding="utf-8")
    outside = repo.run("plan", str(loose), "--changed-since", "main")
    assert outside.exit_code == 1
    assert "needs the specs in a git work tree" in outside.stderr


def test_drift_says_its_check_is_partial(repo: Workspace) -> None:
    (repo.specs / "c.yaml").write_text(project("pr.75", name="Renamed"), encoding="utf-8")
    result = repo.run("drift", str(repo.specs), "--changed-since", "main")
    assert (
        "Warning: this check is partial: --changed-since main limits it to the 1 of 5 "
        "workspaces whose documents changed (and those deleted); the others were not read"
    ) in result.stdout


def test_a_document_moved_out_of_a_single_file_given_is_not_leaving(repo: Workspace) -> None:
    """Given one file, a document moved from it to another file must not look deleted."""
    (repo.specs / "b.yaml").write_text(project("pr.73"), encoding="utf-8")
    (repo.specs / "d.yaml").write_text(project("pr.74"), encoding="utf-8")  # moved here
    plan = repo.run("plan", str(repo.specs / "b.yaml"), "--changed-since", "main", "--json")
    assert plan.exit_code == 0, plan.stderr
    assert json.loads(plan.stdout)["leaving"] == []
    result = repo.run("drift", str(repo.specs / "b.yaml"), "--changed-since", "main")
    assert result.exit_code == 0, result.stdout
    assert "pr.74" not in result.stdout


def test_a_changed_since_apply_makes_exactly_the_planned_calls_and_converges(
    repo: Workspace,
) -> None:
    (repo.specs / "a.yaml").write_text(
        documents(project("pr.71"), project("pr.72", name="Renamed")), encoding="utf-8"
    )
    planned = repo.plan_json("--changed-since", "main")
    calls = [(c["method"], c["path"], c["body"]) for w in planned["workspaces"] for c in w["calls"]]
    assert calls == [
        (
            "PUT",
            "/workspaces/pr.72",
            {
                "Name": "Renamed",
                "LifeCycle": 0,
                "Manager": {"Email": "maria@xyz.com", "Name": "Maria"},  # the live name, sent back
            },
        )
    ]
    repo.emulator.control("DELETE", "requests")
    repo.apply("--changed-since", "main")
    assert repo.writes() == calls
    again = repo.plan_json("--changed-since", "main")
    assert [w["action"] for w in again["workspaces"]] == ["no-op"]
    assert [w["action"] for w in repo.plan_json()["workspaces"]] == ["no-op"] * 5
