"""`--changed-since REF`: which workspace documents differ between a git revision and the files.

A pull request's plan should cost what the pull request changed. Documents
are compared, not lines: each document is known by its workspace (tenant
and workspaceId, or tenant and key) and compared as data, so a document
moved to another file, re-indented or re-commented is unchanged, and one
whose values changed is changed wherever it lives. A document of REF whose
workspace no file names any more was deleted: it is leaving the specs.

Git is asked twice for REF (`ls-tree`, one `cat-file --batch` for every
blob), whatever the number of files. Offline: nothing here touches the API.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reconciler.errors import SpecError
from reconciler.identity import key_key, tenant_key, workspace_id_key
from reconciler.spec.desired import WorkspaceSpec
from reconciler.spec.files import read_spec_text
from reconciler.spec.load import discover
from reconciler.spec.yamlfile import JSON, parse_documents

SPEC_SUFFIXES = (".yaml", ".yml")

Identity = tuple[str, str]
"""(folded tenant, "id:<folded workspaceId>" or "key:<folded key>")."""


@dataclass(frozen=True)
class Deleted:
    """A document of REF whose workspace no file names now."""

    tenant: str
    workspace_id: str | None
    key: str | None


@dataclass(frozen=True)
class Changes:
    """What differs between REF and the working tree, document by document."""

    ref: str
    commit: str
    changed: frozenset[Identity]
    """Workspaces whose document was added or edited since REF."""
    deleted: tuple[Deleted, ...]

    def touches(self, spec: WorkspaceSpec) -> bool:
        """Whether this spec's document is new or differs from REF's."""
        return identity_of(spec.tenant, spec.workspace_id, spec.key) in self.changed


def identity_of(tenant: str, workspace_id: str | None, key: str | None) -> Identity:
    if workspace_id:
        return tenant_key(tenant), "id:" + workspace_id_key(workspace_id)
    return tenant_key(tenant), "key:" + key_key(key or "")


def changes_since(ref: str, paths: Sequence[Path], default_tenant: str | None) -> Changes:
    """Compare the documents under `paths` now with those under the same paths at `ref`."""
    top = _toplevel(paths)
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=ref).strip()
    before = _documents_at(top, commit, ref, paths, default_tenant)
    now = _documents_now(paths, default_tenant)
    changed = frozenset(i for i, data in now.items() if before.get(i) != data)
    deleted = tuple(
        Deleted(str(data["tenant"]), _text(data, "workspaceId"), _text(data, "key"))
        for i, data in sorted(before.items())
        if i not in now
    )
    return Changes(ref, commit, changed, deleted)


def _toplevel(paths: Sequence[Path]) -> Path:
    """The one git work tree that holds every path."""
    tops = set()
    for path in paths:
        folder = path if path.is_dir() else path.parent
        try:
            tops.add(Path(_git(folder, "rev-parse", "--show-toplevel", what=None).strip()))
        except SpecError as exc:
            raise SpecError(
                f"--changed-since needs the specs in a git work tree: {path} is not in one ({exc})"
            ) from exc
    if len(tops) != 1:
        raise SpecError("--changed-since needs every spec path in the same git work tree")
    return tops.pop()


def _git(folder: Path, *args: str, what: str | None, stdin: bytes | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            input=stdin,
            capture_output=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpecError(f"cannot run git: {exc}") from exc
    if done.returncode != 0:
        if what is not None:
            raise SpecError(
                f"--changed-since {what!r}: git cannot resolve it to a commit ({_hint(folder)})"
            )
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SpecError(reason[-1] if reason else f"git {args[0]} failed")
    return done.stdout.decode("utf-8", "replace")


def _hint(folder: Path) -> str:
    """How to make a missing revision resolvable: deepen a shallow clone, else fetch it."""
    try:
        shallow = _git(folder, "rev-parse", "--is-shallow-repository", what=None).strip()
    except SpecError:
        shallow = ""
    if shallow == "true":
        return (
            "this is a shallow clone, which lacks older commits: deepen it first, e.g. "
            "`git fetch --deepen=50` or `git fetch --unshallow` (in CI, check out with "
            "`fetch-depth: 0`), or give a branch, tag or commit that exists here"
        )
    return (
        "fetch it first, e.g. `git fetch origin main`, or give a branch, tag or commit that "
        "exists here"
    )


def _documents_at(
    top: Path, commit: str, ref: str, paths: Sequence[Path], default_tenant: str | None
) -> dict[Identity, dict[str, JSON]]:
    """The documents under `paths` in `commit`, by workspace."""
    blobs: list[tuple[str, str]] = []
    for path in paths:
        relative = Path(os.path.relpath(os.path.realpath(path), top)).as_posix()
        listing = _git(top, "ls-tree", "-r", "-z", commit, "--", relative, what=None)
        for entry in filter(None, listing.split("\0")):
            meta, name = entry.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind == "blob" and mode != "120000" and _is_spec(name, relative, path):
                blobs.append((sha, name))
    if not blobs:
        return {}
    shas = "".join(f"{sha}\n" for sha, _ in blobs).encode()
    raw = subprocess.run(
        ["git", "-C", str(top), "cat-file", "--batch"], input=shas, capture_output=True, check=True
    ).stdout
    texts = _split_batch(raw)
    found: dict[Identity, dict[str, JSON]] = {}
    for (_, name), text in zip(blobs, texts, strict=True):
        _collect(found, text.decode("utf-8", "replace"), f"{ref}:{name}", default_tenant)
    return found


def _is_spec(name: str, relative: str, given: Path) -> bool:
    """A spec file as `discover` would read it: named explicitly, or *.yaml not hidden."""
    if given.is_file() or (not given.exists() and name == relative):
        return True
    inside = PurePosixPath(name).relative_to(relative) if relative != "." else PurePosixPath(name)
    hidden = any(part.startswith(".") for part in inside.parts)
    return name.endswith(SPEC_SUFFIXES) and not hidden


def _split_batch(raw: bytes) -> list[bytes]:
    """`git cat-file --batch` output: "<sha> blob <size>\\n<content>\\n" per object."""
    texts, at = [], 0
    while at < len(raw):
        header_end = raw.index(b"\n", at)
        size = int(raw[at:header_end].split()[2])
        texts.append(raw[header_end + 1 : header_end + 1 + size])
        at = header_end + 1 + size + 1
    return texts


def _documents_now(
    paths: Sequence[Path], default_tenant: str | None
) -> dict[Identity, dict[str, JSON]]:
    files, _ = discover(paths)  # the loader already reported what it could not read
    found: dict[Identity, dict[str, JSON]] = {}
    for path, display in files:
        text, _ = read_spec_text(path, display)
        if text is not None:
            _collect(found, text, display, default_tenant)
    return found


def _collect(
    found: dict[Identity, dict[str, JSON]], text: str, file: str, default_tenant: str | None
) -> None:
    """Each workspace document of `text`, as data with its tenant filled in."""
    documents, _ = parse_documents(text, file)
    for document in documents:
        data = document.data
        if not isinstance(data, dict):
            continue
        tenant = data.get("tenant") or default_tenant
        workspace_id, key = _text(data, "workspaceId"), _text(data, "key")
        if not isinstance(tenant, str) or not (workspace_id or key):
            continue  # an invalid document: the loader reports it; it counts as changed
        found[identity_of(tenant, workspace_id, key)] = {**data, "tenant": tenant}


def _text(data: dict[str, JSON], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) and value else None
