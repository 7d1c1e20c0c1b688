"""Generated and mutated spec documents never crash the loader or the planner.

Documents are built as a small YAML tree (mappings, lists, scalars written as
YAML text) from the values a spec holds, rendered in block or flow style,
then mutated: keys deleted, duplicated, renamed or made non-strings, values of
the wrong type, huge numbers, tags, anchors and aliases, deep nesting; and as
text: control characters, odd unicode, tabs, BOMs, line endings, directives,
document markers, truncation; and as bytes: invalid UTF-8, UTF-16, oversize.

The loader (parse + build + validate, through a file and through the string
entry points) must answer with specs or Diagnostics, each with the file and,
inside the file, a line and a column; never an exception, except the
documented SpecError of `load_specs`. The pure planner functions
(`resolve`, `plan_workspace`) on the plain-value catalog of
tests/engine/test_calls.py must answer with a WorkspacePlan whose problems are
Diagnostics at the spec's lines; never an exception.

These properties found two bugs, both fixed and drawn again: a double-quoted
surrogate escape (`name: "\\ud800"`) loaded as text no encoding can carry and
crashed plan later (now a loader error at its line), and a bare number of
more than 4300 digits (Python's int_max_str_digits) loaded as text (now a
number, so "expected a string, got the number" as for any bare number).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from reconciler.api.models import FieldDefinition, SchemaField
from reconciler.api.models import Person as LivePerson
from reconciler.api.wire.writes import request_for
from reconciler.engine import planner
from reconciler.engine.live import Catalog, LiveWorkspace
from reconciler.engine.state import State, TenantState, digest
from reconciler.errors import SpecError
from reconciler.identity import workspace_id_key
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.plan import Action, WorkspacePlan
from reconciler.spec import ABSENT, WorkspaceSpec, load_documents, load_specs
from reconciler.spec import Person as SpecPerson
from reconciler.spec.load import build_spec, duplicate_workspaces
from reconciler.spec.yamlfile import MAX_FILE_BYTES, parse_documents
from tests.engine.test_calls import BUTTERFLY, CATALOG, STAR, live
from tests.engine.values import CUSTOMER_CASE, DEPARTMENT
from tests.properties.conftest import PROFILE

# --- a YAML-ish document tree --------------------------------------------------------------


@dataclass
class Scalar:
    """A scalar as YAML text (quoted, tagged, anchored ... as written)."""

    text: str
    value: Any = None
    """What a `schema:` value loads as (the source text, or None for null); for checks."""


@dataclass
class Mapping:
    entries: list[tuple[str, Node]] = field(default_factory=list)
    flow: bool = False


@dataclass
class Sequence:
    items: list[Node] = field(default_factory=list)
    flow: bool = False


Node: TypeAlias = Scalar | Mapping | Sequence


def render(root: Node) -> str:
    return "\n".join(_block(root, 0)) + "\n"


def _inline_ok(node: Node) -> bool:
    if isinstance(node, Scalar):
        return True
    return node.flow or not (node.entries if isinstance(node, Mapping) else node.items)


def _inline(node: Node) -> str:
    if isinstance(node, Scalar):
        return node.text
    if isinstance(node, Mapping):
        return "{" + ", ".join(f"{k}: {_inline(v)}" for k, v in node.entries) + "}"
    return "[" + ", ".join(_inline(item) for item in node.items) + "]"


def _block(node: Node, indent: int) -> list[str]:
    pad = " " * indent
    if _inline_ok(node):
        return [pad + _inline(node)]
    lines: list[str] = []
    if isinstance(node, Mapping):
        for key, value in node.entries:
            if _inline_ok(value):
                lines.append(f"{pad}{key}: {_inline(value)}")
            else:
                lines += [f"{pad}{key}:", *_block(value, indent + 2)]
        return lines
    assert isinstance(node, Sequence)
    for item in node.items:
        if _inline_ok(item):
            lines.append(f"{pad}- {_inline(item)}")
        else:
            lines += [f"{pad}-", *_block(item, indent + 2)]
    return lines


# --- values a spec holds, written in several YAML styles ---------------------------------

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_@.\-]*(?: [A-Za-z0-9_@.\-]+)*")
_CORE_WORDS = re.compile(r"(?:true|false|null|~)", re.IGNORECASE)


def styles(value: str) -> list[str]:
    """How a text can be written so that it loads as that text."""
    single = "'" + value.replace("'", "''") + "'"
    double = json.dumps(value, ensure_ascii=False)
    plain = [value] if _PLAIN.fullmatch(value) and not _CORE_WORDS.fullmatch(value) else []
    return [*plain, single, double]


T = TypeVar("T")
_INDEX = st.integers(0, 1 << 16)
_FLIP = st.booleans()


def pick(draw: st.DrawFn, options: list[Any] | tuple[Any, ...]) -> Any:
    """One of `options`. One shared strategy, drawn often: building a strategy per draw is slow."""
    return options[draw(_INDEX) % len(options)]


def flip(draw: st.DrawFn) -> bool:
    return draw(_FLIP)


def between(draw: st.DrawFn, low: int, high: int) -> int:
    return low + draw(_INDEX) % (high - low + 1)


def subset(draw: st.DrawFn, options: list[T], most: int) -> list[T]:
    """Up to `most` distinct options, in a drawn order."""
    chosen: list[T] = []
    for _ in range(between(draw, 0, most)):
        option = pick(draw, options)
        if option not in chosen:
            chosen.append(option)
    return chosen


def write(draw: st.DrawFn, values: list[str]) -> Scalar:
    """One of `values`, in any style that keeps it text."""
    value = pick(draw, values)
    return Scalar(pick(draw, styles(value)), value)


_CASES = (str, str.upper, str.title, str.swapcase)


def case_variant(draw: st.DrawFn, value: str) -> str:
    """An email or group name in another case: the same account to the service."""
    return str(pick(draw, _CASES)(value))


EMAILS = [
    "marko@xyz.com",
    "ana@xyz.com",
    "tom@xyz.com",
    "maria@xyz.com",
    "imp@xyz.com",
    "bob@xyz.com",
    "anita@xyz.com",
    "michael@xyz.com",
    "lucas@xyz.com",
]
AD_GROUPS = ["AD_XYZ", "AD_Visitors", "AD_Finance"]
NAMES = [
    "Project01",
    "Orange",
    "Finance Dept",
    "Ölprojekt ✓",
    "名前のある空間",
    "Tab\tinside",
    "!!! ---",
    "2024",
    "yes",
    "x" * 300,
    "Zero\u200bwidth",
    "עברית mixed",
]
ESCAPED = [
    ('"Caf\\u00e9 \\x41"', "Café A"),
    ('"Emoji \\U0001F600"', "Emoji \U0001f600"),
    ('"No\\_break"', "No\u00a0break"),
    ('"Line\\Lseparator"', "Line\u2028separator"),
    ('"Next\\Nline"', "Next\x85line"),
    ('"Tab\\there"', "Tab\there"),
]
"""Double-quoted escapes, and the text each loads as."""
UNITS = [
    "Star Unit",
    "SU",
    "Butterfly",
    "BF",
    STAR.id,
    STAR.id.upper(),
    BUTTERFLY.id,
    "Nowhere",
]
TYPES = [
    "Project",
    "Project Plus",
    "Team Room",
    "Department Site",
    "Customer Case",
    "Archive",
    DEPARTMENT.id.lower(),
    "project",
    "Nope",
]
WORKSPACE_IDS = ["example", "pr.01", "tr.support", "EXAMPLE", "pr-ü", "tr.", "x" * 200]
KEYS = ["finance", "migros-case", "k.1", "Finance", "z" * 200]
TENANTS = ["contoso", "Contoso", "fabrikam", "x.y_z-1"]

FIELD_NAMES = [
    "StartDate",
    "EndDate",
    "Opened",
    "Customer",
    "Description",
    "Topic",
    "Phase",
    "Confidential",
    "CostCenter",
    "Unknown Field",
    "we/ird~name",
    "Ünï",
]
DATETIMES = [
    "2024-03-01",
    "2024-03-01T10:15:30Z",
    "2024-03-01T10:15:30+02:00",
    "2024-03-01T10:15:30-0530",
    "2024-03-01t10:15:30z",
    "2024-03-01 10:15:30",
    "2024-03-01T10:15:30.987-03",
    "1900-01-01T00:30:00+01:00",
    "9999-12-31T23:00:00-05:00",
    "0001-01-01T00:00:00+01:00",
    "2024-02-30",
    "2024-03-01T24:00:00Z",
    "2024-03-01T10:00:00+24:00",
    "2024-03-01T10:00:00+23:99",
    "20240301T101530Z",
    "next tuesday",
]
NUMBERS = ["12", "-3.50", "0123", " 42 ", "12.0", "1e3", "+5", "1_000", "1,5", ".5", "9" * 60]
BOOLEANS = ["true", "FALSE", "True", "1", "0", " true ", "yes", "on", "2"]
STRINGS = ["Migros", "Coop", " Coop ", "Execution", "Closure", "execution", "NO", "1:20", "é"]


_PLAIN_TOKENS = ["12", "-3.50", "0123", "1e3", "0x1F", "0o17", ".inf", "true", "FALSE", "1"]
_NULLS = ["null", "~", ""]


def schema_value(draw: st.DrawFn) -> Scalar:
    """A schema value: null, a plain number or boolean (kept as its text), or a text."""
    kind = pick(draw, ["null", "plain", "text", "text"])
    if kind == "null":
        return Scalar(pick(draw, _NULLS))
    if kind == "plain":
        token = pick(draw, _PLAIN_TOKENS)
        return Scalar(token, token)
    return write(draw, DATETIMES + NUMBERS + BOOLEANS + STRINGS)


def person(draw: st.DrawFn) -> tuple[Node, str]:
    """An email, or {email, name}: (the node, the email as written)."""
    email = case_variant(draw, pick(draw, EMAILS))
    if flip(draw):
        return write(draw, [email]), email
    entries: list[tuple[str, Node]] = [("email", write(draw, [email]))]
    if flip(draw):
        entries.append(("name", write(draw, ["Marko M.", "Ana", "Ölga ✓"])))
    return Mapping(entries, flow=flip(draw)), email


def team(draw: st.DrawFn) -> tuple[Mapping, dict[str, tuple[str, ...]]]:
    """Listed groups of distinct accounts (compared without case), each in some case."""
    node, expected = Mapping(), {}
    for group in subset(draw, ["Managers", "Members", "Visitors", "Owners"], 4):
        written = [case_variant(draw, a) for a in subset(draw, EMAILS + AD_GROUPS, 4)]
        members: list[Node] = [write(draw, [m]) for m in written]
        node.entries.append((group, Sequence(members, flow=flip(draw))))
        expected[group] = tuple(written)
    return node, expected


@dataclass
class Generated:
    """A valid document and what the loader must make of it."""

    tree: Mapping
    expected: dict[str, Any]


def valid_document(draw: st.DrawFn) -> Generated:
    """A document the schema accepts; the planner may still refuse its values."""
    doc = Mapping([("kind", write(draw, ["Workspace"]))])
    expected: dict[str, Any] = {}
    if flip(draw):
        expected["tenant"] = pick(draw, TENANTS)
        doc.entries.append(("tenant", write(draw, [expected["tenant"]])))
    if flip(draw):
        expected["workspace_id"] = pick(draw, WORKSPACE_IDS)
        doc.entries.append(("workspaceId", write(draw, [expected["workspace_id"]])))
    else:
        expected["key"] = pick(draw, KEYS)
        doc.entries.append(("key", write(draw, [expected["key"]])))
    if flip(draw):
        expected["name"] = pick(draw, NAMES)
        doc.entries.append(("name", write(draw, [expected["name"]])))
    else:
        token, expected["name"] = pick(draw, ESCAPED)
        doc.entries.append(("name", Scalar(token)))
    if flip(draw):
        doc.entries.append(("description", write(draw, ["First", "Ünïcode ✓", "multi word"])))
    elif flip(draw):
        doc.entries.append(("description", Scalar(pick(draw, ESCAPED)[0])))
    doc.entries.append(("organizationUnit", write(draw, UNITS)))
    doc.entries.append(("workspaceType", write(draw, TYPES)))
    if flip(draw):
        doc.entries.append(("lifeCycle", write(draw, ["active", "closed"])))
    manager, expected["manager"] = person(draw)
    doc.entries.append(("manager", manager))
    expected["deputy"] = pick(draw, ["omit", "null", "person"])
    if expected["deputy"] == "null":
        doc.entries.append(("deputy", Scalar(pick(draw, ["null", ""]))))
    elif expected["deputy"] == "person":
        doc.entries.append(("deputy", person(draw)[0]))
    if flip(draw):
        names = subset(draw, FIELD_NAMES, 5)
        values = [schema_value(draw) for _ in names]
        keys = [write(draw, [n]).text for n in names]
        doc.entries.append(("schema", Mapping(list(zip(keys, values, strict=True)))))
        expected["schema"] = {n: v.value for n, v in zip(names, values, strict=True)}
    if flip(draw):
        node, expected["team"] = team(draw)
        doc.entries.append(("team", node))
    order = draw(st.permutations(range(len(doc.entries))))
    doc.entries = [doc.entries[i] for i in order]
    return Generated(doc, expected)


valid_documents = st.composite(valid_document)


# --- mutations -----------------------------------------------------------------------------

WRONG_VALUES = [
    "2024",
    "0123",
    "-0",
    "1e999",
    "-.inf",
    ".nan",
    "0x1F",
    "9" * 5000,  # more digits than int() converts (int_max_str_digits)
    "true",
    "null",
    "~",
    "[]",
    "{}",
    "[a, [b, {c: d}]]",
    "{a: 1, a: 2}",
    '"\\ud800"',  # a lone surrogate, written as an escape
    '"\\x00 nul"',
    '"\\e\\a\\v"',
    '"\\U0001F600 emoji"',
    "'single ''quoted'''",
    "|\n  literal\n  block",
    ">-\n  folded",
    "yes",
    "on",
    "2024-01-01T00:00:00Z",
    "1:20",
    "1_000",
]
TAGS = [
    "!!str",
    "!!int",
    "!!float",
    "!!bool",
    "!!null",
    "!!map",
    "!!seq",
    "!!binary",
    "!!timestamp",
    "!!set",
    "!!omap",
    "!!python/object/apply:os.system",
    "!!python/name:os.system",
    "!custom",
    "!",
    "!<tag:yaml.org,2002:str>",
    "!<tag:example.com,2000:x>",
]
ODD_KEYS = [
    "manger",
    "Kind",
    "NAME",
    "lifecycle",
    "1",
    "null",
    "~",
    "true",
    "''",
    '"name"',
    "[a, b]",
    "{a: 1}",
    "? complex",
    "!!str 1",
    "!!int 1",
    "!!python/name:os.system",
    "<<",
    "ключ",
    "kind\u200b",
    "x" * 300,
]
ODD_CHARS = [
    "\x00",
    "\x01",
    "\x07",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x80",
    "\x85",
    "\x9f",
    "\u00a0",
    "\u200b",
    "\u202e",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\U0001f600",
    "\U0010ffff",
    "\t",
    "\r",
    "\n",
    "é",
    "\u0301",
]
INSERTIONS = [
    "---\n",
    "--- ",
    "...\n",
    "%YAML 1.2\n---\n",
    "%YAML 1.1\n---\n",
    "%YAML 2.0\n---\n",
    "%TAG !e! tag:example.com,2000:\n---\n",
    "!e!thing ",
    "!x!thing ",
    "\t",
    "  ",
    "# comment\n",
    "&a ",
    "*a",
    "<<: *a\n",
    "? ",
    "- ",
    ": ",
    "[",
    "]",
    "{",
    "}",
    "|\n",
    ">-\n",
    '"',
    "'",
    "\\",
    "@",
    "`",
    "%",
    '"\\ud83d"',
    '"\\uDFFF"',
]


def _slots(node: Node) -> list[tuple[Mapping | Sequence, int]]:
    """Every (container, index) in the tree, depth first."""
    found: list[tuple[Mapping | Sequence, int]] = []
    if isinstance(node, Mapping):
        for index, (_, value) in enumerate(node.entries):
            found += [(node, index), *_slots(value)]
    elif isinstance(node, Sequence):
        for index, item in enumerate(node.items):
            found += [(node, index), *_slots(item)]
    return found


def _get(container: Mapping | Sequence, index: int) -> Node:
    if isinstance(container, Mapping):
        return container.entries[index][1]
    return container.items[index]


def _set(container: Mapping | Sequence, index: int, value: Node) -> None:
    if isinstance(container, Mapping):
        container.entries[index] = (container.entries[index][0], value)
    else:
        container.items[index] = value


def _nested(depth: int, flow: bool, mapping: bool) -> Node:
    node: Node = Scalar("leaf")
    for _ in range(depth):
        node = Mapping([("k", node)], flow) if mapping else Sequence([node], flow)
    return node


_TREE_MUTATIONS = ["delete", "duplicate", "retype", "rekey", "unknown", "tag", "alias", "nest"]


def mutate_tree(draw: st.DrawFn, tree: Mapping) -> Mapping:
    """The tree with a few structural mutations."""
    tree = copy.deepcopy(tree)
    for _ in range(between(draw, 0, 4)):
        slots = _slots(tree)
        kind = pick(draw, _TREE_MUTATIONS) if slots else "unknown"
        container, index = pick(draw, slots) if slots else (tree, 0)
        if kind == "delete":
            if isinstance(container, Mapping):
                del container.entries[index]
            else:
                del container.items[index]
        elif kind == "duplicate":
            if isinstance(container, Mapping):
                key, value = container.entries[index]
                other = copy.deepcopy(value) if flip(draw) else Scalar("other")
                at = between(draw, 0, len(container.entries))
                container.entries.insert(at, (key, other))
            else:
                container.items.append(copy.deepcopy(container.items[index]))
        elif kind == "retype":
            _set(container, index, Scalar(pick(draw, WRONG_VALUES)))
        elif kind == "rekey" and isinstance(container, Mapping):
            container.entries[index] = (pick(draw, ODD_KEYS), container.entries[index][1])
        elif kind == "unknown":
            target = container if isinstance(container, Mapping) else tree
            target.entries.append((pick(draw, ODD_KEYS), Scalar(pick(draw, WRONG_VALUES))))
        elif kind == "tag":
            tag = pick(draw, TAGS)
            _set(container, index, Scalar(f"{tag} {_inline(_get(container, index))}"))
        elif kind == "alias":
            _set(container, index, Scalar(f"&a {_inline(_get(container, index))}"))
            other_container, at = pick(draw, _slots(tree))
            _set(other_container, at, Scalar("*a"))
        elif kind == "nest":
            nest = _nested(between(draw, 1, 40), flip(draw), flip(draw))
            _set(container, index, nest)
    return tree


_TEXT_MUTATIONS = ["char", "insert", "delete", "truncate", "newlines", "bom", "tabs", "repeat"]
_ANY_CHAR = st.characters(codec="utf-8")


def mutate_text(draw: st.DrawFn, text_: str) -> str:
    """The text with a few character-level mutations."""
    for _ in range(between(draw, 0, 3)):
        kind = pick(draw, _TEXT_MUTATIONS)
        at = between(draw, 0, len(text_))
        if kind == "char":
            char = pick(draw, ODD_CHARS) if flip(draw) else draw(_ANY_CHAR)
            text_ = text_[:at] + char + text_[at:]
        elif kind == "insert":
            text_ = text_[:at] + pick(draw, INSERTIONS) + text_[at:]
        elif kind == "delete":
            text_ = text_[:at] + text_[at + between(draw, 1, 20) :]
        elif kind == "truncate":
            text_ = text_[:at]
        elif kind == "newlines":
            text_ = text_.replace("\n", pick(draw, ["\r\n", "\r", "\x85", "\u2028"]))
        elif kind == "bom":
            text_ = "\ufeff" + text_ if flip(draw) else text_[:at] + "\ufeff" + text_[at:]
        elif kind == "tabs":
            text_ = re.sub(r"(?m)^  ", "\t", text_)
        else:
            text_ = text_ + pick(draw, ["---\n", "", "...\n---\n"]) + text_
    return text_


def spec_text(draw: st.DrawFn) -> str:
    """One to three documents, each valid or mutated, as text (possibly mutated again)."""
    parts = [
        render(mutate_tree(draw, valid_document(draw).tree)) for _ in range(between(draw, 1, 3))
    ]
    return mutate_text(draw, pick(draw, ["---\n", "\n---\n", "--- \n"]).join(parts))


spec_texts = st.composite(spec_text)

_BAD_BYTES = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\x80", b"\x80"]


@st.composite
def spec_bytes(draw: st.DrawFn) -> bytes:
    """A spec file's bytes: UTF-8 of a mutated text, possibly damaged as bytes."""
    raw = spec_text(draw).encode("utf-8")
    kind = pick(draw, ["none", "none", "invalid", "bom", "utf16", "oversize"])
    at = between(draw, 0, len(raw))
    if kind == "invalid":
        raw = raw[:at] + pick(draw, _BAD_BYTES) + raw[at:]
    elif kind == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif kind == "utf16":
        raw = raw.decode("utf-8").encode("utf-16")
    elif kind == "oversize":
        raw = raw + b"#" * (MAX_FILE_BYTES + 1 - len(raw)) + b"\n"
    return raw


