"""Read one spec file into plain data, with the position of every key and value.

PyYAML is the parser, but not its loaders: their YAML 1.1 rules turn `no`
into False, `2024-01-01` into a date and `0123` into 83, and they let the last
of two duplicate keys win silently. Here a document is *composed* into nodes
with YAML 1.2 core resolution, and the nodes are converted to data by our own
code, which records a JSON pointer -> file:line:column map on the way. The
decisions, each on purpose (see docs-spec-section.md):

- booleans are only true/false (any case form YAML 1.2 allows); yes/no/on/off
  stay strings;
- timestamps are not resolved: a date stays the exact text written;
- integers and floats follow YAML 1.2 core (no octal `0777`, no `1_000`, no
  sexagesimal `1:20`); the source text of every non-string scalar is kept, so
  a schema value written `01` is sent as "01", never 1;
- duplicate keys and non-string keys are errors;
- anchors, aliases and tags other than !!str, !!map, !!seq are refused while
  composing, before anything is expanded: no alias bombs, no python objects;
- files are capped at MAX_FILE_BYTES and nesting at MAX_DEPTH, and must be UTF-8;
- only regular files are read: a FIFO, a device or a socket named `*.yaml` is
  refused without being opened (opening a FIFO waits for a writer for ever).

No validation of the spec format happens here; see schema.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias, cast

from yaml.composer import Composer
from yaml.error import Mark, MarkedYAMLError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from reconciler.model.diagnostics import Diagnostic, Source
from reconciler.spec.files import (
    MAX_FILE_BYTES,
    NotARegularFile,
    describe_os_error,
    read_regular_file,
    read_spec_text,
)

# Plain data as JSON knows it: what jsonschema validates and load.py reads.
JSON: TypeAlias = bool | int | float | str | list["JSON"] | dict[str, "JSON"] | None

MAX_DEPTH = 20
"""A spec nests four levels deep; deeper input is hostile or broken (and would recurse)."""

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"

# Tags a user may write explicitly: "!" (non-specific) and the three that
# cannot change a value's meaning. Everything else, !!python/* included, is refused.
_ALLOWED_EXPLICIT_TAGS = frozenset({"!", STR_TAG, MAP_TAG, SEQ_TAG})


class SpecYAMLError(MarkedYAMLError):
    """A YAML construct that spec files refuse (anchor, alias, tag, depth)."""


class _Core12Resolver(BaseResolver):
    """Implicit typing of the YAML 1.2 core schema; anything else is a string."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}


