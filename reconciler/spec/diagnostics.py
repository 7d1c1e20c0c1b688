"""Where a problem is and what it is: `Source` positions and `Diagnostic` errors.

Pure data, no I/O. Loading gathers every diagnostic of a run before it fails
(Terraform's tfdiags, octoDNS's reasons list), so a user fixes all problems in
one round instead of one per run. These types may move to a shared `model`
package once plan and apply need them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Source:
    """A position in a spec file; line and column count from 1."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One error in the specs.

    `line` and `column` are None only when the problem has no position inside
    a file (a path that does not exist, a file that cannot be read).
    """

    file: str
    line: int | None
    column: int | None
    message: str

    @classmethod
    def at(cls, source: Source, message: str) -> Diagnostic:
        """Build a diagnostic positioned at `source`."""
        return cls(source.file, source.line, source.column, message)

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.column or 1}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order by file, then position, so output reads top to bottom."""
        return (self.file, self.line or 0, self.column or 0, self.message)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort and drop exact repeats (two checks may see the same problem)."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)