DEFAULT_TENANTS = st.sampled_from([None, "contoso", "", "../up", "Fabrikam", "a b"])


# --- the checks ----------------------------------------------------------------------------

_BREAKS = "\r\n\x85\u2028\u2029"


def _line_bound(text_: str) -> int:
    """No diagnostic can be past the last line, counted with every break YAML knows."""
    return 1 + sum(text_.count(c) for c in _BREAKS)


def assert_placed(diagnostics: Iterable[Diagnostic], file: str, text_: str) -> None:
    """Every loader problem is an error in `file`, at a line and column inside it."""
    bound = _line_bound(text_)
    for d in diagnostics:
        assert isinstance(d, Diagnostic), d
        assert d.is_error, d
        assert d.file == file, d
        assert d.line is not None and 1 <= d.line <= bound, (d, bound)
        assert d.column is not None and d.column >= 1, d
        assert d.summary.strip(), d
        assert str(d).startswith(f"{file}:{d.line}:{d.column}: "), d
        json.dumps(d.to_dict())


def spec_texts_of(spec: WorkspaceSpec) -> Iterator[str]:
    """Every text of a spec that apply sends, shows or digests."""
    yield from (spec.tenant, spec.name, spec.organization_unit, spec.workspace_type)
    yield from (t for t in (spec.workspace_id, spec.key, spec.description) if t is not None)
    for person_ in (spec.manager, spec.deputy):
        if isinstance(person_, SpecPerson):
            yield person_.email
            yield from ([person_.name] if person_.name is not None else [])
    for name, value in spec.schema.items():
        yield from (name, *([value] if value is not None else []))
    for group, members in spec.team.items():
        yield from (group, *members)


