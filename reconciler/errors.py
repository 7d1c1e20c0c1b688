"""The one small exception hierarchy of the reconciler.

Every error a user can cause or meet (bad specs, API failures, state problems)
is a `ReconcilerError`; the CLI turns it into a message and exit code 1. Any
other exception is a bug and shows a traceback only with `--debug`.
"""

from __future__ import annotations


class ReconcilerError(Exception):
    """An expected failure, reported to the user as a message (exit code 1)."""


class SpecError(ReconcilerError):
    """The spec files are not valid; the message lists every problem found."""


class ConfigError(ReconcilerError):
    """Connection settings are missing or unsafe (no token, plain http to a remote host)."""


class StateError(ReconcilerError):
    """The state file is unreadable, corrupt or locked."""
