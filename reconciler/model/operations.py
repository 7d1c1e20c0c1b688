"""The operations a plan asks of the service, typed: what apply executes.

One class per write operation of the API document. They hold values in our
own words (a manager, members per group, schema values), never request JSON:
`reconciler.api.wire.request_for` is the only code that turns an operation
into a method, a path and a body. The planner builds operations; the applier
hands them to the client's typed methods. Pure data, no I/O.

`to_dict` / `operation_from_dict` are the plan file's form (format version
"2"); `operation_from_dict` checks every shape, so a hand-edited plan with a
string where a list belongs is refused, never read character by character.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

Groups = tuple[tuple[str, tuple[str, ...]], ...]
"""Members per team group, in the order they are sent: (("Members", ("ana@xyz.com",)),)."""
Fields = tuple[tuple[str, "str | None"], ...]
"""Schema values in the order they are sent: (("Customer", "Migros"),)."""


class BadOperation(ValueError):
    """A saved operation whose shape is not one this version writes."""


@dataclass(frozen=True)
class PersonRef:
    """An account as a workspace property holds it: the email, and the display name if known."""

    email: str
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"email": self.email, "name": self.name}


@dataclass(frozen=True)
class CreateWorkspace:
    """POST a new workspace with its schema and team inline (no follow-up PUT)."""

    kind: ClassVar[str] = "create_workspace"
    name: str
    organization_unit_id: str
    workspace_type_id: str
    manager: PersonRef
    workspace_id: str | None = None
    """None when the service generates the id (Full, PrefixWithName)."""
    description: str | None = None
    deputy: PersonRef | None = None
    schema: Fields = ()
    team: Groups = ()

    def describe(self) -> str:
        """What the call does, from the operation itself (not from display text)."""
        members = sum(len(m) for _, m in self.team)
        return (
            f"create '{self.name}' (id {self.workspace_id or 'generated'}), manager "
            f"{self.manager.email}, {len(self.schema)} schema value(s), {members} member(s)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "workspace_id": self.workspace_id,
            "name": self.name,
            "description": self.description,
            "organization_unit_id": self.organization_unit_id,
            "workspace_type_id": self.workspace_type_id,
            "manager": self.manager.to_dict(),
            "deputy": self.deputy.to_dict() if self.deputy else None,
            "schema": dict(self.schema),
            "team": _groups_dict(self.team),
        }


@dataclass(frozen=True)
class UpdateWorkspace:
    """PUT the workspace's four properties together: a PUT is the full set."""

    kind: ClassVar[str] = "update_workspace"
    workspace_id: str
    name: str
    closed: bool
    manager: PersonRef
    deputy: PersonRef | None
    """None clears the deputy (the service reads a missing Deputy as none)."""

    def describe(self) -> str:
        deputy = self.deputy.email if self.deputy else "none"
        state = "closed" if self.closed else "active"
        return (
            f"set {self.workspace_id}: name '{self.name}', {state}, "
            f"manager {self.manager.email}, deputy {deputy}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "workspace_id": self.workspace_id,
            "name": self.name,
            "closed": self.closed,
            "manager": self.manager.to_dict(),
            "deputy": self.deputy.to_dict() if self.deputy else None,
        }


@dataclass(frozen=True)
class UpdateTeam:
    """PUT team: members to add and to remove, per group as PUT names it."""

    kind: ClassVar[str] = "update_team"
    workspace_id: str
    added: Groups = ()
    removed: Groups = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "workspace_id": self.workspace_id,
            "added": _groups_dict(self.added),
            "removed": _groups_dict(self.removed),
        }

    def count(self, which: Groups) -> int:
        return sum(len(members) for _, members in which)

    def describe(self) -> str:
        parts = [f"+{g}: {', '.join(m)}" for g, m in self.added if m]
        parts += [f"-{g}: {', '.join(m)}" for g, m in self.removed if m]
        return f"team of {self.workspace_id}: " + ("; ".join(parts) or "no change")


