"""`reconciler validate`: load the specs offline and report every problem."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reconciler.commands.terminal import out
from reconciler.errors import ExitCode
from reconciler.spec.load import load_documents
from reconciler.spec.report import render_json, render_text


def run_validate(
    paths: Sequence[Path], output_format: str = "text", default_tenant: str | None = None
) -> ExitCode:
    """Validate the spec files under `paths`, print the result, return the exit code."""
    result = load_documents(paths, default_tenant)
    out(render_json(result) if output_format == "json" else render_text(result))
    return ExitCode.OK if result.valid else ExitCode.ERROR
