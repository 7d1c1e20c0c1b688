"""The terminal rendering of a Plan, in Terraform's shape.

Run-wide problems come first, then one block per workspace that changes, cannot
be planned, or carries a warning (quiet no-ops are only counted), then the
counts and the cost of applying::

    Error: the plan would remove 12 members, more than --max-removals 5

    Reconciler will perform the following actions:

      ~ contoso/example (Project01) will be updated in-place
          ~ name: "Project01" -> "Orange"
          + team.Members: ana@xyz.com
          - team.Visitors: lucas@xyz.com  # implied by the manager
          1. PUT /workspaces/example/team  update team (1 added, 1 removed)

    Plan: 0 to create, 1 to update, 3 unchanged, 0 errors.
    Apply will make 1 API call, about 1 s at the rate limit (100 requests/minute).

Colour is only ever added around text that already says the same thing
(markers `+ ~ - !`, the words `Error:` and `Warning:`), so the output stripped
of ANSI codes is exactly the output rendered with `color=False`. Whether to
colour (a TTY, `NO_COLOR`, `--no-color`) is the caller's decision.
"""

from __future__ import annotations

from reconciler.model.diagnostics import Diagnostic, Severity
from reconciler.model.plan import Action, Plan, WorkspacePlan

from ._common import (
    NO_CHANGES,
    change_line,
    clean,
    cost_sentence,
    counts_sentence,
    leaving_sentence,
    listed,
    plural,
    problem_text,
    run_errors,
    run_warnings,
    workspace_title,
)

_RESET = "\x1b[0m"
_BOLD = "1"
_RED = "31"
_GREEN = "32"
_YELLOW = "33"

_MARKER_COLOR = {"+": _GREEN, "~": _YELLOW, "-": _RED, "!": _RED}

_HEADER = {
    Action.CREATE: ("+", "will be created"),
    Action.UPDATE: ("~", "will be updated in-place"),
    Action.ERROR: ("!", "cannot be planned"),
    # Only shown when it carries a warning; a blank marker keeps columns aligned.
    Action.NOOP: (" ", "has no changes"),
}

_FIELD_INDENT = "      "


class _Painter:
    """Wraps text in ANSI codes, or leaves it alone when colour is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: str) -> str:
        if not self.color or not codes or not text.strip():
            return text
        return f"\x1b[{';'.join(codes)}m{text}{_RESET}"

    def marker(self, marker: str) -> str:
        color = _MARKER_COLOR.get(marker)
        return self(marker, color) if color else marker


def _problem_line(
    paint: _Painter, problem: Diagnostic, workspace: WorkspacePlan | None, indent: str
) -> str:
    if problem.severity is Severity.ERROR:
        label = paint("Error:", _BOLD, _RED)
    else:
        label = paint("Warning:", _BOLD, _YELLOW)
    return f"{indent}{label} {problem_text(problem, workspace)}"


def _workspace_block(paint: _Painter, workspace: WorkspacePlan) -> list[str]:
    marker, verb = _HEADER[workspace.action]
    lines = [f"  {paint.marker(marker)} {paint(f'{workspace_title(workspace)} {verb}', _BOLD)}"]
    # Errors before warnings before changes: what blocks apply reads first.
    lines += [_problem_line(paint, p, workspace, _FIELD_INDENT) for p in workspace.errors]
    lines += [_problem_line(paint, p, workspace, _FIELD_INDENT) for p in workspace.warnings]
    for change in workspace.changes:
        sign, text = change_line(change)
        reason = f"  # {clean(change.reason)}" if change.reason else ""
        lines.append(f"{_FIELD_INDENT}{paint.marker(sign)} {text}{reason}")
    for number, call in enumerate(workspace.calls, start=1):
        request = f"{clean(call.method)} {clean(call.path)}"
        lines.append(f"{_FIELD_INDENT}{number}. {request}  {clean(call.summary)}")
    return lines


def render_text(plan: Plan, *, color: bool) -> str:
    """The plan for a terminal or a CI log; ends with a newline."""
    paint = _Painter(color)
    lines: list[str] = []

    # Run-wide problems (the blast-radius guard, an unreadable tenant) decide
    # whether anything happens at all, so they come before any detail.
    run_wide = [*run_errors(plan), *run_warnings(plan)]
    for problem in run_wide:
        lines.append(_problem_line(paint, problem, None, ""))
    if run_wide:
        lines.append("")

    shown = [w for w in plan.workspaces if listed(w)]
    if plan.has_changes:
        lines += ["Reconciler will perform the following actions:", ""]
    for workspace in shown:
        lines += _workspace_block(paint, workspace)
        lines.append("")

    if not plan.has_changes and not plan.errored:
        lines.append(paint(NO_CHANGES, _BOLD, _GREEN))
    lines.append(paint(counts_sentence(plan), _BOLD))
    if plan.calls:
        lines.append(cost_sentence(plan))
    leaving = leaving_sentence(plan)
    if leaving:
        lines.append(f"{paint('Note:', _BOLD, _YELLOW)} {leaving}")
    errors = run_errors(plan)
    if errors:
        # Repeated at the end because the end is what people read last.
        note = f"the plan has {plural(len(errors), 'run-wide error')}, shown at the top."
        lines.append(f"{paint('Error:', _BOLD, _RED)} {note}")
    return "\n".join(lines) + "\n"
