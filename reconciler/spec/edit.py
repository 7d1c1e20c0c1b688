"""Round-trip edits of spec files: rewrite the lines that change, keep every other byte.

`reconciler drift --adopt` writes live values back into spec files for review,
so a diff must show only the changed lines: comments, key order, flow or block
style, quoting and the file's other documents stay as written. ruamel.yaml's
round-trip mode edits (PyYAML drops comments and styles), set up as spec files
are written and read here (see `_yaml`). Its output is never taken whole: each
document is edited alone and only the lines ruamel changes for the edits are
spliced into the original (a three-way line merge); where it cannot keep a
line as written, the edit is refused with a message. Each edited document is
read back with our own loader before anything is written: it must validate
and hold exactly its old values with the edits made.
"""

from __future__ import annotations

import copy
import difflib
import io
import json
import re
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from reconciler.identity import account_key
from reconciler.spec.files import write_atomically
from reconciler.spec.linemerge import EditRefused, merge
from reconciler.spec.load import build_spec
from reconciler.spec.yamlfile import JSON, parse_documents, read_spec_text

_NULL_TAG, _STR_TAG = "tag:yaml.org,2002:null", "tag:yaml.org,2002:str"
_KEY_ORDER = (
    "kind", "tenant", "workspaceId", "key", "name", "description", "organizationUnit",
    "workspaceType", "lifeCycle", "manager", "deputy", "schema", "team",
)  # fmt: skip
"""The documented order: a key the document lacks goes after the keys that precede it."""
_MARKER = re.compile(r"(?:---|\.\.\.)(?:[ \t]|$)")
_INDENTS = tuple((m, o + 2, o) for m in (2, 4) for o in (0, 2, 4))
"""(mapping, sequence, offset): mappings indented by 2 or 4; a block list's `- ` under its
key or indented by 2 or 4."""


@dataclass(frozen=True)
class SetValue:
    """Write `value` (None: null) at `path`: ("schema", "Phase"), ("lifeCycle",), ("manager",)
    (the email, whether written plain or as {email, name}), ("manager", "name")."""

    path: tuple[str, ...]
    value: str | None

    def __str__(self) -> str:
        shown = "null" if self.value is None else json.dumps(self.value, ensure_ascii=False)
        return f"{'.'.join(self.path)} = {shown}"


@dataclass(frozen=True)
class AddMember:
    """List `member` in a team group; the group, and `team:`, are added when missing."""

    group: str
    member: str

    def __str__(self) -> str:
        return f"team.{self.group} += {self.member}"


@dataclass(frozen=True)
class RemoveMember:
    """Take `member` (compared without case) out of a team group's list."""

    group: str
    member: str

    def __str__(self) -> str:
        return f"team.{self.group} -= {self.member}"


Edit = SetValue | AddMember | RemoveMember


@dataclass(frozen=True)
class DocumentEdits:
    """One document's edits; `line` is where the loader says it starts (its first key)."""

    line: int
    edits: tuple[Edit, ...]
    identity: tuple[str, str] | None = None
    """("workspaceId", "pr.51"): what the document must still say, or the file has moved."""


@dataclass(frozen=True)
class FileEdit:
    """The file's new text, and per document line why its edits were not made."""

    text: str
    refused: Mapping[int, str] = field(default_factory=dict)


# -- ruamel, set up to read and write spec files as they are written ----------------------


class _Null:
    """A null as it was spelled (`null`, `~`, `Null` or nothing), written back the same
    (ruamel writes every null in a mapping as nothing); equal to None, as the loader reads it."""

    def __init__(self, text: str = "null") -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, _Null)

    def __hash__(self) -> int:
        return hash(None)


class _Resolver(VersionedResolver):
    """YAML 1.2 as our loader reads it: a date stays text, never a timestamp (which ruamel
    would write back in its own format)."""

    @property
    def versioned_resolver(self) -> Any:
        table = super().versioned_resolver
        return {
            f: [(t, rx) for t, rx in r if not t.endswith(":timestamp")] for f, r in table.items()
        }


class _Constructor(RoundTripConstructor):
    def construct_spelled_null(self, node: ScalarNode) -> _Null:
        return _Null(str(node.value))


class _Representer(RoundTripRepresenter):
    def represent_spelled_null(self, data: _Null) -> ScalarNode:
        return self.represent_scalar(_NULL_TAG, data.text)


_Constructor.add_constructor(_NULL_TAG, _Constructor.construct_spelled_null)
_Representer.add_representer(_Null, _Representer.represent_spelled_null)
_YAML_READERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))


def _yaml(mapping: int, sequence: int, offset: int) -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Resolver, yaml.Constructor, yaml.Representer = _Resolver, _Constructor, _Representer
    yaml.preserve_quotes = True  # "4711" stays "4711", 'x' stays 'x'
    yaml.width = 1 << 30  # never wrap a long line
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml: YAML, data: Any) -> list[str]:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue().splitlines(keepends=True)


