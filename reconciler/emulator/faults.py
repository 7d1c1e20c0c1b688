"""Switchable fault injection, WireMock-style: rules that match requests and change their fate.

A rule matches a method and a path regex (and optionally a tenant); it fires
from the `nth` matching request on, `times` times (-1: for ever). Actions:
`status` (answer that status: a 5xx with no body, a 4xx with a Message),
`latency` (wait `latency_ms`, then serve), `rate_limit` (429 with a reset
`reset_seconds` away), `drop` (close the connection, nothing processed) and
`drop_after_commit` (process and commit, then close without an answer).
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

ACTIONS = ("status", "latency", "rate_limit", "drop", "drop_after_commit")


@dataclass
class FaultRule:
    """One fault: what it matches, when it fires, and what it does."""

    action: str
    method: str = "*"
    path: str = ""
    tenant: str | None = None
    nth: int = 1
    times: int = 1
    status: int = 503
    latency_ms: int = 0
    reset_seconds: int = 1
    id: int = 0
    seen: int = 0
    fired: int = 0
    _pattern: re.Pattern[str] = field(default=re.compile(""), repr=False)

    @classmethod
    def from_json(cls, data: Any, rule_id: int) -> FaultRule:
        """Build a rule from the control path's JSON, or raise ValueError naming the problem."""
        if not isinstance(data, dict):
            raise ValueError("a fault rule is a JSON object")
        unknown = set(data) - {f for f in cls.__dataclass_fields__ if not f.startswith("_")}
        if unknown:
            raise ValueError(f"unknown fault rule keys: {sorted(unknown)}")
        for key in ("nth", "times", "status", "latency_ms", "reset_seconds"):
            if key in data and (isinstance(data[key], bool) or not isinstance(data[key], int)):
                raise ValueError(f"fault rule key {key!r} must be a whole number")
        for key in ("action", "method", "path"):
            if key in data and not isinstance(data[key], str):
                raise ValueError(f"fault rule key {key!r} must be a string")
        rule = cls(**data, id=rule_id)
        if rule.action not in ACTIONS:
            raise ValueError(f"fault action must be one of {ACTIONS}")
        if rule.action == "status" and not 400 <= rule.status <= 599:
            raise ValueError("a status fault needs a 4xx or 5xx status")
        try:
            rule._pattern = re.compile(rule.path)
        except re.error as exc:
            raise ValueError(f"fault rule path is not a regular expression: {exc}") from None
        rule.method = rule.method.upper()
        return rule

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    def fires(self, method: str, path: str, tenant: str | None) -> bool:
        """Count a request against the rule; True when the rule applies to it."""
        if self.method not in ("*", method) or not self._pattern.search(path):
            return False
        if self.tenant is not None and self.tenant != tenant:
            return False
        self.seen += 1
        if self.seen < self.nth or (0 <= self.times <= self.fired):
            return False
        self.fired += 1
        return True


class Faults:
    """The active fault rules, safe to use from every request thread."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next_id = 1

    def add(self, payload: Any) -> list[FaultRule]:
        """Add one rule or a list of rules (all or none: a bad rule adds nothing)."""
        items = payload if isinstance(payload, list) else [payload]
        with self._lock:
            rules = [FaultRule.from_json(item, self._next_id + i) for i, item in enumerate(items)]
            self._next_id += len(rules)
            self._rules.extend(rules)
        return rules

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def to_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_json() for r in self._rules]

    def pick(self, method: str, path: str, tenant: str | None) -> FaultRule | None:
        """The first rule that fires for this request, counting it against every matching rule."""
        with self._lock:
            fired = [r for r in self._rules if r.fires(method, path, tenant)]
        return fired[0] if fired else None
