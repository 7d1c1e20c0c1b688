"""`reconciler state`: inspect and repair the state file. Wiring only."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.api import SeamlessClient
from reconciler.commands.terminal import out
from reconciler.engine.state import load_state, lock_paths, state_lock
from reconciler.errors import ExitCode, ReconcilerError, StateError
from reconciler.identity import key_key, same_workspace_id, workspace_id_key
from reconciler.settings import ConnectionSettings


def run_state_list(state_path: Path) -> ExitCode:
    """Per tenant: keys and their ids, unfinished creates, managed workspaces."""
    state = load_state(state_path)
    out(f"State {state_path}")
    if not state.tenants:
        out("  (empty)")
    for name, entry in sorted(state.tenants.items()):
        out(f"tenant {name}")
        for key, workspace_id in sorted(entry.keys.items()):
            out(f"  key {key:24} -> {workspace_id}")
        for key, intent in sorted(entry.pending.items()):
            expected = intent.get("expected_id") or "an id the service chooses"
            out(
                f"  key {key:24} -> ? create sent {intent.get('since')}, answer lost "
                f"(expected {expected})"
            )
        managed = ", ".join(sorted(entry.managed, key=workspace_id_key)) or "none"
        out(f"  managed: {managed}")
    return ExitCode.OK


def run_state_show(state_path: Path) -> ExitCode:
    """The state as JSON on stdout."""
    out(json.dumps(load_state(state_path).to_dict(), indent=2))
    return ExitCode.OK


def run_state_forget(
    state_path: Path, tenant: str, key: str, lock_timeout: float, force: bool, managed: bool
) -> ExitCode:
    """Drop a key (the next apply creates it again), or with `managed` a managed workspace id."""
    with state_lock(state_path, lock_timeout, "state forget"):
        state = load_state(state_path)
        if managed:
            if not state.unmanage(tenant, key):
                raise ReconcilerError(f"tenant '{tenant}' has no managed workspace '{key}'")
            out(f"Workspace {key} of tenant '{tenant}' is no longer managed.")
            return ExitCode.OK
        entry = state.tenants.get(tenant)
        if entry is None or (key_key(key) not in entry.keys and key_key(key) not in entry.pending):
            raise ReconcilerError(f"the state has no key '{key}' for tenant '{tenant}'")
        recorded = entry.keys.get(key_key(key))
        if recorded and not force:
            raise ReconcilerError(
                f"key '{key}' stands for workspace '{recorded}'. Forgetting it makes the next "
                "apply create a second workspace for it. If that is what you want (the old one "
                "is gone or closed for good), pass --force."
            )
        workspace_id = state.forget(tenant, key)
    out(
        f"Forgot key '{key}' of tenant '{tenant}'"
        + (f" ({workspace_id})." if workspace_id else ".")
    )
    return ExitCode.OK


def run_state_import(
    state_path: Path,
    tenant: str,
    key: str,
    workspace_id: str,
    connection: ConnectionSettings,
    lock_timeout: float,
) -> ExitCode:
    """Adopt an existing workspace under a key, after checking that it exists."""
    with SeamlessClient(connection, tenant=tenant) as client:
        workspace = client.get_workspace(workspace_id)
    if workspace is None:
        raise ReconcilerError(f"tenant '{tenant}' has no workspace '{workspace_id}'")
    with state_lock(state_path, lock_timeout, "state import"):
        state = load_state(state_path)
        known = state.workspace_id(tenant, key)
        if known is not None and not same_workspace_id(known, workspace.workspace_id):
            raise ReconcilerError(
                f"key '{key}' already stands for '{known}'; `reconciler state forget` it first"
            )
        state.record(tenant, key, workspace.workspace_id)
    out(f"Key '{key}' of tenant '{tenant}' now stands for {workspace.workspace_id}.")
    return ExitCode.OK


def run_state_unlock(state_path: Path) -> ExitCode:
    """Clear the lock's leftovers when no live process holds it; refuse otherwise."""
    lock_file, info_file = lock_paths(state_path)
    if not lock_file.exists() and not info_file.exists():
        out(f"The state {state_path} has no lock to clear; nothing was changed.")
        return ExitCode.OK
    try:
        with state_lock(state_path, 0, "state unlock"):
            pass  # taking and releasing it clears the holder description
    except StateError as exc:
        raise ReconcilerError(
            f"{exc}\nA live process holds the lock; it is released the moment that process "
            "ends (even when killed). Stop it, or wait for it."
        ) from exc
    # The lock file itself stays: removing it would let two holders lock two files.
    out(f"The state {state_path} is not locked (no live holder); its description cleared.")
    return ExitCode.OK
