"""Spec files -> WorkspaceSpecs: find the files, parse, validate, check across documents.

Offline and deterministic: files are read in sorted order, nothing touches the
network. Every problem of the run is gathered before anything fails, so
`load_specs` raises one SpecError that lists them all.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import cast

from reconciler.errors import SpecError
from reconciler.identity import account_key, key_key, tenant_key, workspace_id_key
from reconciler.model.diagnostics import Diagnostic, Source, sorted_diagnostics
from reconciler.spec.desired import ABSENT, Absent, LifeCycle, Person, WorkspaceSpec
from reconciler.spec.schema import schema_diagnostics
from reconciler.spec.yamlfile import JSON, Document, parse_documents, read_spec_text

SPEC_SUFFIXES = (".yaml", ".yml")

MAX_TREE_FILES = 10_000
"""Spec files one run reads at most; beyond that the specs are refused unread."""

MAX_TREE_FOLDERS = 10_000
"""Folders one run looks into at most (links followed)."""

MAX_TREE_BYTES = 64 * 1024 * 1024
"""The spec files of one run hold at most this much in all (each file at most 1 MiB)."""

TENANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""The schema's pattern for `tenant:`, applied to --tenant / SEAMLESS_TENANT too."""
_NO_TENANT = "no tenant: write 'tenant:' in the document, or pass --tenant (or set SEAMLESS_TENANT)"


@dataclass(frozen=True)
class LoadResult:
    """What one run found: the valid workspaces and every problem, for rendering."""

    specs: tuple[WorkspaceSpec, ...]
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[str, ...]
    """Spec files read, as displayed in messages."""
    documents: int
    """Non-empty YAML documents seen, valid or not."""

    @property
    def valid(self) -> bool:
        """True when there is not a single error."""
        return not self.diagnostics


def load_specs(paths: Sequence[Path], default_tenant: str | None) -> list[WorkspaceSpec]:
    """Load every workspace under `paths`; raise SpecError listing every problem found.

    `default_tenant` (from --tenant / SEAMLESS_TENANT) applies to documents
    that name no tenant.
    """
    result = load_documents(paths, default_tenant)
    if not result.valid:
        count = len(result.diagnostics)
        lines = "\n".join(str(diagnostic) for diagnostic in result.diagnostics)
        raise SpecError(f"{count} error{'s' if count != 1 else ''} in the specs:\n{lines}")
    return list(result.specs)


def load_documents(paths: Sequence[Path], default_tenant: str | None) -> LoadResult:
    """Load and check everything under `paths`, returning specs and problems alike."""
    files, diagnostics = discover(paths)
    specs: list[WorkspaceSpec] = []
    documents = 0
    for path, display in files:
        file_documents, problems = _read_file(path, display)
        diagnostics.extend(problems)
        documents += len(file_documents)
        for document in file_documents:
            spec, problems = build_spec(document, default_tenant)
            diagnostics.extend(problems)
            if spec is not None:
                specs.append(spec)
    diagnostics.extend(duplicate_workspaces(specs))
    return LoadResult(
        specs=tuple(specs),
        diagnostics=tuple(sorted_diagnostics(diagnostics)),
        files=tuple(display for _, display in files),
        documents=documents,
    )


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[Diagnostic]]:
    """Spec files under `paths` as (path, display name), sorted, each file once.

    A file named explicitly is read whatever its suffix (pre-commit passes
    names). In directories, `*.yaml` / `*.yml` at any depth are read, except
    hidden files and directories (`.git`, `.github`, `.reconciler`): CI
    workflows are YAML too. A directory without spec files is an error.

    Symbolic links are followed: a folder reached twice is read once, and a
    link back to a folder being read is a loop, an error naming it. Anything
    that could not be looked into (a loop, a link to nothing, a folder that
    cannot be listed) is an error, never a silent gap: `--prune` would take
    the workspaces it holds for gone. More than MAX_TREE_FILES spec files,
    MAX_TREE_FOLDERS folders or MAX_TREE_BYTES in all are refused unread.
    """
    found: list[tuple[Path, str]] = []
    diagnostics: list[Diagnostic] = []
    walk = _Walk()
    for given in paths:
        try:
            info = os.stat(given)
        except OSError as exc:
            diagnostics.append(_unreachable(given, exc))
            continue
        folder = stat.S_ISDIR(info.st_mode)
        if folder and os.path.realpath(given) in walk.folders:
            continue  # read already, through another path given
        files_before = walk.files_seen
        for item in walk.directory(given) if folder else [walk.file(given, info)]:
            if isinstance(item, Diagnostic):
                diagnostics.append(item)
            elif item is not None:
                found.append(item)
            limit = walk.over_limit()
            if limit:
                return [], [Diagnostic.in_file(str(given), limit)]
        if folder and walk.files_seen == files_before:
            # A pipeline pointed at the wrong directory must not pass as "all valid".
            message = "no spec files (*.yaml, *.yml) in this directory"
            diagnostics.append(Diagnostic.in_file(str(given), message))
    return found, diagnostics


