"""The desired state as the user wrote it: frozen dataclasses, names not yet resolved.

Pure data, no I/O. Built by load.py from valid documents only, so every field
here already satisfies the schema. Plan and apply read these; they never see YAML.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal

from reconciler.model.diagnostics import Source


class Absent(enum.Enum):
    """Marks a field the document does not mention: the reconciler leaves it alone.

    Distinct from None, which is written on purpose (`deputy: null` = no deputy).
    """

    ABSENT = "absent"


ABSENT: Final = Absent.ABSENT

LifeCycle = Literal["active", "closed"]


@dataclass(frozen=True, slots=True)
class Person:
    """A manager or deputy: an email, and optionally the display name to send."""

    email: str
    name: str | None = None


def _frozen_locations() -> Mapping[str, Source]:
    return MappingProxyType({})


@dataclass(frozen=True)
class WorkspaceSpec:
    """One workspace document.

    Exactly one of `workspace_id` and `key` is set. `schema` and `team` hold
    only what the document lists ("only what is written is managed"): a field
    or group that is not a key here is not managed. Schema values are the
    source text of what was written (`01` stays "01"); None clears a field.
    """

    tenant: str
    workspace_id: str | None
    key: str | None
    name: str
    organization_unit: str
    workspace_type: str
    manager: Person
    source: Source
    """Where the document starts (its first key)."""
    description: str | None = None
    life_cycle: LifeCycle = "active"
    deputy: Person | Literal[Absent.ABSENT] | None = ABSENT
    schema: Mapping[str, str | None] = field(default_factory=dict)
    team: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    locations: Mapping[str, Source] = field(
        default_factory=_frozen_locations, compare=False, repr=False
    )
    """JSON pointer -> position, so plan-time errors can name the line ("/schema/Phase")."""

    @property
    def address(self) -> str:
        """Stable name in plans and --target: "contoso/pr.01" or "contoso/key=finance"."""
        if self.workspace_id is not None:
            return f"{self.tenant}/{self.workspace_id}"
        return f"{self.tenant}/key={self.key}"

    @property
    def closed(self) -> bool:
        """The spec asks for a closed workspace (`lifeCycle: closed`)."""
        return self.life_cycle == "closed"

    def where(self, ptr: str) -> Source:
        """Position of the value at JSON pointer `ptr`, or of its nearest written ancestor."""
        while ptr and ptr not in self.locations:
            ptr = ptr.rsplit("/", 1)[0]
        return self.locations.get(ptr, self.source)
