"""The three-way line merge behind `spec.edit`: ruamel's changed lines into the original text.

ruamel.yaml re-emits a whole document; a reviewer must see only the lines an
edit changes. So ruamel's output of the document *unedited* is matched line
by line against the original, and only the regions where its *edited*
output differs are spliced in, keeping comments it would drop. Plain text:
no YAML here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from reconciler.errors import SpecError
from reconciler.identity import account_key

COMMENT_LINE = re.compile(r"[ \t]*(?:#.*)?\n?")
"""A line that holds only a comment, or nothing."""
_ITEM = re.compile(r"[ \t]*-[ \t]+(['\"]?)(.*?)\1[ \t]*(?:#.*)?\n?")
"""A block list's item on its line: `- member  # comment`."""
_FLOW_ITEM = re.compile(
    r"""[ \t]*(?:'([^']*)'|"([^"]*)"|([^\s,\[\]{}#'"][^,\[\]{}#]*?))[ \t]*,?[ \t]*(?:#.*)?\n?"""
)
"""A flow list's item alone on its line: `member,  # comment` (in `[` ... `]` over lines)."""


class EditRefused(SpecError):
    """An edit that cannot be made without touching more than its own lines."""


def merge(
    original: list[str], unedited: list[str], edited: list[str], offset: int, leaving: set[str]
) -> list[str]:
    """Splice the lines ruamel changed for the edits into the original lines.

    Where ruamel's unedited output matches the original line for line, its
    changed lines replace those. Lines ruamel writes differently (a style it
    cannot reproduce) are replaced only when the change covers all of them.
    `leaving`: the members removed, whose lines may take their comments along.
    """
    same: dict[int, int] = {}
    for tag, u1, u2, o1, _ in _opcodes(unedited, original):
        if tag == "equal":
            same.update({u1 + k: o1 + k for k in range(u2 - u1)})
    merged, position = [], 0
    for tag, u1, u2, e1, e2 in _opcodes(unedited, edited):
        if tag == "equal":
            continue
        region = _region(same, u1, u2, len(unedited), len(original))
        if region is None or region[0] < position:
            near = offset + same.get(u1 - 1, -1) + 2
            raise EditRefused(
                f"ruamel.yaml cannot keep the lines near line {near} as they are written, so "
                "it would rewrite more than the change; make this change by hand"
            )
        start, end = region
        replaced = _keep_comments(original[start:end], edited[e1:e2], leaving, offset + start)
        merged += original[position:start] + replaced
        position = end
    return merged + original[position:]


def _opcodes(a: list[str], b: list[str]) -> Sequence[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def _region(same: dict[int, int], u1: int, u2: int, n_u: int, n_o: int) -> tuple[int, int] | None:
    """The original lines [start, end) that ruamel's unedited lines [u1, u2) stand for."""
    inside = [same.get(k) for k in range(u1, u2)]
    if u1 < u2 and None not in inside and inside == list(range(same[u1], same[u1] + u2 - u1)):
        return same[u1], same[u2 - 1] + 1
    # Else all that lies between the nearest lines both agree on is being replaced.
    start = 0 if u1 == 0 else same[u1 - 1] + 1 if u1 - 1 in same else None
    end = n_o if u2 == n_u else same.get(u2)
    if start is None or end is None:
        return None
    return (end, end) if u1 == u2 else (start, end)


def _keep_comments(removed: list[str], lines: list[str], leaving: set[str], at: int) -> list[str]:
    """The new lines, with the comment and blank lines they would drop kept in place.

    ruamel attaches a comment to the node above it and drops it with that node,
    and loses comments inside a flow list it rewrites. Only a removed member's
    own line (`- member  # c`, or `member,  # c` in a flow list over lines)
    takes its comment along; any other lost comment refuses the edit.
    """
    kept: list[str] = []
    for tag, r1, r2, l1, l2 in _opcodes(removed, lines):
        kept += lines[l1:l2]
        for index in range(r1, r2) if tag in ("delete", "replace") else ():
            line = removed[index]
            if COMMENT_LINE.fullmatch(line):
                kept += [] if line in lines else [line]
                continue
            comment, member = _comment_of(line), _member_of(line)
            lost = comment is not None and comment not in "".join(lines)
            if lost and not (member is not None and account_key(member) in leaving):
                raise EditRefused(
                    f"the change would drop the comment {comment!r} on line {at + index + 1}; "
                    "make this change by hand"
                )
    return kept


def _member_of(line: str) -> str | None:
    """The member a line lists alone: a block item, or an item of a flow list over lines."""
    block = _ITEM.fullmatch(line)
    if block:
        return block[2]
    flow = _FLOW_ITEM.fullmatch(line)
    return next((g for g in flow.groups() if g is not None), None) if flow else None


def _comment_of(line: str) -> str | None:
    """The comment ending a line: a `#` after a blank, outside quotes."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[index:].rstrip()
    return None
