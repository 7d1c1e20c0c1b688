"""Acknowledged drift: read and check `.reconciler-ignore.yaml`, the file beside the specs.

Each entry acknowledges one difference between the specs and a live workspace
(a field, a team group or one of its members, or the workspace as a whole)
until a date. Unlike Terraform's `ignore_changes` and Argo CD's
`ignoreDifferences`, an acknowledgement never lasts for ever: `expires` is
required. This module only loads and validates; matching entries against
differences, and warning about expired or unmatched ones, is the drift
engine's work.

The file is read like a spec file (regular files only, size-capped, YAML 1.2
through `yamlfile`), and checked against schemas/reconciler-ignore.schema.json
with the spec validator's wording; the one rule a pattern cannot say, that
`expires` is a real calendar date, is checked here.
"""

from __future__ import annotations

import calendar
import datetime
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft7Validator

from reconciler.model.diagnostics import Diagnostic, sorted_diagnostics
from reconciler.spec.schema import SCHEMA_PATH, load_validator, schema_diagnostics
from reconciler.spec.yamlfile import JSON, Document, parse_documents, read_spec_text

IGNORE_FILE_NAME = ".reconciler-ignore.yaml"
"""A hidden name: the spec loader skips hidden files, so it is never read as a workspace."""

IGNORE_SCHEMA_NAME = "reconciler-ignore.schema.json"

_SHAPE = "the file must be a mapping with one key, 'acknowledgements:' (a list of entries)"


