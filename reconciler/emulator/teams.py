"""Workspace team groups as the service keeps them: initial groups, implied members, lookups.

Also the per-member Status a team PUT answers. Parsing the request's Added and
Removed sections is `validation`'s; the order they run in is `backend`'s.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator import validation
from reconciler.emulator.errors import Unprocessable
from reconciler.emulator.fixtures import TenantConfig, WorkspaceTypeConfig

# The Status of each member in a team PUT's answer, as the API document numbers them.
ADDED, REMOVED, FAILED, NOT_EXISTING_GROUP = range(4)


def initial_team(wtype: WorkspaceTypeConfig) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The groups a new workspace gets: named after it, plus SharePoint's site-wide group."""
    if wtype.is_teams:
        return {"Owners": [], "Members": []}, {}
    team: dict[str, list[str]] = {
        "Managers": [],
        "Members": [],
        "Owners": ["System Account"],
        "Visitors": [],
    }
    return team, {"Excel Services Viewers": []}


def owner_group(wtype: WorkspaceTypeConfig) -> str:
    return "Owners" if wtype.is_teams else "Managers"


def canonical_group(wtype: WorkspaceTypeConfig, group: str) -> str | None:
    """The group as PUT names it, when the provisioning type manages it through the API."""
    allowed = validation.allowed_groups(wtype)
    return next((g for g in allowed if g.lower() == group.strip().lower()), None)


def group_for_create(wtype: WorkspaceTypeConfig, group: str) -> str:
    canonical = canonical_group(wtype, group)
    if canonical is None:
        allowed = ", ".join(validation.allowed_groups(wtype))
        raise Unprocessable(f"Team group '{group}' is not allowed; use one of: {allowed}.")
    return canonical


def resolve_member(tenant: TenantConfig, wtype: WorkspaceTypeConfig, member: str) -> str | None:
    """The account as the directory spells it, or None if the workspace cannot take it."""
    key = member.strip().lower()
    if key in tenant.accounts:
        return tenant.accounts[key]["Email"]
    if key in tenant.ad_groups and not wtype.is_teams:
        return tenant.ad_groups[key]
    return None


def member_problem(wtype: WorkspaceTypeConfig, group: str, member: str) -> str:
    if wtype.is_teams and "@" not in member:
        return f"Team group '{group}': Teams workspaces take email accounts only, not '{member}'."
    return f"Team group '{group}': '{member}' is not an account or AD group of this tenant."


def add_member(
    team: dict[str, list[str]], wtype: WorkspaceTypeConfig, group: str, account: str
) -> None:
    """Add to a group; the owner group (Managers, or Owners on Teams) implies Members too."""
    groups = [group, "Members"] if group == owner_group(wtype) else [group]
    for name in groups:
        members = team.setdefault(name, [])
        if account.lower() not in (m.lower() for m in members):
            members.append(account)


def remove_member(team: dict[str, list[str]], group: str, account: str) -> None:
    team[group] = [m for m in team.get(group, []) if m.lower() != account.lower()]


def change(
    tenant: TenantConfig,
    wtype: WorkspaceTypeConfig,
    team: dict[str, list[str]],
    section: dict[str, Any],
    *,
    add: bool,
) -> dict[str, Any]:
    """Apply one Added or Removed section to the team; answer a Status for every member named."""
    group = canonical_group(wtype, section["Group"])
    results = []
    for member in section["Members"]:
        account = resolve_member(tenant, wtype, member)
        if group is None:
            status = NOT_EXISTING_GROUP
        elif account is None:
            status = FAILED
        elif add:
            add_member(team, wtype, group, account)
            status = ADDED
        else:
            remove_member(team, group, account)
            status = REMOVED
        results.append({"Account": member, "Status": status})
    return {"Group": section["Group"], "Members": results}
