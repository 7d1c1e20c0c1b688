"""What the commands print and ask: stdout for results, stderr for the rest, colour and progress.

Machine output (JSON, markdown) goes to stdout alone; progress, prompts and
reports go to stderr. No click here: the CLI hands in what it parsed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from reconciler.api import SeamlessClient


def out(text: str, *, newline: bool = True) -> None:
    """A result, on stdout."""
    sys.stdout.write(text + ("\n" if newline else ""))
    sys.stdout.flush()


def err(text: str) -> None:
    """Progress, reports and messages for people, on stderr."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


class RateLimitColumn(ProgressColumn):
    """Says so when the run is waiting for the rate limit's window to reset."""

    def __init__(self, clients: Iterable[SeamlessClient]) -> None:
        super().__init__()
        self.budgets = [c.budget for c in clients]

    def render(self, task: Task) -> Text:
        wait = max((b.wait_seconds() for b in self.budgets), default=0.0)
        return Text(f"rate limit: next window in {wait:.0f} s" if wait >= 1 else "")


@contextmanager
def progress_bar(
    label: str, clients: Iterable[SeamlessClient] = ()
) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal, showing waits on the rate limit."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        RateLimitColumn(clients),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update
