"""The Plan: plain, frozen, versioned data. Renderers show it; the applier executes its calls.

The applier executes only the typed operations of `WorkspacePlan.calls`
(and records `record_key` / `adopt` in the state); `changes`, `reason` and
`summary` are for people. Each call also carries the method, path and body
that `reconciler.api.wire` makes of its operation, for people to review; a
saved plan whose request does not match its operation is refused before
anything is sent. A saved plan is the JSON of `Plan.to_dict()`;
`Plan.from_dict` refuses any other format version and any other shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from reconciler.model.diagnostics import Diagnostic, Severity
from reconciler.model.operations import Operation, operation_from_dict

FORMAT_VERSION = "2"
"""Bumped on any change a consumer of the JSON plan must know about.

"2": each call carries its typed `operation`; `problems` carry `summary`,
`detail` and `column`; `extra` gave way to `context`; workspaces carry
`reads_team`, `pruned` and `adopt`.
"""

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
        path = data["path"]
        if not isinstance(path, list) or not all(isinstance(p, str) for p in path):
            raise ValueError(f"a change's path must be a list of texts, not {_brief(path)}")
        return cls(
            tuple(path),
            FieldOp(data["op"]),
            data.get("before"),
            data.get("after"),
            _optional_text(data, "reason"),
        )


@dataclass(frozen=True)
class ApiCall:
    """One call apply will make: the typed operation, and the exact request it becomes."""

    operation: Operation
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
            "operation": self.operation.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, JSONValue]) -> ApiCall:
        method, path, summary = data["method"], data["path"], data["summary"]
        if not all(isinstance(v, str) for v in (method, path, summary)):
            raise ValueError("a call's method, path and summary are texts")
        return cls(operation_from_dict(data["operation"]), method, path, data["body"], summary)


@dataclass(frozen=True)
class PlanContext:
    """What the plan was made with, that apply of a saved plan needs again."""

    state_path: str | None = None
    """The state file the plan read; `apply --plan` uses it unless --state is given."""
    state_existed: bool = False
    """Whether that file existed: a keyed plan made with a state needs it back."""

    def to_dict(self) -> dict[str, JSONValue]:
        return {"state_path": self.state_path, "state_existed": self.state_existed}

    @classmethod
    def from_dict(cls, data: JSONValue) -> PlanContext:
        if not isinstance(data, dict):
            raise ValueError("context must be a JSON object")
        path, existed = data.get("state_path"), data.get("state_existed", False)
        if (path is not None and not isinstance(path, str)) or not isinstance(existed, bool):
            raise ValueError("context.state_path is a text and context.state_existed a boolean")
        return cls(path, existed)


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
    problems: tuple[Diagnostic, ...] = ()
    file: str | None = None
    line: int | None = None
    live_digest: str | None = None
    """sha256 of the live reads this plan was computed from (stale-plan check)."""
    record_key: str | None = None
    """The key under which apply records the workspace's id: a keyed create, or an adoption."""
    adopt: bool = False
    """Record `workspace_id` under `record_key` before any call: an earlier create made it."""
    reads_team: bool = False
    """The plan read the team (the spec lists a group); a stale check reads it again."""
    pruned: bool = False
    """A managed workspace no longer in the specs, closed by --prune; it leaves the managed set."""

    @property
    def closes(self) -> bool:
        """The workspace's calls close it (a spec's lifeCycle: closed, or --prune)."""
        return self.action is Action.UPDATE and any(
            c.path == ("lifeCycle",) and c.after == "closed" for c in self.changes
        )

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
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
            "adopt": self.adopt,
            "reads_team": self.reads_team,
            "pruned": self.pruned,
        }

    @classmethod
    def from_dict(cls, data: dict[str, JSONValue]) -> WorkspacePlan:
        return cls(
            address=_text(data, "address"),
            tenant=_text(data, "tenant"),
            workspace_id=_optional_text(data, "workspace_id"),
            action=Action(data["action"]),
            name=_text(data, "name", ""),
            changes=tuple(FieldChange.from_dict(c) for c in _list(data, "changes")),
            calls=tuple(ApiCall.from_dict(c) for c in _list(data, "calls")),
            problems=tuple(Diagnostic.from_dict(p) for p in _list(data, "problems")),
            file=_optional_text(data, "file"),
            line=_optional_int(data, "line"),
            live_digest=_optional_text(data, "live_digest"),
            record_key=_optional_text(data, "record_key"),
            adopt=_flag(data, "adopt"),
            reads_team=_flag(data, "reads_team"),
            pruned=_flag(data, "pruned"),
        )


