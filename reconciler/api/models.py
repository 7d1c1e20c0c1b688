"""Typed, frozen views of what the Seamless API answers.

Pure data: no I/O. The wire quirks (JSON inside strings, "1"/"0" flags,
prefixed group names, ints sent as strings) are absorbed by `wire` while
these are built, so nothing above `reconciler.api` ever sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

ProvisioningType = Literal["SharePoint", "Teams"]

GENERATOR_NAMES: dict[int, str] = {0: "None", 1: "PrefixWithId", 2: "Full", 3: "PrefixWithName"}
"""WorkspaceIdGenerator values as the API document numbers them."""


class Stage(IntEnum):
    """Provisioning stage of a workspace (GET workspace `Stage`)."""

    FOR_PROVISIONING = 0
    PROVISIONING = 1
    READY = 2
    FAILED = 3
    PARTIALLY_READY = 4


class LifeCycle(IntEnum):
    """A workspace's LifeCycle: open for work, or closed (never deleted)."""

    ACTIVE = 0
    CLOSED = 1


class MemberStatus(IntEnum):
    """Outcome of one member in a team update."""

    ADDED = 0
    REMOVED = 1
    FAILED = 2
    NOT_EXISTING_GROUP = 3


@dataclass(frozen=True)
class Person:
    """A manager, deputy, creator or modifier; the service may fill `name` in itself."""

    email: str
    name: str | None = None


@dataclass(frozen=True)
class OrganizationUnit:
    """An organization unit of a tenant."""

    id: str
    name: str | None
    short_name: str | None
    logo: str | None


@dataclass(frozen=True)
class FieldDefinition:
    """One field of a workspace type's schema (parsed from the JSON-in-a-string)."""

    name: str
    field_type: str
    is_required: bool
    valid_values: tuple[str, ...] | None
    default: str | None = None


@dataclass(frozen=True)
class SchemaField:
    """One schema field of a workspace, with its current value (a string or None)."""

    name: str
    field_type: str
    value: str | None
    is_required: bool
    valid_values: tuple[str, ...] | None


@dataclass(frozen=True)
class IdGenerator:
    """How WorkspaceIds of a type are made: None, PrefixWithId, Full or PrefixWithName."""

    name: str
    value: int
    prefix: str | None

    @property
    def service_generates_id(self) -> bool:
        """True when the service makes the WorkspaceId (Full, PrefixWithName)."""
        return self.value in (2, 3)


@dataclass(frozen=True)
class WorkspaceType:
    """A workspace type available in an organization unit."""

    id: str
    name: str
    creation_mode: int
    is_active: bool
    schema_definition: tuple[FieldDefinition, ...]
    generator: IdGenerator
    provisioning_type: ProvisioningType
    unit_type_id: int | None
    """Id of the (organization unit, workspace type) pair; GET workspace names only this."""


@dataclass(frozen=True)
class Card:
    """A provisioned tool of a workspace."""

    title: str
    list_name: str
    is_restricted: bool


@dataclass(frozen=True)
class Workspace:
    """A workspace as GET /workspaces/{id} (or the POST's 201) describes it."""

    id: int | None
    workspace_id: str
    name: str
    unit_type_id: int | None
    url: str | None
    stage: int
    shared: bool
    life_cycle: int
    created: str | None
    modified: str | None
    creator: Person | None
    modifier: Person | None
    manager: Person | None
    deputy: Person | None
    cards: tuple[Card, ...]
    schema: tuple[SchemaField, ...]

    @property
    def ready(self) -> bool:
        """True when the workspace is provisioned (Stage 2) and can take PUTs."""
        return self.stage == Stage.READY

    @property
    def closed(self) -> bool:
        """True when the workspace's LifeCycle is Closed."""
        return self.life_cycle == LifeCycle.CLOSED


@dataclass(frozen=True)
class WorkspaceStatus:
    """GET /workspaces/{id}/status: a stage name and value (4 is "Updating" here)."""

    name: str
    value: int


@dataclass(frozen=True)
class WorkspaceProperties:
    """What PUT /workspaces/{id} echoes: the four properties it sets."""

    name: str
    life_cycle: int
    manager: Person | None
    deputy: Person | None


@dataclass(frozen=True)
class SiteGroup:
    """A site group name, with the group the API's PUT would call it ("Managers")."""

    raw_name: str
    group: str


@dataclass(frozen=True)
class TeamGroup:
    """One group of GET team: `raw_name` as listed, `group` with the workspace prefix removed."""

    raw_name: str
    group: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class MemberUpdate:
    """One account's outcome in a team update."""

    account: str
    status: MemberStatus | int


@dataclass(frozen=True)
class GroupUpdate:
    """A group of a team update answer, named as in the request."""

    group: str
    members: tuple[MemberUpdate, ...]


@dataclass(frozen=True)
class TeamUpdateResult:
    """PUT /workspaces/{id}/team: per group and member, what happened."""

    groups: tuple[GroupUpdate, ...]

    def with_status(self, status: MemberStatus) -> tuple[tuple[str, str], ...]:
        """(group, account) pairs that ended with `status`, e.g. every FAILED one."""
        return tuple(
            (g.group, m.account) for g in self.groups for m in g.members if m.status == status
        )


@dataclass(frozen=True)
class SchemaUpdateResult:
    """PUT /workspaces/{id}/schema: the workspace's schema after the update."""

    workspace_id: str
    url: str | None
    schema: tuple[SchemaField, ...]


@dataclass(frozen=True)
class TypeChangeResult:
    """PUT /workspaces/{id}/workspaceType: the new pair id and the tools now provisioned."""

    workspace_id: str
    url: str | None
    unit_type_id: int | None
    cards: tuple[Card, ...]
