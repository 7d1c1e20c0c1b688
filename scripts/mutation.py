#!/usr/bin/env python3
"""Mutation testing for the engine, the wire module and the identity table.

Usage (from the repository root; `make mutation` runs the defaults):

    .venv/bin/python scripts/mutation.py                     # every default module
    .venv/bin/python scripts/mutation.py --fast-only         # fast test selection only
    .venv/bin/python scripts/mutation.py --module reconciler/identity.py --limit 50
    .venv/bin/python scripts/mutation.py --rev HEAD --fast-only --limit 500
    .venv/bin/python scripts/mutation.py --rev HEAD \
        --resume .mutation/report.json --full-limit 30      # full stage for those survivors
    .venv/bin/python scripts/mutation.py --list              # list mutants, run nothing
    .venv/bin/python scripts/mutation.py --show ID           # show one mutant's change

How it works
------------
* The working tree (git's tracked and untracked-but-not-ignored files) is copied
  once to a snapshot under the temporary directory, and the snapshot is copied
  again for every parallel job. Nothing is ever written to the source tree except
  the report (`.mutation/`, git-ignored).
* A mutant is one change at one place of a module's AST. The changed node is
  re-rendered with `ast.unparse` and spliced into the original text, so every
  other line (comments, line numbers) is left as it was; the result is parsed
  again and checked against the mutated AST (falling back to re-rendering the
  enclosing statement, then the whole module, if the splice would not be
  faithful).
* Each mutant is written into a job's copy and the fast selection runs there
  (`pytest -x -q -p no:cacheprovider <fast tests>`, `--jobs` at a time), in two
  steps: first only the selection's test files that import the mutated module
  (or are named after it); a mutant they kill is done, one that survives them
  runs the whole selection, so the verdict is the whole selection's. The fast
  stage does not load the hypothesis and xdist plugins (no fast test uses them;
  their import was half of a short run). The default selection is every test of
  tests/engine and tests/contract, tests/test_identity.py and the wire tests
  (tests/api/test_api_wire.py, tests/api/test_api_wire_mutants.py): pure values,
  or the emulator over HTTPS, about 8 s in all. The
  survivors of the fast stage then run the whole suite (`pytest -n 2 -x -q`), one
  at a time. pytest runs with the copy as its working directory and the copy
  first on PYTHONPATH; before any mutant runs, a canary (a `raise` appended to
  the copy's `reconciler/__init__.py`) must make both stages fail, which proves
  that the copy, not the editable install, is what the tests import.
* The copy's compiled `.pyc` of the mutated module is deleted before each run:
  two mutants of equal size written within the same second would otherwise be
  served from a stale cache.

Operators (one mutant = one change at one location)
----------------------------------------------------
cmp     == <-> !=, < <-> <=, > <-> >=, in <-> not in, is <-> is not
boolop  and <-> or
not     `not x` -> `x`
arith   + <-> - (binary and augmented; not when an operand is a string or a
        container literal or comprehension: that `-` is only a TypeError)
const   int/float n -> n + 1, True <-> False, non-empty str -> "", "" -> "XX"
return  `return <value>` -> `return None` (not for a value that is already None)
stmt    a statement that is only a call (`f(x)`, `items.append(x)`, ...) -> `pass`
elem    remove one element of a tuple or list literal (not assignment targets)
index   off by one in an index or a slice: `x[0]` -> `x[1]`, `x[-1]` -> `x[-2]`,
        `x[a:b]` -> `x[a + 1:b]` and `x[a:b + 1]`
if      the test of an `if` statement or an `a if c else b` -> True, and -> False

Never mutated: docstrings (and every bare string statement), annotations,
decorators (`@dataclass(frozen=True)` -> False only trades immutability, which no
behaviour test sees), `__all__`,
f-strings as a whole (they are messages and paths whose parts the tests read
through other means; before Python 3.12 the positions inside them are also not
reliable enough to splice), the string arguments of a `raise` (error messages),
the type argument of `cast`/`TypeVar`/`NewType`, type expressions outside annotations
(`Progress = Callable[[str], None]`, `Kind = Literal["created", ...]`: a subscript of
`Callable`, `Literal`, `dict`, `tuple`, ... whose arguments nothing reads at run time),
calls on `log`/`logger`/
`logging`, `if TYPE_CHECKING:` and `if __name__ == "__main__":`, and any node
that starts on a line ending with `# pragma: no mutate`.

Mutant ids are `<module>:<line>:<column>:<operator>:<hash>`, the hash taken over
the original and the replacement text: stable across runs as long as the code
does not move. `scripts/mutation-equivalent.txt` lists the ids of equivalent
mutants, one per line followed by a one-line reason (`#` starts a comment); they
are not run and are left out of the score.

Statuses: killed (a test failed, or collection or a conftest import failed),
timeout (counted as detected), survived (every stage that ran passed), error
(no test collected, or pytest died of a signal), equivalent. Score = (killed + timeout) /
(mutants - equivalent). With --fast-only (or a survivor beyond --full-limit) a
survivor has only met the fast selection; the report says which stage it met.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import hashlib
import io
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_MODULES = (
    "reconciler/engine/*.py",
    "reconciler/api/wire.py",
    "reconciler/api/wire/*.py",
    "reconciler/identity.py",
)
"""The wire module is a module or a package (answers + writes): a default that matches
nothing is skipped; a --module that matches nothing is an error."""
DEFAULT_FAST_TESTS = (
    "tests/engine",
    "tests/contract",
    "tests/test_identity.py",
    "tests/api/test_api_wire.py",
    "tests/api/test_api_wire_mutants.py",
)
FAST_NO_PLUGINS = ("hypothesispytest", "xdist", "xdist.looponfail")
"""Plugins the fast stage does not load (its tests use neither; the full stage loads all)."""
EQUIVALENT_FILE = "scripts/mutation-equivalent.txt"
DEFAULT_REPORT = ".mutation/report.md"
PRAGMA = "# pragma: no mutate"
LOG_NAMES = frozenset({"log", "logger", "logging", "LOG", "LOGGER", "_log", "_logger"})
TYPE_CALLS = frozenset({"cast", "TypeVar", "NewType"})
TYPE_GENERICS = frozenset({
    "Callable", "Literal", "Union", "Optional", "Annotated", "ClassVar", "Final", "Type",
    "Mapping", "MutableMapping", "Sequence", "MutableSequence", "Iterable", "Iterator",
    "Generator", "Collection", "AbstractSet", "Awaitable", "Coroutine",
    "dict", "list", "tuple", "set", "frozenset", "type",
})  # fmt: skip
"""`X[...]` with one of these names is a type expression (an alias such as
`Progress = Callable[[str], None]`): nothing in the code reads its arguments at run time
(no `get_args`), so its inside is not mutated."""
CANARY = "mutation-canary: the copy is imported"
OPERATORS = ("cmp", "boolop", "not", "arith", "const", "return", "stmt", "elem", "index", "if")

COPY_IGNORE = (".git", ".venv", "__pycache__", ".mutation", ".pytest_cache", ".mypy_cache")

Path_ = tuple[tuple[str, "int | None"], ...]
"""Where a node sits in a module's AST: (field, index-or-None) steps from the root."""

