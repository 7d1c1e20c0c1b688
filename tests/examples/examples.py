"""Find the example files, the `reconciler ...` command lines in them, and parse those lines.

The examples (CI pipelines, the composite action, the Dockerfile, Kubernetes manifests)
call the reconciler from shell scripts. Every such command line is taken out of its
script and parsed by the real click parser, so a renamed flag, a dropped option or a
missing argument breaks a test instead of a user's pipeline. Values a CI system fills in
at run time (`${{ ... }}`, `$VAR`, `${VAR}`, `$(...)`) become PLACEHOLDER first; when a
placeholder is the value of a typed option, a sample of that type stands in for it.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from reconciler.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GITHUB_DIR = EXAMPLES / "ci" / "github"
GITLAB_FILE = EXAMPLES / "ci" / "gitlab" / ".gitlab-ci.yml"
AZURE_FILE = EXAMPLES / "ci" / "azure" / "azure-pipelines.yml"
KUBERNETES_DIR = EXAMPLES / "kubernetes"
ACTION_FILE = ROOT / "action.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

PLACEHOLDER = "PLACEHOLDER"
"""What a value filled in at run time is replaced with before a line is parsed."""

# How the examples refer to the composite action at the repository root.
ACTION_REFERENCE = re.compile(r"^(?:\./?|[\w.-]+/reconciler@[\w.-]+)$")


def github_workflows() -> list[Path]:
    return sorted(GITHUB_DIR.glob("*.yml"))


def kubernetes_manifests() -> list[Path]:
    return sorted(KUBERNETES_DIR.glob("*.yaml"))


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_yaml_documents(path: Path) -> list[Any]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- external tools --------------------------------------------------------------------


def tool(name: str, package: str) -> str:
    """The executable `name`: beside this Python (the virtualenv's bin), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: pip install {package} (in the dev extra); "
            "it checks the examples offline",
            pytrace=False,
        )
    return found


# --- shell scripts -> command lines ----------------------------------------------------


@dataclass(frozen=True)
class CommandLine:
    """One `reconciler ...` command found in an example."""

    source: str
    """Where it is: file (and line when known)."""
    text: str
    """The logical line it was found in, as written."""
    argv: tuple[str, ...]
    """The arguments after `reconciler`, with run-time values as PLACEHOLDER."""

    @property
    def dynamic(self) -> bool:
        """The subcommand itself comes from a variable (only the composite action may)."""
        return not self.argv or PLACEHOLDER in self.argv[0]


