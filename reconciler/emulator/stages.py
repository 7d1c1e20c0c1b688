"""Provisioning progression, moto-style: immediate, after a time, or after N status polls.

A new workspace answers Stage 1 (Provisioning) to its POST. Each later read
of it (GET workspace or GET status) is a poll; the progression decides when
it becomes Ready (2), or Failed (3) when set to fail. Tests pick `manual` so
they need no sleeps.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

FOR_PROVISIONING, PROVISIONING, READY, FAILED, UPDATING, FOR_DELETION = range(6)
STATUS_NAMES = ("ForProvisioning", "Provisioning", "Ready", "Failed", "Updating", "ForDeletion")
MODES = ("immediate", "time", "manual")


@dataclass(frozen=True)
class Progression:
    """How a new workspace moves from Provisioning to its final stage."""

    mode: str = "immediate"
    seconds: float = 0.0
    polls: int = 1
    fail: bool = False

    @classmethod
    def parse(cls, text: str) -> Progression:
        """Read the CLI form: immediate | time:SECONDS | manual:POLLS, with optional ',fail'."""
        head, _, flag = text.partition(",")
        mode, _, arg = head.partition(":")
        if mode not in MODES or flag not in ("", "fail"):
            raise ValueError(f"bad progression {text!r}: use immediate, time:S or manual:N[,fail]")
        if mode == "time":
            return cls(mode, seconds=float(arg or 0), fail=bool(flag))
        if mode == "manual":
            return cls(mode, polls=int(arg or 1), fail=bool(flag))
        return cls(mode, fail=bool(flag))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progression:
        """Read the control path's form: {"mode", "seconds", "polls", "fail"}."""
        mode = str(data.get("mode", "immediate"))
        if mode not in MODES:
            raise ValueError(f"progression mode must be one of {MODES}")
        seconds = float(data.get("seconds", 0.0))
        if not 0 <= seconds < 10**7:  # also refuses NaN
            raise ValueError("progression seconds must be a number from 0")
        return cls(
            mode=mode,
            seconds=seconds,
            polls=max(1, int(data.get("polls", 1))),
            fail=bool(data.get("fail", False)),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def start(progression: Progression) -> dict[str, Any]:
    """The bookkeeping a new workspace carries until it is provisioned."""
    return {**progression.to_json(), "created_at": time.time(), "seen": 0}


def on_poll(doc: dict[str, Any]) -> bool:
    """Count one read of a provisioning workspace; advance it when its time has come.

    Returns True when the document changed and must be saved.
    """
    progress = doc.get("Progress")
    if doc["Stage"] != PROVISIONING or not progress:
        return False
    progress["seen"] += 1
    mode = progress["mode"]
    due = (
        mode == "immediate"
        or (mode == "time" and time.time() - progress["created_at"] >= progress["seconds"])
        or (mode == "manual" and progress["seen"] >= progress["polls"])
    )
    if due:
        finish(doc)
    return True


def advance_if_due(doc: dict[str, Any]) -> None:
    """Finish a time-based provisioning whose time has come, without counting a poll."""
    progress = doc.get("Progress") or {}
    timed = doc["Stage"] == PROVISIONING and progress.get("mode") == "time"
    if timed and time.time() - progress["created_at"] >= progress["seconds"]:
        finish(doc)


def finish(doc: dict[str, Any]) -> None:
    """Move a provisioning workspace to its final stage now."""
    progress = doc.pop("Progress", None) or {}
    doc["Stage"] = FAILED if progress.get("fail") else READY
