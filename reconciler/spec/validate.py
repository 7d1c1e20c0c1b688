"""`reconciler validate`: load the specs offline and report every problem.

Text output is one `file:line:column: message` per error (the form editors
and CI problem matchers parse), then a summary line. JSON output is a single
object on stdout and nothing else. Exit code 0 when valid, 1 otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from reconciler.spec.load import LoadResult, load_documents


def run_validate(
    paths: Sequence[Path], output_format: str = "text", default_tenant: str | None = None
) -> int:
    """Validate the spec files under `paths`, print the result, return the exit code."""
    result = load_documents(paths, default_tenant)
    if output_format == "json":
        click.echo(render_json(result))
    else:
        click.echo(render_text(result))
    return 0 if result.valid else 1


def render_text(result: LoadResult) -> str:
    """Every error on its own line, then one summary line."""
    lines = [str(diagnostic) for diagnostic in result.diagnostics]
    lines.append(summary(result))
    return "\n".join(lines)


def summary(result: LoadResult) -> str:
    """The last line: "3 errors in 2 files" or "OK: 5 workspaces in 3 files"."""
    if result.valid:
        return (
            f"OK: {_count(len(result.specs), 'workspace')} in {_count(len(result.files), 'file')}"
        )
    files = {diagnostic.file for diagnostic in result.diagnostics}
    return f"{_count(len(result.diagnostics), 'error')} in {_count(len(files), 'file')}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def render_json(result: LoadResult) -> str:
    """The machine form: valid, counts and the error list, as one JSON object."""
    payload = {
        "valid": result.valid,
        "documents": result.documents,
        "workspaces": len(result.specs),
        "files": len(result.files),
        "errors": [
            {
                "file": diagnostic.file,
                "line": diagnostic.line,
                "column": diagnostic.column,
                "message": diagnostic.message,
            }
            for diagnostic in result.diagnostics
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)
