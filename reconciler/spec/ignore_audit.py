"""`.reconciler-ignore.yaml` as the audit reads it: the entries, and what drift would refuse.

Drift refuses a file with any problem; the audit reports each one as a
finding instead, and one problem apart: an entry without an owner (the key
missing, or blank), which the `acknowledgement-owner` rule names. The file is
read by `ignore.load_acknowledgements` (the same checks drift makes); this
module only finds the entries without an owner and sets their problems aside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from reconciler.model.diagnostics import Diagnostic, Source
from reconciler.spec.ignore import Acknowledgement, load_acknowledgements
from reconciler.spec.yamlfile import JSON, parse_documents, read_spec_text


@dataclass(frozen=True)
class OwnerGap:
    """An entry that names no owner: where, and what it acknowledges."""

    workspace: str
    path: str
    member: str | None
    file: str
    line: int
    column: int


@dataclass(frozen=True)
class AcknowledgementScan:
    """What the acknowledgement files hold, for the audit."""

    entries: tuple[Acknowledgement, ...]
    """The valid entries (drift would use them)."""
    owner_gaps: tuple[OwnerGap, ...]
    problems: tuple[Diagnostic, ...]
    """Every other problem drift would refuse the file for."""
    files: tuple[str, ...]


def scan_acknowledgements(files: Sequence[Path]) -> AcknowledgementScan:
    """Read `files` as drift does, and find the entries without an owner."""
    entries, problems = load_acknowledgements(files)
    gaps: list[OwnerGap] = []
    worded: list[tuple[Source, str]] = []
    for path in files:
        for gap, owner_problem in _owner_gaps(path):
            gaps.append(gap)
            worded.append(owner_problem)
    kept = [p for p in problems if not any(_says(p, *w) for w in worded)]
    return AcknowledgementScan(tuple(entries), tuple(gaps), tuple(kept), tuple(map(str, files)))


def _says(problem: Diagnostic, where: Source, start: str) -> bool:
    """True for the loader's own wording of an owner gap: at its place, about its owner."""
    at = (problem.file, problem.line, problem.column) == (where.file, where.line, where.column)
    return at and problem.summary.startswith(start)


def _owner_gaps(path: Path) -> list[tuple[OwnerGap, tuple[Source, str]]]:
    """Each entry without an owner, with where and how the loader words it (set aside)."""
    display = str(path)
    text, _ = read_spec_text(path, display)
    if text is None:
        return []
    documents, problems = parse_documents(text, display)
    if problems or len(documents) != 1 or not isinstance(documents[0].data, dict):
        return []  # the loader reports the file as a whole
    document = documents[0]
    items = cast("dict[str, JSON]", document.data).get("acknowledgements")
    found = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        owner = item.get("owner")
        if isinstance(owner, str) and owner.strip():
            continue
        label = f"acknowledgements[{index}]"
        if "owner" in item:  # written, but blank or not a text
            where = document.where(f"/acknowledgements/{index}/owner")
            wording = f"{label}.owner: "
        else:
            where = document.key_where(f"/acknowledgements/{index}")
            wording = f"{label}: missing required key 'owner'"
        gap = OwnerGap(
            workspace=_text(item.get("workspace")),
            path=_text(item.get("path")),
            member=_text(item.get("member")) or None,
            file=display,
            line=where.line,
            column=where.column,
        )
        found.append((gap, (where, wording)))
    return found


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


__all__ = ["AcknowledgementScan", "OwnerGap", "scan_acknowledgements"]
