"""Plain data -> spec YAML text, in the block style people write (specs/*.yaml).

A small emitter rather than `yaml.dump`: the files `reconciler export` writes
are read by people and diffed in pull requests, so they follow the examples'
style (one key a line, members as `[a, b]`, `{email: ..., name: ...}`) and
carry comments. The rule for scalars is the one that matters: a string is
written plain only when it is provably read back as that same string, by the
project's own loader (YAML 1.2 core, `yamlfile.py`) *and* by YAML 1.1 tools
(PyYAML's default resolver, plus `y`/`n`), so a file stays portable as the
README advises; anything else is double-quoted with escapes. Pure: no I/O.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from reconciler.spec.yamlfile import STR_TAG, parse_documents

WIDTH = 100
"""A list longer than this on one line is written one item a line (readable diffs)."""

_PLAIN = re.compile(r"\w[\w .@+/()&'-]*")
"""Characters that mean nothing to YAML in block or flow context, starting with a letter or digit.

No ':', '#', ',', brackets or quotes: those can end a plain scalar or start
a construct. Whether the text is read as a string is then asked of the readers.
"""

_YAML11_NOT_STRINGS = frozenset({"y", "Y", "n", "N"})
"""YAML 1.1 booleans that PyYAML does not resolve but other YAML 1.1 tools do."""

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


class Flow(dict[str, Any]):
    """A small mapping written on one line: `{email: ana@xyz.com, name: Ana}`."""


def write_document(
    data: Mapping[str, Any], comments: Mapping[str, Sequence[str]] | None = None
) -> str:
    """One YAML document of `data` (str, None, bool, lists, mappings, Flow), in its key order.

    `comments` maps a key path ("team", "team/Managers"; "" for the top of
    the document) to lines written as `# ...` just above that key.
    """
    notes = comments or {}
    lines = _comment_lines(notes.get("", ()), "")
    lines += _mapping(data, notes, "", 0)
    return "\n".join(lines) + "\n"


def write_documents(texts: Sequence[str]) -> str:
    """Several documents in one stream, separated by `---`."""
    return "---\n".join(texts)


def scalar(value: str | bool | None) -> str:
    """A scalar as YAML text: plain when every reader reads it back as written, else quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if plain_is_safe(value) else quoted(value)


def plain_is_safe(text: str) -> bool:
    """True when `text` written plain is read back as this same string by every reader."""
    if not _PLAIN.fullmatch(text) or text.endswith(" ") or text in _YAML11_NOT_STRINGS:
        return False
    resolved = Resolver().resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    if resolved != STR_TAG:
        return False  # YAML 1.1: yes/no/on/off, 0123, 1_000, 2025-03-01, ...
    documents, problems = parse_documents(f"v: {text}\n", "(check)")
    return not problems and len(documents) == 1 and documents[0].data == {"v": text}


def quoted(text: str) -> str:
    """A double-quoted scalar: escapes for quotes, backslashes and anything not printable."""
    out = ['"']
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _printable(char):
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def _printable(char: str) -> bool:
    """YAML's printable set, less the characters some readers take as line breaks or a BOM."""
    code = ord(char)
    if char in "\x85\u2028\u2029\ufeff":
        return False
    return (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _mapping(
    data: Mapping[str, Any], notes: Mapping[str, Sequence[str]], path: str, indent: int
) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        here = f"{path}/{key}" if path else key
        lines += _comment_lines(notes.get(here, ()), pad)
        head = f"{pad}{scalar(key)}:"
        if isinstance(value, Flow):
            inner = ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in value.items())
            lines.append(f"{head} {{{inner}}}")
        elif isinstance(value, Mapping):
            if value:
                lines += [head, *_mapping(value, notes, here, indent + 2)]
            else:
                lines.append(f"{head} {{}}")
        elif isinstance(value, (list, tuple)):
            lines += _sequence(head, value, pad)
        else:
            lines.append(f"{head} {scalar(value)}")
    return lines


def _sequence(head: str, items: Sequence[Any], pad: str) -> list[str]:
    """`[a, b]` on the key's line, or one `- item` a line when that would be too long."""
    written = [scalar(item) for item in items]
    one_line = f"{head} [{', '.join(written)}]"
    if len(one_line) <= WIDTH:
        return [one_line]
    return [head, *(f"{pad}  - {item}" for item in written)]


def _comment_lines(notes: Sequence[str], pad: str) -> list[str]:
    """`# ...` lines, wrapped; a character a comment cannot hold becomes U+FFFD."""
    lines: list[str] = []
    for note in notes:
        safe = "".join(c if _printable(c) else "\ufffd" for c in note)
        wrapped = textwrap.wrap(safe, WIDTH - len(pad) - 2, break_on_hyphens=False) or [""]
        lines += [f"{pad}# {part}".rstrip() for part in wrapped]
    return lines


_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{n}{i}" for n in ("COM", "LPT") for i in range(1, 10)}
)


def spec_file_name(workspace_id: str) -> str:
    """A predictable file name for a workspace's spec: `pr.02` -> `pr.02.yaml`.

    Safe on every filesystem: characters outside [A-Za-z0-9._-] become '_',
    a leading '.' too (spec discovery skips hidden files, and no name is
    '..'), Windows' reserved device names get a '_' in front; at most 200
    characters before `.yaml`.
    """
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", workspace_id)[:200]
    stem = re.sub(r"^\.+", lambda dots: "_" * len(dots.group()), stem) or "_"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    return stem + ".yaml"