def assert_unicode_text(spec: WorkspaceSpec, text_: str) -> None:
    """A loaded spec holds Unicode text: every value encodes as UTF-8 (requests, stdout)."""
    for value in spec_texts_of(spec):
        value.encode("utf-8")


def load_text(
    text_: str, file: str, tenant: str | None
) -> tuple[list[WorkspaceSpec], list[Diagnostic]]:
    """The string entry points, as load_documents chains them for one file."""
    documents, diagnostics = parse_documents(text_, file)
    specs = []
    for document in documents:
        spec, problems = build_spec(document, tenant)
        diagnostics += problems
        if spec is not None:
            specs.append(spec)
    diagnostics += duplicate_workspaces(specs)
    return specs, diagnostics


# --- the planner on plain values -----------------------------------------------------------

FULL_CATALOG = Catalog(
    CATALOG.tenant,
    CATALOG.units,
    {
        STAR.id: (*CATALOG.types_by_unit[STAR.id], replace(DEPARTMENT, unit_type_id=9)),
        BUTTERFLY.id: (
            *CATALOG.types_by_unit[BUTTERFLY.id],
            replace(CUSTOMER_CASE, unit_type_id=10),
        ),
    },
)
"""test_calls' catalog, plus the two types whose ids the service generates."""

LIVE_PEOPLE = [
    LivePerson("Marko@XYZ.com", "Marko"),
    LivePerson("anita@xyz.com", "Anita"),
    LivePerson("ANA@xyz.com", ""),
    LivePerson("tom@xyz.com", "Tom"),
]