class _Walk:
    """The folders and files one discovery has seen, by real path, and its running totals."""

    def __init__(self) -> None:
        self.folders: set[str] = set()
        self.files: set[str] = set()
        self.files_seen = 0
        self.bytes = 0

    def over_limit(self) -> str | None:
        """Why the specs are refused unread, once a limit is passed."""
        reason = None
        if len(self.files) > MAX_TREE_FILES:
            reason = f"more than {MAX_TREE_FILES:,} spec files"
        elif len(self.folders) > MAX_TREE_FOLDERS:
            reason = f"more than {MAX_TREE_FOLDERS:,} folders"
        elif self.bytes > MAX_TREE_BYTES:
            reason = f"spec files over {_size(MAX_TREE_BYTES)} in all"
        if reason is None:
            return None
        return (
            f"{reason}: refused unread (a run reads at most {MAX_TREE_FILES:,} spec files in "
            f"{MAX_TREE_FOLDERS:,} folders, {_size(MAX_TREE_BYTES)} in all)"
        )

    def file(self, path: Path, info: os.stat_result) -> tuple[Path, str] | None:
        """A spec file to read, or None when it was seen already (through another link)."""
        self.files_seen += 1
        real = os.path.realpath(path)
        if real in self.files:
            return None
        self.files.add(real)
        self.bytes += info.st_size
        return path, str(path)

    def directory(self, root: Path) -> Iterator[tuple[Path, str] | Diagnostic | None]:
        """Depth first, sorted, as os.walk: the files of a folder, then its folders.

        Yields spec files, problems, and None for each folder entered (so the
        caller checks the limits as the walk goes, not after it).
        """
        chain: dict[str, Path] = {}
        """Real path -> shown path of the folders from the root down to the one being read."""
        stack: list[tuple[Path, str | None]] = [(root, None)]
        while stack:
            folder, leaving = stack.pop()
            if leaving is not None:
                del chain[leaving]
                continue
            real = os.path.realpath(folder)
            if real in chain:
                message = f"symbolic link loop: it leads back to {chain[real]}, which holds it"
                yield Diagnostic.in_file(str(folder), message)
                continue
            if real in self.folders:
                continue  # reached twice through links: read once
            self.folders.add(real)
            yield None
            try:
                with os.scandir(folder) as listing:
                    names = sorted(entry.name for entry in listing)
            except OSError as exc:
                yield Diagnostic.in_file(str(folder), f"cannot read this folder: {exc.strerror}")
                continue
            chain[real] = folder
            stack.append((folder, real))
            folders: list[Path] = []
            for name in names:
                if name.startswith("."):
                    continue
                path = folder / name
                try:
                    info = os.stat(path)
                except OSError as exc:
                    yield _unreachable(path, exc)
                    continue
                if stat.S_ISDIR(info.st_mode):
                    folders.append(path)
                elif name.endswith(SPEC_SUFFIXES):
                    yield self.file(path, info)
            stack.extend((path, None) for path in reversed(folders))


def _unreachable(path: Path, exc: OSError) -> Diagnostic:
    """A path that cannot even be looked at: a link loop, a link to nothing, no such file."""
    if exc.errno == errno.ELOOP:
        message = "symbolic link loop: it never leads to a file or folder"
    elif isinstance(exc, FileNotFoundError) and path.is_symlink():
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        message = (
            f"symbolic link that leads to nothing ({target}): whatever it held is not read; "
            "fix or remove the link"
        )
    elif isinstance(exc, FileNotFoundError):
        message = "no such file or directory"
    else:
        message = f"cannot read: {exc.strerror or exc}"
    return Diagnostic.in_file(str(path), message)


def _size(count: int) -> str:
    mib = 1024 * 1024
    return f"{count // mib} MiB" if count % mib == 0 else f"{count:,} bytes"


def _read_file(path: Path, display: str) -> tuple[list[Document], list[Diagnostic]]:
    text, problem = read_spec_text(path, display)
    if text is None:
        return [], [problem] if problem else []
    documents, diagnostics = parse_documents(text, display)
    if not documents and not diagnostics:
        diagnostics.append(
            Diagnostic.in_file(display, "file is empty: no workspace documents", 1, 1)
        )
    return documents, diagnostics


