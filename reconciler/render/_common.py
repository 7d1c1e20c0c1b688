"""Wording and value formatting shared by the text and markdown renderers.

Both renderers must say the same thing in the same words (the counts line and
the cost line are what people compare between a terminal and a PR comment),
so those sentences are built here once.
"""

from __future__ import annotations

import json
import re

from reconciler.model.diagnostics import Diagnostic, Severity
from reconciler.model.plan import (
    Action,
    FieldChange,
    FieldOp,
    Plan,
    WorkspacePlan,
)

# C0/C1 controls and DEL, plus the bidirectional overrides behind "Trojan
# Source" tricks: a spec value holding ESC could repaint the terminal, and
# one holding U+202E could make a reviewer read a different name than apply
# will send. Every spec-derived string goes through `clean` before display.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Make `text` safe to print on one line: escape control and bidi characters."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _is_member_path(path: tuple[str, ...]) -> bool:
    # Team groups hold e-mail addresses; quoting each one is noise
    # (`+ team.Members: ana@xyz.com` reads better than `"ana@xyz.com"`).
    return len(path) > 0 and path[0] == "team"


def show_value(path: tuple[str, ...], value: object) -> str:
    """One value as shown in a field line: JSON, except team members bare."""
    if _is_member_path(path):
        if isinstance(value, str):
            return clean(value)
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return clean(", ".join(value))
    return clean(json.dumps(value, ensure_ascii=False))


def show_path(path: tuple[str, ...]) -> str:
    return clean(".".join(path)) if path else "(workspace)"


def added_value(change: FieldChange) -> object:
    # The model puts an added value in `after`; fall back so that a planner
    # filling the other side still shows something rather than `null`.
    return change.after if change.after is not None else change.before


def removed_value(change: FieldChange) -> object:
    return change.before if change.before is not None else change.after


def change_line(change: FieldChange) -> tuple[str, str]:
    """(marker, text) for one field change, e.g. ("~", 'name: "A" -> "B"'); no reason."""
    path = show_path(change.path)
    if change.op is FieldOp.ADD:
        return "+", f"{path}: {show_value(change.path, added_value(change))}"
    if change.op is FieldOp.REMOVE:
        return "-", f"{path}: {show_value(change.path, removed_value(change))}"
    before = show_value(change.path, change.before)
    after = show_value(change.path, change.after)
    return "~", f"{path}: {before} -> {after}"


def location(problem: Diagnostic, workspace: WorkspacePlan | None = None) -> str:
    """ "file:line: " for a problem, falling back to its workspace's document; or ""."""
    file, line = problem.file, problem.line
    if file is None and workspace is not None:
        file, line = workspace.file, workspace.line
    if file is None:
        return ""
    return f"{clean(file)}:{line}: " if line is not None else f"{clean(file)}: "


def problem_text(problem: Diagnostic, workspace: WorkspacePlan | None = None) -> str:
    """ "file:line: message" on one line (newlines in a message become spaces)."""
    message = " ".join(problem.message.split("\n"))
    return f"{location(problem, workspace)}{clean(message)}"


def workspace_title(workspace: WorkspacePlan) -> str:
    """ "contoso/pr.02 (Project02)", or just the address when the name is unknown."""
    address = clean(workspace.address)
    return f"{address} ({clean(workspace.name)})" if workspace.name else address


def listed(workspace: WorkspacePlan) -> bool:
    """Whether a workspace is shown one by one; quiet no-ops are only counted."""
    return workspace.action is not Action.NOOP or bool(workspace.problems)


def plural(count: int, singular: str, many: str | None = None) -> str:
    """ "1 error", "2 errors"; `many` for irregular plurals."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def counts_sentence(plan: Plan) -> str:
    """ "Plan: 1 to create, 2 to update, 1 to close, 3 unchanged, 0 errors." (workspaces)."""
    counts = plan.counts()
    closes = f"{counts['close']} to close, " if counts["close"] else ""
    return (
        f"Plan: {counts[Action.CREATE.value]} to create, "
        f"{counts[Action.UPDATE.value]} to update, "
        f"{closes}"
        f"{counts[Action.NOOP.value]} unchanged, "
        f"{plural(counts[Action.ERROR.value], 'error')}."
    )


def leaving_sentence(plan: Plan) -> str | None:
    """Managed workspaces no spec holds any more, left alone without --prune; None if none."""
    if not plan.leaving:
        return None
    count = len(plan.leaving)
    verb = "is" if count == 1 else "are"
    them = "it" if count == 1 else "them"
    names = ", ".join(clean(a) for a in plan.leaving)
    return (
        f"{plural(count, 'managed workspace')} {verb} no longer in the specs; "
        f"`--prune` closes {them}: {names}"
    )


def duration(seconds: float) -> str:
    """ "3 s" below two minutes, else "12 min": enough precision for an estimate."""
    if seconds < 120:
        return f"{max(1, int(seconds + 0.5))} s"
    return f"{int(seconds / 60 + 0.5)} min"


def rate_per_minute(plan: Plan) -> str | None:
    if plan.seconds_per_call <= 0:
        return None
    rate = 60 / plan.seconds_per_call
    return f"{rate:.0f}" if abs(rate - round(rate)) < 0.05 else f"{rate:.1f}"


def cost_sentence(plan: Plan) -> str:
    """ "Apply will make 5 API calls, about 3 s at the rate limit (100 requests/minute)."."""
    count = len(plan.calls)
    if count == 0:
        return "Apply will make no API calls."
    rate = rate_per_minute(plan)
    if rate is None:
        return f"Apply will make {plural(count, 'API call')}."
    return (
        f"Apply will make {plural(count, 'API call')}, "
        f"about {duration(plan.cost_seconds())} at the rate limit ({rate} requests/minute)."
    )


def run_errors(plan: Plan) -> tuple[Diagnostic, ...]:
    return tuple(p for p in plan.problems if p.severity is Severity.ERROR)


def run_warnings(plan: Plan) -> tuple[Diagnostic, ...]:
    return tuple(p for p in plan.problems if p.severity is Severity.WARNING)


NO_CHANGES = "No changes. Live workspaces match the specs."
