"""Who can reach what: the access report, from the specs (what is written) or the service.

From the specs, each workspace's people are its listed members plus the
members the service adds by itself (engine/team.py `implied_members`: the
manager in the owner group and Members, the owner group in Members), marked
implied, and its manager and deputy as roles. Groups a spec does not list
are not managed, so only their implied members are known offline.

`--live` reads the same workspaces from the service (GET workspace and GET
team, concurrently within the rate limit) and reports every group it holds;
a member there because the service's rule puts it there is marked implied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from reconciler.api import SeamlessClient
from reconciler.api.errors import ApiError, RunFailure
from reconciler.api.models import TeamGroup, Workspace
from reconciler.engine.live import Catalog, LiveRead, LiveWorkspace, read_catalog, read_live
from reconciler.engine.state import State
from reconciler.engine.team import ALLOWED_GROUPS, MEMBERS, OWNER_GROUP, implied_members
from reconciler.identity import (
    account_key,
    is_ad_group,
    same_catalog_id,
    tenant_key,
    workspace_id_key,
)
from reconciler.model.audit import AccessReport, AccessRow, WorkspaceAccess
from reconciler.spec import ABSENT, WorkspaceSpec
from reconciler.spec.policy import Policy, TypePolicy

_GROUP_ORDER = ("Managers", "Owners", "Members", "Visitors", "manager", "deputy")
_LIFE_CYCLES = {0: "active", 1: "closed"}
_DIGITS = re.compile("([0-9]+)")

NaturalKey = tuple[tuple[tuple[str, int], ...], str]


def natural_key(text: str) -> NaturalKey:
    """Runs of digits compare as numbers: pr.9 < pr.10 < pr.100, as the HTML page sorts.

    The one order of the report's rows and workspaces, so CSV, JSON, markdown
    and the HTML page list them alike. Pass an identity's folded form
    (`workspace_id_key`, ...); the text itself breaks ties (pr.01 and pr.1).
    """
    parts = _DIGITS.split(text)  # text, digits, text, ..., text: always an odd count
    pairs = tuple(
        (parts[i], int(parts[i + 1]) if i + 1 < len(parts) else -1) for i in range(0, len(parts), 2)
    )
    return pairs, text


def type_policy(spec: WorkspaceSpec, policy: Policy) -> TypePolicy:
    """The policy's entry for the spec's workspace type (by Name or Id, without case)."""
    for written, entry in policy.workspace_types.items():
        if same_catalog_id(written, spec.workspace_type):
            return entry
    return TypePolicy()


def provisioning_of(spec: WorkspaceSpec, policy: Policy) -> str | None:
    """SharePoint or Teams: the policy says, else the groups the spec lists tell; else None.

    Owners is managed only on Teams; Managers and Visitors only on SharePoint.
    """
    said = type_policy(spec, policy).provisioning
    if said:
        return said
    if "Owners" in spec.team:
        return "Teams"
    if "Managers" in spec.team or "Visitors" in spec.team:
        return "SharePoint"
    return None


def access_from_specs(specs: Sequence[WorkspaceSpec], policy: Policy) -> AccessReport:
    """The access report of what the specs say (no I/O)."""
    rows: list[AccessRow] = []
    workspaces = []
    notes = []
    for spec in specs:
        provisioning = provisioning_of(spec, policy)
        rows += spec_rows(spec, provisioning)
        workspaces.append(_spec_workspace(spec, provisioning))
        if provisioning is None:
            notes.append(
                f"{spec.address}: SharePoint or Teams is not known offline (the spec lists "
                f"no Managers, Owners or Visitors, and the policy's workspaceTypes has no "
                f"'{spec.workspace_type}'): the manager's seat in the owner group is not shown"
            )
    return AccessReport("specs", _sorted(rows), _in_order(workspaces), notes=tuple(notes))


def spec_rows(spec: WorkspaceSpec, provisioning: str | None) -> list[AccessRow]:
    """The workspace's people as written, with the implied members and the two roles."""
    manager = spec.manager.email
    owner = OWNER_GROUP.get(provisioning or "")
    owners = list(spec.team.get(owner, ())) if owner else []
    groups = list(spec.team) + [g for g in (owner, MEMBERS) if g and g not in spec.team]
    rows = []
    for group in groups:
        seen = set()
        for index, member in enumerate(spec.team.get(group, ())):
            seen.add(account_key(member))
            rows.append(_row(spec, member, group, "listed", f"/team/{group}/{index}"))
        for member, reason in _implied(group, provisioning, manager, owners):
            if account_key(member) not in seen:
                seen.add(account_key(member))
                ptr = "/manager"
                if owner and account_key(member) != account_key(manager):
                    ptr = _implied_from(member, owner, owners)
                rows.append(_row(spec, member, group, reason, ptr, implied=True))
    rows.append(_row(spec, manager, "manager", "role", "/manager"))
    if spec.deputy is not ABSENT and spec.deputy is not None:
        rows.append(_row(spec, spec.deputy.email, "deputy", "role", "/deputy"))
    return rows