_OPERATORS = {";", ";;", "&", "&&", "|", "||", "|&", "(", ")", "\n"}
_KEYWORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "exec"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_REDIRECTION = re.compile(r"^[<>&]+$")
_HEREDOC = re.compile(r"(?<!<)<<(?!<)-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_ARITHMETIC = re.compile(r"\$\(\([^()]*\)\)")
_COMMAND_SUBSTITUTION = re.compile(r"\$\(([^()]*)\)")
_EXPANSIONS = (
    re.compile(r"\$\{\{.*?\}\}"),  # GitHub Actions and Azure template expressions
    re.compile(r"\$\[\[?.*?\]\]?"),  # Azure runtime expressions
    re.compile(r"\$\{[^}]*\}"),  # ${VAR}, ${VAR:-x}, ${args[@]}
    re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*"),  # $VAR
    re.compile(r"\$[0-9?#@*!$-]"),  # $1, $?, ...
)


def commands_in_script(
    script: str, source: str, first_line: int | None = None
) -> list[CommandLine]:
    """Every `reconciler ...` (or `python -m reconciler ...`) command of a shell script."""
    found: list[CommandLine] = []
    lines = script.splitlines()
    index = 0
    pending = ""
    pending_start = 0
    while index < len(lines):
        line = lines[index]
        start = index
        # A line ending in a backslash goes on on the next line.
        while line.rstrip().endswith("\\") and index + 1 < len(lines):
            index += 1
            line = line.rstrip()[:-1] + " " + lines[index]
        index += 1
        if pending:
            line, start = pending + "\n" + line, pending_start
        heredoc = _HEREDOC.search(line)
        try:
            found.extend(_commands_in_line(line, _where(source, first_line, start)))
        except ValueError:  # a quote that closes on a later line
            if index >= len(lines):
                raise ValueError(f"{source}: unbalanced quotes in the script") from None
            pending, pending_start = line, start
            continue
        pending = ""
        if heredoc:  # the here-document's body is data, not commands
            delimiter = heredoc.group(2)
            while index < len(lines) and lines[index].strip() != delimiter:
                index += 1
            index += 1
    return found


def _where(source: str, first_line: int | None, offset: int) -> str:
    return f"{source}:{first_line + offset}" if first_line is not None else source


def _commands_in_line(line: str, source: str) -> list[CommandLine]:
    found: list[CommandLine] = []
    text = line
    line = _ARITHMETIC.sub(PLACEHOLDER, line)
    while match := _COMMAND_SUBSTITUTION.search(line):  # innermost first
        found.extend(_commands_in_line(match.group(1), source))
        line = line[: match.start()] + PLACEHOLDER + line[match.end() :]
    for pattern in _EXPANSIONS:
        line = pattern.sub(PLACEHOLDER, line)
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    tokens = list(lexer)
    at_command = True
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token in _OPERATORS or token in _KEYWORDS:
            at_command = True
        elif at_command and _ASSIGNMENT.match(token):
            pass  # VAR=value before a command
        elif at_command:
            at_command = False
            width = _reconciler_at(tokens, position)
            if width:
                argv, position = _arguments(tokens, position + width, line)
                found.append(CommandLine(source, text.strip(), tuple(argv)))
                continue
        position += 1
    return found


def _reconciler_at(tokens: Sequence[str], position: int) -> int:
    """How many tokens name the reconciler at this position (0: something else)."""
    token = tokens[position]
    if token == "reconciler" or token.endswith("/reconciler"):
        return 1
    python = re.fullmatch(r"(.*/)?python(3(\.\d+)?)?", token)
    if python and list(tokens[position + 1 : position + 3]) == ["-m", "reconciler"]:
        return 3
    return 0


def _arguments(tokens: Sequence[str], position: int, line: str) -> tuple[list[str], int]:
    argv: list[str] = []
    while position < len(tokens) and tokens[position] not in _OPERATORS:
        token = tokens[position]
        if _REDIRECTION.match(token):
            # A file descriptor written against the operator (2>&1) is not an argument.
            if argv and argv[-1].isdigit() and f"{argv[-1]}{token}" in line:
                argv.pop()
            position += 2  # the operator and its target
            continue
        argv.append(token)
        position += 1
    return argv, position


@functools.cache
def _scalar_lines(path: Path) -> dict[str, int]:
    """Each string value of a YAML file -> the (1-based) line its text starts on."""
    lines: dict[str, int] = {}
    stack: list[yaml.Node] = list(reversed(list(yaml.compose_all(path.read_text("utf-8")))))
    seen: set[int] = set()
    while stack:  # depth first, in the order of the file: the first place a text is wins
        node = stack.pop()
        if id(node) in seen:  # an alias: the anchor's node again
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            block = node.style in ("|", ">")  # the text starts on the line after | or >
            lines.setdefault(node.value, node.start_mark.line + (2 if block else 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(reversed([value for _, value in node.value]))
    return lines


def first_line_of(path: Path, script: str) -> int | None:
    """The line of the YAML file `path` where the string `script` starts, if it is one."""
    return _scalar_lines(path).get(script)


# --- where the scripts are in each kind of file -----------------------------------------


def github_scripts(path: Path) -> list[str]:
    """The `run:` scripts of a workflow or of the composite action."""
    data = load_yaml(path)
    if "runs" in data:
        steps = data["runs"].get("steps", [])
    else:
        steps = [s for job in data["jobs"].values() for s in job.get("steps", [])]
    return [s["run"] for s in steps if "run" in s]


def github_action_steps(path: Path) -> list[dict[str, Any]]:
    """The steps of a workflow that use the composite action of the repository root."""
    data = load_yaml(path)
    return [
        step
        for job in data["jobs"].values()
        for step in job.get("steps", [])
        if ACTION_REFERENCE.match(str(step.get("uses", "")))
    ]


def gitlab_scripts(path: Path) -> list[str]:
    scripts: list[str] = []
    for job in load_yaml(path).values():
        if isinstance(job, dict):
            for key in ("before_script", "script", "after_script"):
                scripts.extend(_flatten(job.get(key, [])))
    return scripts


def _flatten(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    elif isinstance(value, str):
        yield value


def azure_scripts(path: Path) -> list[str]:
    return list(_azure_scripts(load_yaml(path)))


def _azure_scripts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key in ("bash", "script"):
            if isinstance(node.get(key), str):
                yield node[key]
        if str(node.get("task", "")).startswith("Bash@") and "script" in node.get("inputs", {}):
            yield node["inputs"]["script"]
        for value in node.values():
            yield from _azure_scripts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _azure_scripts(value)


def kubernetes_command_lines(path: Path) -> list[CommandLine]:
    """Scripts in ConfigMaps (keys *.sh), `sh -c` containers, and args given to the image."""
    found: list[CommandLine] = []
    for document in load_yaml_documents(path):
        if document.get("kind") == "ConfigMap":
            for key, value in (document.get("data") or {}).items():
                if key.endswith(".sh"):
                    found.extend(_script_lines(path, value))
        for container in _containers(document):
            command = list(container.get("command") or [])
            args = list(container.get("args") or [])
            if command[:1] and command[0].endswith("sh") and command[1:2] == ["-c"]:
                script = command[2] if len(command) > 2 else args[0]
                found.extend(_script_lines(path, script))
            elif not command and "reconciler" in container.get("image", ""):
                line = "reconciler " + shlex.join(args)
                found.extend(commands_in_script(line, relative(path)))
    return found


def _containers(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = document.get("spec") or {}
    pod = spec.get("template", {}).get("spec") or (
        spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
    )
    if pod:
        yield from pod.get("initContainers", [])
        yield from pod.get("containers", [])


def dockerfile_command_lines(path: Path) -> list[CommandLine]:
    """RUN lines (shell form) and ENTRYPOINT ["reconciler"] with its CMD."""
    found: list[CommandLine] = []
    entrypoint: list[str] = []
    cmd: list[str] = []
    physical = path.read_text(encoding="utf-8").splitlines()
    number = 0
    while number < len(physical):
        start, line = number, physical[number]
        while line.rstrip().endswith("\\") and number + 1 < len(physical):
            number += 1
            following = physical[number]
            if not following.lstrip().startswith("#"):  # comments inside RUN are dropped
                line = line.rstrip()[:-1] + " " + following
        number += 1
        keyword, _, rest = line.strip().partition(" ")
        if keyword == "RUN":
            found.extend(commands_in_script(rest, f"{relative(path)}:{start + 1}"))
        elif keyword == "ENTRYPOINT":
            entrypoint = json.loads(rest)
        elif keyword == "CMD":
            cmd = json.loads(rest)
    if entrypoint == ["reconciler"]:
        text = shlex.join(["reconciler", *cmd])
        found.append(CommandLine(f"{relative(path)} (ENTRYPOINT and CMD)", text, tuple(cmd)))
    return found


def _script_lines(path: Path, script: str) -> list[CommandLine]:
    return commands_in_script(script, relative(path), first_line_of(path, script))


def static_command_lines() -> list[CommandLine]:
    """Every `reconciler ...` line written in the examples (composite action steps apart)."""
    lines: list[CommandLine] = []
    for path in [*github_workflows(), ACTION_FILE]:
        for script in github_scripts(path):
            lines.extend(_script_lines(path, script))
    for script in gitlab_scripts(GITLAB_FILE):
        lines.extend(_script_lines(GITLAB_FILE, script))
    for script in azure_scripts(AZURE_FILE):
        lines.extend(_script_lines(AZURE_FILE, script))
    for path in kubernetes_manifests():
        lines.extend(kubernetes_command_lines(path))
    lines.extend(dockerfile_command_lines(DOCKERFILE))
    for path in sorted(EXAMPLES.rglob("*.sh")):
        lines.extend(_script_lines(path, path.read_text(encoding="utf-8")))
    return lines


# --- the click parser --------------------------------------------------------------------


class AuditMissing(click.ClickException):
    """`audit` is neither a command of the group nor in reconciler.cli_audit."""


def audit_command() -> click.Command:
    """`audit`: attached to the group, or still in its own module (reconciler.cli_audit)."""
    if "audit" in cli.commands:
        return cli.commands["audit"]
    try:
        module = importlib.import_module("reconciler.cli_audit")
    except ImportError as exc:
        raise AuditMissing(
            "the examples call `reconciler audit`, but it is not a command of the group and "
            f"reconciler.cli_audit cannot be imported ({exc})"
        ) from exc
    for value in vars(module).values():
        if isinstance(value, click.Command) and value.name == "audit":
            return value
    raise AuditMissing("reconciler.cli_audit has no click command named 'audit'")


def _all_commands(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _all_commands(sub)


@contextlib.contextmanager
def paths_need_not_exist(*roots: click.Command) -> Iterator[None]:
    """Path options/arguments that must exist (show PLAN_FILE, --ca-bundle) accept any path.

    The files those lines name exist on the CI runner, not here; the parse still checks
    every flag, every argument and every typed value.
    """
    changed: list[Any] = []
    for root in roots:
        for command in _all_commands(root):
            for param in command.params:
                if isinstance(param.type, click.Path) and param.type.exists:
                    param.type.exists = False
                    changed.append(param.type)
    try:
        yield
    finally:
        for path_type in changed:
            path_type.exists = True


def parse_command_line(argv: Sequence[str]) -> click.Context | None:
    """Parse `reconciler ARGV...` as the console script would; raise what click raises.

    Returns the innermost command's context, or None after --help/--version (exit 0).
    """
    try:
        with paths_need_not_exist(cli):
            return _parse(cli, "reconciler", list(argv), None)
    except click.exceptions.Exit as stop:
        if stop.exit_code:
            raise
        return None


def _parse(
    group: click.Command, name: str, args: list[str], parent: click.Context | None
) -> click.Context:
    while isinstance(group, click.Group):
        split = next((i for i, a in enumerate(args) if not a.startswith("-")), len(args))
        if split:  # the group's own options (--debug, --version, --help)
            parent = group.make_context(name, args[:split], parent=parent)
        if split == len(args):
            raise click.UsageError(f"missing command after {name!r}")
        name, args = args[split], args[split + 1 :]
        command = group.commands.get(name)
        if command is None and group is cli and name == "audit":
            command = audit_command()
        if command is None:
            raise click.UsageError(f"no such command {name!r}")
        group = command
    with paths_need_not_exist(group):
        return group.make_context(name, _typed(group, args), parent=parent)


def _typed(command: click.Command, args: list[str]) -> list[str]:
    """Give a placeholder standing for a typed option's value a sample of that type."""
    options = {
        name: param
        for param in command.params
        if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
    }
    typed: list[str] = []
    position = 0
    while position < len(args):
        arg = args[position]
        flag, equals, value = arg.partition("=")
        if arg.startswith("--") and equals and flag in options:
            typed.append(f"{flag}={_sample(options[flag], value)}")
        elif arg in options and not options[arg].is_flag and not options[arg].count:
            typed.append(arg)
            if position + 1 < len(args):
                position += 1
                typed.append(_sample(options[arg], args[position]))
        else:
            typed.append(arg)
        position += 1
    return typed


def _sample(option: click.Option, value: str) -> str:
    if PLACEHOLDER not in value:
        return value
    kind = option.type
    if isinstance(kind, click.Choice):
        return str(kind.choices[0])
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        return "1"
    if kind.name == "N|DURATION":  # --budget
        return "10m"
    if option.metavar == "URL":
        return "https://hooks.example.com/placeholder"
    return value


# --- the composite action, run for real with a stand-in reconciler -----------------------

STUB = """#!/usr/bin/env python3
import json, os, sys
with open(os.environ["STUB_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
print("stub output")
sys.exit(int(os.environ.get("STUB_EXIT", "0")))
"""


def substitute_expressions(text: str, inputs: dict[str, str]) -> str:
    """`${{ inputs.NAME }}` from the inputs; any other expression becomes a placeholder."""

    def value(match: re.Match[str]) -> str:
        name = re.fullmatch(r"\s*inputs\.([\w-]+)\s*", match.group(1))
        return inputs.get(name.group(1), PLACEHOLDER) if name else PLACEHOLDER

    return re.sub(r"\$\{\{(.*?)\}\}", value, str(text))


@dataclass(frozen=True)
class ActionRun:
    """What the composite action's run step did, with a stand-in reconciler on PATH."""

    returncode: int
    calls: list[list[str]]
    """The argument lists the stand-in reconciler was called with."""
    outputs: dict[str, str]
    summary: str
    log: str


def run_action(inputs: dict[str, str], tmp_path: Path, reconciler_exit: int = 0) -> ActionRun:
    """Run the action's `run` step as GitHub runs a composite step (bash -eo pipefail).

    Inputs are given the action's defaults, checked against its declared inputs, and reach
    the script through its `env:` block exactly as the runner passes them.
    """
    action = load_yaml(ACTION_FILE)
    declared: dict[str, dict[str, Any]] = action["inputs"]
    unknown = set(inputs) - set(declared)
    if unknown:
        raise ValueError(f"the action has no input {sorted(unknown)}")
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    values.update(inputs)
    missing = [n for n, spec in declared.items() if spec.get("required") and not values[n]]
    if missing:
        raise ValueError(f"required inputs missing: {missing}")
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "run")

    bin_dir, runner_temp, work = tmp_path / "bin", tmp_path / "runner-temp", tmp_path / "work"
    for folder in (bin_dir, runner_temp, work):
        folder.mkdir(exist_ok=True)
    stub = bin_dir / "reconciler"
    stub.write_text(STUB, encoding="utf-8")
    stub.chmod(0o755)
    script = tmp_path / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    files = {name: tmp_path / name for name in ("output", "summary", "calls")}
    for file in files.values():
        file.write_text("", encoding="utf-8")
    env = {name: substitute_expressions(value, values) for name, value in step["env"].items()}
    env |= {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_OUTPUT": str(files["output"]),
        "GITHUB_STEP_SUMMARY": str(files["summary"]),
        "RUNNER_TEMP": str(runner_temp),
        "STUB_LOG": str(files["calls"]),
        "STUB_EXIT": str(reconciler_exit),
    }
    directory = work / substitute_expressions(step.get("working-directory", "."), values)
    directory.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    outputs = dict(
        line.split("=", 1) for line in files["output"].read_text().splitlines() if "=" in line
    )
    calls = [json.loads(line) for line in files["calls"].read_text().splitlines()]
    return ActionRun(
        done.returncode, calls, outputs, files["summary"].read_text(), done.stdout + done.stderr
    )
