"""The drift report: plain, frozen, versioned data that `reconciler drift` renders.

Drift is the plan's comparison framed for a nightly job: per workspace a
verdict, and each difference in the words of the definition (what the spec
says, what the service holds). A workspace that could not be read is
*unknown*, never drift and never in sync. `DriftReport.to_dict` is the JSON
format (versioned by `DRIFT_FORMAT_VERSION`, documented in README).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from reconciler.model.diagnostics import Diagnostic

DRIFT_FORMAT_VERSION = "1"
"""Bumped on any change a consumer of the JSON drift report must know about."""

JSONValue = Any


class Verdict(str, Enum):
    """What one check of one workspace found."""

    IN_SYNC = "in-sync"
    DRIFT = "drift"
    ACKNOWLEDGED = "acknowledged"
    """Every difference is covered by an acknowledgement that has not expired."""
    UNKNOWN = "unknown"
    """The read failed, timed out, stayed throttled, or the workspace was busy."""
    ERROR = "error"
    """The definition cannot be checked (an unknown unit, a refused type change...)."""


class Kind(str, Enum):
    """What kind of difference, in the words a person uses about a workspace."""

    MEMBER_ADDED = "member-added"
    """In the group live, not in the definition."""
    MEMBER_REMOVED = "member-removed"
    """In the definition, not in the group live."""
    VALUE_CHANGED = "value-changed"
    CLOSED = "closed"
    """Closed live, active in the definition."""
    REOPENED = "reopened"
    """Active live, closed in the definition."""
    TYPE_CHANGED = "type-changed"
    MISSING = "missing"
    """The definition names a workspace the service does not have (404, or never created)."""
    NOT_READY = "not-ready"
    """Provisioning failed."""
    ORPHAN = "orphan"
    """Managed (in the state), no definition holds it, still open."""


WHOLE_WORKSPACE = "workspace"
"""The path of a difference about the workspace as a whole (missing, not Ready, orphan)."""


@dataclass(frozen=True)
class Acknowledged:
    """The acknowledgement that covers a difference, as the ignore file says it."""

    reason: str
    owner: str
    expires: str
    file: str
    line: int

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True)
class Difference:
    """One thing that differs: ("team", "Members") member-added, live "ana@xyz.com"."""

    path: tuple[str, ...]
    kind: Kind
    live: JSONValue = None
    definition: JSONValue = None
    acknowledged: Acknowledged | None = None

    @property
    def field_path(self) -> str:
        """The path as the ignore file writes it: "team.Members", "schema.CostCenter"."""
        return ".".join(self.path)

    @property
    def member(self) -> str | None:
        """The account, for a member added or removed."""
        if self.kind is Kind.MEMBER_ADDED:
            return str(self.live)
        if self.kind is Kind.MEMBER_REMOVED:
            return str(self.definition)
        return None

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "path": self.field_path,
            "kind": self.kind.value,
            "live": self.live,
            "definition": self.definition,
            "acknowledged": self.acknowledged.to_dict() if self.acknowledged else None,
        }


@dataclass(frozen=True)
class WorkspaceDrift:
    """One workspace's check."""

    address: str
    tenant: str
    workspace_id: str | None
    verdict: Verdict
    name: str = ""
    differences: tuple[Difference, ...] = ()
    key: str | None = None
    """The spec's key, for a workspace whose service generates its id."""
    reason: str | None = None
    """Why the workspace is unknown or in error."""
    file: str | None = None
    line: int | None = None
    orphan: bool = False

    @property
    def unacknowledged(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.acknowledged is None)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "address": self.address,
            "tenant": self.tenant,
            "workspace_id": self.workspace_id,
            "key": self.key,
            "name": self.name,
            "verdict": self.verdict.value,
            "orphan": self.orphan,
            "file": self.file,
            "line": self.line,
            "reason": self.reason,
            "differences": [d.to_dict() for d in self.differences],
        }


@dataclass(frozen=True)
class Sweep:
    """How much of the estate this run checked, for `--budget` rotations."""

    total: int
    """Workspaces that need a read: those in the specs with an id, and the managed orphans."""
    checked: int
    budget: str | None = None
    oldest_unchecked_at: str | None = None
    """When the least recently checked workspace not checked this run was last checked."""
    never_checked: int = 0
    """Workspaces not checked this run that no run has checked yet."""

    @property
    def remaining(self) -> int:
        return self.total - self.checked

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "budget": self.budget,
            "total": self.total,
            "checked": self.checked,
            "remaining": self.remaining,
            "never_checked": self.never_checked,
            "oldest_unchecked_at": self.oldest_unchecked_at,
        }


@dataclass(frozen=True)
class DriftReport:
    """Every workspace checked this run, the sweep, and the warnings about the check itself."""

    api_url: str
    checked_at: str
    workspaces: tuple[WorkspaceDrift, ...]
    sweep: Sweep
    warnings: tuple[Diagnostic, ...] = ()
    format_version: str = DRIFT_FORMAT_VERSION
    webhook: str | None = field(default=None, compare=False)
    """A warning when the webhook was not delivered (set after delivery, not sent in it)."""

    def count(self, verdict: Verdict) -> int:
        return sum(1 for w in self.workspaces if w.verdict is verdict)

    def counts(self) -> dict[str, int]:
        return {v.value: self.count(v) for v in Verdict}

    @property
    def outcome(self) -> Verdict:
        """The run's verdict, worst first: error, drift, unknown, then in sync."""
        for verdict in (Verdict.ERROR, Verdict.DRIFT, Verdict.UNKNOWN):
            if self.count(verdict):
                return verdict
        return Verdict.IN_SYNC

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "format_version": self.format_version,
            "api_url": self.api_url,
            "checked_at": self.checked_at,
            "outcome": self.outcome.value,
            "counts": self.counts(),
            "sweep": self.sweep.to_dict(),
            "workspaces": [w.to_dict() for w in self.workspaces],
            "warnings": [w.to_dict() for w in self.warnings],
        }