def _implied_from(member: str, owner: str, owners: list[str]) -> str:
    """Where an owner's implied seat in Members comes from: its line in the owner group."""
    keys = [account_key(m) for m in owners]
    if account_key(member) in keys:
        return f"/team/{owner}/{keys.index(account_key(member))}"
    return "/manager"


def _implied(
    group: str, provisioning: str | None, manager: str, owners: list[str]
) -> list[tuple[str, str]]:
    if provisioning is None:  # the owner group is unknown; the manager is in Members anyway
        return [(manager, "implied by the manager")] if group == MEMBERS else []
    return implied_members(group, provisioning, manager, owners)


def _row(
    spec: WorkspaceSpec, member: str, group: str, via: str, ptr: str, *, implied: bool = False
) -> AccessRow:
    where = spec.where(ptr)
    return AccessRow(
        tenant=spec.tenant,
        principal=member,
        kind="ad-group" if is_ad_group(member) else "account",
        workspace=spec.address,
        name=spec.name,
        life_cycle=spec.life_cycle,
        group=group,
        implied=implied,
        via=via,
        file=where.file,
        line=where.line,
    )


def _spec_workspace(spec: WorkspaceSpec, provisioning: str | None) -> WorkspaceAccess:
    allowed = ALLOWED_GROUPS.get(provisioning or "", ())
    deputy = spec.deputy.email if spec.deputy is not ABSENT and spec.deputy is not None else None
    return WorkspaceAccess(
        tenant=spec.tenant,
        address=spec.address,
        name=spec.name,
        life_cycle=spec.life_cycle,
        provisioning=provisioning,
        manager=spec.manager.email,
        deputy=deputy,
        file=spec.source.file,
        line=spec.source.line,
        unmanaged_groups=tuple(g for g in allowed if g not in spec.team),
    )


# --- what the service holds -------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    spec: WorkspaceSpec
    workspace_id: str | None


def access_from_live(
    specs: Sequence[WorkspaceSpec],
    state: State,
    clients: Mapping[str, SeamlessClient],
    api_url: str,
    on_progress: Callable[[int, int], None] | None = None,
) -> AccessReport:
    """Read the specs' workspaces from the service and report who is in each group there."""
    targets = [
        _Target(s, s.workspace_id or state.workspace_id(s.tenant, s.key or "")) for s in specs
    ]
    catalogs, notes = _catalogs(clients)
    reads = [LiveRead(t.spec.tenant, t.workspace_id, True) for t in targets if t.workspace_id]
    found = iter(read_live(clients, reads, on_progress))
    rows: list[AccessRow] = []
    workspaces = []
    for target in targets:
        live = next(found) if target.workspace_id else None
        catalog = catalogs.get(tenant_key(target.spec.tenant))
        workspace, more = _live_workspace(target, live, catalog)
        workspaces.append(workspace)
        rows += more
    return AccessReport("live", _sorted(rows), _in_order(workspaces), api_url, tuple(notes))


def _catalogs(clients: Mapping[str, SeamlessClient]) -> tuple[dict[str, Catalog], list[str]]:
    """Each tenant's catalog (to tell SharePoint from Teams); a failed read is a note."""
    catalogs, notes = {}, []
    for tenant, client in clients.items():
        try:
            catalogs[tenant_key(tenant)] = read_catalog(client, tenant)
        except RunFailure:
            raise
        except ApiError as exc:
            notes.append(
                f"tenant {tenant}: the catalog could not be read ({exc}); "
                "SharePoint or Teams is told from the groups"
            )
    return catalogs, notes


def _live_workspace(
    target: _Target, live: LiveWorkspace | None, catalog: Catalog | None
) -> tuple[WorkspaceAccess, list[AccessRow]]:
    spec = target.spec
    error = _unread(target, live)
    if error is not None or live is None or live.workspace is None:
        blank = WorkspaceAccess(
            spec.tenant,
            spec.address,
            spec.name,
            "unknown",
            None,
            None,
            None,
            spec.source.file,
            spec.source.line,
            error=error,
        )
        return blank, []
    workspace, team = live.workspace, live.team or ()
    provisioning = _live_provisioning(workspace, team, catalog)
    address = f"{spec.tenant}/{workspace.workspace_id}"
    rows = list(_live_rows(spec, address, workspace, team, provisioning))
    manager = workspace.manager.email if workspace.manager else None
    deputy = workspace.deputy.email if workspace.deputy else None
    summary = WorkspaceAccess(
        spec.tenant,
        address,
        workspace.name,
        _LIFE_CYCLES.get(workspace.life_cycle, "unknown"),
        provisioning,
        manager,
        deputy,
        spec.source.file,
        spec.source.line,
    )
    return summary, rows


