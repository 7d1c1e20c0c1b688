"""The state's lock: an flock beside the state file, with a description of its holder.

The kernel releases an flock when its process dies, even by SIGKILL, so a
crashed apply never leaves the state locked; the description file only says
who holds it, for the message of whoever waits.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from reconciler.engine.jsonfiles import resolve_state_path
from reconciler.errors import StateError


def lock_paths(state_path: Path) -> tuple[Path, Path]:
    """The lock file (flock; released by the kernel when its holder dies) and its holder info.

    Beside the file the state path leads to: a run through a link and a run
    that names the target take the same lock.
    """
    target = resolve_state_path(state_path)
    return target.with_name(target.name + ".lock"), target.with_name(target.name + ".lock.info")


@contextmanager
def state_lock(state_path: Path, timeout: float, operation: str) -> Iterator[None]:
    """Hold the state's lock for a writing command; wait up to `timeout` seconds for it.

    On timeout the error names the holder (operation, host, pid, since when).
    The lock is an flock, so a holder that dies releases it; the info file it
    leaves is only a description and is replaced by the next holder.
    """
    lock_file, info_file = lock_paths(state_path)
    lock = FileLock(str(lock_file), timeout=timeout)
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise StateError(
            f"the state {state_path} is locked {describe_holder(info_file)}; waited "
            f"{timeout:g} s (--lock-timeout). If that process is gone, run "
            "`reconciler state unlock`."
        ) from None
    except OSError as exc:
        raise StateError(f"cannot lock the state {state_path}: {exc}") from exc
    try:
        holder = {
            "operation": operation,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        with contextlib.suppress(OSError):  # only a description; the flock is the lock
            info_file.write_text(json.dumps(holder) + "\n", encoding="utf-8")
        yield
    finally:
        with contextlib.suppress(OSError):
            info_file.unlink(missing_ok=True)
        lock.release()


def describe_holder(info_file: Path) -> str:
    """'by apply (pid 42 on ci-7) since 10:02Z', or what is known of it."""
    try:
        holder = json.loads(info_file.read_text(encoding="utf-8"))
        return (
            f"by {holder['operation']} (pid {holder['pid']} on {holder['host']}) "
            f"since {holder['since']}"
        )
    except (OSError, ValueError, KeyError, TypeError):
        return "by another process"