def needs_quotes(value: str) -> bool:
    """True when a YAML 1.1 or 1.2 reader would take the plain text for anything but text
    (numbers, booleans, yes/no, dates, null-likes). Our loader reads some of them as text,
    other tools would not: quoting keeps every reader agreeing."""
    if value == "" or value != value.strip():
        return True
    return any(r.resolve(ScalarNode, value, (True, False)) != _STR_TAG for r in _YAML_READERS)


# -- the edits: on ruamel's tree, and on the loader's plain data (what must read back) -----


def _text(value: str, old: Any) -> Any:
    """Text in the quotes of the value it replaces, or quoted where other readers need it."""
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(value)
    if isinstance(old, DoubleQuotedScalarString) or needs_quotes(value):
        return DoubleQuotedScalarString(value)
    return value


def _group(like: Any) -> CommentedSeq:
    """A new group's list, in the style of another group: `[a]` unless those are blocks."""
    members = CommentedSeq()
    if not isinstance(like, CommentedSeq) or like.fa.flow_style():
        members.fa.set_flow_style()
    return members


def _set(mapping: MutableMapping[str, Any], key: str, value: Any) -> None:
    """Replace a value in place, or add the key after those the documented order puts first."""
    if key in mapping or key not in _KEY_ORDER or not isinstance(mapping, CommentedMap):
        mapping[key] = value
        return
    before = set(_KEY_ORDER[: _KEY_ORDER.index(key)])
    keys = list(mapping)
    mapping.insert(max((i + 1 for i, k in enumerate(keys) if k in before), default=0), key, value)


def _apply(root: MutableMapping[str, Any], edit: Edit) -> None:
    """Make one edit; ruamel's values equal the plain ones, so it serves both trees."""
    if not isinstance(edit, SetValue):
        _member(root, edit)
        return
    *parents, last = edit.path
    if parents and parents[0] in ("manager", "deputy"):  # a person's name
        person = root.get(parents[0])
        if edit.value is None:
            if isinstance(person, MutableMapping):
                person.pop(last, None)
        elif isinstance(person, MutableMapping):
            _set(person, last, _text(edit.value, person.get(last)))
        elif isinstance(person, str):  # only the mapping form has a name
            root[parents[0]] = CommentedMap([("email", person), ("name", _text(edit.value, None))])
            root[parents[0]].fa.set_flow_style()  # as `manager: {email: ..., name: ...}`
        else:
            raise EditRefused(f"{edit}: the definition names no {parents[0]} to give a name")
        return
    parent = root
    for key in parents:
        if not isinstance(parent.get(key), MutableMapping):
            _set(parent, key, CommentedMap())
        parent = parent[key]
    old = parent.get(last)
    if edit.value is None:
        _set(parent, last, old if isinstance(old, _Null) else _Null())
    elif last in ("manager", "deputy") and isinstance(old, MutableMapping):
        old["email"] = _text(edit.value, old.get("email"))  # {email, name} stays a mapping
    else:
        _set(parent, last, _text(edit.value, old if isinstance(old, str) else None))


def _member(root: MutableMapping[str, Any], edit: AddMember | RemoveMember) -> None:
    team = root.get("team")
    group = team.get(edit.group) if isinstance(team, MutableMapping) else None
    listed = group if isinstance(group, MutableSequence) else []
    key = account_key(edit.member)
    index = next((i for i, m in enumerate(listed) if account_key(str(m)) == key), None)
    if isinstance(edit, RemoveMember):
        if index is None:
            raise EditRefused(f"team.{edit.group} does not list {edit.member}")
        del listed[index]
    elif index is None:
        if not isinstance(team, MutableMapping):
            team = CommentedMap()
            _set(root, "team", team)
        if not isinstance(group, MutableSequence):
            like = next((g for g in team.values() if isinstance(g, MutableSequence)), None)
            group = team[edit.group] = _group(like)
        elif not group and isinstance(group, CommentedSeq):
            group.fa.set_flow_style()  # `[]` was written in flow style: `[a]`, not a block
        group.append(_text(edit.member, None))


# -- documents of a file, and the three-way line merge ------------------------------------


def _spans(lines: Sequence[str]) -> list[tuple[int, int]]:
    """[first, end) of each document's lines, between `---` / `...` lines: YAML forbids
    those at the start of a line inside a scalar, so the split is exact."""
    markers = [i for i, line in enumerate(lines) if _MARKER.match(line)]
    return list(zip([0, *(m + 1 for m in markers)], [*markers, len(lines)], strict=True))


