"""`export` and `import`: live workspaces -> spec files, then the state. Wiring only.

The engine decides each document (`engine/export.py`, which also proves it
plans as no change); this module reads, writes the files, holds the state
lock and prints. A file is always written before the state records anything
of its workspace, so the state never holds a workspace without a spec (which
`--prune` would close). With `--output-dir -` nothing is recorded at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.api import SeamlessClient
from reconciler.api.models import Workspace
from reconciler.commands.terminal import err, out, progress_bar
from reconciler.engine.export import (
    ExportedDocument,
    derive_key,
    export_workspace,
    round_trip_problems,
)
from reconciler.engine.live import Catalog, LiveRead, LiveWorkspace, read_catalog, read_live
from reconciler.engine.naming import ImportRefused, recorded_key, spec_naming
from reconciler.engine.state import (
    DEFAULT_NAME,
    State,
    TenantState,
    load_state,
    refuse_missed_state,
    state_lock,
)
from reconciler.errors import ExitCode, ReconcilerError, SpecError, StateError
from reconciler.identity import fold, key_key, tenant_key, workspace_id_key
from reconciler.settings import ConnectionSettings
from reconciler.spec import WorkspaceSpec, load_documents
from reconciler.spec.files import write_atomically
from reconciler.spec.load import TENANT_NAME
from reconciler.spec.write import spec_file_name, write_documents


@dataclass(frozen=True)
class ExportRequest:
    """What `reconciler export` was asked to do."""

    ids: tuple[str, ...]
    connection: ConnectionSettings
    from_file: Path | None = None
    output_dir: str | None = None
    """A folder, "-" for stdout, None for the specs folder (`specs/` if here, else `.`)."""
    force: bool = False
    strict: bool = False
    state_path: Path | None = None
    lock_timeout: float = 60.0


@dataclass(frozen=True)
class ImportRequest:
    """What `reconciler import` was asked to do."""

    address: str
    connection: ConnectionSettings
    to: Path | None = None
    specs: Path | None = None
    state_path: Path | None = None
    lock_timeout: float = 60.0


def run_export(request: ExportRequest) -> ExitCode:
    """Write one spec file per workspace (or all to stdout); record generated ids' keys."""
    tenant = request.connection.tenant
    if not tenant or not TENANT_NAME.fullmatch(tenant):
        raise ReconcilerError("give the workspaces' tenant with --tenant (or SEAMLESS_TENANT)")
    ids = _ids(request.ids, request.from_file)
    to_stdout = request.output_dir == "-"
    folder = Path(request.output_dir) if request.output_dir and not to_stdout else specs_folder()
    state_path = _state_path(request.state_path, folder, check=not to_stdout)
    # The specs already there: export writes no second definition, and takes no key of theirs.
    there = [] if to_stdout or not folder.is_dir() else _specs_in(folder, tenant, "export")
    catalog, lives = _read(request.connection, tenant, ids)
    found = [live for live in lives if live.workspace is not None]
    failed = len(ids) - len(found)
    for workspace_id, live in zip(ids, lives, strict=True):
        if live.workspace is None:
            why = f"cannot read it: {live.error}" if live.error else "no such workspace"
            err(f"Error: {tenant}/{workspace_id}: {why}")
    keyed = any(_needs_key(catalog, live.workspace) for live in found)
    with (
        state_lock(state_path, request.lock_timeout, "export")
        if keyed and not to_stdout
        else contextlib.nullcontext()
    ):
        state = load_state(state_path)
        target = None if to_stdout else (folder, request.force)
        documents, skipped = _documents(
            found, tenant, catalog, state, request.strict, there, target
        )
        failed += len(found) - len(documents) - skipped
        if to_stdout:
            out(write_documents([d.text for d in documents]), newline=False)
            _not_recorded(documents, state)
        else:
            written = _write_all(documents, folder, request.force)
            failed += len(documents) - len(written)
            for document in (d for d in written if d.key):
                state.record(tenant, document.key or "", document.workspace_id, manage=False)
                out(f"Recorded key {document.key} -> {document.workspace_id} in {state_path}")
            there_already = f" ({skipped} already in the specs there)" if skipped else ""
            err(f"Exported {len(written)} of {len(ids)} workspaces to {folder}{there_already}.")
            if written:
                busy = ", ".join(d.workspace_id for d in written if not d.ready)
                expect = (
                    f"an error for {busy}, not Ready; no other changes" if busy else "no changes"
                )
                err(f"Check: reconciler validate {folder} && reconciler plan {folder}  ({expect})")
    return ExitCode.ERROR if failed else ExitCode.OK


