"""Reading the JSON files the engine keeps (the state, saved plans): links, size, depth.

A file is read through its symbolic links (a loop or a dangling link is an
error naming it), only if it is a regular file, up to a size, and refused
when it nests deeper than any file this tool writes.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

from reconciler.errors import StateError
from reconciler.spec.yamlfile import describe_os_error, read_regular_file

MAX_JSON_BYTES = 64 * 1024 * 1024
"""A state file or a saved plan larger than this is refused unread."""

MAX_JSON_DEPTH = 64
"""Neither file nests past a dozen levels; deeper input is damaged (and would exhaust recursion)."""


def resolve_state_path(path: Path) -> Path:
    """The file a state path names, through symbolic links; the path itself when nothing is there.

    A state kept elsewhere and linked in (`--state link.json`) is read, locked
    and written at its target, so every run shares one file and one lock. A
    link loop, or a link that leads to nothing, is an error: writing there
    would replace the link, or create a file the next run does not find.
    """
    if not os.path.lexists(path):
        return path
    try:
        return Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StateError(
                f"the state file {path} is a symbolic link loop: it never leads to a file. "
                "Fix the link, or point --state at the file itself."
            ) from exc
        if isinstance(exc, FileNotFoundError):
            raise StateError(
                f"the state file {path} is a symbolic link that leads to nothing "
                f"({_link_target(path)}): fix the link, or point --state at the file itself. "
                "Nothing was written."
            ) from exc
        raise StateError(f"cannot read the state file {path}: {describe_os_error(exc)}") from exc


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def read_json_file(path: Path) -> Any:
    """A local JSON file (state, saved plan): regular files only, bounded in size and nesting.

    Raises OSError (FileNotFoundError when there is none; a FIFO is refused
    unopened) or ValueError (not UTF-8, not JSON, too large, nested too deep).
    """
    raw = read_regular_file(path, MAX_JSON_BYTES)
    if len(raw) > MAX_JSON_BYTES:
        raise ValueError(f"it is larger than {MAX_JSON_BYTES // (1024 * 1024)} MiB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError:
        data = None
        too_deep = True
    else:
        too_deep = _deeper_than(data, MAX_JSON_DEPTH)
    if too_deep:
        raise ValueError(f"it is nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether lists and objects nest deeper than `limit`; no recursion, so any depth is safe."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in value)
    return False