_STATE_IDS = [None, "dep.finance", "dep.financedept", "org.bu.00001", "example"]
_STATE_KEYS = ["finance", "migros-case", "k.1"]


@st.composite
def states(draw: st.DrawFn) -> State:
    """Recorded keys and lost creates, in a state file that exists or not."""
    keys = {key: pick(draw, _STATE_IDS[1:]) for key in subset(draw, _STATE_KEYS, 2)}
    pending = {
        key: {"expected_id": pick(draw, _STATE_IDS), "since": "2026-01-01T00:00:00Z"}
        for key in subset(draw, _STATE_KEYS, 2)
    }
    tenant = TenantState(keys=keys, pending=pending)
    return State(Path("specs/.reconciler/state.json"), {"contoso": tenant}, flip(draw))


_LIVE_GROUPS = ["Managers", "Members", "Visitors", "Owners", "Excel Services Viewers"]
_LIVE_VALUES = [None, *DATETIMES, *NUMBERS, *BOOLEANS, *STRINGS, "1", "0", "2024-03-01T00:00:00Z"]


@st.composite
def lives(draw: st.DrawFn) -> LiveWorkspace | None:
    """What the reads could have answered: nothing read, 404, an error, or a workspace."""
    kind = pick(draw, ["unread", "missing", "error", "present", "present", "present"])
    if kind == "unread":
        return None
    if kind == "missing":
        return LiveWorkspace(None, None)
    if kind == "error":
        return LiveWorkspace(None, None, error="the service answered 503 with no details")
    schema = {name: pick(draw, _LIVE_VALUES) for name in subset(draw, FIELD_NAMES[:9], 6)}
    team_ = None
    if flip(draw):
        team_ = {
            group: tuple(case_variant(draw, pick(draw, EMAILS + AD_GROUPS)) for _ in range(n))
            for group in subset(draw, _LIVE_GROUPS, 5)
            for n in [between(draw, 0, 4)]
        }
    return live(
        name=pick(draw, ["Project01", "Finance Dept", "Other"]),
        manager=pick(draw, [None, *LIVE_PEOPLE]),
        deputy=pick(draw, [None, *LIVE_PEOPLE]),
        closed=flip(draw),
        stage=between(draw, 0, 5),
        unit_type_id=pick(draw, [1, 2, 3, 4, 5, 9, 10, 77]),
        schema=schema,
        team=team_,
    )