def run_import(request: ImportRequest) -> ExitCode:
    """Take one workspace under management: its spec (unless one names it), then the state."""
    tenant, workspace_id = _address(request.address, request.connection.tenant)
    folder = request.specs or specs_folder()
    if request.to is not None:  # before any read: the spec must be where plan reads it
        _refuse_outside(request.to, folder)
    state_path = _state_path(request.state_path, folder, check=True)
    specs = _specs_in(folder, tenant, "import")
    catalog, (live,) = _read(request.connection, tenant, [workspace_id])
    workspace = live.workspace
    if workspace is None:
        raise ReconcilerError(f"{tenant}/{workspace_id}: {live.error or 'no such workspace'}")
    address = f"{tenant}/{workspace.workspace_id}"
    with state_lock(state_path, request.lock_timeout, "import"):
        state = load_state(state_path)
        keys = state.tenants.get(tenant, TenantState()).keys
        named = spec_naming(specs, tenant, workspace, catalog, keys)
        if named is not None:
            out(f"{address} is already in the specs: {named.source}")
            _record(state, tenant, named.key, workspace.workspace_id)
            return ExitCode.OK
        key = None
        if _needs_key(catalog, workspace):
            taken = set(keys) | {key_key(s.key) for s in specs if s.key}
            key = recorded_key(keys, workspace.workspace_id)
            key = key or derive_key(workspace.name, workspace.workspace_id, taken)
        document = export_workspace(tenant, workspace, live.team or (), catalog, key)
        _prove(document, workspace, live, catalog)
        for warning in document.warnings:
            err(f"Warning: {address}: {warning}")
        path = request.to or folder / spec_file_name(workspace.workspace_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_file(path, document.text, force=False)
        except FileExistsError:
            raise ReconcilerError(
                f"{path} exists, and import never overwrites a file: choose another with --to, "
                "or add the document to it yourself and import again (it will only record it)"
            ) from None
        except OSError as exc:
            raise ReconcilerError(f"cannot write {path}: {exc.strerror or exc}") from exc
        out(f"Wrote {path} ({address})")
        try:
            _record(state, tenant, key, workspace.workspace_id)
        except StateError as exc:
            raise StateError(f"{exc}\n{path} was written, but the state was not.") from exc
    return ExitCode.OK


def specs_folder() -> Path:
    """`specs/` when it is here, else the current folder (as the state commands default)."""
    return Path("specs") if Path("specs").is_dir() else Path(".")


def _state_path(given: Path | None, folder: Path, *, check: bool) -> Path:
    """--state, else `.reconciler/state.json` in the specs folder (plan's default for it)."""
    if given is not None:
        return given
    path = folder.resolve() / DEFAULT_NAME
    if check:
        refuse_missed_state(path)
    return path


def _ids(given: Sequence[str], from_file: Path | None) -> list[str]:
    """The ids given and those of the file (one a line; blanks, # comments skipped), once each."""
    ids = [i.strip() for i in given]
    if from_file is not None:
        try:
            text = from_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReconcilerError(f"cannot read {from_file}: {exc}") from exc
        ids += [line.split("#", 1)[0].strip() for line in text.splitlines()]
    unique = {workspace_id_key(i): i for i in reversed(ids) if i}
    if not unique:
        raise ReconcilerError("give at least one WorkspaceId, or --from-file FILE")
    return list(reversed(unique.values()))


def _address(address: str, default_tenant: str | None) -> tuple[str, str]:
    """ "contoso/pr.01", or "pr.01" with --tenant."""
    tenant, _, workspace_id = address.rpartition("/")
    tenant = tenant or default_tenant or ""
    if not TENANT_NAME.fullmatch(tenant) or not workspace_id.strip():
        raise ReconcilerError(
            f"'{address}' is not an address: write TENANT/WORKSPACE_ID (contoso/pr.01), or "
            "give the tenant with --tenant"
        )
    return tenant, workspace_id.strip()


def _read(
    connection: ConnectionSettings, tenant: str, ids: Sequence[str]
) -> tuple[Catalog, list[LiveWorkspace]]:
    """The tenant's catalog, then every workspace with its team (concurrently, with a bar)."""
    with SeamlessClient(connection, tenant=tenant) as client:
        catalog = read_catalog(client, tenant)
        reads = [LiveRead(tenant, workspace_id, True) for workspace_id in ids]
        with progress_bar("Reading workspaces", [client]) as update:
            return catalog, read_live({tenant: client}, reads, update)


def _needs_key(catalog: Catalog, workspace: Workspace | None) -> bool:
    pair = catalog.pair(workspace.unit_type_id) if workspace else None
    return pair is not None and pair[1].generator.service_generates_id


def _documents(
    found: Sequence[LiveWorkspace],
    tenant: str,
    catalog: Catalog,
    state: State,
    strict: bool,
    specs: Sequence[WorkspaceSpec],
    target: tuple[Path, bool] | None,
) -> tuple[list[ExportedDocument], int]:
    """Each proven document, and how many workspaces `specs` (the output folder's) name
    already; `target`: (that folder, --force), None for stdout. Said as they come."""
    keys = state.tenants.get(tenant, TenantState()).keys
    taken = set(keys) | {key_key(s.key) for s in specs if s.key}
    documents, skipped = [], 0
    for live in found:
        workspace = live.workspace
        assert workspace is not None
        address = f"{tenant}/{workspace.workspace_id}"
        try:
            named = spec_naming(specs, tenant, workspace, catalog, keys)
        except ImportRefused as exc:
            err(f"Error: {address}: not exported: {exc}")
            continue
        if named is not None and not _refreshed(named, workspace.workspace_id, target):
            _skipped(named, address, keys)
            skipped += 1
            continue
        key = None
        if _needs_key(catalog, workspace):
            key = recorded_key(keys, workspace.workspace_id) or (named.key if named else None)
            key = key or derive_key(workspace.name, workspace.workspace_id, taken)
            taken.add(key_key(key))
        try:
            document = export_workspace(tenant, workspace, live.team or (), catalog, key)
            _prove(document, workspace, live, catalog)
        except ReconcilerError as exc:  # NotExportable, or not proven
            err(f"Error: {address}: {exc}")
            continue
        for warning in document.warnings:
            err(f"Warning: {address}: {warning}")
        if strict and document.warnings:
            err(f"Error: {address}: not exported (--strict refuses a workspace with warnings)")
            continue
        documents.append(document)
    return documents, skipped


def _refreshed(named: WorkspaceSpec, workspace_id: str, target: tuple[Path, bool] | None) -> bool:
    """With --force, the file export writes is the one naming it: written again, not skipped."""
    path = target[0] / spec_file_name(workspace_id) if target and target[1] else None
    return path is not None and Path(named.source.file).resolve() == path.resolve()


def _skipped(named: WorkspaceSpec, address: str, keys: Mapping[str, str]) -> None:
    """Say that a workspace a spec names already is not written twice (not an error)."""
    unrecorded = named.key is not None and key_key(named.key) not in keys
    record = f"; `reconciler import {address}` records its key" if unrecorded else ""
    err(f"Skipped {address}: already named by {named.source}; not exported again{record}")


def _prove(
    document: ExportedDocument, workspace: Workspace, live: LiveWorkspace, catalog: Catalog
) -> None:
    """Refuse a document that would not validate and plan as no change (a bug if it happens)."""
    problems = round_trip_problems(document, workspace, live.team or (), catalog)
    if problems:
        raise ReconcilerError(
            "not exported: its document would not plan as no change, which is a bug of "
            "reconciler (please report it): " + "; ".join(problems)
        )


def _write_all(
    documents: Sequence[ExportedDocument], folder: Path, force: bool
) -> list[ExportedDocument]:
    """One file each; an existing file is kept (without --force) and reported."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReconcilerError(f"cannot create the folder {folder}: {exc.strerror}") from exc
    written: list[ExportedDocument] = []
    names: set[str] = set()
    for document in documents:
        path = folder / spec_file_name(document.workspace_id)
        try:
            if fold(path.name) in names:  # two ids that differ only in odd characters
                raise FileExistsError
            write_file(path, document.text, force)
        except FileExistsError:
            err(f"Error: {document.address}: {path} exists; pass --force to overwrite it")
            continue
        except OSError as exc:
            err(f"Error: {document.address}: cannot write {path}: {exc.strerror or exc}")
            continue
        names.add(fold(path.name))
        out(f"Wrote {path} ({document.address})")
        written.append(document)
    return written


def write_file(path: Path, text: str, force: bool) -> None:
    """Write a new file (FileExistsError if there is one), or with `force` replace it atomically."""
    if not force:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
        return
    write_atomically(path, text, prefix=".export-")


def _not_recorded(documents: Sequence[ExportedDocument], state: State) -> None:
    """On stdout nothing is recorded: say so, and how to record the keys the documents need."""
    err("Nothing was recorded in the state (the documents went to stdout).")
    known = state.tenants.get(documents[0].tenant, TenantState()).keys if documents else {}
    missing = [d for d in documents if d.key and key_key(d.key) not in known]
    if missing:
        err("Once the documents are in your specs, record their keys before you plan (else a")
        err("Full type's workspace would be created again):")
        for d in missing:
            err(f"  reconciler state import --tenant {d.tenant} {d.key} {d.workspace_id}")


def _specs_in(folder: Path, tenant: str, command: str) -> list[WorkspaceSpec]:
    """The specs under the folder; none when it holds no spec file; SpecError when invalid."""
    if not folder.is_dir():
        raise ReconcilerError(f"the specs folder {folder} does not exist")
    result = load_documents([folder], tenant)
    if not result.files:
        return []
    if not result.valid:
        lines = "\n".join(str(d) for d in result.diagnostics)
        raise SpecError(
            f"the specs in {folder} have errors; {command} must know whether one names a "
            f"workspace, so fix them first:\n{lines}"
        )
    return [s for s in result.specs if tenant_key(s.tenant) == tenant_key(tenant)]


def _refuse_outside(path: Path, folder: Path) -> None:
    """The spec must be where plan reads it: a YAML file in the specs folder, not hidden."""
    try:
        inside = path.resolve().relative_to(folder.resolve())
    except ValueError:
        inside = None
    hidden = inside is not None and any(part.startswith(".") for part in inside.parts)
    if inside is None or hidden or path.suffix not in (".yaml", ".yml"):
        raise ReconcilerError(
            f"--to {path}: the spec must be a .yaml file in the specs folder {folder} (not "
            "hidden), where plan reads it; elsewhere, plan --prune would close the workspace"
        )


def _record(state: State, tenant: str, key: str | None, workspace_id: str) -> None:
    """Into the managed set (and key -> id for generated ids), under the caller's lock."""
    if key:
        state.record(tenant, key, workspace_id)
        out(f"Recorded key {key} -> {workspace_id} (managed) in {state.path}")
    else:
        state.manage(tenant, [workspace_id])
        out(f"Recorded {tenant}/{workspace_id} as managed in {state.path}")