@dataclass(frozen=True)
class Plan:
    """The whole run: every planned workspace, sorted by address, plus run-wide problems."""

    api_url: str
    created_at: str
    """ISO 8601 UTC, given by the caller (the model reads no clock)."""
    workspaces: tuple[WorkspacePlan, ...]
    problems: tuple[Diagnostic, ...] = ()
    """Problems of the run as a whole, e.g. the blast-radius guard."""
    seconds_per_call: float = 0.6
    """At the API's 100 requests a minute; for the cost estimate."""
    format_version: str = FORMAT_VERSION
    context: PlanContext = PlanContext()
    leaving: tuple[str, ...] = ()
    """Managed workspaces (addresses) no spec holds any more, left alone without --prune."""
    partial: bool = False
    """Made with --target: the other workspaces were not planned."""

    @property
    def errored(self) -> bool:
        return any(p.is_error for p in self.problems) or any(
            w.action is Action.ERROR for w in self.workspaces
        )

    @property
    def has_changes(self) -> bool:
        return any(w.action in (Action.CREATE, Action.UPDATE) for w in self.workspaces)

    @property
    def pending(self) -> bool:
        """Anything to do: changes, or workspaces that left the specs (--detailed-exitcode)."""
        return self.has_changes or bool(self.leaving)

    @property
    def calls(self) -> tuple[ApiCall, ...]:
        return tuple(c for w in self.workspaces for c in w.calls)

    def counts(self) -> dict[str, int]:
        """How many workspaces per action, every action present; closes apart from updates."""
        counts = {action.value: 0 for action in Action}
        counts["close"] = 0
        for workspace in self.workspaces:
            counts["close" if workspace.closes else workspace.action.value] += 1
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
                "leaving": len(self.leaving),
            },
            "problems": [p.to_dict() for p in self.problems],
            "workspaces": [w.to_dict() for w in self.workspaces],
            "seconds_per_call": self.seconds_per_call,
            "context": self.context.to_dict(),
            "leaving": list(self.leaving),
            "partial": self.partial,
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
        seconds = data.get("seconds_per_call", 0.6)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise ValueError(f"'seconds_per_call' must be a number, not {_brief(seconds)}")
        if not 0 <= seconds < float("inf"):  # NaN too: json reads it
            raise ValueError(f"'seconds_per_call' must be a number of seconds, not {seconds!r}")
        leaving = _list(data, "leaving")
        if not all(isinstance(a, str) for a in leaving):
            raise ValueError(
                f"'leaving' must be a list of addresses (texts), not {_brief(leaving)}"
            )
        return cls(
            api_url=_text(data, "api_url"),
            created_at=_text(data, "created_at"),
            workspaces=tuple(WorkspacePlan.from_dict(w) for w in _list(data, "workspaces")),
            problems=tuple(Diagnostic.from_dict(p) for p in _list(data, "problems")),
            seconds_per_call=float(seconds),
            context=PlanContext.from_dict(data.get("context", {})),
            leaving=tuple(leaving),
            partial=_flag(data, "partial"),
        )


def _list(data: dict[str, JSONValue], key: str) -> list[JSONValue]:
    """A list in a saved plan; a string or object where a list belongs is refused."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"{key!r} must be a list, not {type(value).__name__}")
    return value


_REQUIRED: Any = object()


def _text(data: dict[str, JSONValue], key: str, default: Any = _REQUIRED) -> str:
    """A text in a saved plan; a number, list or null where a text belongs is refused."""
    value = data[key] if default is _REQUIRED else data.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a text, not {_brief(value)}")
    return value


def _optional_text(data: dict[str, JSONValue], key: str) -> str | None:
    return None if data.get(key) is None else _text(data, key)


def _optional_int(data: dict[str, JSONValue], key: str) -> int | None:
    """A whole number or null; `true` (which Python counts as 1) is refused."""
    value = data.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{key!r} must be a whole number, not {_brief(value)}")
    return value


def _brief(value: JSONValue) -> str:
    """A value as a message shows it: its JSON-ish repr, cut short."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _flag(data: dict[str, JSONValue], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{key!r} must be true or false, not {value!r}")
    return value
