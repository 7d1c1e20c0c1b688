"""Acknowledged drift: match `.reconciler-ignore.yaml` entries to differences, and expire them.

An entry covers one field (or one member of a team group) of one workspace
until its expiry day has passed; then the difference counts as drift again
and the entry is a warning. An entry that matches nothing on a workspace
this run checked is a warning too: stale acknowledgements hide the next
change to the same field. Unlike Terraform's `ignore_changes`, nothing here
lasts for ever.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from reconciler.engine.state import State
from reconciler.identity import fold, same_account, same_workspace_id
from reconciler.model.diagnostics import Diagnostic, Source
from reconciler.model.drift import Acknowledged, Difference, Verdict, WorkspaceDrift
from reconciler.spec import WorkspaceSpec
from reconciler.spec.ignore import Acknowledgement


def acknowledge(
    workspaces: Sequence[WorkspaceDrift],
    entries: Sequence[Acknowledgement],
    today: date,
    state: State,
    known: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[WorkspaceDrift], list[Diagnostic]]:
    """Mark the differences live entries cover; warn about expired and unmatched entries.

    `known`: every name (folded) of the specs' workspaces; with the state's, an
    entry that names none of them is a typo or a leftover, and is warned about.
    """
    used: set[int] = set()
    result = []
    for workspace in workspaces:
        names = _names(workspace, state)
        mine = [(i, e) for i, e in enumerate(entries) if fold(e.workspace) in names]
        differences = []
        for difference in workspace.differences:
            matching = [(i, e) for i, e in mine if _covers(e, difference)]
            used |= {i for i, _ in matching}
            live = [e for _, e in matching if not e.expired(today)]
            differences.append(
                replace(difference, acknowledged=_acknowledged(live[0])) if live else difference
            )
        checked = replace(workspace, differences=tuple(differences))
        if checked.verdict is Verdict.DRIFT and not checked.unacknowledged:
            checked = replace(checked, verdict=Verdict.ACKNOWLEDGED)
        result.append(checked)
    checked_names = set().union(*(_names(w, state) for w in workspaces if _was_read(w)))
    known = set(known) | _state_names(state) | checked_names
    warnings = [
        warning
        for i, entry in enumerate(entries)
        for warning in _entry_warnings(entry, today, i in used, checked_names, known)
    ]
    return result, warnings


def spec_names(spec: WorkspaceSpec, workspace_id: str | None) -> set[str]:
    """Every way an entry may name a spec's workspace: address, id, key, tenant/key."""
    names = {fold(spec.address)}
    for name in (workspace_id, spec.key):
        if name:
            names |= {fold(name), fold(f"{spec.tenant}/{name}")}
    return names


def _state_names(state: State) -> set[str]:
    names = set()
    for tenant, entry in state.tenants.items():
        for name in (*entry.keys, *entry.managed):
            names |= {fold(name), fold(f"{tenant}/{name}")}
    return names


def _names(workspace: WorkspaceDrift, state: State) -> set[str]:
    """Every way an entry may name the workspace: address, id, key, tenant/key."""
    names = {fold(workspace.address)}
    if workspace.key:
        names |= {fold(workspace.key), fold(f"{workspace.tenant}/{workspace.key}")}
    if workspace.workspace_id:
        names |= {fold(workspace.workspace_id)}
        keys = state.tenants[workspace.tenant].keys if workspace.tenant in state.tenants else {}
        for key, workspace_id in keys.items():
            if same_workspace_id(workspace_id, workspace.workspace_id):
                names |= {fold(key), fold(f"{workspace.tenant}/{key}")}
    return names


def _covers(entry: Acknowledgement, difference: Difference) -> bool:
    """Its field, or a part of it: `manager` covers `manager.name` too."""
    path, written = fold(difference.field_path), fold(entry.path)
    if path != written and not path.startswith(written + "."):
        return False
    return entry.member is None or (
        difference.member is not None and same_account(entry.member, difference.member)
    )


def _acknowledged(entry: Acknowledgement) -> Acknowledged:
    expires = entry.expires.isoformat()
    return Acknowledged(entry.reason, entry.owner, expires, entry.file, entry.line)


def _was_read(workspace: WorkspaceDrift) -> bool:
    return workspace.verdict is not Verdict.UNKNOWN


def _entry_warnings(
    entry: Acknowledgement, today: date, used: bool, checked: set[str], known: set[str]
) -> Iterable[Diagnostic]:
    at = Source(entry.file, entry.line, 1)
    what = f"{entry.workspace} {entry.path}" + (f" {entry.member}" if entry.member else "")
    if entry.expired(today):
        yield Diagnostic.warning(
            f"acknowledgement of {what} expired on {entry.expires.isoformat()}",
            f"the difference counts as drift again (owner {entry.owner}); fix the workspace "
            "or its definition, or renew the entry with a new expiry",
            at=at,
        )
    elif not used and fold(entry.workspace) not in known:
        yield Diagnostic.warning(
            f"acknowledgement of {what} names no workspace of the specs or the state",
            "check the spelling: give an address (tenant/workspaceId), a workspaceId or a key",
            at=at,
        )
    elif not used and fold(entry.workspace) in checked:
        yield Diagnostic.warning(
            f"acknowledgement of {what} matches no difference",
            "the workspace is as defined there; remove the entry, or it would hide the next "
            "change to that field",
            at=at,
        )