Transform = Callable[[ast.AST], ast.AST]


# --------------------------------------------------------------------------- mutants


@dataclass(frozen=True)
class Change:
    """One mutation to apply: the node at `path` becomes `transform(copy of node)`."""

    op: str
    path: Path_
    transform: Transform


@dataclass(frozen=True)
class Mutant:
    id: str
    module: str
    """Path of the module, relative to the tree's root."""
    line: int
    col: int
    op: str
    original: str
    """The original source line(s) the change touches."""
    mutated: str
    """The same line(s) after the change."""
    source: str = field(repr=False)
    """The whole mutated module."""


def _dotted(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def _pos(node: ast.AST) -> tuple[int, int, int, int]:
    """lineno, col_offset, end_lineno, end_col_offset (columns in UTF-8 bytes)."""
    lineno: int = getattr(node, "lineno", 0)
    col: int = getattr(node, "col_offset", 0)
    end_lineno: int | None = getattr(node, "end_lineno", None)
    end_col: int | None = getattr(node, "end_col_offset", None)
    return lineno, col, end_lineno or lineno, end_col if end_col is not None else col


def _resolve(tree: ast.AST, path: Path_) -> ast.AST:
    node: ast.AST = tree
    for name, index in path:
        value = getattr(node, name)
        node = value[index] if index is not None else value
    return node


def _replace(tree: ast.AST, path: Path_, new: ast.AST) -> None:
    parent = _resolve(tree, path[:-1])
    name, index = path[-1]
    if index is None:
        setattr(parent, name, new)
    else:
        getattr(parent, name)[index] = new


ConstValue = str | bool | int | float | None


def _const(value: ConstValue) -> ast.Constant:
    return ast.Constant(value=value)


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _is_sequence(node: ast.AST) -> bool:
    """A string or container literal: `+` on it is concatenation, and `-` a TypeError."""
    return _is_str(node) or isinstance(
        node, (ast.List, ast.Tuple, ast.ListComp, ast.Set, ast.SetComp, ast.Dict, ast.DictComp)
    )


def _is_dunder_all(node: ast.AST) -> bool:
    """`__all__ = [...]` (or `+=`, or annotated): names to export, not behaviour."""
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _is_log_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    while isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id in LOG_NAMES:
            return True
        func = func.value
    return False


def _is_type_expression(node: ast.AST) -> bool:
    """`Callable[[str], None]`, `Literal["a", "b"]`, `dict[str, int]`: see TYPE_GENERICS."""
    if not isinstance(node, ast.Subscript):
        return False
    value = node.value
    name = value.attr if isinstance(value, ast.Attribute) else getattr(value, "id", None)
    return name in TYPE_GENERICS


def _is_skipped_if(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:` and `if __name__ == "__main__":`."""
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return True
    if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        return True
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


def _child_flags(
    parent: ast.AST, name: str, index: int | None, child: ast.AST, flags: frozenset[str]
) -> frozenset[str] | None:
    """The flags a child is visited with, or None to skip its whole subtree."""
    if name in ("annotation", "returns", "type_comment", "decorator_list"):
        return None
    if _is_dunder_all(child):
        return None
    if isinstance(child, ast.JoinedStr):
        return None
    if isinstance(child, ast.Expr) and _is_str(child.value):
        return None  # a docstring, or any bare string statement
    if isinstance(child, ast.Expr) and _is_log_call(child.value):
        return None
    if _is_log_call(child):
        return None
    if isinstance(child, ast.If) and _is_skipped_if(child.test):
        return None
    if _is_type_expression(child):
        return None
    if (
        isinstance(parent, ast.Call)
        and name == "args"
        and index == 0
        and isinstance(parent.func, ast.Name)
        and parent.func.id in TYPE_CALLS
    ):
        return None
    new = set(flags)
    if isinstance(parent, ast.Raise) and name == "exc":
        new.add("raise")
    if (
        (isinstance(parent, ast.Subscript) and name == "slice")
        or (isinstance(parent, ast.Slice) and name in ("lower", "upper"))
        or (isinstance(parent, ast.UnaryOp) and "index" in flags)
    ):
        new.add("index")
    else:
        new.discard("index")
    return frozenset(new)


@dataclass(frozen=True)
class Site:
    node: ast.AST
    path: Path_
    flags: frozenset[str]


def _walk(node: ast.AST, path: Path_, flags: frozenset[str]) -> Iterator[Site]:
    yield Site(node, path, flags)
    for name, value in ast.iter_fields(node):
        items: list[tuple[int | None, object]] = (
            list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        )
        for index, item in items:
            if not isinstance(item, ast.AST):
                continue
            child_flags = _child_flags(node, name, index, item, flags)
            if child_flags is not None:
                yield from _walk(item, (*path, (name, index)), child_flags)


CMP_FLIP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


def _flip_cmp(i: int) -> Transform:
    def transform(node: ast.AST) -> ast.AST:
        assert isinstance(node, ast.Compare)
        ops = list(node.ops)
        ops[i] = CMP_FLIP[type(ops[i])]()
        node.ops = ops
        return node

    return transform


def _swap_boolop(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.BoolOp)
    node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    return node


def _drop_not(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.UnaryOp)
    return node.operand


def _swap_arith(node: ast.AST) -> ast.AST:
    assert isinstance(node, (ast.BinOp, ast.AugAssign))
    node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
    return node


def _set_const(value: ConstValue) -> Transform:
    def transform(node: ast.AST) -> ast.AST:
        return _const(value)

    return transform


def _return_none(node: ast.AST) -> ast.AST:
    return _const(None)


def _to_pass(node: ast.AST) -> ast.AST:
    return ast.Pass()


def _drop_elem(i: int) -> Transform:
    def transform(node: ast.AST) -> ast.AST:
        assert isinstance(node, (ast.Tuple, ast.List))
        node.elts = [e for j, e in enumerate(node.elts) if j != i]
        return node

    return transform


def _off_by_one(node: ast.AST) -> ast.AST:
    """An index or slice bound one further: n -> n + 1, -n -> -(n + 1), e -> e + 1."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return _const(node.value + 1)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int)
    ):
        node.operand = _const(node.operand.value + 1)
        return node
    assert isinstance(node, ast.expr)
    return ast.BinOp(left=node, op=ast.Add(), right=_const(1))


def _int_index(node: ast.AST) -> bool:
    """An int literal, or a negated one (`0`, `-1`)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    )


def changes_at(site: Site) -> Iterator[Change]:
    """Every mutation the operators make of one node."""
    node, path, flags = site.node, site.path, site.flags
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in CMP_FLIP:
                yield Change("cmp", path, _flip_cmp(i))
    elif isinstance(node, ast.BoolOp):
        yield Change("boolop", path, _swap_boolop)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield Change("not", path, _drop_not)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        if not (_is_sequence(node.left) or _is_sequence(node.right)):
            yield Change("arith", path, _swap_arith)
    elif isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub)):
        if not _is_sequence(node.value):
            yield Change("arith", path, _swap_arith)
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            yield Change("const", path, _set_const(not value))
        elif isinstance(value, (int, float)) and "index" not in flags:
            yield Change("const", path, _set_const(value + 1))
        elif isinstance(value, str) and "raise" not in flags:
            yield Change("const", path, _set_const("" if value else "XX"))
    elif isinstance(node, ast.Return) and node.value is not None:
        value_node = node.value
        if not (isinstance(value_node, ast.Constant) and value_node.value is None):
            yield Change("return", (*path, ("value", None)), _return_none)
    elif isinstance(node, ast.Expr) and isinstance(node.value, (ast.Call, ast.Await)):
        yield Change("stmt", path, _to_pass)
    elif isinstance(node, (ast.Tuple, ast.List)) and isinstance(node.ctx, ast.Load):
        for i in range(len(node.elts)):
            yield Change("elem", path, _drop_elem(i))
    elif isinstance(node, ast.Subscript):
        if _int_index(node.slice):
            yield Change("index", (*path, ("slice", None)), _off_by_one)
        elif isinstance(node.slice, ast.Slice):
            for bound in ("lower", "upper"):
                if getattr(node.slice, bound) is not None:
                    yield Change("index", (*path, ("slice", None), (bound, None)), _off_by_one)
    elif isinstance(node, (ast.If, ast.IfExp)):
        test = node.test
        for value in (True, False):
            if not (isinstance(test, ast.Constant) and test.value is value):
                yield Change("if", (*path, ("test", None)), _set_const(value))


class Splicer:
    """Renders a change into a module's text, as little of it as stays faithful."""

    def __init__(self, module: str, text: str) -> None:
        self.module = module
        self.text = text
        self.tree = ast.parse(text)
        self.pristine = ast.parse(text)
        self.lines = text.encode().splitlines(keepends=True)
        self.skip_lines = {
            n
            for n, raw in enumerate(self.lines, start=1)
            if raw.decode(errors="replace").rstrip().endswith(PRAGMA)
        }

    def changes(self) -> Iterator[Change]:
        for site in _walk(self.tree, (), frozenset()):
            lineno = getattr(site.node, "lineno", None)
            if lineno is not None and lineno in self.skip_lines:
                continue
            yield from changes_at(site)

    def _splice(self, node: ast.AST, text: str) -> tuple[str, str, str]:
        """(new module text, original lines, mutated lines)."""
        lineno, col, end_lineno, end_col = _pos(node)
        first, last = lineno - 1, end_lineno - 1
        prefix = self.lines[first][:col]
        suffix = self.lines[last][end_col:]
        segment = prefix + text.encode() + suffix
        new = b"".join([*self.lines[:first], segment, *self.lines[last + 1 :]])
        original = b"".join(self.lines[first : last + 1])
        return new.decode(), original.decode().rstrip("\n"), segment.decode().rstrip("\n")

    def _enclosing_stmt(self, path: Path_) -> Path_ | None:
        for cut in range(len(path), 0, -1):
            if isinstance(_resolve(self.tree, path[:cut]), ast.stmt):
                return path[:cut]
        return None

    def render(self, change: Change) -> Mutant | None:
        original_node = _resolve(self.tree, change.path)
        new_node = change.transform(copy.deepcopy(original_node))
        _replace(self.tree, change.path, new_node)
        try:
            expected = ast.dump(self.tree)
            candidates = self._candidates(change.path, new_node)
            chosen: tuple[str, str, str] | None = None
            for candidate in candidates:
                try:
                    if ast.dump(ast.parse(candidate[0])) == expected:
                        chosen = candidate
                        break
                except SyntaxError:
                    continue
        finally:
            _replace(self.tree, change.path, original_node)
        if chosen is None:
            print(f"warning: {self.module}: cannot render {change.op} at {change.path}")
            return None
        source, original, mutated = chosen
        lineno, col, _, _ = _pos(original_node)
        line_text = self.lines[lineno - 1]
        column = len(line_text[:col].decode(errors="replace")) + 1
        digest = hashlib.sha1(
            f"{self.module}|{change.op}|{original.strip()}|{mutated.strip()}".encode()
        ).hexdigest()[:8]
        return Mutant(
            id=f"{_dotted(self.module)}:{lineno}:{column}:{change.op}:{digest}",
            module=self.module,
            line=lineno,
            col=column,
            op=change.op,
            original=original,
            mutated=mutated,
            source=source,
        )

    def _candidates(self, path: Path_, new_node: ast.AST) -> Iterator[tuple[str, str, str]]:
        """Splices from the narrowest to the widest; the caller keeps the first faithful one."""
        old = self._original_at(path)
        text = "pass" if isinstance(new_node, ast.Pass) else ast.unparse(new_node)
        yield self._splice(old, text)
        if isinstance(new_node, ast.expr):
            yield self._splice(old, f"({text})")
        stmt_path = self._enclosing_stmt(path)
        if stmt_path is not None:
            stmt_node = _resolve(self.tree, stmt_path)
            old_stmt = self._original_at(stmt_path)
            indent = " " * _pos(old_stmt)[1]
            rendered = ast.unparse(stmt_node).replace("\n", "\n" + indent)
            yield self._splice(old_stmt, rendered)
        whole = ast.unparse(self.tree) + "\n"
        yield whole, self._splice(old, text)[1], text

    def _original_at(self, path: Path_) -> ast.AST:
        """The node at `path` in the unmutated tree (`self.tree` holds the change meanwhile)."""
        return _resolve(self.pristine, path)

    def mutants(self) -> list[Mutant]:
        found: dict[str, Mutant] = {}
        seen_sources: set[str] = set()
        for change in list(self.changes()):
            mutant = self.render(change)
            if mutant is None or mutant.source in seen_sources or mutant.source == self.text:
                continue
            seen_sources.add(mutant.source)
            mutant_id, n = mutant.id, 2
            while mutant_id in found:
                mutant_id, n = f"{mutant.id}-{n}", n + 1
            if mutant_id != mutant.id:
                mutant = Mutant(
                    mutant_id, mutant.module, mutant.line, mutant.col, mutant.op,
                    mutant.original, mutant.mutated, mutant.source,
                )  # fmt: skip
            found[mutant_id] = mutant
        return sorted(found.values(), key=lambda m: (m.line, m.col, m.op, m.id))


# --------------------------------------------------------------------------- files


def export_rev(source: Path, rev: str, dest: Path) -> None:
    """The files of a commit (`git archive`, which writes nothing in the repository)."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(source), "archive", "--format=tar", rev],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4
            tar.extractall(dest, filter="data")
        else:  # our own repository's archive
            tar.extractall(dest)


def copy_tree(source: Path, dest: Path) -> None:
    """The working tree's files (tracked and untracked, not ignored), or all but caches."""
    try:
        listing = subprocess.run(
            ["git", "-C", str(source), "ls-files", "-co", "--exclude-standard", "-z"],
            check=True,
            capture_output=True,
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*COPY_IGNORE), symlinks=True)
        return
    dest.mkdir(parents=True, exist_ok=True)
    for name in filter(None, listing.split("\0")):
        src = source / name
        if not (src.is_file() or src.is_symlink()):
            continue  # deleted in the working tree, or a submodule
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target, follow_symlinks=False)


def expand_tests(root: Path, paths: Sequence[str]) -> list[str]:
    """The fast selection as test files (`test_*.py`), folders expanded in sorted order."""
    files: list[str] = []
    for spec in paths:
        path = root / spec
        found = (
            sorted(p for p in path.rglob("test_*.py") if "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
        files.extend(f.relative_to(root).as_posix() for f in found)
    return list(dict.fromkeys(files))


def _import_patterns(module: str, root: Path) -> list[re.Pattern[str]]:
    """How a test file imports `module`, or the package that re-exports it (`wire`)."""
    dotted = _dotted(module)
    parent, _, stem = dotted.rpartition(".")
    names = [(dotted, parent, stem)]
    package_init = root / module.rsplit("/", 1)[0] / "__init__.py"
    if package_init.is_file() and "import" in package_init.read_text(errors="replace"):
        grand, _, package = parent.rpartition(".")
        names.append((parent, grand, package))
    patterns = []
    for full, outer, name in names:
        patterns += [
            re.compile(rf"^\s*(from {re.escape(full)} import|import {re.escape(full)}\b)", re.M),
            re.compile(rf"^from {re.escape(outer)} import (\([^)]*|[^\n]*)\b{name}\b", re.M),
        ]
    return patterns


def first_tests(root: Path, module: str, files: Sequence[str]) -> list[str]:
    """The files of the fast selection that import `module` (those named after it first).

    They run first, alone: most mutants fail there, after a short collection. A
    mutant that survives them runs the whole selection, so the verdict is the
    selection's. pytest keeps the order of files given one by one.
    """
    patterns = _import_patterns(module, root)
    stems = {Path(module).stem} | ({Path(module).parent.name} if len(patterns) > 2 else set())
    named = [f for f in files if any(stem in Path(f).stem for stem in stems)]
    importing = [
        f for f in files if any(p.search((root / f).read_text(errors="replace")) for p in patterns)
    ]
    return list(dict.fromkeys([*named, *importing]))


def resolve_modules(root: Path, patterns: Sequence[str], strict: bool = True) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        spec = pattern
        if not spec.endswith(".py") and "/" not in spec and "*" not in spec:
            spec = spec.replace(".", "/") + ".py"  # a dotted module name
        matches = sorted(
            p.relative_to(root).as_posix()
            for p in root.glob(spec)
            if p.is_file() and "__pycache__" not in p.parts
        )
        if not matches and strict:
            raise SystemExit(f"error: --module {pattern!r} matches no file under {root}")
        found.extend(m for m in matches if m not in found)
    return found


def load_equivalents(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    entries: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        mutant_id, _, reason = line.partition(" ")
        if not reason.strip():
            print(f"warning: {path.name}: {mutant_id} has no reason")
        entries[mutant_id] = reason.strip()
    return entries


def sample(ids: Sequence[str], limit: int | None, seed: str) -> set[str]:
    """A stable pseudo-random sample of ids: the same ones are picked on every run."""
    if limit is None or limit >= len(ids):
        return set(ids)

    def key(mutant_id: str) -> str:
        return hashlib.sha1(f"{seed}|{mutant_id}".encode()).hexdigest()

    return set(sorted(ids, key=key)[:limit])


# --------------------------------------------------------------------------- running


@dataclass
class Outcome:
    status: str
    seconds: float
    tail: str = ""


@dataclass
class Result:
    mutant: Mutant
    status: str = "pending"
    stage: str = ""
    """The last stage that ran: fast or full."""
    fast_seconds: float | None = None
    full_seconds: float | None = None
    reason: str = ""


class Runner:
    """Runs pytest in copies of the tree; each job copy is used by one run at a time."""

    def __init__(
        self, python: str, fast_args: list[str], full_args: list[str], pycache: Path
    ) -> None:
        self.python = python
        self.pycache = pycache
        self.fast_args = fast_args
        self.first_args_for: dict[str, list[str]] = {}
        """Per module: the fast-selection files that import it, run before the whole selection."""
        self.full_args = full_args
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    def env(self, tree: Path) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
        env.pop("PYTEST_ADDOPTS", None)
        # Bytecode is cached, but outside every tree (the venv's too): only in our temp dir.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(self.pycache)
        env.pop("PYTEST_XDIST_AUTO_NUM_WORKERS", None)
        return env

    def run(self, tree: Path, args: Sequence[str], timeout: float) -> Outcome:
        if self.stopping.is_set():
            return Outcome("interrupted", 0.0)
        start = time.monotonic()
        proc = subprocess.Popen(
            [self.python, "-m", "pytest", *args],
            cwd=tree,
            env=self.env(tree),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        with self._lock:
            self._procs.add(proc)
        try:
            out, _ = proc.communicate(timeout=timeout)
            # The clean tree passes, so any failure is the mutant's doing: failed tests (1),
            # a collection or import error (2), or a conftest that no longer imports (4).
            code = proc.returncode
            status = "survived" if code == 0 else "killed" if code in (1, 2, 3, 4) else "error"
        except subprocess.TimeoutExpired:
            self._kill(proc)
            out, _ = proc.communicate()
            status = "timeout"
        finally:
            with self._lock:
                self._procs.discard(proc)
        if self.stopping.is_set() and status != "survived":
            status = "interrupted"
        tail = "\n".join(out.decode(errors="replace").rstrip().splitlines()[-15:])
        return Outcome(status, time.monotonic() - start, tail)

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the session we started: pytest and its workers

    def stop(self) -> None:
        self.stopping.set()
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            self._kill(proc)


def _drop_pyc(runner: Runner, tree: Path, module: str) -> None:
    """Forget the module's compiled copy: pyc freshness is checked by mtime (in whole
    seconds) and size, which two mutants written within a second may share."""
    target = (tree / module).resolve()
    folders = (target.parent / "__pycache__", Path(f"{runner.pycache}{target.parent}"))
    for folder in folders:
        for pyc in folder.glob(f"{target.stem}.*.pyc"):
            pyc.unlink(missing_ok=True)


def run_mutant(
    runner: Runner, tree: Path, mutant: Mutant, args: Sequence[str], timeout: float
) -> Outcome:
    path = tree / mutant.module
    original = path.read_bytes()
    try:
        _drop_pyc(runner, tree, mutant.module)
        path.write_text(mutant.source)
        return runner.run(tree, args, timeout)
    finally:
        path.write_bytes(original)
        _drop_pyc(runner, tree, mutant.module)


def check_copy(runner: Runner, tree: Path, args: Sequence[str], stage: str) -> float:
    """The unmutated copy passes; a canary in the copy fails. Returns the clean run's time."""
    probe = subprocess.run(
        [runner.python, "-c", "import reconciler; print(reconciler.__file__)"],
        cwd=tree,
        env=runner.env(tree),
        capture_output=True,
        text=True,
        check=False,
    )
    imported = probe.stdout.strip()
    if not imported.startswith(str(tree)):
        raise SystemExit(
            f"error: the copy is not imported: reconciler is {imported or probe.stderr}"
        )
    clean = runner.run(tree, args, timeout=1800)
    if clean.status != "survived":
        raise SystemExit(
            f"error: the {stage} stage fails on the unmutated tree ({clean.status}); "
            f"fix the tests first (or test a commit with --rev HEAD):\n{clean.tail}"
        )
    init = tree / "reconciler" / "__init__.py"
    original = init.read_bytes()
    try:
        init.write_bytes(original + f"\nraise RuntimeError({CANARY!r})\n".encode())
        _drop_pyc(runner, tree, "reconciler/__init__.py")
        canary = runner.run(tree, args, timeout=max(60.0, clean.seconds * 3))
    finally:
        init.write_bytes(original)
        _drop_pyc(runner, tree, "reconciler/__init__.py")
    if canary.status != "killed" or CANARY not in canary.tail:
        raise SystemExit(
            f"error: a canary in the copy did not fail the {stage} stage: the tests may be "
            f"importing another tree ({canary.status}):\n{canary.tail}"
        )
    print(f"{stage} stage: copy imported ({imported}); clean run {clean.seconds:.1f}s; canary ok")
    return clean.seconds


def run_fast(
    runner: Runner,
    trees: Sequence[Path],
    results: Sequence[Result],
    timeout: float,
) -> None:
    free: list[Path] = list(trees)
    lock = threading.Lock()
    total, done = len(results), 0

    def job(result: Result) -> Outcome:
        with lock:
            tree = free.pop()
        try:
            first = runner.first_args_for.get(result.mutant.module)
            spent = 0.0
            if first is not None:  # the module's own tests: most kills, a short collection
                outcome = run_mutant(runner, tree, result.mutant, first, timeout)
                if outcome.status in ("killed", "timeout"):
                    return outcome
                spent = outcome.seconds
            outcome = run_mutant(runner, tree, result.mutant, runner.fast_args, timeout)
            return Outcome(outcome.status, outcome.seconds + spent, outcome.tail)
        finally:
            with lock:
                free.append(tree)

    with ThreadPoolExecutor(max_workers=len(trees)) as pool:
        pending: dict[Future[Outcome], Result] = {}
        queue = iter(results)
        try:
            for result in _take(queue, len(trees)):
                pending[pool.submit(job, result)] = result
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    result = pending.pop(future)
                    outcome = future.result()
                    result.status, result.stage = outcome.status, "fast"
                    result.fast_seconds = outcome.seconds
                    done += 1
                    _progress(done, total, result, outcome.seconds, "fast")
                    for nxt in _take(queue, 1):
                        pending[pool.submit(job, nxt)] = nxt
        except KeyboardInterrupt:
            print("\ninterrupted: stopping the running tests", flush=True)
            runner.stop()
            for result in pending.values():
                result.status = "interrupted"
            raise


def _take(it: Iterator[Result], n: int) -> list[Result]:
    out: list[Result] = []
    for item in it:
        out.append(item)
        if len(out) == n:
            break
    return out


def _progress(done: int, total: int, result: Result, seconds: float, stage: str) -> None:
    width = len(str(total))
    print(
        f"[{done:>{width}}/{total}] {stage} {result.status:<9} {seconds:6.1f}s  {result.mutant.id}",
        flush=True,
    )


def run_full(runner: Runner, tree: Path, results: Sequence[Result], timeout: float) -> None:
    for n, result in enumerate(results, start=1):
        try:
            outcome = run_mutant(runner, tree, result.mutant, runner.full_args, timeout)
        except KeyboardInterrupt:
            runner.stop()
            print("\ninterrupted: stopping the full stage", flush=True)
            raise
        if outcome.status == "interrupted":
            break
        result.status, result.stage = outcome.status, "full"
        result.full_seconds = outcome.seconds
        _progress(n, len(results), result, outcome.seconds, "full")


# --------------------------------------------------------------------------- report

COLUMNS = ("mutants", "killed", "in full", "timeout", "survived", "equivalent", "error", "score")


def _row(results: Iterable[Result]) -> dict[str, str]:
    items = list(results)
    count = {s: sum(r.status == s for r in items) for s in ("killed", "timeout", "survived")}
    equivalent = sum(r.status == "equivalent" for r in items)
    error = sum(r.status in ("error", "interrupted", "pending") for r in items)
    in_full = sum(r.status == "killed" and r.stage == "full" for r in items)
    judged = len(items) - equivalent - error
    score = f"{100 * (count['killed'] + count['timeout']) / judged:.1f}%" if judged > 0 else "-"
    return {
        "mutants": str(len(items)),
        "killed": str(count["killed"]),
        "in full": str(in_full),
        "timeout": str(count["timeout"]),
        "survived": str(count["survived"]),
        "equivalent": str(equivalent),
        "error": str(error),
        "score": score,
    }


def _table(title: str, groups: dict[str, list[Result]], results: Sequence[Result]) -> list[str]:
    lines = [f"| {title} | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name, items in groups.items():
        row = _row(items)
        lines.append(f"| {name} | " + " | ".join(row[c] for c in COLUMNS) + " |")
    total = _row(results)
    lines.append("| **total** | " + " | ".join(f"**{total[c]}**" for c in COLUMNS) + " |")
    return lines


def _timing(values: list[float]) -> str:
    if not values:
        return "not run"
    return (
        f"{len(values)} runs, mean {statistics.mean(values):.1f}s, "
        f"median {statistics.median(values):.1f}s, max {max(values):.1f}s"
    )


def build_report(
    results: Sequence[Result],
    header: list[str],
    stale: Sequence[str],
) -> tuple[str, str]:
    """(markdown report, shorter console text)."""
    by_module: dict[str, list[Result]] = {}
    by_op: dict[str, list[Result]] = {op: [] for op in OPERATORS}
    for r in results:
        by_module.setdefault(r.mutant.module, []).append(r)
        by_op[r.mutant.op].append(r)
    by_op = {op: items for op, items in by_op.items() if items}
    fast = [r.fast_seconds for r in results if r.fast_seconds is not None]
    full = [r.full_seconds for r in results if r.full_seconds is not None]
    survivors = [r for r in results if r.status == "survived"]
    others = [r for r in results if r.status in ("error", "interrupted", "pending")]

    md = ["# Mutation testing report", "", *header]
    md += [f"- fast stage: {_timing(fast)}", f"- full stage: {_timing(full)}", ""]
    md += [
        "Score = (killed + timeout) / (mutants - equivalent - error). "
        '"in full" = killed only by the full suite, after surviving the fast selection.',
        "",
    ]
    md += ["## By module", "", *_table("module", by_module, results), ""]
    md += ["## By operator", "", *_table("operator", by_op, results), ""]
    if stale:
        md += ["## Stale equivalent entries (no such mutant now)", ""]
        md += [f"- `{s}`" for s in stale] + [""]
    console = list(md)
    md += [f"## Survivors ({len(survivors)})", ""]
    console += [f"## Survivors ({len(survivors)})", ""]
    for r in survivors:
        m = r.mutant
        stage = "fast selection only" if r.stage == "fast" else "fast selection and full suite"
        md += [f"### `{m.id}`", "", f"`{m.module}:{m.line}` ({m.op}; survived the {stage})", ""]
        md += ["```diff"]
        md += ["- " + line for line in m.original.splitlines()]
        md += ["+ " + line for line in m.mutated.splitlines()]
        md += ["```", ""]
        console.append(
            f"- {m.id} [{r.stage}]  {m.module}:{m.line}\n"
            f"    - {_one_line(m.original)}\n    + {_one_line(m.mutated)}"
        )
    if others:
        md += [f"## Not judged ({len(others)})", ""]
        md += [f"- `{r.mutant.id}`: {r.status}" for r in others] + [""]
    return "\n".join(md) + "\n", "\n".join(console) + "\n"


def _one_line(text: str) -> str:
    return " ⏎ ".join(line.strip() for line in text.splitlines())


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Mutation testing of the engine, wire and identity modules.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Operators: " + ", ".join(OPERATORS) + ". See the module docstring for details.",
    )
    p.add_argument("--root", type=Path, default=ROOT, help="the tree to test (default: this repo)")
    p.add_argument(
        "--rev",
        help="test this commit (git archive) instead of the working tree, e.g. HEAD when "
        "the working tree is in the middle of an edit",
    )
    p.add_argument(
        "--module",
        action="append",
        help="module path, glob or dotted name (repeatable; default: "
        + ", ".join(DEFAULT_MODULES)
        + ")",
    )
    p.add_argument("--operator", action="append", choices=OPERATORS, help="only these operators")
    p.add_argument("--limit", type=int, help="run a stable sample of N mutants")
    p.add_argument("--full-limit", type=int, help="run the full suite on at most N survivors")
    p.add_argument("--seed", default="mutation", help="seed of the --limit samples")
    p.add_argument(
        "--resume",
        metavar="JSON",
        help="continue an earlier run (its report's .json) on the same mutants: its judged "
        "mutants are not run again, its fast-stage survivors go straight to the full stage "
        "(e.g. after a --fast-only run), interrupted ones run again; --limit is ignored",
    )
    p.add_argument("--jobs", type=int, default=2, help="fast-stage runs at a time (default 2)")
    p.add_argument("--fast-only", action="store_true", help="skip the full-suite stage")
    p.add_argument(
        "--fast-tests",
        action="append",
        help="fast selection paths (repeatable; missing ones are ignored; default: "
        + " ".join(DEFAULT_FAST_TESTS)
        + ")",
    )
    p.add_argument("--timeout", type=float, help="fast-stage timeout per mutant, seconds")
    p.add_argument("--full-timeout", type=float, help="full-stage timeout per mutant, seconds")
    p.add_argument("--report", type=Path, default=None, help=f"default: <root>/{DEFAULT_REPORT}")
    p.add_argument(
        "--equivalent", type=Path, default=None, help=f"default: <root>/{EQUIVALENT_FILE}"
    )
    p.add_argument("--python", default=sys.executable, help="the interpreter that runs pytest")
    p.add_argument("--workdir", type=Path, help="where the copies go (default: a new temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the copies afterwards")
    p.add_argument("--list", action="store_true", help="list the mutants and stop")
    p.add_argument("--show", metavar="ID", help="show one mutant's change and stop")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    root: Path = args.root.resolve()
    report_path: Path = args.report or root / DEFAULT_REPORT
    equivalent_path: Path = args.equivalent or root / EQUIVALENT_FILE
    started = time.monotonic()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="mutation-"))
    workdir.mkdir(parents=True, exist_ok=True)
    snapshot = workdir / "snapshot"
    if snapshot.exists():
        shutil.rmtree(snapshot)
    try:
        if args.rev:
            export_rev(root, args.rev, snapshot)
        else:
            copy_tree(root, snapshot)
        modules = resolve_modules(snapshot, args.module or DEFAULT_MODULES, bool(args.module))
        mutants: list[Mutant] = []
        for module in modules:
            found = Splicer(module, (snapshot / module).read_text()).mutants()
            if args.operator:
                found = [m for m in found if m.op in args.operator]
            mutants.extend(found)
        if args.show:
            return _show(mutants, args.show)
        if args.list:
            for m in mutants:
                print(f"{m.id}  {_one_line(m.original)}  ->  {_one_line(m.mutated)}")
            _print_counts(mutants)
            return 0
        return _run(args, root, workdir, snapshot, mutants, report_path, equivalent_path, started)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"copies kept in {workdir}")


