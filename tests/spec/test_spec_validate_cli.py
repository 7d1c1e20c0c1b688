"""`reconciler validate` end to end: the bad-spec corpus, the good files, both output formats.

Each entry of bad/expected.yaml runs through click's CliRunner; the whole corpus
also runs once through the installed console script in a real subprocess, as
CI and pre-commit run it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.spec.yamlfile import MAX_FILE_BYTES

from .conftest import BAD, GOOD, REPO

EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (BAD / "expected.yaml").read_text(encoding="utf-8")
)
CONSOLE_SCRIPT = Path(sys.executable).parent / "reconciler"


def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(cli, ["validate", *args], env=env)


def expected_line(name: str) -> tuple[str, str]:
    """The `file:line:` prefix and the message an entry of the corpus must produce."""
    entry = EXPECTED[name]
    reported = BAD / entry.get("file", name)
    return f"{reported}:{entry['line']}:", str(entry["message"]).format(bad=BAD)


def test_every_corpus_file_has_an_expectation() -> None:
    on_disk = {path.name for path in BAD.iterdir()} - {"expected.yaml"}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_spec_is_reported_with_file_and_line(name: str) -> None:
    result = invoke(str(BAD / name))
    prefix, message = expected_line(name)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    matching = [line for line in result.stdout.splitlines() if line.startswith(prefix)]
    assert any(message in line for line in matching), result.stdout
    assert result.stdout.splitlines()[-1].endswith("in 1 file")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_spec_in_json(name: str) -> None:
    result = invoke("--format", "json", str(BAD / name))
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    prefix, message = expected_line(name)
    file, line = prefix.rstrip(":").rsplit(":", 1)
    assert payload["valid"] is False
    assert any(
        error["file"] == file and error["line"] == int(line) and message in error["message"]
        for error in payload["errors"]
    ), payload


def test_the_whole_corpus_through_the_console_script() -> None:
    """A real process, as CI runs it: every expected error, one summary, exit 1, no traceback."""
    paths = [str(BAD / name) for name in sorted(EXPECTED)]
    run = subprocess.run(
        [str(CONSOLE_SCRIPT), "validate", *paths],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stdout.splitlines()
    for name in EXPECTED:
        prefix, message = expected_line(name)
        assert any(line.startswith(prefix) and message in line for line in lines), name
    assert lines[-1].endswith(f"in {len(EXPECTED)} files")


def test_console_script_json_is_alone_on_stdout(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"kind: Workspace\n" + b"#" * MAX_FILE_BYTES)
    run = subprocess.run(
        [str(CONSOLE_SCRIPT), "validate", "--format", "json", str(huge), str(tmp_path / "gone")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    payload = json.loads(run.stdout)
    assert [(e["file"], e["line"]) for e in payload["errors"]] == [
        (str(tmp_path / "gone"), None),
        (str(huge), 1),
    ]
    assert "larger than 1024 KiB" in payload["errors"][1]["message"]


def test_good_files_pass() -> None:
    result = invoke(str(GOOD))
    assert result.exit_code == 0, result.output
    assert result.stdout == "OK: 3 workspaces in 2 files\n"


def test_example_specs_pass_in_json() -> None:
    result = invoke("--format", "json", str(REPO / "specs"))
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["valid"] is True and payload["errors"] == []
    assert payload["documents"] == payload["workspaces"] >= 4


def test_summary_counts_errors_and_files() -> None:
    result = invoke(str(BAD / "bad-email.yaml"), str(BAD / "unknown-key-typo.yaml"))
    assert result.stdout.splitlines()[-1] == "3 errors in 2 files"


def test_missing_path_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert (
        result.stdout == f"{tmp_path / 'nope.yaml'}: no such file or directory\n1 error in 1 file\n"
    )


def test_tenant_flag_and_environment_fill_in_missing_tenants() -> None:
    assert invoke("--tenant", "contoso", str(BAD / "no-tenant.yaml")).exit_code == 0
    assert invoke(str(BAD / "no-tenant.yaml"), env={"SEAMLESS_TENANT": "contoso"}).exit_code == 0


def test_huge_file_is_refused_quickly(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"a: [" + b"1, " * (MAX_FILE_BYTES // 2) + b"]\n")
    result = invoke(str(huge))
    assert result.exit_code == 1
    assert f"{huge}:1:1: file is larger than 1024 KiB" in result.stdout
