"""Graceful stop on SIGINT / SIGTERM while apply makes its calls.

CI cancels a job with SIGTERM (or SIGINT from a terminal). The first signal
asks apply to start no new call: the call in flight finishes (or times out),
its outcome is recorded, the done / not-done report is printed and the
process exits 130 (SIGINT) or 143 (SIGTERM). A second signal stops at once;
the state file is still valid, since every write of it is atomic.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from reconciler.errors import ExitCode

EXIT_CODES = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED}


class StopRequest:
    """The first stop signal received, if any; safe to read from any thread."""

    def __init__(self) -> None:
        self._signal: signal.Signals | None = None
        self._lock = threading.Lock()

    def asked(self) -> str | None:
        """The signal's name ("SIGTERM") once one asked to stop, else None."""
        with self._lock:
            return self._signal.name if self._signal is not None else None

    @property
    def exit_code(self) -> ExitCode | None:
        with self._lock:
            return EXIT_CODES[self._signal] if self._signal is not None else None

    def _receive(self, number: int, say: Callable[[str], None]) -> None:
        received = signal.Signals(number)
        with self._lock:
            first = self._signal is None
            if first:
                self._signal = received
        if not first:
            say(f"{received.name} again: stopping at once. The state file is valid.")
            sys.exit(EXIT_CODES.get(received, ExitCode.TERMINATED))
        say(
            f"{received.name}: stopping after the call in flight; no new call starts. "
            "Send it again to stop at once."
        )


@contextmanager
def graceful_stop(say: Callable[[str], None]) -> Iterator[StopRequest]:
    """Handle SIGINT and SIGTERM as asks to stop, in the main thread only, then restore."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request  # signal handlers can only be set from the main thread
        return

    def handler(number: int, _frame: FrameType | None) -> None:
        request._receive(number, say)

    previous = {s: signal.signal(s, handler) for s in EXIT_CODES}
    try:
        yield request
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