def edit_text(text: str, documents: Sequence[DocumentEdits]) -> FileEdit:
    """The text with each document's edits made; other documents stay byte for byte."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    crlf = "\r\n" in body
    body = body.replace("\r\n", "\n")
    if "\r" in body:
        reason = "the file mixes line endings (CR, CRLF, LF); save it with one kind"
        return FileEdit(text, {d.line: reason for d in documents})
    lines = body.splitlines(keepends=True)
    spans = _spans(lines)
    replaced: dict[int, list[str]] = {}
    refused: dict[int, str] = {}
    for wanted in documents:
        index = next((i for i, (a, b) in enumerate(spans) if a < wanted.line <= b), None)
        if index is None:
            on_marker = 0 < wanted.line <= len(lines) and _MARKER.match(lines[wanted.line - 1])
            where = "a document that starts on its --- line" if on_marker else "no document"
            refused[wanted.line] = f"{where} at line {wanted.line}; edit it by hand"
            continue
        first, end = spans[index]
        try:
            replaced[index] = _edit_document(replaced.get(index, lines[first:end]), wanted, first)
        except EditRefused as exc:
            refused[wanted.line] = str(exc)
    out: list[str] = []
    for index, (first, end) in enumerate(spans):
        out += replaced.get(index, lines[first:end]) + lines[end : end + 1]  # and its marker
    result = "".join(out)
    return FileEdit(bom + (result.replace("\n", "\r\n") if crlf else result), refused)


def _edit_document(original: list[str], wanted: DocumentEdits, offset: int) -> list[str]:
    """One document's lines, edited; `offset` is the index of its first line in the file."""
    unterminated = bool(original) and not original[-1].endswith("\n")
    if unterminated:  # the file's last line: ruamel would end it, so end it for the merge
        original = [*original[:-1], original[-1] + "\n"]
    before = _read_back(original, wanted.line)
    if wanted.identity and before.get(wanted.identity[0]) != wanted.identity[1]:
        name, value = wanted.identity
        raise EditRefused(f"the document at line {wanted.line} no longer says {name}: {value}")
    expected = copy.deepcopy(before)
    try:
        yaml, unedited, tree = _best_round_trip(original)
        for edit in wanted.edits:
            _apply(expected, edit)
            _apply(tree, edit)
        edited = _dump(yaml, tree)
    except YAMLError as exc:
        raise EditRefused(f"ruamel.yaml cannot edit this document: {exc}") from exc
    leaving = {account_key(e.member) for e in wanted.edits if isinstance(e, RemoveMember)}
    merged = merge(original, unedited, edited, offset, leaving)
    if _read_back(merged, wanted.line) != expected:
        raise EditRefused(
            f"the edited document at line {wanted.line} would not read back as intended; "
            "nothing was written (make the change by hand)"
        )
    if unterminated and merged:
        merged[-1] = merged[-1].removesuffix("\n")
    return merged


def _best_round_trip(original: list[str]) -> tuple[YAML, list[str], Any]:
    """The indentation that reproduces the document best, ruamel's output with it, the tree."""
    tree = _yaml(*_INDENTS[0]).load("".join(original))
    if not isinstance(tree, CommentedMap):
        raise EditRefused("the document is not a mapping")
    tried: list[tuple[float, int, YAML, list[str]]] = []
    for style in _INDENTS:
        yaml = _yaml(*style)
        output = _dump(yaml, tree)
        if output == original:
            return yaml, output, tree
        score = difflib.SequenceMatcher(None, original, output, autojunk=False).ratio()
        tried.append((score, -len(tried), yaml, output))
    _, _, yaml, output = max(tried, key=lambda t: t[:2])
    return yaml, output, tree


def _read_back(lines: list[str], line: int) -> dict[str, JSON]:
    """The document as our own loader reads it; it must be one valid workspace document."""
    documents, problems = parse_documents("".join(lines), "<edit>")
    if problems or len(documents) != 1 or not isinstance(documents[0].data, dict):
        shown = "; ".join(p.summary for p in problems) or "not one workspace document"
        raise EditRefused(f"the document at line {line} does not read as one document: {shown}")
    _, invalid = build_spec(documents[0], "tenant")
    if invalid:
        shown = "; ".join(p.summary for p in invalid)
        raise EditRefused(f"the document at line {line} would not validate: {shown}")
    return documents[0].data


def round_trip(text: str) -> str:
    """ruamel's own output for each document of `text`, unedited, joined by their markers
    (tests hold it byte-identical to the example specs)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    for first, end in _spans(lines):
        out += _best_round_trip(lines[first:end])[1] + lines[end : end + 1]
    return "".join(out)


def edit_file(path: Path, documents: Sequence[DocumentEdits], display: str) -> FileEdit:
    """Edit a spec file in place, atomically; nothing is written when nothing changes."""
    text, problem = read_spec_text(path, display)
    if text is None:
        reason = problem.summary if problem else "cannot read the file"
        return FileEdit("", {d.line: reason for d in documents})
    result = edit_text(text, documents)
    if result.text != text:
        _write(path, result.text)
    return result


def _write(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of one; the mode is kept."""
    try:
        write_atomically(path.resolve(), text, prefix=".adopt-")  # a link's target is written
    except OSError as exc:
        raise EditRefused(f"cannot write {path}: {exc.strerror or exc}") from exc
