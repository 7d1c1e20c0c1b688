"""Drift -> the spec edits that make a definition say what the workspace holds live.

`reconciler drift --adopt` accepts a hand change into git: for each drifted
workspace, each difference becomes an edit of its spec file (the definition
takes the live value), which a person reviews as a diff. `adoption_for` is
pure: the report's differences and the spec in, edits and the reasons for what
cannot be adopted out; `spec.edit` writes them. The one read is
`CatalogTypeIds`, for a definition that names its type by id.

Only differences nobody acknowledged are adopted. An acknowledgement says a
difference is accepted *for a while* (it expires, and the definition is meant
to win again); adopting it would make it permanent behind the reviewer's back.
Remove the acknowledgement to adopt such a difference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reconciler.api import SeamlessClient
from reconciler.engine.live import AmbiguousReference, Catalog
from reconciler.engine.planner import read_catalogs
from reconciler.engine.team import MEMBERS, OWNER_GROUP
from reconciler.identity import account_key, email_key
from reconciler.model.drift import Difference, Kind, Verdict, WorkspaceDrift
from reconciler.spec import WorkspaceSpec
from reconciler.spec.edit import AddMember, DocumentEdits, Edit, RemoveMember, SetValue

TypeIdLookup = Callable[[WorkspaceSpec, str], "str | None"]
"""(spec, live type name) -> that type's id in the spec's unit, or None when unknown."""

_VALUES = {("name",), ("manager",), ("manager", "name"), ("deputy",), ("deputy", "name")}
_OWNER_GROUPS = frozenset(OWNER_GROUP.values())
_NOT_ADOPTABLE = {
    Kind.MISSING: (
        "the service has no such workspace, so there is nothing live to adopt; apply "
        "creates it (or remove the document to stop managing it)"
    ),
    Kind.NOT_READY: (
        "provisioning failed (Stage: Failed), so there is nothing live to adopt; ask the "
        "service desk"
    ),
    Kind.ORPHAN: (
        "no definition holds it, so there is no file to write into; `reconciler export` "
        "writes one, or close it"
    ),
}


@dataclass(frozen=True)
class NotAdopted:
    """A difference left as it is, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Adoption:
    """One drifted workspace: where its definition is, the edits, and what was left."""

    address: str
    file: str | None
    line: int | None
    edits: tuple[Edit, ...] = ()
    not_adopted: tuple[NotAdopted, ...] = ()
    identity: tuple[str, str] | None = None
    """("workspaceId", "pr.51") or ("key", "finance"): what the document must still say."""

    def document_edits(self) -> DocumentEdits:
        assert self.line is not None
        return DocumentEdits(self.line, self.edits, self.identity)


def adoption_for(
    drift: WorkspaceDrift, spec: WorkspaceSpec | None, type_id: TypeIdLookup | None = None
) -> Adoption | None:
    """The edits for one checked workspace; None when it did not drift.

    A workspace in sync, acknowledged as a whole, unknown (not read) or in
    error (not compared) has nothing to adopt. `type_id` finds the live
    type's id, for a definition that names its type by id.
    """
    if drift.verdict is not Verdict.DRIFT:
        return None
    if spec is None:
        kinds = {d.kind for d in drift.differences}
        reason = _NOT_ADOPTABLE[Kind.ORPHAN] if Kind.ORPHAN in kinds else "no definition found"
        return Adoption(drift.address, None, None, (), (NotAdopted("workspace", reason),))
    edits: list[Edit] = []
    left: list[NotAdopted] = []
    for difference in drift.differences:
        if difference.acknowledged is not None:
            until = difference.acknowledged.expires
            left.append(
                NotAdopted(
                    _shown(difference),
                    f"acknowledged until {until}, so left as it is (remove the "
                    "acknowledgement to adopt it)",
                )
            )
            continue
        outcome = _edit_for(difference, drift, spec, type_id)
        if isinstance(outcome, NotAdopted):
            left.append(outcome)
        elif outcome is not None:
            edits.append(outcome)
    identity = ("workspaceId", spec.workspace_id) if spec.workspace_id else ("key", spec.key or "")
    return Adoption(drift.address, drift.file, drift.line, tuple(edits), tuple(left), identity)


def _shown(difference: Difference) -> str:
    member = difference.member
    return f"{difference.field_path} {member}" if member else difference.field_path


