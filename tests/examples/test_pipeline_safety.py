"""What the CI examples must get right beyond running at all, across GitHub, GitLab, Azure.

Structural checks of review findings: a pull request's plan is of the merge, not of the
branch; a failed plan replaces the old comment; SARIF is written before the audit gate;
apply finds its plan by the plan job, and never loses the state to a failed push; a drift
issue is closed when back in sync; no event value in an action's inputs; read-only jobs
keep no credentials; GitLab's push URL keeps a relative URL root.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest

from tests.examples.examples import (
    AZURE_FILE,
    GITLAB_FILE,
    CommandLine,
    commands_in_script,
    github_action_steps,
    github_workflows,
    load_yaml,
    relative,
    static_command_lines,
)


def _gitlab_job(name: str) -> dict[str, Any]:
    job: dict[str, Any] = load_yaml(GITLAB_FILE)[name]
    return job


def _gitlab_script(name: str) -> str:
    def flat(value: Any) -> list[str]:
        if isinstance(value, list):
            return [line for item in value for line in flat(item)]
        return [str(value)]

    return "\n".join(flat(_gitlab_job(name)["script"]))


def _azure_jobs() -> dict[str, dict[str, Any]]:
    jobs: dict[str, dict[str, Any]] = {}
    for stage in load_yaml(AZURE_FILE)["stages"]:
        for job in stage["jobs"]:
            jobs[job.get("job") or job["deployment"]] = {**job, "_stage": stage}
    return jobs


def _azure_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    if "deployment" in job:
        steps: list[dict[str, Any]] = job["strategy"]["runOnce"]["deploy"]["steps"]
        return steps
    return list(job["steps"])


def _azure_script(job: dict[str, Any]) -> str:
    return "\n".join(step.get("bash", "") for step in _azure_steps(job))


def _github_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (relative(path), name, job)
        for path in github_workflows()
        for name, job in load_yaml(path)["jobs"].items()
    ]


def _changed_since(argv: tuple[str, ...] | list[str]) -> list[str]:
    return [argv[i + 1] for i, word in enumerate(argv[:-1]) if word == "--changed-since"]


# --- 1. a pull request's plan is the plan of the merge ----------------------------------


def _pull_request_plans() -> list[tuple[str, str]]:
    found = [
        (line.source, ref) for line in static_command_lines() for ref in _changed_since(line.argv)
    ]
    for path in github_workflows():
        for step in github_action_steps(path):
            words = shlex.split(str(step.get("with", {}).get("args", "")))
            found.extend((relative(path), ref) for ref in _changed_since(words))
    return found


def test_pull_request_plans_compare_with_the_commit_the_merge_was_made_with() -> None:
    """Never the moving tip of the base branch: it may be newer than the merge planned."""
    plans = _pull_request_plans()
    assert len(plans) >= 4  # GitHub, GitHub tenants, GitLab, Azure
    for source, ref in plans:
        assert not ref.startswith("origin/"), f"{source}: --changed-since {ref}"
        assert ref in {"HEAD^1", "PLACEHOLDER"}, f"{source}: --changed-since {ref}"


def test_github_plans_check_out_the_merge_and_its_parents() -> None:
    planning = [
        (source, name, job)
        for source, name, job in _github_jobs()
        if "--changed-since" in str(job.get("steps"))
    ]
    assert len(planning) == 2
    for source, name, job in planning:
        steps = job["steps"]
        checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout"))
        assert int(checkout.get("with", {}).get("fetch-depth", 1)) >= 2, f"{source} {name}"
        runs = "\n".join(s.get("run", "") for s in steps)
        assert "HEAD^2" in runs and "pull_request.head.sha" in str(steps), (
            f"{source} {name}: checks that HEAD is the merge of the pull request's head"
        )


def test_azure_plan_checks_out_the_merge_and_its_parents() -> None:
    plan = _azure_jobs()["plan"]
    [checkout] = [s for s in _azure_steps(plan) if "checkout" in s]
    assert checkout["fetchDepth"] >= 2
    script = _azure_script(plan)
    assert "HEAD^2" in script and "SYSTEM_PULLREQUEST_SOURCECOMMITID" in script


def test_gitlab_plan_merges_the_target_unless_the_pipeline_already_did() -> None:
    plan = _gitlab_job("plan")
    assert str(plan["variables"]["GIT_DEPTH"]) == "0", "the merge needs the merge base"
    script = _gitlab_script("plan")
    assert "CI_MERGE_REQUEST_EVENT_TYPE" in script and "merged_result" in script
    assert re.search(r"git merge .*--no-ff", script)
    assert "git merge --abort" in script, "a conflict is reported, not planned"
    assert script.index("git merge ") < script.index("reconciler plan "), "merge, then plan"


# --- 3. a failed plan says so on the pull request ---------------------------------------


def test_github_plan_comments_fall_back_to_an_error_and_run_after_a_failed_plan() -> None:
    comments = 0
    for source, name, job in _github_jobs():
        steps = job.get("steps", [])
        for index, step in enumerate(steps):
            if "sticky-pull-request-comment" not in str(step.get("uses", "")):
                continue
            comments += 1
            path = step["with"]["path"]
            earlier = "\n".join(s.get("run", "") for s in steps[:index])
            assert re.search(rf"-s {re.escape(path)}\b.*\n.*printf", earlier), (
                f"{source} {name}: an empty {path} would post an empty comment"
            )
            planner = next(s for s in steps[:index] if s.get("id") == "plan")
            if "run" not in planner:  # the action: it may fail before printing anything
                assert "!cancelled()" in str(step.get("if")), f"{source} {name}"
                fallback = next(s for s in steps[:index] if f"-s {path}" in s.get("run", ""))
                assert "!cancelled()" in str(fallback.get("if")), f"{source} {name}"
            fail = next(s for s in steps[index:] if "exit 1" in s.get("run", ""))
            condition = str(fail["if"])
            assert "!= '0'" in condition and "!= '2'" in condition, f"{source} {name}: {condition}"
    assert comments == 2


# --- 4. the SARIF exists whatever the audit found ---------------------------------------


def _audit_lines(script: str, source: str) -> list[CommandLine]:
    return [line for line in commands_in_script(script, source) if line.argv[:1] == ("audit",)]


@pytest.mark.parametrize("system", ["gitlab", "azure"])
def test_sarif_is_written_before_the_audit_gate(system: str) -> None:
    script = (
        _gitlab_script("audit") if system == "gitlab" else _azure_script(_azure_jobs()["audit"])
    )
    lines = _audit_lines(script, system)
    assert lines and "sarif" in lines[0].argv, "the SARIF first"
    assert "||" in lines[0].text, "its exit code handled: errexit would end the job there"
    for line in lines[1:-1]:  # reports between SARIF and the gate never end the job
        assert "||" in line.text, line.text


# --- 5 and 6. Azure apply: the plan job's run, and the state kept -------------------------


def test_azure_apply_finds_the_run_whose_plan_job_succeeded() -> None:
    jobs = _azure_jobs()
    script = _azure_script(jobs["apply"])
    assert "resultFilter=succeeded" not in script, "a failed audit would hold back the apply"
    assert "/timeline" in script
    assert f'.name == "{jobs["plan"]["displayName"]}"' in script


def test_azure_apply_reports_a_failed_push_and_keeps_the_state() -> None:
    apply = _azure_jobs()["apply"]
    for line in _azure_script(apply).splitlines():
        if "git push" in line:
            assert "||" in line, f"errexit would hide the apply's outcome: {line.strip()}"
    keep = [
        s
        for s in _azure_steps(apply)
        if str(s.get("task", "")).startswith("PublishPipelineArtifact")
        and "state.json" in s["inputs"]["targetPath"]
    ]
    assert keep and "failed()" in keep[0]["condition"]


def test_gitlab_apply_reports_a_failed_push() -> None:
    calls = [
        line
        for line in _gitlab_script("apply").splitlines()
        if re.search(r"\bpush_state$|\bpush_state ", line)
    ]
    assert calls and all("||" in line for line in calls), calls
    assert _gitlab_job("apply")["artifacts"]["when"] == "on_failure"


# --- 7. a drift issue is closed when back in sync ---------------------------------------


def test_github_drift_issues_are_closed_when_back_in_sync() -> None:
    opening = 0
    for source, name, job in _github_jobs():
        steps = job.get("steps", [])
        if not any("gh issue create" in s.get("run", "") for s in steps):
            continue
        opening += 1
        closing = [s for s in steps if "gh issue close" in s.get("run", "")]
        assert closing, f"{source} {name}: opens a drift issue but never closes it"
        assert "exit-code == '0'" in str(closing[0]["if"]), f"{source} {name}"
        assert "--comment" in closing[0]["run"]
    assert opening == 2


def test_gitlab_drift_issue_is_closed_when_back_in_sync() -> None:
    script = _gitlab_script("drift")
    assert '"state_event": "close"' in script
    assert re.search(r"^\s*0 \| 2\)", script, re.MULTILINE), "exit 0 reaches the issue code"


# --- 8. no event value in an input, no credentials where nothing is written ---------------


def test_no_github_expression_in_the_reconciler_action_inputs() -> None:
    for path in github_workflows():
        for step in github_action_steps(path):
            for key, value in (step.get("with") or {}).items():
                assert not re.search(r"\$\{\{[^}]*\b(github|inputs)\.", str(value)), (
                    f"{relative(path)}: with.{key} = {value}: pass it through env: or a file"
                )


def test_azure_read_only_jobs_keep_no_credentials() -> None:
    for name in ("plan", "audit"):
        for step in _azure_steps(_azure_jobs()[name]):
            assert not step.get("persistCredentials"), f"{name}: {step}"


# --- 9. GitLab's push URL --------------------------------------------------------------


def test_gitlab_push_url_keeps_a_relative_url_root() -> None:
    text = GITLAB_FILE.read_text(encoding="utf-8")
    assert "$CI_SERVER_HOST:$CI_SERVER_PORT" not in text
    [push] = [line for line in text.splitlines() if "RECONCILER_GITLAB_TOKEN@" in line]
    assert "CI_SERVER_URL" in push
