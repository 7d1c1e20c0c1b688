"""The one small exception hierarchy of the reconciler.

Every error a user can cause or meet (bad specs, API failures, state problems)
is a `ReconcilerError`; the CLI turns it into a message and exit code 1. Any
other exception is a bug and shows a traceback only with `--debug`.
"""

from __future__ import annotations

from enum import IntEnum


class ReconcilerError(Exception):
    """An expected failure, reported to the user as a message (exit code 1)."""


class SpecError(ReconcilerError):
    """The spec files are not valid; the message lists every problem found."""


class ConfigError(ReconcilerError):
    """Connection settings are missing or unsafe (no token, plain http to a remote host)."""


class StateError(ReconcilerError):
    """The state file is unreadable, corrupt or locked."""


class ExitCode(IntEnum):
    """What the process tells its caller (design.md, "Exit codes")."""

    OK = 0
    ERROR = 1
    """Bad input, an API failure, a refused or failed apply."""
    CHANGES = 2
    """Changes pending: plan with --detailed-exitcode; drift found by `drift`."""
    UNKNOWN = 3
    """`drift` only: no drift found, but some workspaces could not be read."""
    INTERRUPTED = 130
    """Stopped by SIGINT (128 + 2), after the call in flight."""
    TERMINATED = 143
    """Stopped by SIGTERM (128 + 15), after the call in flight."""


def exit_code_for(error: BaseException) -> ExitCode | None:
    """The exit code of an expected error; None for a bug (a traceback with --debug)."""
    if isinstance(error, ReconcilerError):
        return ExitCode.ERROR
    return None