def plan_one(
    spec: WorkspaceSpec, catalog: Catalog | str, state: State, current: LiveWorkspace | None
) -> WorkspacePlan:
    """resolve + plan_workspace as make_plan chains them for one spec (no reads)."""
    resolved = planner.resolve(spec, catalog, state)
    if resolved.workspace_id:
        sent = state.description_digest(spec.tenant, resolved.workspace_id)
        resolved = replace(resolved, sent_description=sent)
    if current is not None and current.workspace is not None and resolved.workspace_id:
        workspace = replace(current.workspace, workspace_id=resolved.workspace_id)
        current = replace(current, workspace=workspace)
    return planner.plan_workspace(resolved, current)


def assert_sound_plan(plan: WorkspacePlan, spec: WorkspaceSpec) -> None:
    """A decision, with every problem at the spec's file and line, and calls that fit it."""
    assert isinstance(plan, WorkspacePlan)
    assert plan.action in Action
    assert plan.address == spec.address
    for problem in plan.problems:
        assert isinstance(problem, Diagnostic), problem
        assert problem.file == spec.source.file, problem
        assert problem.line is not None and problem.line >= 1, problem
        assert problem.summary.strip(), problem
    assert (plan.action is Action.ERROR) == any(p.is_error for p in plan.problems), plan
    if plan.action in (Action.ERROR, Action.NOOP):
        assert plan.calls == (), plan
    if plan.action is Action.CREATE:
        assert [(c.method, c.path) for c in plan.calls] == [("POST", "/workspaces")]
    if plan.action is Action.UPDATE:
        assert plan.calls or plan.adopt, plan
        assert all(c.method == "PUT" for c in plan.calls), plan
    for call in plan.calls:
        request = request_for(call.operation)
        assert (call.method, call.path, call.body) == (
            request.method,
            request.path,
            request.body,
        ), call