def _unread(target: _Target, live: LiveWorkspace | None) -> str | None:
    if target.workspace_id is None:
        return f"not created yet: the state records no WorkspaceId for key '{target.spec.key}'"
    if live is None or live.error is not None:
        return live.error if live else "not read"
    if live.workspace is None:
        return f"not found: the service has no workspace '{target.workspace_id}'"
    return None


def _live_provisioning(
    workspace: Workspace, team: tuple[TeamGroup, ...], catalog: Catalog | None
) -> str | None:
    pair = catalog.pair(workspace.unit_type_id) if catalog else None
    if pair is not None:
        return pair[1].provisioning_type
    groups = {g.group for g in team}
    if "Managers" in groups or "Visitors" in groups:
        return "SharePoint"
    return "Teams" if "Owners" in groups else None


def _live_rows(
    spec: WorkspaceSpec,
    address: str,
    workspace: Workspace,
    team: tuple[TeamGroup, ...],
    provisioning: str | None,
) -> Iterable[AccessRow]:
    manager = workspace.manager.email if workspace.manager else ""
    owner = OWNER_GROUP.get(provisioning or "")
    owners = [m for g in team if g.group == owner for m in g.members]
    life_cycle = _LIFE_CYCLES.get(workspace.life_cycle, "unknown")

    def row(member: str, group: str, via: str, implied: bool = False) -> AccessRow:
        kind = "ad-group" if is_ad_group(member) else "account"
        return AccessRow(
            spec.tenant,
            member,
            kind,
            address,
            workspace.name,
            life_cycle,
            group,
            implied,
            via,
            spec.source.file,
            spec.source.line,
        )

    for group in team:
        reasons: dict[str, str] = {}
        for seat, why in _implied(group.group, provisioning, manager, owners):
            reasons.setdefault(account_key(seat), why)  # the manager's reason first
        for member in group.members:
            reason = reasons.get(account_key(member)) if manager else None
            yield row(member, group.group, reason or "live", implied=reason is not None)
    if workspace.manager:
        yield row(workspace.manager.email, "manager", "role")
    if workspace.deputy:
        yield row(workspace.deputy.email, "deputy", "role")


# --- order and spelling -------------------------------------------------------------------


def _sorted(rows: list[AccessRow]) -> tuple[AccessRow, ...]:
    """One spelling per account and tenant (the first written), accounts before AD groups."""
    spelling: dict[tuple[str, str], str] = {}
    for row in rows:
        spelling.setdefault((tenant_key(row.tenant), account_key(row.principal)), row.principal)
    same = [
        _respelled(row, spelling[(tenant_key(row.tenant), account_key(row.principal))])
        for row in rows
    ]
    return tuple(sorted(same, key=_row_order))


def _in_order(workspaces: list[WorkspaceAccess]) -> tuple[WorkspaceAccess, ...]:
    """By tenant, then address, as the rows are."""
    return tuple(
        sorted(
            workspaces,
            key=lambda w: (
                natural_key(tenant_key(w.tenant)),
                natural_key(workspace_id_key(w.address)),
            ),
        )
    )


def _respelled(row: AccessRow, principal: str) -> AccessRow:
    if row.principal == principal:
        return row
    return AccessRow(
        row.tenant,
        principal,
        row.kind,
        row.workspace,
        row.name,
        row.life_cycle,
        row.group,
        row.implied,
        row.via,
        row.file,
        row.line,
    )


def _row_order(
    row: AccessRow,
) -> tuple[NaturalKey, bool, NaturalKey, NaturalKey, int, str]:
    rank = _GROUP_ORDER.index(row.group) if row.group in _GROUP_ORDER else 3
    return (
        natural_key(tenant_key(row.tenant)),
        row.kind == "ad-group",
        natural_key(account_key(row.principal)),
        natural_key(workspace_id_key(row.workspace)),
        rank,
        row.group,
    )


__all__ = [
    "access_from_live",
    "access_from_specs",
    "natural_key",
    "provisioning_of",
    "spec_rows",
    "type_policy",
]