def build_spec(
    document: Document, default_tenant: str | None
) -> tuple[WorkspaceSpec | None, list[Diagnostic]]:
    """Check one document and build its spec: (spec, []) or (None, problems)."""
    data = document.data
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else f"the value {data!r}"
        message = f"a document must be a mapping (kind: Workspace, name: ...), not {found}"
        return None, [Diagnostic.at(document.start, message)]
    problems = schema_diagnostics(document)
    tenant = data.get("tenant") or default_tenant
    if not isinstance(tenant, str):
        problems.append(Diagnostic.at(document.start, _NO_TENANT))
    elif "tenant" not in data and not TENANT_NAME.fullmatch(tenant):
        # The tenant is a segment of every request path: '..' would climb out of it.
        message = f"--tenant {tenant!r} is not a tenant name (letters, digits, '.', '_' or '-')"
        problems.append(Diagnostic.at(document.start, message))
        tenant = None
    if problems or not isinstance(tenant, str):
        return None, problems
    spec = _spec_from(data, document, tenant)
    return spec, _repeated_members(spec)


def _spec_from(data: dict[str, JSON], document: Document, tenant: str) -> WorkspaceSpec:
    # Only called on schema-valid data, so the casts below restate what the schema checked.
    return WorkspaceSpec(
        tenant=tenant,
        workspace_id=cast("str | None", data.get("workspaceId")),
        key=cast("str | None", data.get("key")),
        name=cast(str, data["name"]),
        organization_unit=cast(str, data["organizationUnit"]),
        workspace_type=cast(str, data["workspaceType"]),
        manager=_person(data["manager"]),
        source=document.start,
        description=cast("str | None", data.get("description")),
        life_cycle=cast(LifeCycle, data.get("lifeCycle", "active")),
        deputy=_deputy(data),
        schema=MappingProxyType(_schema_values(data, document)),
        team=MappingProxyType(_team(data)),
        locations=MappingProxyType(dict(document.values)),
    )


def _person(value: JSON) -> Person:
    if isinstance(value, dict):
        return Person(email=cast(str, value["email"]), name=cast("str | None", value.get("name")))
    return Person(email=cast(str, value))


def _deputy(data: dict[str, JSON]) -> Person | Absent | None:
    if "deputy" not in data:
        return ABSENT
    value = data["deputy"]
    return None if value is None else _person(value)


def _schema_values(data: dict[str, JSON], document: Document) -> dict[str, str | None]:
    """FieldName -> value as written: numbers and booleans keep their source text."""
    values: dict[str, str | None] = {}
    for name, value in cast("dict[str, JSON]", data.get("schema", {})).items():
        if value is None or isinstance(value, str):
            values[name] = value
        else:
            values[name] = document.plain[f"/schema/{name.replace('~', '~0').replace('/', '~1')}"]
    return values


def _team(data: dict[str, JSON]) -> dict[str, tuple[str, ...]]:
    team = cast("dict[str, list[str]]", data.get("team", {}))
    return {group: tuple(members) for group, members in team.items()}


def _repeated_members(spec: WorkspaceSpec) -> list[Diagnostic]:
    """Members listed twice in one group with different case (exact repeats are schema errors)."""
    problems: list[Diagnostic] = []
    for group, members in spec.team.items():
        seen: dict[str, str] = {}
        for index, member in enumerate(members):
            folded = account_key(member)
            if folded in seen:
                where = spec.where(f"/team/{group}/{index}")
                message = (
                    f"team.{group}: '{member}' repeats '{seen[folded]}' "
                    "(emails and group names are compared without case)"
                )
                problems.append(Diagnostic.at(where, message))
            seen.setdefault(folded, member)
    return problems


def duplicate_workspaces(specs: Iterable[WorkspaceSpec]) -> list[Diagnostic]:
    """One error per workspace defined more than once, naming both places.

    Identities are compared without case: the service's WorkspaceIds appear
    in URLs, and two specs that differ only in case would fight over one site.
    """
    first_seen: dict[tuple[str, str, str], Source] = {}
    problems: list[Diagnostic] = []
    for spec in specs:
        kind, value = ("workspaceId", spec.workspace_id) if spec.workspace_id else ("key", spec.key)
        folded = key_key(str(value)) if kind == "key" else workspace_id_key(str(value))
        identity = (tenant_key(spec.tenant), kind, folded)
        if identity in first_seen:
            first = first_seen[identity]
            message = (
                f"{kind} '{value}' of tenant '{spec.tenant}' is defined twice: here and at {first}"
            )
            problems.append(Diagnostic.at(spec.where(f"/{kind}"), message))
        else:
            first_seen[identity] = spec.where(f"/{kind}")
    return problems