_Core12Resolver.add_implicit_resolver(
    BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Core12Resolver.add_implicit_resolver(
    NULL_TAG, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
# int before float: "12" matches both patterns and the first resolver wins.
_Core12Resolver.add_implicit_resolver(
    INT_TAG, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Core12Resolver.add_implicit_resolver(
    FLOAT_TAG,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


class _SpecComposer(Reader, Scanner, Parser, Composer, _Core12Resolver):
    """PyYAML's composer with the refusals spec files need, checked before composing each node."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Core12Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            raise SpecYAMLError(
                problem=f"aliases (*{event.anchor}) are not allowed in spec files; "
                "write the value out",
                problem_mark=cast(Mark, event.start_mark),
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise SpecYAMLError(
                problem=f"anchors (&{anchor}) and aliases are not allowed in spec files; "
                "write each value out",
                problem_mark=event.start_mark,
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in _ALLOWED_EXPLICIT_TAGS:
            raise SpecYAMLError(
                problem=f"tag {_short_tag(tag)} is not allowed in spec files "
                "(only plain values, lists and mappings)",
                problem_mark=event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise SpecYAMLError(
                    problem=f"nesting deeper than {MAX_DEPTH} levels",
                    problem_mark=event.start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _short_tag(tag: str) -> str:
    """Show a tag as written: tag:yaml.org,2002:python/object -> !!python/object."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


def escape_pointer_token(token: str | int) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(parts: Iterable[str | int]) -> str:
    """The JSON pointer of a path such as jsonschema's `absolute_path`."""
    return "".join("/" + escape_pointer_token(part) for part in parts)


@dataclass(frozen=True)
class Document:
    """One YAML document as plain data, plus where each piece of it was written."""

    start: Source
    data: JSON
    values: Mapping[str, Source] = field(repr=False)
    """JSON pointer ("" is the root) -> position of the value."""
    keys: Mapping[str, Source] = field(repr=False)
    """JSON pointer -> position of the mapping key that names the value."""
    plain: Mapping[str, str] = field(repr=False)
    """JSON pointer -> source text of each non-string scalar (number, boolean, null)."""

    def where(self, ptr: str) -> Source:
        """Position of the value at `ptr`, or of its nearest written ancestor."""
        while ptr not in self.values and ptr:
            ptr = ptr.rsplit("/", 1)[0]
        return self.values.get(ptr, self.start)

    def key_where(self, ptr: str) -> Source:
        """Position of the key naming `ptr` (the line a person looks for), else the value's."""
        return self.keys.get(ptr) or self.where(ptr)


def _source(file: str, mark: Mark) -> Source:
    # PyYAML marks count from 0; editors and compilers count from 1.
    return Source(file, mark.line + 1, mark.column + 1)


class _Converter:
    """Nodes -> plain data for one document, recording positions and key problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.values: dict[str, Source] = {}
        self.keys: dict[str, Source] = {}
        self.plain: dict[str, str] = {}
        self.diagnostics: list[Diagnostic] = []

    def convert(self, node: Node, ptr: str) -> JSON:
        self.values[ptr] = _source(self.file, node.start_mark)
        if isinstance(node, MappingNode):
            return self._mapping(node, ptr)
        if isinstance(node, SequenceNode):
            return [self.convert(item, f"{ptr}/{i}") for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        value = scalar_value(node)
        if isinstance(value, str) and _has_surrogate(value):
            self._error(self.values[ptr], _SURROGATE)
            # The error stops the run; U+FFFD keeps the other checks from repeating it.
            return "".join("\ufffd" if _has_surrogate(ch) else ch for ch in value)
        if not isinstance(value, str) or node.tag != STR_TAG:
            self.plain[ptr] = node.value
        return value

    def _mapping(self, node: MappingNode, ptr: str) -> dict[str, JSON]:
        result: dict[str, JSON] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            if key is None:
                continue
            child = f"{ptr}/{escape_pointer_token(key)}"
            here = _source(self.file, key_node.start_mark)
            if key in result:
                first = self.keys[child]
                self._error(here, f"duplicate key '{key}' (first defined at line {first.line})")
                continue
            self.keys[child] = here
            result[key] = self.convert(value_node, child)
        return result

    def _key(self, node: Node) -> str | None:
        here = _source(self.file, node.start_mark)
        if isinstance(node, ScalarNode) and node.tag == STR_TAG:
            if _has_surrogate(str(node.value)):
                self._error(here, _SURROGATE)
                return None
            return str(node.value)
        if isinstance(node, ScalarNode):
            written = node.value or "(empty)"
            self._error(here, f"key {written} is not a string; quote it if it is meant as a name")
        else:
            self._error(here, "a key must be a plain name, not a list or mapping")
        return None

    def _error(self, where: Source, message: str) -> None:
        self.diagnostics.append(Diagnostic.at(where, message))


_SURROGATE = (
    "text holds an unpaired surrogate escape (\\ud800 to \\udfff), which no file or "
    "request can carry; write the character itself, or its \\U0001xxxx escape"
)


def _has_surrogate(text: str) -> bool:
    """A lone UTF-16 half from a \\uXXXX escape: it cannot be encoded, so nothing can send it."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def scalar_value(node: ScalarNode) -> JSON:
    """The value of a scalar node under YAML 1.2 core rules (resolved tag -> Python value)."""
    text = str(node.value)
    try:
        if node.tag == NULL_TAG:
            return None
        if node.tag == BOOL_TAG:
            return text.lower() == "true"
        if node.tag == INT_TAG:
            return _to_int(text)
        if node.tag == FLOAT_TAG:
            return _to_float(text)
    except ValueError:
        if node.tag == INT_TAG:
            # More digits than Python converts (int_max_str_digits): still a number, which
            # is what the schema must see (a bare number where text belongs is an error);
            # the written text is kept beside it for messages and schema values.
            return float("inf")
        return text
    return text


def _to_int(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _to_float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith("inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(text)


def parse_documents(text: str, file: str) -> tuple[list[Document], list[Diagnostic]]:
    """Split `text` into documents; empty documents (a lone `---`) are skipped.

    Problems inside a document (duplicate keys, non-string keys) are reported
    and the document is still returned. A YAML error stops the file there:
    documents before it are returned, nothing after it can be trusted.
    """
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    try:
        composer = _SpecComposer(text)
    except ReaderError as exc:
        return [], [_reader_error(exc, text, file)]
    try:
        while composer.check_node():
            node = composer.get_node()
            if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
                continue
            converter = _Converter(file)
            data = converter.convert(node, "")
            start = _source(file, node.start_mark)
            documents.append(
                Document(start, data, converter.values, converter.keys, converter.plain)
            )
            diagnostics.extend(converter.diagnostics)
    except MarkedYAMLError as exc:
        diagnostics.append(_yaml_error(exc, file))
    except ReaderError as exc:
        diagnostics.append(_reader_error(exc, text, file))
    finally:
        composer.dispose()
    return documents, diagnostics


def _yaml_error(exc: MarkedYAMLError, file: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if isinstance(exc, SpecYAMLError):
        return Diagnostic.in_file(file, str(exc.problem), line, column)
    message = f"invalid YAML: {exc.problem}"
    if exc.context:
        context_line = f", line {exc.context_mark.line + 1}" if exc.context_mark else ""
        message += f" ({exc.context}{context_line})"
    return Diagnostic.in_file(file, message, line, column)


def _reader_error(exc: ReaderError, text: str, file: str) -> Diagnostic:
    position = int(exc.position)
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
    message = f"control character #x{code:04x} is not allowed in YAML; remove it"
    return Diagnostic.in_file(file, message, line, column)


__all__ = [
    "JSON",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "Document",
    "NotARegularFile",
    "describe_os_error",
    "escape_pointer_token",
    "parse_documents",
    "pointer",
    "read_regular_file",
    "read_spec_text",
]
