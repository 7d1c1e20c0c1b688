"""The state file: what this tool created and manages, for ids the API cannot find again.

The API cannot list or search workspaces, so a type whose service generates
the id (Full, PrefixWithName) is found again only through this record of
key -> WorkspaceId. A create writes its intent first (key, the id it expects
when that is derivable) and the id the moment the POST answers, so a lost
answer never leads to a silent duplicate. The file also holds the set of
workspaces applied from the specs, which `--prune` closes when they leave the
specs. JSON, human-readable, versioned, written atomically (temp file, fsync,
rename); every writer holds the lock (`state_lock`), readers need none.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.engine.jsonfiles import read_json_file, resolve_state_path
from reconciler.engine.locking import describe_holder, lock_paths, state_lock
from reconciler.engine.state_paths import DEFAULT_NAME, default_state_path, refuse_missed_state
from reconciler.errors import StateError
from reconciler.identity import key_key, same_workspace_id, workspace_id_key
from reconciler.spec.files import write_atomically
from reconciler.spec.yamlfile import describe_os_error

__all__ = [  # the lock, the file reader and the paths live apart; callers know them as the state's
    "DEFAULT_NAME",
    "STATE_VERSION",
    "State",
    "TenantState",
    "default_state_path",
    "describe_holder",
    "digest",
    "load_state",
    "lock_paths",
    "read_json_file",
    "refuse_missed_state",
    "resolve_state_path",
    "state_lock",
]

STATE_VERSION = 1


@dataclass
class TenantState:
    """One tenant's keys, managed workspaces and unfinished creates."""

    keys: dict[str, str] = field(default_factory=dict)
    managed: set[str] = field(default_factory=set)
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    """WorkspaceId (folded) -> sha256 of the description sent at creation (never readable)."""
    checks: dict[str, dict[str, str]] = field(default_factory=dict)
    """WorkspaceId (folded) -> {"at": when drift last read it, "verdict": what it found}."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "keys": dict(sorted(self.keys.items())),
            "managed": sorted(self.managed, key=workspace_id_key),
            "pending": dict(sorted(self.pending.items())),
        }
        if self.descriptions:
            data["descriptions"] = dict(sorted(self.descriptions.items()))
        if self.checks:
            data["checks"] = dict(sorted(self.checks.items()))
        return data


@dataclass
class State:
    """Per tenant: key -> WorkspaceId, the managed workspaces, pending creates."""

    path: Path
    tenants: dict[str, TenantState] = field(default_factory=dict)
    exists: bool = True
    """False when there was no file to read (a first run, or the wrong --state)."""

    def tenant(self, name: str) -> TenantState:
        return self.tenants.setdefault(name, TenantState())

    def workspace_id(self, tenant: str, key: str) -> str | None:
        return self.tenants.get(tenant, TenantState()).keys.get(key_key(key))

    def pending(self, tenant: str, key: str) -> dict[str, Any] | None:
        return self.tenants.get(tenant, TenantState()).pending.get(key_key(key))

    def tenant_ids(self, tenant: str) -> list[str]:
        """The WorkspaceIds recorded under keys of a tenant."""
        return list(self.tenants.get(tenant, TenantState()).keys.values())

    def begin_create(self, tenant: str, key: str, expected_id: str | None) -> None:
        """Write the intent before the POST: a lost answer is then noticed next time."""
        intent = {"expected_id": expected_id, "since": _now()}
        self.tenant(tenant).pending[key_key(key)] = intent
        self.save()

    def abandon_create(self, tenant: str, key: str) -> None:
        """The service refused the create: there is nothing to find next time."""
        if self.tenant(tenant).pending.pop(key_key(key), None) is not None:
            self.save()

    def record(self, tenant: str, key: str, workspace_id: str, *, manage: bool = True) -> None:
        """Remember a created (or adopted) workspace's id, and write the file at once.

        `manage=False` (export) records the key alone: the workspace joins the
        managed set when an apply finds it in the specs, not before.
        """
        entry = self.tenant(tenant)
        known = entry.keys.get(key_key(key))
        if known is not None and not same_workspace_id(known, workspace_id):
            raise StateError(
                f"key '{key}' of tenant '{tenant}' already stands for '{known}', not "
                f"'{workspace_id}': `reconciler state forget` it first"
            )
        entry.keys[key_key(key)] = workspace_id
        entry.pending.pop(key_key(key), None)
        if manage:
            entry.managed.add(workspace_id)
        self.save()

    def description_digest(self, tenant: str, workspace_id: str) -> str | None:
        """The digest of the description sent when this tool created the workspace."""
        entry = self.tenants.get(tenant, TenantState())
        return entry.descriptions.get(workspace_id_key(workspace_id))

    def remember_description(self, tenant: str, workspace_id: str, description: str) -> None:
        """Keep a digest of the description a create sent: the service never shows it."""
        self.tenant(tenant).descriptions[workspace_id_key(workspace_id)] = digest(description)
        self.save()

    def last_check(self, tenant: str, workspace_id: str) -> dict[str, str] | None:
        """When drift last read this workspace, and its verdict then."""
        return self.tenants.get(tenant, TenantState()).checks.get(workspace_id_key(workspace_id))

    def record_checks(self, tenant: str, verdicts: Iterable[tuple[str, str]], at: str) -> None:
        """Remember a sweep's reads (WorkspaceId, verdict); the caller saves under the lock."""
        checks = self.tenant(tenant).checks
        for workspace_id, verdict in verdicts:
            checks[workspace_id_key(workspace_id)] = {"at": at, "verdict": verdict}

    def manage(self, tenant: str, workspace_ids: Iterable[str]) -> None:
        """Add workspaces applied from the specs to the managed set."""
        entry = self.tenant(tenant)
        known = {workspace_id_key(w) for w in entry.managed}
        entry.managed |= {w for w in workspace_ids if workspace_id_key(w) not in known}
        self.save()

    def unmanage(self, tenant: str, workspace_id: str) -> bool:
        """Drop a workspace from the managed set (prune will not close it); True if it was in."""
        entry = self.tenant(tenant)
        kept = {w for w in entry.managed if not same_workspace_id(w, workspace_id)}
        dropped = kept != entry.managed
        entry.managed = kept
        self.save()
        return dropped

    def forget(self, tenant: str, key: str) -> str | None:
        """Drop a key (and its pending create); returns the id it held."""
        entry = self.tenant(tenant)
        workspace_id = entry.keys.pop(key_key(key), None)
        entry.pending.pop(key_key(key), None)
        if workspace_id:
            entry.managed.discard(workspace_id)
        self.save()
        return workspace_id

    def to_dict(self) -> dict[str, Any]:
        tenants = {name: t.to_dict() for name, t in sorted(self.tenants.items())}
        return {"version": STATE_VERSION, "tenants": tenants}

    def save(self) -> None:
        """Write atomically: readers see the old file or the new one, never half of one."""
        text = json.dumps(self.to_dict(), indent=2) + "\n"
        target = resolve_state_path(self.path)  # a link stays a link: its target is written
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, text, prefix=".state-")
        except OSError as exc:
            raise StateError(f"cannot write the state file {self.path}: {exc}") from exc


