"""What `reconciler validate` prints of a load: pure text and JSON renderings.

Text output is one `file:line:column: message` per error (the form editors
and CI problem matchers parse), then a summary line. JSON output is a single
object on stdout and nothing else.
"""

from __future__ import annotations

import json

from reconciler.spec.load import LoadResult


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
        "errors": [diagnostic.to_dict() for diagnostic in result.diagnostics],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)
