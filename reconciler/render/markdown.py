"""The pull-request rendering of a Plan: a PR comment or `$GITHUB_STEP_SUMMARY`.

Layout, in this order, so that what needs a decision is read first:

1. `<!-- reconciler:plan -->`, a hidden marker a bot searches for to edit its
   comment in place instead of adding a new one per push;
2. the one-line totals (the same sentences as the terminal output);
3. run-wide problems, then every workspace error and warning, as a list;
4. a table `| Workspace | Action | Changes |` of the workspaces that change or
   cannot be planned;
5. one collapsed `<details>` per such workspace: a `diff` block of its field
   changes and the exact API calls apply will make, bodies collapsed.

Workspaces keep plan order (sorted by address) so a re-run edits the comment
with a readable diff. GitHub refuses comments over 65,536 characters, so the
result stays under `max_chars`: details are dropped from the end first, then
table rows, then list items, each with a line saying how many were left out
and pointing to `reconciler plan --json`, which always has everything.

Every string that comes from a spec or the service is escaped: HTML-escaped
(a workspace named `</details>` must not close a block), `|` and backticks
escaped in table cells, control and bidi characters shown as `\\uXXXX`, and
fences made longer than any backtick run inside them.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reconciler.model.diagnostics import Diagnostic, Severity
from reconciler.model.plan import Action, FieldOp, Plan, WorkspacePlan

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
    show_path,
    show_value,
)

MARKER = "<!-- reconciler:plan -->"
GITHUB_COMMENT_LIMIT = 65_536
_CELL_MAX = 160
"""A table cell longer than this is cut: the details hold the rest."""


_LINK = re.compile(r"[\[\]]")
_MENTION = re.compile(r"(?<![\w@])@(?=[\w-])")


def _text(value: str) -> str:
    """Plain markdown text from untrusted input: one line, no HTML, no link, no mention.

    A workspace named `[pay here](https://...)` must not become a link in a
    PR comment, nor `@org/team` a notification: brackets are escaped, and a
    word-initial `@` gets a zero-width space (emails such as ana@xyz.com stay).
    """
    # Backslashes first: a name's own `\` must not escape the bracket escapes that follow.
    escaped = html.escape(clean(value), quote=False).replace("\\", "\\\\")
    return _MENTION.sub("@\u200b", _LINK.sub(lambda m: "\\" + m.group(), escaped))


def _cell(value: str) -> str:
    """A table cell: `_text`, plus the two characters that break a GFM row."""
    if len(value) > _CELL_MAX:
        value = value[: _CELL_MAX - 1] + "…"
    return _text(value).replace("|", "\\|").replace("`", "\\`")


def _code(value: str) -> str:
    """An inline code span that no backtick inside `value` can close early."""
    value = clean(value)
    longest = max((len(run) for run in re.findall("`+", value)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def _fenced(body: str, language: str) -> str:
    longest = max((len(run) for run in re.findall("`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{body}\n{fence}"


def _problem_item(
    problem: Diagnostic, workspace: WorkspacePlan | None, *, name_workspace: bool = True
) -> str:
    label = "**Error:**" if problem.severity is Severity.ERROR else "**Warning:**"
    where = f"{_code(workspace.address)}: " if workspace is not None and name_workspace else ""
    return f"- {label} {where}{_text(problem_text(problem, workspace))}"


def _problem_items(plan: Plan) -> list[str]:
    # Errors before warnings, run-wide before per workspace: what blocks the
    # apply first, then what merely deserves a look.
    items = [_problem_item(p, None) for p in run_errors(plan)]
    items += [_problem_item(p, w) for w in plan.workspaces for p in w.errors]
    items += [_problem_item(p, None) for p in run_warnings(plan)]
    items += [_problem_item(p, w) for w in plan.workspaces for p in w.warnings]
    return items


def _changes_cell(workspace: WorkspacePlan) -> str:
    """A short account of what changes: paths, with member counts for team groups."""
    if workspace.action is Action.ERROR:
        errors = workspace.errors
        if not errors:
            return "cannot be planned"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return f"{errors[0].message}{more}"
    order: list[tuple[str, ...]] = []
    added: dict[tuple[str, ...], int] = {}
    removed: dict[tuple[str, ...], int] = {}
    for change in workspace.changes:
        if change.path not in added:
            order.append(change.path)
            added[change.path] = removed[change.path] = 0
        if change.op is FieldOp.ADD:
            added[change.path] += 1
        elif change.op is FieldOp.REMOVE:
            removed[change.path] += 1
    parts = []
    for path in order:
        if path[:1] == ("team",):
            counts = [f"+{added[path]}"] if added[path] else []
            counts += [f"-{removed[path]}"] if removed[path] else []
            parts.append(f"{show_path(path)} {' '.join(counts)}".rstrip())
        else:
            parts.append(show_path(path))
    return ", ".join(parts) if parts else "no field changes"


def _table_row(workspace: WorkspacePlan) -> str:
    title = workspace.address + (f" ({workspace.name})" if workspace.name else "")
    return (
        f"| {_cell(title)} | {_cell(workspace.action.value)} | {_cell(_changes_cell(workspace))} |"
    )


def _diff_lines(workspace: WorkspacePlan) -> list[str]:
    # A real diff (- old, + new) rather than Terraform's `~`, because GitHub
    # colours only `+` and `-` lines in a diff block.
    lines: list[str] = []
    for change in workspace.changes:
        reason = f"  # {clean(change.reason)}" if change.reason else ""
        path = show_path(change.path)
        if change.op is FieldOp.CHANGE:
            lines.append(f"- {path}: {show_value(change.path, change.before)}")
            lines.append(f"+ {path}: {show_value(change.path, change.after)}{reason}")
        else:
            sign, text = change_line(change)
            lines.append(f"{sign} {text}{reason}")
    return lines


def _details(workspace: WorkspacePlan) -> str:
    summary = html.escape(f"{clean(workspace.address)} — {workspace.action.value}")
    parts = [f"<details><summary>{summary}</summary>"]
    problems = [
        _problem_item(p, workspace, name_workspace=False)
        for p in (*workspace.errors, *workspace.warnings)
    ]
    if problems:
        parts.append("\n".join(problems))
    diff = _diff_lines(workspace)
    if diff:
        parts.append(_fenced("\n".join(diff), "diff"))
    if workspace.calls:
        parts.append("API calls, in order:")
        for number, call in enumerate(workspace.calls, start=1):
            request = _code(f"{call.method} {call.path}")
            parts.append(f"{number}. {request} — {_text(call.summary)}")
            if call.body is not None:
                # json.dumps already escapes C0 controls inside strings; `clean`
                # per line catches C1 and bidi characters but keeps the layout.
                dumped = json.dumps(call.body, indent=2, ensure_ascii=False)
                body = "\n".join(clean(line) for line in dumped.split("\n"))
                parts.append(
                    f"<details><summary>Body of call {number}</summary>\n\n"
                    f"{_fenced(body, 'json')}\n\n</details>"
                )
    parts.append("</details>")
    return "\n\n".join(parts)


@dataclass(frozen=True)
class _Sections:
    head: str
    problems: Sequence[str]
    rows: Sequence[str]
    details: Sequence[str]
    max_chars: int

    def render(self, problems: int, rows: int, details: int) -> str:
        """The comment with the first `problems` items, `rows` rows and `details` blocks."""
        parts = [self.head]
        if self.problems:
            block = list(self.problems[:problems])
            if problems < len(self.problems):
                left = len(self.problems) - problems
                block.append(f"- … {plural(left, 'more problem')} left out: {_JSON_POINTER}")
            parts.append("#### Problems\n\n" + "\n".join(block))
        if self.rows:
            table = ["| Workspace | Action | Changes |", "| --- | --- | --- |"]
            table += self.rows[:rows]
            parts.append("\n".join(table))
            if rows < len(self.rows):
                missing = plural(len(self.rows) - rows, "more workspace")
                parts.append(f"_{missing} not in the table: {_JSON_POINTER}_")
        parts += self.details[:details]
        if details < len(self.details):
            left = len(self.details) - details
            parts.append(
                f"_Details of {plural(left, 'workspace')} were left out to stay under "
                f"{self.max_chars:,} characters: {_JSON_POINTER}_"
            )
        return "\n\n".join(parts) + "\n"

    def fits(self, problems: int, rows: int, details: int) -> bool:
        return len(self.render(problems, rows, details)) <= self.max_chars


_JSON_POINTER = "the full plan is `reconciler plan --json`."


def _most_that_fit(total: int, fits: Callable[[int], bool]) -> int:
    """The largest n in 0..total with fits(n), given that fits(n) implies fits(n - 1)."""
    low, high = 0, total
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _head(plan: Plan) -> str:
    lines = [MARKER, "### Reconciler plan", ""]
    if not plan.has_changes and not plan.errored:
        lines.append(f"**{NO_CHANGES}** {counts_sentence(plan)}")
    else:
        lines.append(f"**{counts_sentence(plan)}** {cost_sentence(plan)}")
    leaving = leaving_sentence(plan)
    if leaving:
        lines += ["", f"**Note:** {_text(leaving)}"]
    lines += ["", f"Planned against {_code(plan.api_url)} at {_text(plan.created_at)}."]
    return "\n".join(lines)


def render_markdown(plan: Plan, *, max_chars: int = 65_000) -> str:
    """The plan as GitHub-flavoured markdown, at most `max_chars` characters long."""
    shown = [w for w in plan.workspaces if listed(w) and w.action is not Action.NOOP]
    sections = _Sections(
        head=_head(plan),
        problems=_problem_items(plan),
        rows=[_table_row(w) for w in shown],
        details=[_details(w) for w in shown],
        max_chars=max_chars,
    )
    all_problems, all_rows, all_details = (
        len(sections.problems),
        len(sections.rows),
        len(sections.details),
    )
    if sections.fits(all_problems, all_rows, all_details):
        return sections.render(all_problems, all_rows, all_details)
    # Drop in order of least use to a reviewer: details (the JSON has them),
    # then table rows, then problem items. Each count fits monotonically, so a
    # binary search finds the most that fit without rendering thousands of times.
    details = _most_that_fit(all_details, lambda n: sections.fits(all_problems, all_rows, n))
    rows = all_rows
    if details == 0 and not sections.fits(all_problems, rows, 0):
        rows = _most_that_fit(all_rows, lambda n: sections.fits(all_problems, n, 0))
    problems = all_problems
    if rows == 0 and not sections.fits(problems, 0, 0):
        problems = _most_that_fit(all_problems, lambda n: sections.fits(n, 0, 0))
    text = sections.render(problems, rows, details)
    if len(text) > max_chars:
        # Only a head longer than the limit gets here (a pathological api_url).
        suffix = f"\n\n_Cut to {max_chars:,} characters: {_JSON_POINTER}_\n"
        text = text[: max(0, max_chars - len(suffix))] + suffix
        text = text[:max_chars]
    return text
