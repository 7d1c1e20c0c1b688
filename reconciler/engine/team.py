"""Team groups: what a listed group must hold, and the adds and removes that get it there.

A listed group is authoritative, except for the members the service adds by
itself: the manager is in the owner group (Managers; Owners on Teams) and in
Members, and everyone in the owner group is also in Members. The desired
groups include those implied members, so the plan never fights the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.api.models import TeamGroup
from reconciler.identity import account_key
from reconciler.model.plan import FieldChange, FieldOp

OWNER_GROUP = {"SharePoint": "Managers", "Teams": "Owners"}
ALLOWED_GROUPS = {"SharePoint": ("Managers", "Members", "Visitors"), "Teams": ("Owners", "Members")}
MEMBERS = "Members"


@dataclass(frozen=True)
class TeamDelta:
    """The members to add and remove, per group, and the changes to show."""

    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    changes: tuple[FieldChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed


def live_groups(team: tuple[TeamGroup, ...]) -> dict[str, list[str]]:
    """Group (as PUT names it) -> members, from the live "<Name> <Group>" groups."""
    return {g.group: list(g.members) for g in team}


def after_manager_change(
    groups: Mapping[str, list[str]], provisioning: str, old: str | None, new: str
) -> dict[str, list[str]]:
    """The groups as the service leaves them after a manager change (predicted, not read).

    The new manager joins the owner group and Members; the old one leaves the
    owner group only.
    """
    predicted = {g: list(m) for g, m in groups.items()}
    if old is None or account_key(old) == account_key(new):
        return predicted
    owner = OWNER_GROUP[provisioning]
    predicted[owner] = [m for m in predicted.get(owner, []) if account_key(m) != account_key(old)]
    for group in (owner, MEMBERS):
        if account_key(new) not in {account_key(m) for m in predicted.get(group, [])}:
            predicted.setdefault(group, []).append(new)
    return predicted


def team_delta(
    listed: Mapping[str, tuple[str, ...]],
    live: Mapping[str, list[str]],
    provisioning: str,
    manager: str,
) -> TeamDelta:
    """Adds and removes that make every listed group hold what it should."""
    desired = desired_groups(listed, live, provisioning, manager)
    owner = OWNER_GROUP[provisioning]
    added: dict[str, list[str]] = {}
    removed: dict[str, list[str]] = {}
    changes: list[FieldChange] = []
    for group, wanted in desired.items():
        have = {account_key(m) for m in live.get(group, [])}
        adds = [m for m, _ in wanted if account_key(m) not in have]
        if group == MEMBERS:  # the service adds the owner group's new members itself
            adds = [m for m in adds if account_key(m) not in _keys(added.get(owner, []))]
        keep = {account_key(m) for m, _ in wanted}
        removes = [m for m in live.get(group, []) if account_key(m) not in keep]
        reasons = dict(wanted)
        changes += [FieldChange(("team", group), FieldOp.ADD, None, m, reasons[m]) for m in adds]
        changes += [FieldChange(("team", group), FieldOp.REMOVE, m, None) for m in removes]
        if adds:
            added[group] = adds
        if removes:
            removed[group] = removes
    return TeamDelta(added, removed, tuple(changes))


def desired_groups(
    listed: Mapping[str, tuple[str, ...]],
    live: Mapping[str, list[str]],
    provisioning: str,
    manager: str,
) -> dict[str, list[tuple[str, str | None]]]:
    """Listed group -> (member, why it is implied or None), owner group first."""
    owner = OWNER_GROUP[provisioning]
    order = sorted(listed, key=lambda g: (g != owner, g != MEMBERS, g))
    owners = list(listed[owner]) if owner in listed else list(live.get(owner, []))
    desired: dict[str, list[tuple[str, str | None]]] = {}
    for group in order:
        wanted: list[tuple[str, str | None]] = [(m, None) for m in listed[group]]
        wanted += implied_members(group, provisioning, manager, owners)
        desired[group] = _distinct(wanted)
    return desired


def implied_members(
    group: str, provisioning: str, manager: str, owners: list[str]
) -> list[tuple[str, str]]:
    """Who the service puts in `group` by itself, and why: (member, reason).

    The manager is in the owner group and Members; the owner group's members
    are in Members. The planner adds them to a listed group; export leaves
    them out of the files it writes, as a person would.
    """
    owner = OWNER_GROUP[provisioning]
    implied: list[tuple[str, str]] = []
    if group in (owner, MEMBERS):
        implied.append((manager, "implied by the manager"))
    if group == MEMBERS:
        implied += [(m, f"implied by {owner}") for m in owners]
    return implied


def _distinct(members: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    seen: set[str] = set()
    kept = []
    for member, reason in members:
        if account_key(member) not in seen:
            seen.add(account_key(member))
            kept.append((member, reason))
    return kept


def _keys(members: list[str]) -> set[str]:
    return {account_key(m) for m in members}