# --- properties ----------------------------------------------------------------------------

SPEC_FILE = "specs/fuzz.yaml"


@settings(PROFILE, max_examples=150)
@given(generated=valid_documents(), tenant=st.sampled_from(["contoso", "fabrikam"]))
def test_valid_documents_load_as_written(generated: Generated, tenant: str) -> None:
    """The generator's unmutated documents load, unchanged: the mutations start from valid specs."""
    text_ = render(generated.tree)
    specs, diagnostics = load_text(text_, SPEC_FILE, tenant)
    assert diagnostics == [], (text_, [str(d) for d in diagnostics])
    (spec,) = specs
    expected = generated.expected
    assert spec.tenant == expected.get("tenant", tenant)
    assert (spec.workspace_id, spec.key) == (expected.get("workspace_id"), expected.get("key"))
    assert spec.name == expected["name"]
    assert spec.manager.email == expected["manager"]
    deputy = {"omit": ABSENT, "null": None}.get(expected["deputy"], spec.deputy)
    assert spec.deputy == deputy
    assert dict(spec.schema) == expected.get("schema", {})
    assert dict(spec.team) == expected.get("team", {})
    assert spec.source.file == SPEC_FILE and spec.source.line == 1


@settings(PROFILE, max_examples=400)
@given(text_=spec_texts(), tenant=DEFAULT_TENANTS, current=lives(), state=states())
def test_mutated_text_never_crashes_the_loader_or_the_planner(
    text_: str, tenant: str | None, current: LiveWorkspace | None, state: State
) -> None:
    specs, diagnostics = load_text(text_, SPEC_FILE, tenant)
    assert_placed(diagnostics, SPEC_FILE, text_)
    event(f"specs loaded: {len(specs)}; problems: {min(len(diagnostics), 3)}+")
    for spec in specs:
        assert isinstance(spec, WorkspaceSpec)
        assert spec.source.file == SPEC_FILE
        assert_unicode_text(spec, text_)
        plan = plan_one(spec, FULL_CATALOG, state, current)
        assert_sound_plan(plan, spec)
        event(f"planned: {plan.action.value}")