def _edit_for(
    difference: Difference,
    drift: WorkspaceDrift,
    spec: WorkspaceSpec,
    type_id: TypeIdLookup | None,
) -> Edit | NotAdopted | None:
    """One difference's edit; None when nothing needs writing (the service implies it)."""
    kind, path = difference.kind, difference.path
    if kind in _NOT_ADOPTABLE:
        return NotAdopted(difference.field_path, _NOT_ADOPTABLE[kind])
    if kind is Kind.MEMBER_ADDED and path[0] == "team":
        if _implied(str(difference.live), path[1], drift, spec):
            return None  # the other edits imply it: writing it would be a line of noise
        return AddMember(path[1], str(difference.live))
    if kind is Kind.MEMBER_REMOVED and path[0] == "team":
        return _removal(path[1], str(difference.definition), spec)
    if kind in (Kind.CLOSED, Kind.REOPENED):
        return SetValue(("lifeCycle",), str(difference.live))
    if kind is Kind.TYPE_CHANGED:
        return _type(str(difference.live), str(difference.definition), spec, type_id)
    if kind is Kind.VALUE_CHANGED and (path in _VALUES or (path[0] == "schema" and len(path) == 2)):
        if path == ("manager",) and difference.live is None:
            return NotAdopted("manager", "no manager live, and a definition needs one")
        return SetValue(path, None if difference.live is None else str(difference.live))
    return NotAdopted(difference.field_path, f"adopt does not know how to write a {kind.value}")


def _new_manager(drift: WorkspaceDrift, spec: WorkspaceSpec) -> str:
    """The manager the definition will name once the edits are made."""
    for difference in drift.unacknowledged:
        if difference.path == ("manager",) and difference.live:
            return str(difference.live)
    return spec.manager.email


def _implied(member: str, group: str, drift: WorkspaceDrift, spec: WorkspaceSpec) -> bool:
    """The service puts the manager in the owner group and Members, and owners in Members."""
    key = account_key(member)
    if group in _OWNER_GROUPS | {MEMBERS} and key == email_key(_new_manager(drift, spec)):
        return True
    if group != MEMBERS:
        return False
    owners = {account_key(m) for g in _OWNER_GROUPS for m in spec.team.get(g, ())}
    owners |= {
        account_key(str(d.live))
        for d in drift.unacknowledged
        if d.kind is Kind.MEMBER_ADDED and d.path[0] == "team" and d.path[1] in _OWNER_GROUPS
    }
    return key in owners


def _removal(group: str, member: str, spec: WorkspaceSpec) -> Edit | NotAdopted:
    """Take the member out of the list, if the definition lists it at all."""
    if account_key(member) in {account_key(m) for m in spec.team.get(group, ())}:
        return RemoveMember(group, member)
    if email_key(member) == email_key(spec.manager.email):
        why = "the service puts the manager there"
    elif group == MEMBERS:
        why = "the service puts every owner there"
    else:
        why = "the service puts it there"
    return NotAdopted(
        f"team.{group} {member}",
        f"not listed in the definition, {why}; a definition cannot leave it out "
        "(apply puts it back)",
    )


def _type(
    live: str, definition: str, spec: WorkspaceSpec, type_id: TypeIdLookup | None
) -> Edit | NotAdopted:
    """The live type as the definition names types: by name, or by id."""
    if spec.workspace_type == definition:
        return SetValue(("workspaceType",), live)
    found = type_id(spec, live) if type_id else None
    if found is None:
        return NotAdopted(
            "workspaceType",
            f"the definition names its type by id, and the id of '{live}' was not found",
        )
    return SetValue(("workspaceType",), found)


class CatalogTypeIds:
    """A `TypeIdLookup` that reads each tenant's catalog once, and only when asked."""

    def __init__(self, clients: Mapping[str, SeamlessClient]) -> None:
        self._clients = clients
        self._catalogs: dict[str, Catalog | str] = {}

    def __call__(self, spec: WorkspaceSpec, name: str) -> str | None:
        if spec.tenant not in self._catalogs:
            self._catalogs.update(read_catalogs(self._clients, [spec.tenant]))
        catalog = self._catalogs[spec.tenant]
        if isinstance(catalog, str):
            return None
        try:
            unit = catalog.find_unit(spec.organization_unit)
            wtype = catalog.find_type(unit, name) if unit else None
        except AmbiguousReference:
            return None
        return wtype.id if wtype else None