@dataclass(frozen=True)
class UpdateSchema:
    """PUT schema: every field of the type exactly once, changed or not."""

    kind: ClassVar[str] = "update_schema"
    workspace_id: str
    fields: Fields

    def describe(self) -> str:
        values = ", ".join(f"{n}={v!r}" for n, v in self.fields)
        return f"schema of {self.workspace_id}: {values}"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "workspace_id": self.workspace_id, "fields": dict(self.fields)}


@dataclass(frozen=True)
class ChangeType:
    """PUT workspaceType: move the workspace to another type of its unit."""

    kind: ClassVar[str] = "change_type"
    workspace_id: str
    type_id: str

    def describe(self) -> str:
        return f"type of {self.workspace_id}: {self.type_id}"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "workspace_id": self.workspace_id, "type_id": self.type_id}


Operation = CreateWorkspace | UpdateWorkspace | UpdateTeam | UpdateSchema | ChangeType


def target_id(operation: Operation) -> str | None:
    """The workspace an operation writes; None for a create (the id may not be known yet)."""
    if isinstance(operation, CreateWorkspace):
        return None
    return operation.workspace_id


def _groups_dict(groups: Groups) -> dict[str, list[str]]:
    return {group: list(members) for group, members in groups}


# --- reading a saved plan --------------------------------------------------------------------


def operation_from_dict(data: Any) -> Operation:
    """The operation a plan file holds; BadOperation for any shape this version does not write."""
    obj = _mapping(data, "an operation")
    kind = obj.get("type")
    if kind == CreateWorkspace.kind:
        return CreateWorkspace(
            name=_text(obj, "name"),
            organization_unit_id=_text(obj, "organization_unit_id"),
            workspace_type_id=_text(obj, "workspace_type_id"),
            manager=_person(obj.get("manager"), "manager"),
            workspace_id=_optional_text(obj, "workspace_id"),
            description=_optional_text(obj, "description"),
            deputy=_optional_person(obj.get("deputy")),
            schema=_fields(obj.get("schema")),
            team=_groups(obj.get("team"), "team"),
        )
    if kind == UpdateWorkspace.kind:
        closed = obj.get("closed")
        if not isinstance(closed, bool):
            raise BadOperation(f"'closed' must be true or false, not {closed!r}")
        return UpdateWorkspace(
            workspace_id=_text(obj, "workspace_id"),
            name=_text(obj, "name"),
            closed=closed,
            manager=_person(obj.get("manager"), "manager"),
            deputy=_optional_person(obj.get("deputy")),
        )
    if kind == UpdateTeam.kind:
        return UpdateTeam(
            workspace_id=_text(obj, "workspace_id"),
            added=_groups(obj.get("added"), "added"),
            removed=_groups(obj.get("removed"), "removed"),
        )
    if kind == UpdateSchema.kind:
        return UpdateSchema(_text(obj, "workspace_id"), _fields(obj.get("fields")))
    if kind == ChangeType.kind:
        return ChangeType(_text(obj, "workspace_id"), _text(obj, "type_id"))
    raise BadOperation(f"unknown operation type {kind!r}")


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadOperation(f"{what} must be a JSON object, not {type(value).__name__}")
    return value


def _text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise BadOperation(f"{key!r} must be a non-empty string, not {value!r}")
    return value


def _optional_text(obj: Mapping[str, Any], key: str) -> str | None:
    return None if obj.get(key) is None else _text(obj, key)


def _person(value: Any, what: str) -> PersonRef:
    obj = _mapping(value, what)
    name = obj.get("name")
    if name is not None and not isinstance(name, str):
        raise BadOperation(f"the name of the {what} must be a string, not {name!r}")
    return PersonRef(_text(obj, "email"), name)


def _optional_person(value: Any) -> PersonRef | None:
    return None if value is None else _person(value, "deputy")


def _fields(value: Any) -> Fields:
    fields = _mapping(value if value is not None else {}, "schema fields")
    for name, field_value in fields.items():
        if field_value is not None and not isinstance(field_value, str):
            raise BadOperation(f"schema field {name!r} must be a string or null")
    return tuple(fields.items())


def _groups(value: Any, what: str) -> Groups:
    groups = _mapping(value if value is not None else {}, what)
    result = []
    for group, members in groups.items():
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise BadOperation(f"{what}.{group} must be a list of strings")
        result.append((group, tuple(members)))
    return tuple(result)