@pytest.fixture(scope="module")
def spec_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzzed-specs")


@settings(PROFILE, max_examples=250)
@given(raw=spec_bytes(), tenant=DEFAULT_TENANTS)
def test_mutated_files_never_crash_load_documents(
    spec_folder: Path, raw: bytes, tenant: str | None
) -> None:
    """Through a file, as `validate` and `plan` read it; load_specs raises SpecError only."""
    path = spec_folder / "fuzz.yaml"
    path.write_bytes(raw)
    result = load_documents([path], tenant)
    assert result.files == (str(path),)
    assert_placed(result.diagnostics, str(path), raw.decode("utf-8", "replace"))
    assert result.valid == (not result.diagnostics)
    event(f"specs loaded: {len(result.specs)}")
    for spec in result.specs:
        assert_unicode_text(spec, raw.decode("utf-8", "replace"))
    if result.valid:
        assert len(result.specs) == result.documents >= 1
        assert load_specs([path], tenant) == list(result.specs)
    else:
        with pytest.raises(SpecError) as refused:
            load_specs([path], tenant)
        for diagnostic in result.diagnostics:
            assert str(diagnostic) in str(refused.value)


_VALID_VALUES = {
    "datetime": [
        "2024-03-01",
        "2024-03-01T10:15:30+02:00",
        "2024-03-01 10:15:30",
        "2024-03-01T10:15z",
    ],
    "number": ["12", "-3.50", "0123", " 42 "],
    "boolean": ["true", "FALSE", "1", "0", " True "],
    "string": ["Migros", "Coop", "Support", " Coop ", "", "Ölwerk ✓"],
}
_INVALID_VALUES = {
    "datetime": DATETIMES[8:],
    "number": NUMBERS[5:],
    "boolean": BOOLEANS[6:],
    "string": ["execution", "Done"],
}
_STORED = {
    "datetime": ["2024-03-01T00:00:00Z", "2024-03-01T08:15:30Z", None],
    "number": ["12", "-3.50", "7", None],
    "boolean": ["1", "0", None],
    "string": ["Migros", "Execution", "Closure", "Support", None],
}
_PAIRS = [
    (unit, wtype) for unit in FULL_CATALOG.units for wtype in FULL_CATALOG.types_by_unit[unit.id]
]


def typed_value(draw: st.DrawFn, definition: FieldDefinition) -> Scalar:
    """A value for a field of the type: mostly one it takes, in one of its written forms."""
    kind = pick(draw, ["valid", "valid", "valid", "invalid", "null", "plain"])
    if kind == "null":
        return Scalar(pick(draw, _NULLS))
    if kind == "plain":
        token = pick(draw, _PLAIN_TOKENS)
        return Scalar(token, token)
    if definition.valid_values and kind == "valid":
        return write(draw, list(definition.valid_values))
    pool = _VALID_VALUES if kind == "valid" else _INVALID_VALUES
    return write(draw, pool[definition.field_type])


@dataclass
class PlannerCase:
    """A spec that mostly fits the catalog, the live workspace, the state, a sent description."""

    text: str
    live: LiveWorkspace | None
    state: State
    sent: str | None


