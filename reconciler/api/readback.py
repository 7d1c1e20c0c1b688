"""Reading back after a write whose answer never came: did it happen?

A POST is never sent again: after a 5xx or a lost answer, `recover_create`
looks the workspace up by its WorkspaceId instead.

A PUT that timed out (the request went out, no answer came back) may have
been committed, may still be in the service's hands, or may never have got
there. Sending it again blindly leaves one more copy of it that can commit
late, after a later call on the same workspace, and undo that call. So before
the client sends a timed-out PUT again it reads the workspace back, and when
the workspace already holds everything the PUT sets, the write took effect:
it is not sent again and the read-back stands in for its answer.

"Holds" compares only what a PUT sets, as the post-apply check
(`reconciler.engine.verify`) does, with the identity rules of
`reconciler.identity`: name and schema values exactly (the plan sends schema
values in the form the service stores them), manager and deputy as accounts,
added team members present and removed ones absent in their group, and the
type through the UnitTypeId the catalog gives its (unit, type) pair (GET
workspace names no type id). A value the service rewrote in some other way
reads as "not yet": the PUT is then sent again, as it was before read-backs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from reconciler.api import wire
from reconciler.api.errors import ApiError, CreateOutcomeUnknown, UnsafePath
from reconciler.api.models import (
    GroupUpdate,
    MemberStatus,
    MemberUpdate,
    SchemaUpdateResult,
    TeamUpdateResult,
    TypeChangeResult,
    Workspace,
    WorkspaceProperties,
)
from reconciler.identity import account_key, same_account, same_catalog_id
from reconciler.model.operations import ChangeType, UpdateSchema, UpdateTeam, UpdateWorkspace

log = logging.getLogger(__name__)

Read = Callable[[str], Any]
"""One GET of a path below the tenant, its JSON returned; ApiError when it fails."""
U = TypeVar("U", UpdateWorkspace, UpdateTeam, UpdateSchema, ChangeType)
R = TypeVar("R")


# --- the POST safety net ---------------------------------------------------------------


def recover_create(
    error: ApiError,
    workspace_id: str | None,
    name: str,
    get_workspace: Callable[[str], Workspace | None],
) -> Workspace:
    """The workspace a failed POST made, found by its id; CreateOutcomeUnknown otherwise."""
    what = f"POST /workspaces for {workspace_id or name!r} failed ({error.message})"
    if not workspace_id:
        raise CreateOutcomeUnknown(
            f"{what}; the service generates this WorkspaceId, so the client cannot check "
            "whether the create happened. It was not sent again: look in the tenant before "
            "applying again."
        ) from error
    log.warning("%s; checking whether workspace %s exists", what, workspace_id)
    try:
        existing = get_workspace(workspace_id)
    except ApiError as check:
        raise CreateOutcomeUnknown(
            f"{what}, and checking whether it exists failed too ({check.message}): "
            "the create may or may not have happened. It was not sent again."
        ) from error
    if existing is None:
        raise CreateOutcomeUnknown(
            f"{what}, and workspace {workspace_id} does not exist now: the create may or may "
            "not have happened (it may still appear). It was not sent again; run plan to "
            "see the live state before applying again."
        ) from error
    if existing.name != name:
        raise CreateOutcomeUnknown(
            f"{what}; workspace {workspace_id} exists but is named {existing.name!r}, not "
            f"{name!r}: it may not be the one this request created. It was not sent again."
        ) from error
    log.warning("workspace %s exists: the create went through despite the error", workspace_id)
    return existing


# --- a PUT that timed out -----------------------------------------------------------------


def settle(operation: U, check: Callable[[U, Read], R | None], read: Read, path: str) -> R | None:
    """Read back before a timed-out PUT is sent again: its result if it took effect, else None.

    None (send it again) also when the read-back fails, a 404 or a 5xx say: that is
    what the client did before it read back, and the resend's own answer decides.
    Logs which of the three it was.
    """
    start = f"PUT {path} got no answer;"
    workspace_id = operation.workspace_id
    try:
        result = check(operation, read)
    except (ApiError, UnsafePath) as e:  # UnsafePath: a unit id of "." or ".." in the catalog
        log.warning(
            "%s reading workspace %s back failed (%s), so it is sent again", start, workspace_id, e
        )
        return None
    if result is None:
        log.warning(
            "%s reading back shows workspace %s does not hold what it sets yet, so it "
            "is sent again",
            start,
            workspace_id,
        )
    else:
        log.warning(
            "%s reading back shows workspace %s already holds what it sets: the write "
            "went through, so it is not sent again",
            start,
            workspace_id,
        )
    return result


def _live(workspace_id: str, read: Read) -> Workspace:
    return wire.parse_workspace(read(wire.workspace_path(workspace_id)))


def properties(operation: UpdateWorkspace, read: Read) -> WorkspaceProperties | None:
    """The workspace PUT's four properties, when the live workspace has them all."""
    live = _live(operation.workspace_id, read)
    manager = live.manager.email if live.manager else None
    deputy = live.deputy.email if live.deputy else None
    wanted_deputy = operation.deputy.email if operation.deputy else None
    if (
        live.name != operation.name
        or live.closed != operation.closed
        or not same_account(manager, operation.manager.email)
        or not same_account(deputy, wanted_deputy)
    ):
        return None
    return WorkspaceProperties(live.name, live.life_cycle, live.manager, live.deputy)


def schema(operation: UpdateSchema, read: Read) -> SchemaUpdateResult | None:
    """The schema PUT's answer, when every field it sends holds the value it sends."""
    live = _live(operation.workspace_id, read)
    values = {f.name: f.value for f in live.schema}
    if any(name not in values or values[name] != value for name, value in operation.fields):
        return None
    return SchemaUpdateResult(live.workspace_id, live.url, live.schema)


def workspace_type(operation: ChangeType, read: Read) -> TypeChangeResult | None:
    """The type PUT's answer, when the live (unit, type) pair is one of the new type.

    GET workspace names only the pair's UnitTypeId; the units' available types
    say which type each pair stands for (a workspace never changes its unit).
    """
    live = _live(operation.workspace_id, read)
    if live.unit_type_id is None:
        return None
    for unit in wire.json_array(read("/organizationUnits"), "units"):
        path = f"/organizationUnits/{wire.segment(wire.parse_org_unit(unit).id)}/availableWsTypes"
        for item in wire.json_array(read(path), "types"):
            wtype = wire.parse_workspace_type(item)
            if wtype.unit_type_id == live.unit_type_id:
                if not same_catalog_id(wtype.id, operation.type_id):
                    return None
                return TypeChangeResult(live.workspace_id, live.url, live.unit_type_id, live.cards)
    return None


def team(operation: UpdateTeam, read: Read) -> TeamUpdateResult | None:
    """Every member Added or Removed, when the live team shows each one where the PUT puts it."""
    live = _live(operation.workspace_id, read)
    groups = wire.parse_team(read(wire.workspace_path(operation.workspace_id, "team")), live.name)
    members = {g.group: {account_key(m) for m in g.members} for g in groups}
    added = all(
        account_key(a) in members.get(g, set()) for g, accounts in operation.added for a in accounts
    )
    removed = not any(
        account_key(a) in members.get(g, set())
        for g, accounts in operation.removed
        for a in accounts
    )
    if not (added and removed):
        return None
    return TeamUpdateResult(
        tuple(
            GroupUpdate(group, tuple(MemberUpdate(a, status) for a in accounts))
            for which, status in (
                (operation.added, MemberStatus.ADDED),
                (operation.removed, MemberStatus.REMOVED),
            )
            for group, accounts in which
        )
    )
