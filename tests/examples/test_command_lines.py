"""Every `reconciler ...` line of every example, parsed by the real click parser.

A renamed flag, a dropped option, a wrong choice or a missing argument in the CLI breaks
the line here instead of in a user's pipeline.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
import pytest

from tests.examples.examples import (
    ACTION_FILE,
    AZURE_FILE,
    DOCKERFILE,
    GITLAB_FILE,
    PLACEHOLDER,
    CommandLine,
    commands_in_script,
    github_action_steps,
    github_workflows,
    kubernetes_manifests,
    parse_command_line,
    relative,
    run_action,
    static_command_lines,
    substitute_expressions,
)

LINES = static_command_lines()
FIXED_LINES = [line for line in LINES if not line.dynamic]
ACTION_STEPS = [(path, step) for path in github_workflows() for step in github_action_steps(path)]


@pytest.fixture(autouse=True)
def _no_connection_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parse must not depend on the SEAMLESS_* settings of whoever runs the tests."""
    for name in list(os.environ):
        if name.startswith("SEAMLESS_"):
            monkeypatch.delenv(name)


def _parses(argv: tuple[str, ...] | list[str], where: str, text: str) -> None:
    try:
        parse_command_line(argv)
    except click.ClickException as exc:
        pytest.fail(f"{where}: `{text}` does not parse: {exc.format_message()}", pytrace=False)


@pytest.mark.parametrize("line", FIXED_LINES, ids=[line.source for line in FIXED_LINES])
def test_command_line_parses(line: CommandLine) -> None:
    _parses(line.argv, line.source, line.text)


@pytest.mark.parametrize(
    ("path", "step"),
    ACTION_STEPS,
    ids=[f"{relative(path)}:{step.get('name', step.get('id'))}" for path, step in ACTION_STEPS],
)
def test_composite_action_step_parses(path: Path, step: dict[str, Any], tmp_path: Path) -> None:
    """A workflow step that `uses:` the action: the command line the action would run."""
    inputs = {name: substitute_expressions(value, {}) for name, value in step["with"].items()}
    run = run_action(inputs, tmp_path)
    assert run.returncode == 0, run.log
    [argv] = run.calls
    _parses(argv, f"{relative(path)} step {step.get('name')!r}", " ".join(["reconciler", *argv]))


def test_every_example_file_has_command_lines() -> None:
    """A change that hid an example's lines from the extraction must not pass silently."""
    sources = {line.source.split(":")[0].split(" ")[0] for line in LINES}
    expected = {relative(p) for p in [*github_workflows(), ACTION_FILE, GITLAB_FILE, AZURE_FILE]}
    expected |= {relative(DOCKERFILE), "examples/kubernetes/drift-sweep.configmap.yaml"}
    assert expected - {"examples/ci/github/reconciler-tenants.yml"} <= sources
    assert len(ACTION_STEPS) >= 3  # reconciler-tenants.yml: plan, apply, drift
    assert kubernetes_manifests()


def test_only_the_composite_action_names_its_command_at_run_time() -> None:
    dynamic = {line.source.split(":")[0] for line in LINES if line.dynamic}
    assert dynamic <= {relative(ACTION_FILE)}


def test_every_drift_sweep_has_a_budget() -> None:
    drift = [line for line in LINES if line.argv[:1] == ("drift",)]
    assert drift
    for line in drift:
        assert "--budget" in line.argv, f"{line.source}: drift without --budget"


def test_no_example_puts_the_token_on_a_command_line() -> None:
    for line in LINES:
        assert "--token" not in line.argv, line.source
        assert "SEAMLESS_TOKEN" not in line.text, line.source


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["drift", "specs/", "--budjet", "45m"], click.NoSuchOption),  # a renamed flag
        (["plan", "specs/", "--out"], click.BadOptionUsage),  # a value missing
        (["show"], click.MissingParameter),  # an argument missing
        (["drift", "specs/", "--format", "yaml"], click.BadParameter),  # a wrong choice
        (["drift", "specs/", "--budget", "soon"], click.BadParameter),  # a wrong type
        (["apply", "--plan", "p.json", "--auto-aprove"], click.NoSuchOption),
        (["frobnicate", "specs/"], click.UsageError),  # no such command
        (["state", "forget", "KEY"], click.MissingParameter),  # --tenant is required
        (["--debug"], click.UsageError),  # no command at all
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else value.__name__,
)
def test_the_parse_refuses_what_the_cli_refuses(argv: list[str], error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_command_line(argv)


def test_renaming_a_flag_of_an_example_line_breaks_it() -> None:
    line = next(line for line in FIXED_LINES if "--budget" in line.argv)
    _parses(line.argv, line.source, line.text)
    renamed = tuple("--budjet" if arg == "--budget" else arg for arg in line.argv)
    with pytest.raises(click.NoSuchOption):
        parse_command_line(renamed)


def test_help_and_version_parse() -> None:
    assert parse_command_line(["--help"]) is None
    assert parse_command_line(["--version"]) is None
    context = parse_command_line(["drift", "specs/", "--budget", PLACEHOLDER])
    assert context is not None and context.params["budget"] is not None


def test_the_extraction_reads_scripts_as_a_shell_would() -> None:
    script = "\n".join(
        [
            "set +e  # reconciler plan in a comment is no command",
            'echo "reconciler apply --plan x.json"  # nor is one in a string',
            'if ! reconciler validate "$SPECS"; then exit 1; fi',
            "count=$(reconciler plan specs/ --json | jq length)",
            "reconciler drift specs/ \\",
            "  --budget ${{ inputs.budget }} --format json 2>&1 >drift.json || code=$?",
            "python - <<'PY'",
            "reconciler show plan.json",
            "PY",
            "SEAMLESS_TENANT=x python3 -m reconciler show plan.json --format markdown",
            "python -c 'print(1)",
            "reconciler state list'",
        ]
    )
    found = [(line.source, line.argv) for line in commands_in_script(script, "s", 1)]
    assert found == [
        ("s:3", ("validate", PLACEHOLDER)),
        ("s:4", ("plan", "specs/", "--json")),
        ("s:5", ("drift", "specs/", "--budget", PLACEHOLDER, "--format", "json")),
        ("s:10", ("show", "plan.json", "--format", "markdown")),
    ]