@dataclass(frozen=True)
class Acknowledgement:
    """One acknowledged difference, valid through `expires` (a UTC day)."""

    workspace: str
    """An address tenant/workspaceId, a workspaceId, or a spec key, as written."""
    path: str
    """name, manager, deputy, lifeCycle, workspaceType, schema.<F>, team.<Group> or workspace."""
    member: str | None
    """One account of the team.<Group> in `path`; None for the whole group (or another path)."""
    reason: str
    owner: str
    expires: datetime.date
    file: str
    line: int
    """1-based line of the entry (its first key)."""
    column: int = field(default=1, compare=False)
    """1-based column of the entry's first key (a position only: not compared)."""

    def expired(self, today: datetime.date) -> bool:
        """True from the day after `expires` on; pass today's UTC date.

        The expiry day itself still holds, so `expires: 2026-12-31` covers all of 31 December.
        """
        return today > self.expires

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, `expires` as YYYY-MM-DD text."""
        return {
            "workspace": self.workspace,
            "path": self.path,
            "member": self.member,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "file": self.file,
            "line": self.line,
        }


def find_ignore_files(paths: Sequence[Path]) -> list[Path]:
    """For each PATH: a folder -> PATH/.reconciler-ignore.yaml, a file -> its folder's.

    Only those that exist, each once (compared by real path), in the order of `paths`.
    """
    found: list[Path] = []
    seen: set[str] = set()
    for given in paths:
        candidate = (given if given.is_dir() else given.parent) / IGNORE_FILE_NAME
        # lexists, not exists: a link to nothing, a FIFO or a folder by that name is kept,
        # so loading reports it instead of dropping the acknowledgements unseen.
        if not os.path.lexists(candidate):
            continue
        real = os.path.realpath(candidate)
        if real not in seen:
            seen.add(real)
            found.append(candidate)
    return found


def load_acknowledgements(
    files: Sequence[Path],
) -> tuple[list[Acknowledgement], list[Diagnostic]]:
    """Read and check `files`: the entries of valid items, and an error for each problem.

    Every problem is reported with its file and line. An invalid entry is left
    out, the valid ones beside it are kept; a file whose YAML or overall shape is
    wrong gives no entries. An empty file means no acknowledgements.
    """
    acknowledgements: list[Acknowledgement] = []
    diagnostics: list[Diagnostic] = []
    for path in files:
        found, problems = _load_file(path, str(path))
        acknowledgements.extend(found)
        diagnostics.extend(problems)
    return acknowledgements, sorted_diagnostics(diagnostics)


@cache
def ignore_validator() -> Draft7Validator:
    """The compiled validator of schemas/reconciler-ignore.schema.json (read once per process)."""
    return load_validator(_schema_path(), "acknowledged-drift")


def _schema_path() -> Path:
    """The package's copy beside workspace.schema.json (a link in a checkout, a wheel's file)."""
    return SCHEMA_PATH.with_name(IGNORE_SCHEMA_NAME)


def _load_file(path: Path, display: str) -> tuple[list[Acknowledgement], list[Diagnostic]]:
    text, problem = read_spec_text(path, display)
    if text is None:
        return [], [problem] if problem else []
    documents, problems = parse_documents(text, display)
    for extra in documents[1:]:
        message = "more than one YAML document: merge them into one 'acknowledgements:' list"
        problems.append(Diagnostic.at(extra.start, message))
    if problems or not documents:
        # A broken file cannot be trusted in part (which of two duplicate keys was meant?).
        return [], problems
    return _entries(documents[0])


def _entries(document: Document) -> tuple[list[Acknowledgement], list[Diagnostic]]:
    data = document.data
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else f"the value {data!r}"
        return [], [Diagnostic.at(document.start, f"{_SHAPE}, not {found}")]
    problems = schema_diagnostics(document, ignore_validator())
    # Again, for where the errors are: which entries to leave out (Diagnostics carry lines).
    refused = {tuple(error.absolute_path) for error in ignore_validator().iter_errors(data)}
    if any(len(where) < 2 for where in refused):
        return [], problems
    entries: list[Acknowledgement] = []
    for index, item in enumerate(cast("list[JSON]", data.get("acknowledgements") or [])):
        if not isinstance(item, dict):
            continue  # the schema said so
        here = ("acknowledgements", index)
        wrong = {where for where in refused if where[:2] == here}
        # The date is checked beside the entry's other problems: one round fixes them all.
        expires = None
        if (*here, "expires") not in wrong and isinstance(item.get("expires"), str):
            expires, problem = _expires(item, document, index)
            problems.extend([problem] if problem else [])
        if expires is not None and not wrong:
            entries.append(_entry(item, document, index, expires))
    return entries, problems


def _expires(
    item: dict[str, JSON], document: Document, index: int
) -> tuple[datetime.date | None, Diagnostic | None]:
    """The day `expires` names (the schema checked YYYY-MM-DD), or why it names none."""
    written = _text(item, "expires")
    try:
        return datetime.date.fromisoformat(written), None
    except ValueError:
        where = document.where(f"/acknowledgements/{index}/expires")
        message = f"acknowledgements[{index}].expires: {_not_a_day(written)}"
        return None, Diagnostic.at(where, message)


def _entry(
    item: dict[str, JSON], document: Document, index: int, expires: datetime.date
) -> Acknowledgement:
    """One valid item as an Acknowledgement."""
    where = document.where(f"/acknowledgements/{index}")
    return Acknowledgement(
        workspace=_text(item, "workspace"),
        path=_text(item, "path"),
        member=_text(item, "member") if "member" in item else None,
        reason=_text(item, "reason"),
        owner=_text(item, "owner"),
        expires=expires,
        file=document.start.file,
        line=where.line,
        column=where.column,
    )


def _text(item: dict[str, JSON], key: str) -> str:
    """A text the schema checked, without the edges that carry no meaning.

    Python's `$` lets one final newline through the schema's patterns: a block
    scalar (`path: |`) would otherwise keep it and match no field.
    """
    return cast(str, item[key]).strip()


def _not_a_day(written: str) -> str:
    """Why a YYYY-MM-DD text (the schema checked the digits) names no day on the calendar."""
    year, month = int(written[:4]), int(written[5:7])
    if not 1 <= month <= 12:
        return f"'{written}' is not a date: there is no month {written[5:7]} (01 to 12)"
    if year < datetime.MINYEAR:
        return f"'{written}' is not a date: years start at 0001"
    last = calendar.monthrange(year, month)[1]
    # Numbers, not calendar.month_name: that follows the process locale.
    return f"'{written}' is not a date: {written[:7]} has days 01 to {last}"


__all__ = [
    "IGNORE_FILE_NAME",
    "Acknowledgement",
    "find_ignore_files",
    "ignore_validator",
    "load_acknowledgements",
]