def load_state(path: Path) -> State:
    """Read the state file; a missing file is an empty state, a broken one an error.

    Every shape is checked, never coerced: a text where a list of ids belongs,
    a number where an id belongs, `"version": true` (True == 1 in Python) are
    damage, like JSON nested too deep or a file that is not a regular file.
    """
    target = resolve_state_path(path)
    try:
        data = read_json_file(target)
    except FileNotFoundError:
        return State(path, exists=False)
    except (OSError, UnicodeDecodeError) as exc:
        reason = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
        raise StateError(f"cannot read the state file {path}: {reason}") from exc
    except ValueError as exc:
        raise _damaged(path, exc) from exc
    try:
        _check_known_fields(data, path)
        version = data.get("version") if isinstance(data, dict) else None
        if type(version) is not int or version != STATE_VERSION:  # True == 1.0 == 1: refused
            raise StateError(
                f"the state file {path} has version {version!r}; this reconciler reads "
                f"version {STATE_VERSION}. It was left as it is."
            )
        tenants = {
            name: TenantState(
                keys={
                    key_key(k): _id(v, f"key '{k}' of tenant '{name}'")
                    for k, v in body.get("keys", {}).items()
                },
                managed={
                    _id(w, f"a managed workspace of tenant '{name}'")
                    for w in _list(body.get("managed", []), f"'managed' of tenant '{name}'")
                },
                pending={
                    key_key(k): _intent(v, f"the pending create of key '{k}' of tenant '{name}'")
                    for k, v in body.get("pending", {}).items()
                },
                descriptions={
                    workspace_id_key(k): _text(v, f"the description digest of '{k}'")
                    for k, v in body.get("descriptions", {}).items()
                },
                checks={
                    workspace_id_key(k): _check(v, f"the drift check of '{k}'")
                    for k, v in body.get("checks", {}).items()
                },
            )
            for name, body in data.get("tenants", {}).items()
        }
    except (ValueError, AttributeError, TypeError) as exc:
        raise _damaged(path, exc) from exc
    return State(path, tenants)


