"""The Plan: plain, frozen, versioned data. Renderers show it; the applier executes its calls.

The applier reads only `WorkspacePlan.calls` (and `record_key` on a create);
`changes`, `reason` and `summary` are for people. A saved plan is the JSON of
`Plan.to_dict()`; `Plan.from_dict` refuses any other format version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

FORMAT_VERSION = "1"
"""Bumped on any change a consumer of the JSON plan must know about."""

JSONValue = Any


class Action(str, Enum):
    """What happens to one workspace."""

    CREATE = "create"
    UPDATE = "update"
    NOOP = "no-op"
    ERROR = "error"


class FieldOp(str, Enum):
    """What happens to one field or member."""

    ADD = "add"
    CHANGE = "change"
    REMOVE = "remove"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """An error or warning about one workspace, with the spec line it is about."""

    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
        }

    @classmethod
    def from_dict(cls, data: dict[str, JSONValue]) -> Problem:
        return cls(Severity(data["severity"]), data["message"], data.get("file"), data.get("line"))


@dataclass(frozen=True)
class FieldChange:
    """One difference between live and desired: ("team", "Members") add "ana@xyz.com"."""

    path: tuple[str, ...]
    op: FieldOp
    before: JSONValue = None
    after: JSONValue = None
    reason: str | None = None
    """Display only, e.g. "implied by the manager"."""

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "path": list(self.path),
            "op": self.op.value,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, JSONValue]) -> FieldChange:
        return cls(
            tuple(data["path"]),
            FieldOp(data["op"]),
            data.get("before"),
            data.get("after"),
            data.get("reason"),
        )


@dataclass(frozen=True)
class ApiCall:
    """One request apply will send, exactly: method, path below the tenant, and body."""

    method: str
    path: str
    """Below the tenant's base URL, e.g. "/workspaces/pr.01/team"."""
    body: JSONValue
    summary: str
    """For people: "update team (2 added, 1 removed)"."""

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "method": self.method,
            "path": self.path,
            "body": self.body,
            "summary": self.summary,
        }

    @classmethod
    def from_dict(cls, data: dict[str, JSONValue]) -> ApiCall:
        return cls(data["method"], data["path"], data["body"], data["summary"])


@dataclass(frozen=True)
class WorkspacePlan:
    """Everything planned for one workspace."""

    address: str
    """"contoso/pr.01" or "contoso/key=finance": the sort key and the --target value."""
    tenant: str
    workspace_id: str | None
    """None until created when the service generates the id (Full generator)."""
    action: Action
    name: str = ""
    changes: tuple[FieldChange, ...] = ()
    calls: tuple[ApiCall, ...] = ()
    problems: tuple[Problem, ...] = ()
    file: str | None = None
    line: int | None = None
    live_digest: str | None = None
    """sha256 of the live reads this plan was computed from (stale-plan check)."""
    record_key: str | None = None
    """For a create of a keyed workspace: the key under which apply records the id."""

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "address": self.address,
            "tenant": self.tenant,
            "workspace_id": self.workspace_id,
            "name": self.name,
            "action": self.action.value,
            "changes": [c.to_dict() for c in self.changes],
            "calls": [c.to_dict() for c in self.calls],
            "problems": [p.to_dict() for p in self.problems],
            "file": self.file,
            "line": self.line,
            "live_digest": self.live_digest,
            "record_key": self.record_key,
        }

    @classmethod
    def from_dict(cls, data: dict[str, JSONValue]) -> WorkspacePlan:
        return cls(
            address=data["address"],
            tenant=data["tenant"],
            workspace_id=data.get("workspace_id"),
            action=Action(data["action"]),
            name=data.get("name", ""),
            changes=tuple(FieldChange.from_dict(c) for c in data.get("changes", [])),
            calls=tuple(ApiCall.from_dict(c) for c in data.get("calls", [])),
            problems=tuple(Problem.from_dict(p) for p in data.get("problems", [])),
            file=data.get("file"),
            line=data.get("line"),
            live_digest=data.get("live_digest"),
            record_key=data.get("record_key"),
        )


@dataclass(frozen=True)
class Plan:
    """The whole run: every planned workspace, sorted by address, plus run-wide problems."""

    api_url: str
    created_at: str
    """ISO 8601 UTC, given by the caller (the model reads no clock)."""
    workspaces: tuple[WorkspacePlan, ...]
    problems: tuple[Problem, ...] = ()
    """Problems of the run as a whole, e.g. the blast-radius guard."""
    seconds_per_call: float = 0.6
    """At the API's 100 requests a minute; for the cost estimate."""
    format_version: str = FORMAT_VERSION
    extra: dict[str, JSONValue] = field(default_factory=dict)

    @property
    def errored(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems) or any(
            w.action is Action.ERROR for w in self.workspaces
        )

    @property
    def has_changes(self) -> bool:
        return any(w.action in (Action.CREATE, Action.UPDATE) for w in self.workspaces)

    @property
    def calls(self) -> tuple[ApiCall, ...]:
        return tuple(c for w in self.workspaces for c in w.calls)

    def counts(self) -> dict[str, int]:
        """How many workspaces per action, every action present."""
        counts = {action.value: 0 for action in Action}
        for workspace in self.workspaces:
            counts[workspace.action.value] += 1
        return counts

    def cost_seconds(self) -> float:
        """About how long apply's calls take at the rate limit."""
        return len(self.calls) * self.seconds_per_call

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "format_version": self.format_version,
            "api_url": self.api_url,
            "created_at": self.created_at,
            "summary": {
                **self.counts(),
                "calls": len(self.calls),
                "estimated_seconds": round(self.cost_seconds(), 1),
                "errored": self.errored,
                "has_changes": self.has_changes,
            },
            "problems": [p.to_dict() for p in self.problems],
            "workspaces": [w.to_dict() for w in self.workspaces],
            "seconds_per_call": self.seconds_per_call,
            "extra": self.extra,
        }

    @classmethod
    def from_dict(cls, data: dict[str, JSONValue]) -> Plan:
        """Read a saved plan; raises ValueError for another format version."""
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"plan format version {version!r} is not {FORMAT_VERSION!r}: "
                "make the plan again with this version of reconciler"
            )
        return cls(
            api_url=data["api_url"],
            created_at=data["created_at"],
            workspaces=tuple(WorkspacePlan.from_dict(w) for w in data["workspaces"]),
            problems=tuple(Problem.from_dict(p) for p in data.get("problems", [])),
            seconds_per_call=float(data.get("seconds_per_call", 0.6)),
            extra=dict(data.get("extra", {})),
        )