@st.composite
def planner_cases(draw: st.DrawFn) -> PlannerCase:
    """Documents aimed at the catalog (a real unit, a type available there, the identity it
    takes, its fields and groups), so that most plans get past resolve; now and then not."""
    unit, wtype = pick(draw, _PAIRS)
    doc = Mapping([("kind", Scalar("Workspace"))])
    aimed = [True, True, True, True, False]
    generated = wtype.generator.name in ("Full", "PrefixWithName")
    if generated == pick(draw, aimed):
        doc.entries.append(("key", write(draw, KEYS[:3])))
    elif wtype.generator.name == "PrefixWithId" and pick(draw, aimed):
        doc.entries.append(("workspaceId", write(draw, ["tr.support", "TR.Room", "tr.x"])))
    else:
        doc.entries.append(("workspaceId", write(draw, ["example", "EXAMPLE", "pr.01", "other"])))
    name = pick(draw, [*NAMES, *(token for token, _ in ESCAPED)])
    doc.entries.append(("name", Scalar(name) if name.startswith('"') else write(draw, [name])))
    if flip(draw):
        written = pick(draw, ["First", "other", *(token for token, _ in ESCAPED)])
        doc.entries.append(("description", Scalar(written)))
    references = [unit.name or unit.id, unit.short_name or unit.id, unit.id.upper()]
    doc.entries.append(
        ("organizationUnit", write(draw, references if pick(draw, aimed) else UNITS))
    )
    references = [wtype.name, wtype.id.lower()]
    doc.entries.append(("workspaceType", write(draw, references if pick(draw, aimed) else TYPES)))
    if flip(draw):
        doc.entries.append(("lifeCycle", write(draw, ["active", "closed"])))
    doc.entries.append(("manager", person(draw)[0]))
    deputy = pick(draw, ["omit", "null", "person"])
    if deputy != "omit":
        doc.entries.append(("deputy", Scalar("null") if deputy == "null" else person(draw)[0]))
    fields = {f.name: f for f in wtype.schema_definition}
    if fields and flip(draw):
        names = subset(draw, [*fields, *fields, "Unknown Field"], 4)
        values = [
            typed_value(draw, fields[n]) if n in fields else schema_value(draw) for n in names
        ]
        doc.entries.append(("schema", Mapping(list(zip(names, values, strict=True)))))
    if flip(draw):
        owner, groups = ("Owners", ["Owners", "Members"])
        if wtype.provisioning_type == "SharePoint":
            owner, groups = ("Managers", ["Managers", "Members", "Visitors"])
        node = Mapping()
        for group in subset(draw, groups if flip(draw) else [*groups, "Owners", owner], 3):
            pool = (
                EMAILS if wtype.provisioning_type == "Teams" and flip(draw) else EMAILS + AD_GROUPS
            )
            members = [write(draw, [case_variant(draw, m)]) for m in subset(draw, pool, 4)]
            node.entries.append((group, Sequence(list(members), flow=flip(draw))))
        doc.entries.append(("team", node))
    current = draw(lives())
    if current is not None and current.workspace is not None and pick(draw, aimed):
        # The live workspace of this very type, Ready, with values of the type's fields.
        schema = {name: pick(draw, _STORED[f.field_type]) for name, f in fields.items()}
        workspace = replace(
            current.workspace,
            unit_type_id=wtype.unit_type_id,
            stage=2,
            schema=tuple(SchemaField(n, "string", v, False, None) for n, v in schema.items()),
        )
        current = replace(current, workspace=workspace)
    sent = pick(draw, [None, None, "First", "other"])
    return PlannerCase(render(doc), current, draw(states()), sent)


@settings(PROFILE, max_examples=400)
@given(
    case=planner_cases(),
    tenant=st.sampled_from(["contoso", "fabrikam"]),
    catalog=st.sampled_from([FULL_CATALOG, FULL_CATALOG, CATALOG, "cannot read the units"]),
)
def test_the_planner_decides_every_loaded_spec(
    case: PlannerCase, tenant: str, catalog: Catalog | str
) -> None:
    """resolve + plan_workspace answer every valid spec with a plan, problems as Diagnostics."""
    specs, diagnostics = load_text(case.text, SPEC_FILE, tenant)
    assert_placed(diagnostics, SPEC_FILE, case.text)
    event(f"loaded: {bool(specs)}")
    for spec in specs:
        state = case.state
        if case.sent is not None and spec.workspace_id is not None:
            # The state remembers the description this tool sent at creation.
            entry = state.tenant(spec.tenant)
            entry.descriptions[workspace_id_key(spec.workspace_id)] = digest(case.sent)
        plan = plan_one(spec, catalog, state, case.live)
        assert_sound_plan(plan, spec)
        event(f"planned: {plan.action.value}")
        assert plan_one(spec, catalog, state, case.live) == plan  # pure: the same answer again


TEXT_FIELDS = ["name", "organizationUnit", "workspaceType", "description", "tenant", "team"]
BASE = """\
kind: Workspace
workspaceId: pr.01
name: Project01
organizationUnit: Star Unit
workspaceType: Project
manager: marko@xyz.com
"""


@settings(PROFILE, max_examples=60)
@given(
    key=st.sampled_from(TEXT_FIELDS),
    # Short numbers, and numbers around Python's int_max_str_digits (4300).
    digits=st.one_of(st.integers(1, 40), st.integers(4200, 4400)),
    sign=st.sampled_from(["", "-", "+"]),
    fraction=st.sampled_from(["", ".5", "e3", ".0e-2"]),
)
def test_a_bare_number_where_text_is_required_is_an_error(
    key: str, digits: int, sign: str, fraction: str
) -> None:
    """README: `name: 2024` is an error that says to quote it, as the editor reports it too."""
    number = sign + "7" * digits + fraction
    line = f"team:\n  Members: [{number}]" if key == "team" else f"{key}: {number}"
    lines = [x for x in BASE.splitlines() if not x.startswith(f"{key}:")] + line.splitlines()
    text_ = "\n".join(lines) + "\n"
    specs, diagnostics = load_text(text_, SPEC_FILE, "contoso")
    assert_placed(diagnostics, SPEC_FILE, text_)
    expected = [d for d in diagnostics if d.line == len(lines) and "got the number" in d.message]
    assert specs == [] and expected, [str(d)[:200] for d in diagnostics]
