"""Spec files on disk: only regular files, read whole, up to a size, as UTF-8.

A FIFO, a device or a socket named *.yaml is refused without being opened
(opening a FIFO blocks for ever); a file reached through a symbolic link loop
is a clear error. What is read goes to `yamlfile.parse_documents`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from reconciler.model.diagnostics import Diagnostic

MAX_FILE_BYTES = 1024 * 1024
"""Larger files are refused unread: specs are small, and parsing time must stay bounded."""


class NotARegularFile(OSError):
    """A path that names a FIFO, a device or a socket where a file was expected."""

    def __init__(self, kind: str) -> None:
        super().__init__(errno.EINVAL, f"not a regular file ({kind})")
        self.kind = kind

    def __str__(self) -> str:
        return str(self.strerror)


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _refuse_unless_regular(mode: int, path: Path) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(mode):
        raise NotARegularFile(
            next((name for test, name in _KINDS if test(mode)), "an unknown kind")
        )


def read_regular_file(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of a regular file (more means: too large); OSError otherwise.

    Anything but a regular file (links are followed) raises NotARegularFile
    (IsADirectoryError for a folder) before it is opened: opening a FIFO would
    wait for a writer for ever. The file is opened non-blocking and checked
    again, so a FIFO put in its place between the two checks cannot hang either.
    """
    _refuse_unless_regular(os.stat(path).st_mode, path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    handle = os.open(path, flags)
    with os.fdopen(handle, "rb") as stream:
        _refuse_unless_regular(os.fstat(handle).st_mode, path)
        return stream.read(limit + 1)


def describe_os_error(exc: OSError) -> str:
    """A short reason for a file that cannot be read: a link loop and a FIFO said plainly."""
    if isinstance(exc, NotARegularFile):
        return str(exc)
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: it never leads to a file"
    return str(exc.strerror or exc)


def read_spec_text(path: Path, file: str) -> tuple[str | None, Diagnostic | None]:
    """Read a file as UTF-8 text, refusing huge files unread: (text, None) or (None, problem)."""
    try:
        raw = read_regular_file(path, MAX_FILE_BYTES)
    except NotARegularFile as exc:
        message = f"cannot read file: {exc}; only regular files are read as specs"
        return None, Diagnostic.in_file(file, message)
    except OSError as exc:
        return None, Diagnostic.in_file(file, f"cannot read file: {describe_os_error(exc)}")
    if len(raw) > MAX_FILE_BYTES:
        limit = f"{MAX_FILE_BYTES // 1024} KiB"
        return None, Diagnostic.in_file(
            file, f"file is larger than {limit}; split it into several", 1, 1
        )
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start]
        message = f"file is not UTF-8: byte 0x{byte:02x} cannot be decoded; save it as UTF-8"
        return None, Diagnostic.in_file(file, message, line, column)


def write_atomically(path: Path, text: str, prefix: str = ".write-") -> None:
    """Replace `path` (a real file, links resolved by the caller) with `text`, UTF-8, as is.

    Readers see the old file or the new one, never half of one: a temporary
    file beside it, fsync, rename, fsync of the folder. The file keeps its
    permissions (0644 for a new one, not mkstemp's 0600). Raises OSError.
    """
    temp: str | None = None
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        handle, temp = tempfile.mkstemp(prefix=prefix, dir=path.parent)
        os.fchmod(handle, mode)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
        temp = None
        _fsync_directory(path.parent)
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)


def _fsync_directory(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # some filesystems refuse it; the rename happened
            os.fsync(handle)
    finally:
        os.close(handle)