def _show(mutants: Sequence[Mutant], wanted: str) -> int:
    for m in mutants:
        if m.id == wanted:
            print(f"{m.id}\n{m.module}:{m.line}:{m.col} ({m.op})")
            print("\n".join("- " + line for line in m.original.splitlines()))
            print("\n".join("+ " + line for line in m.mutated.splitlines()))
            return 0
    print(f"no mutant {wanted} (the code may have moved; run --list)")
    return 1


def _print_counts(mutants: Sequence[Mutant]) -> None:
    counts: dict[str, int] = {}
    for m in mutants:
        counts[m.module] = counts.get(m.module, 0) + 1
    for module, n in counts.items():
        print(f"{n:6}  {module}")
    print(f"{len(mutants):6}  total")


def _git_head(root: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "not a git tree"
    return f"{head}{' + uncommitted changes' if dirty else ''}"


def _run(
    args: argparse.Namespace,
    root: Path,
    workdir: Path,
    snapshot: Path,
    mutants: list[Mutant],
    report_path: Path,
    equivalent_path: Path,
    started: float,
) -> int:
    equivalents = load_equivalents(equivalent_path)
    known = {m.id for m in mutants}
    prefixes = tuple(f"{_dotted(m)}:" for m in {m.module for m in mutants})
    stale = sorted(i for i in equivalents if i.startswith(prefixes) and i not in known)
    if args.operator:
        stale = [i for i in stale if i.split(":")[3] in args.operator]
    generated = len(mutants)
    earlier: dict[str, dict[str, Any]] = {}
    if args.resume:
        earlier = {rec["id"]: rec for rec in json.loads(Path(args.resume).read_text())}
    if args.resume:  # the earlier run's mutants, as many as the code still has
        picked = {m.id for m in mutants} & earlier.keys()
        if len(picked) < len(earlier):
            print(f"{len(earlier) - len(picked)} mutants of {args.resume} are gone (code changed)")
    else:
        picked = sample([m.id for m in mutants], args.limit, args.seed)
    chosen = [m for m in mutants if m.id in picked]
    results = [Result(m) for m in chosen]
    reused = 0
    for r in results:
        rec = earlier.get(r.mutant.id)
        if r.mutant.id in equivalents:
            r.status, r.reason = "equivalent", equivalents[r.mutant.id]
        elif rec is not None and rec["status"] in ("killed", "timeout", "survived", "error"):
            r.status, r.stage = rec["status"], rec["stage"]
            r.fast_seconds, r.full_seconds = rec["fast_seconds"], rec["full_seconds"]
            reused += 1
    to_run = [r for r in results if r.status == "pending"]
    for_full = [r for r in results if r.status == "survived" and r.stage == "fast"]

    fast_tests = [t for t in (args.fast_tests or DEFAULT_FAST_TESTS) if (snapshot / t).exists()]
    # No fast test uses hypothesis or xdist: their plugins' import is half of a short run.
    fast_opts = ["-x", "-q", "-p", "no:cacheprovider"]
    fast_opts += [arg for p in FAST_NO_PLUGINS for arg in ("-p", f"no:{p}")]
    fast_args = [*fast_opts, *fast_tests]
    full_args = ["-n", "2", "-x", "-q", "-p", "no:cacheprovider"]
    runner = Runner(args.python, fast_args, full_args, workdir.resolve() / "pycache")
    test_files = expand_tests(snapshot, fast_tests)
    for module in {r.mutant.module for r in to_run}:
        first = first_tests(snapshot, module, test_files)
        if first and len(first) < len(test_files):
            runner.first_args_for[module] = [*fast_opts, *first]
    print(
        f"{generated} mutants in {len(prefixes)} modules; "
        f"{len(results)} chosen, {len(equivalents.keys() & picked)} equivalent, "
        + (f"{reused} judged in {args.resume}, " if args.resume else "")
        + f"{len(to_run)} to run"
        + (f", a sample of --limit {args.limit}" if args.limit else "")
    )
    if not fast_tests and args.fast_only:
        raise SystemExit("error: none of the fast test paths exists, and --fast-only was given")

    trees = []
    for n in range(args.jobs):
        tree = workdir / f"job{n}"
        if tree.exists():
            shutil.rmtree(tree)
        shutil.copytree(snapshot, tree, symlinks=True)
        trees.append(tree)

    header = [
        f"- tree: `{root}` "
        + (f"at commit {args.rev}" if args.rev else f"working tree at {_git_head(root)}")
        + f", copied to `{workdir}`",
        f"- fast selection: `pytest {' '.join(fast_args)}`; first only its files that import "
        "the mutated module (a mutant they kill is not run further)",
        f"- full stage: `pytest {' '.join(full_args)}`"
        + (" (not run: --fast-only)" if args.fast_only else ""),
        f"- mutants: {generated} generated, {len(results)} chosen"
        + (f" (stable sample, --limit {args.limit}, seed {args.seed!r})" if args.limit else "")
        + f", {len(equivalents.keys() & picked)} listed as equivalent in `{EQUIVALENT_FILE}`",
    ]
    if args.resume:
        header.append(f"- {reused} results reused from `{args.resume}`")
    interrupted = False
    try:
        survivors = for_full + to_run
        if fast_tests and to_run:
            base = check_copy(runner, trees[0], fast_args, "fast")
            timeout = args.timeout or max(30.0, base * 5)
            run_fast(runner, trees, to_run, timeout)
            survivors = for_full + [r for r in to_run if r.status == "survived"]
        if not args.fast_only and survivors:
            picked = sample([r.mutant.id for r in survivors], args.full_limit, args.seed)
            full_set = [r for r in survivors if r.mutant.id in picked]
            if len(full_set) < len(survivors):
                header.append(
                    f"- full stage run on {len(full_set)} of {len(survivors)} fast-stage "
                    f"survivors (--full-limit); the others met the fast selection only"
                )
            base = check_copy(runner, trees[0], full_args, "full")
            run_full(runner, trees[0], full_set, args.full_timeout or max(120.0, base * 3))
    except KeyboardInterrupt:
        interrupted = True
        for r in results:
            if r.status == "pending":
                r.status = "interrupted"
    header.append(f"- wall time: {time.monotonic() - started:.0f}s" + (
        " (interrupted)" if interrupted else ""))  # fmt: skip
    markdown, console = build_report(results, header, stale)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(markdown)
    report_path.with_suffix(".json").write_text(
        json.dumps(
            [
                {
                    "id": r.mutant.id,
                    "module": r.mutant.module,
                    "line": r.mutant.line,
                    "op": r.mutant.op,
                    "status": r.status,
                    "stage": r.stage,
                    "fast_seconds": r.fast_seconds,
                    "full_seconds": r.full_seconds,
                    "original": r.mutant.original,
                    "mutated": r.mutant.mutated,
                }
                for r in results
            ],
            indent=1,
        )
    )
    print()
    print(console)
    print(f"report: {report_path}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
