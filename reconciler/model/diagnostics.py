"""Diagnostics: one type for every error and warning, from spec loading to planning.

Terraform's tfdiags shape: a severity, a short summary, an optional detail
(a full sentence: why, and what to do), and where in a spec file it is.
Loading and planning gather every diagnostic of a run before failing, so a
user fixes all problems in one round. Pure data, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Source:
    """A position in a spec file; line and column count from 1."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One error or warning: what (summary), why and what to do (detail), and where.

    `file` is None for a problem of the whole run (the removal guard);
    `line` and `column` are None when it has no position inside a file
    (a path that does not exist, a file that cannot be read).
    """

    severity: Severity
    summary: str
    detail: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None

    @classmethod
    def error(cls, summary: str, detail: str = "", at: Source | None = None) -> Diagnostic:
        """An error, placed at `at` when given."""
        return cls._placed(Severity.ERROR, summary, detail, at)

    @classmethod
    def warning(cls, summary: str, detail: str = "", at: Source | None = None) -> Diagnostic:
        """A warning, placed at `at` when given."""
        return cls._placed(Severity.WARNING, summary, detail, at)

    @classmethod
    def at(cls, source: Source, summary: str) -> Diagnostic:
        """An error positioned at `source` (the spec loader's form)."""
        return cls.error(summary, at=source)

    @classmethod
    def in_file(
        cls, file: str, summary: str, line: int | None = None, column: int | None = None
    ) -> Diagnostic:
        """An error about a spec file, at a line and column when it has one."""
        return cls(Severity.ERROR, summary, "", file, line, column)

    @classmethod
    def _placed(
        cls, severity: Severity, summary: str, detail: str, at: Source | None
    ) -> Diagnostic:
        if at is None:
            return cls(severity, summary, detail)
        return cls(severity, summary, detail, at.file, at.line, at.column)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def message(self) -> str:
        """Summary and detail as one text, the form every renderer shows."""
        if not self.detail:
            return self.summary
        return f"{self.summary}: {self.detail}"

    @property
    def location(self) -> str:
        """ "file:line:column", "file:line", "file", or "" for a run-wide problem."""
        if self.file is None:
            return ""
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")

    def __str__(self) -> str:
        """The editor / CI problem-matcher form: "file:line:column: message"."""
        if self.file is None:
            return self.message
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.column or 1}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order by file, then position, so output reads top to bottom."""
        return (self.file or "", self.line or 0, self.column or 0, self.message)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: `message` (summary and detail together) first, for older readers."""
        return {
            "severity": self.severity.value,
            "message": self.message,
            "summary": self.summary,
            "detail": self.detail,
            "file": self.file,
            "line": self.line,
            "column": self.column,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Diagnostic:
        """Read the JSON form back; ValueError for another shape."""
        if not isinstance(data, dict):
            raise ValueError(f"a problem must be a JSON object, not {type(data).__name__}")
        summary = data.get("summary", data.get("message"))
        detail = data.get("detail") or ""
        line, column = data.get("line"), data.get("column")
        if not isinstance(summary, str) or not isinstance(detail, str):
            raise ValueError("a problem needs a text summary")
        for number in (line, column):
            if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
                raise ValueError(f"a problem's line and column are numbers, not {number!r}")
        file = data.get("file")
        if file is not None and not isinstance(file, str):
            raise ValueError(f"a problem's file is a text, not {file!r}")
        return cls(Severity(data.get("severity")), summary, detail, file, line, column)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort and drop exact repeats (two checks may see the same problem)."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)