def _damaged(path: Path, exc: Exception) -> StateError:
    return StateError(
        f"the state file {path} is damaged ({exc}); it was left as it is: restore it "
        "from version control or a backup, or move it away to start afresh"
    )


def _list(value: Any, what: str) -> list[Any]:
    """A list, never a text read character by character."""
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list, not {_kind(value)}")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a text, not {_kind(value)}")
    return value


def _id(value: Any, what: str) -> str:
    """A WorkspaceId: a non-empty text, never a number turned into one."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a workspace id (a non-empty text), not {_kind(value)}")
    return value


def _intent(value: Any, what: str) -> dict[str, Any]:
    """A create's intent: {"expected_id": an id or null, "since": a time}."""
    intent = dict(value)
    if intent.get("expected_id") is not None:
        _id(intent["expected_id"], f"the expected id of {what}")
    if intent.get("since") is not None:
        _text(intent["since"], f"the time of {what}")
    return intent


def _check(value: Any, what: str) -> dict[str, str]:
    """A drift check: {"at": a time, "verdict": a word}, both texts."""
    if not isinstance(value, dict) or set(value) != {"at", "verdict"}:
        raise ValueError(f"{what} must be an object of 'at' and 'verdict', not {_kind(value)}")
    return {name: _text(value[name], f"'{name}' of {what}") for name in ("at", "verdict")}


def _kind(value: Any) -> str:
    """How a JSON value is named in a message: "the text 'x'", "a list", "a boolean", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return "a list" if isinstance(value, list) else "an object"


def _check_known_fields(data: Any, path: Path) -> None:
    """Refuse what this version would drop on its next write: unknown fields, case-twin keys."""
    if not isinstance(data, dict):
        return
    unknown = set(data) - {"version", "tenants"}
    for name, body in (data.get("tenants") or {}).items():
        if isinstance(body, dict):
            known = {"keys", "managed", "pending", "descriptions", "checks"}
            unknown |= {f"{name}.{k}" for k in set(body) - known}
            keys = [key_key(str(k)) for k in body.get("keys", {})]
            if len(keys) != len(set(keys)):
                raise StateError(
                    f"the state file {path} has keys of tenant '{name}' that differ only in "
                    "case; keys compare without case: merge them by hand. It was left as it is."
                )
    if unknown:
        raise StateError(
            f"the state file {path} has fields this reconciler does not know "
            f"({', '.join(sorted(unknown))}); it was left as it is"
        )


def digest(text: str) -> str:
    """sha256 of a text: enough to tell whether it changed, without keeping it."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
