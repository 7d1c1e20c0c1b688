"""Renderings of a DriftReport: text for a terminal or CI log, markdown for a PR or issue, JSON.

Text and markdown say each difference in the same words (`difference_text`),
in the order a person on call reads them: drifted, then errors, unknown,
acknowledged; in-sync workspaces are only counted. Markdown stays under
GitHub's 65,536 characters, cutting whole workspaces from the end with a
count of what was left out (the JSON always has everything).
"""

from __future__ import annotations

import json

from reconciler.model.drift import Difference, DriftReport, Kind, Verdict, WorkspaceDrift

from ._common import clean, plural, show_value
from .markdown import _code, _most_that_fit, _text

DRIFT_MARKER = "<!-- reconciler:drift -->"
_ORDER = (Verdict.DRIFT, Verdict.ERROR, Verdict.UNKNOWN, Verdict.ACKNOWLEDGED)
_MARKS = {Verdict.DRIFT: "~", Verdict.ERROR: "x", Verdict.UNKNOWN: "?", Verdict.ACKNOWLEDGED: "="}


def render_drift_json(report: DriftReport) -> str:
    """The versioned JSON report (README, "Drift JSON")."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def difference_text(difference: Difference) -> str:
    """One difference in the words of the definition, on one line."""
    path, kind = difference.path, difference.kind
    group = clean(".".join(path))
    if kind is Kind.MEMBER_ADDED:
        member = show_value(path, difference.live)
        return f"{group}: {member} is a member live, not in the definition"
    if kind is Kind.MEMBER_REMOVED:
        member = show_value(path, difference.definition)
        return f"{group}: {member} is in the definition, not a member live"
    if kind is Kind.CLOSED:
        return "lifeCycle: closed live, active in the definition"
    if kind is Kind.REOPENED:
        return "lifeCycle: active live, closed in the definition"
    if kind is Kind.MISSING:
        if difference.definition == "not created yet":
            return "not created yet: the definition has no workspace id until apply creates it"
        return "missing: the service has no such workspace (404)"
    if kind is Kind.NOT_READY:
        return f"provisioning failed (Stage: {clean(str(difference.live))})"
    if kind is Kind.ORPHAN:
        if difference.live == "not found":
            return (
                "orphan: the state manages it, no definition holds it, and the service has "
                "no such workspace (404)"
            )
        return (
            "orphan: the state manages it, no definition holds it, and it is still active "
            "(close it with `lifeCycle: closed`, `apply --prune`, or stop managing it)"
        )
    live, definition = show_value(path, difference.live), show_value(path, difference.definition)
    return f"{group}: {live} live, {definition} in the definition"


def _acknowledgement_text(difference: Difference) -> str:
    ack = difference.acknowledged
    if ack is None:
        return ""
    return f" [acknowledged until {ack.expires} by {clean(ack.owner)}: {clean(ack.reason)}]"


def _title(workspace: WorkspaceDrift) -> str:
    title = clean(workspace.address)
    if workspace.name:
        title += f' "{clean(workspace.name)}"'
    if workspace.file:
        title += f"  ({clean(workspace.file)}:{workspace.line})"
    return title


def _listed(report: DriftReport) -> list[WorkspaceDrift]:
    return [w for v in _ORDER for w in report.workspaces if w.verdict is v]


def counts_sentence(report: DriftReport) -> str:
    """ "Drift: 2 drifted, 1 acknowledged, 0 unknown, 9 in sync, 0 errors (3 orphans)."."""
    counts = report.counts()
    orphans = sum(1 for w in report.workspaces if w.orphan and w.verdict is Verdict.DRIFT)
    tail = f"; {plural(orphans, 'orphan')} among the drifted" if orphans else ""
    return (
        f"Drift: {counts['drift']} drifted, {counts['acknowledged']} acknowledged, "
        f"{counts['unknown']} unknown, {counts['in-sync']} in sync, "
        f"{plural(counts['error'], 'error')}{tail}."
    )


def outcome_sentence(report: DriftReport) -> str:
    outcome = report.outcome
    if outcome is Verdict.ERROR:
        drifted = report.count(Verdict.DRIFT)
        also = f" ({plural(drifted, 'workspace')} drifted too)" if drifted else ""
        return f"Some definitions could not be checked{also}: fix the errors shown with x."
    if outcome is Verdict.DRIFT:
        return "Drift found: live workspaces differ from their definitions."
    if outcome is Verdict.UNKNOWN:
        return (
            "No drift found, but some workspaces could not be read: they are unknown, not in sync."
        )
    return "No drift. Every workspace checked matches its definition."


def sweep_sentence(report: DriftReport) -> str:
    """ "Checked 40 of 120 workspaces (budget 40); 80 remain, the oldest checked at ...."."""
    sweep = report.sweep
    budget = f" (budget {clean(sweep.budget)})" if sweep.budget else ""
    text = f"Checked {sweep.checked} of {plural(sweep.total, 'workspace')}{budget}"
    if not sweep.remaining:
        return text + "."
    parts = [f"{sweep.remaining} {'remains' if sweep.remaining == 1 else 'remain'}"]
    if sweep.never_checked:
        parts.append(f"{sweep.never_checked} never checked")
    if sweep.oldest_unchecked_at:
        parts.append(f"the oldest last checked at {sweep.oldest_unchecked_at}")
    return f"{text}; {', '.join(parts)}."


def _workspace_lines(workspace: WorkspaceDrift) -> list[str]:
    if workspace.verdict in (Verdict.UNKNOWN, Verdict.ERROR):
        return [f"{workspace.verdict.value}: {clean(workspace.reason or '')}"]
    return [difference_text(d) + _acknowledgement_text(d) for d in workspace.differences]


def render_drift_text(report: DriftReport) -> str:
    """For a terminal or a CI log: each workspace that needs a look, then the totals."""
    lines: list[str] = []
    for workspace in _listed(report):
        lines.append(f"{_MARKS[workspace.verdict]} {_title(workspace)}")
        lines += [f"    {line}" for line in _workspace_lines(workspace)]
    if lines:
        lines.append("")
    lines += [outcome_sentence(report), counts_sentence(report), sweep_sentence(report)]
    lines += [f"Warning: {clean(str(w))}" for w in report.warnings]
    return "\n".join(lines) + "\n"


MAX_WARNINGS = 20
MAX_LINES_PER_WORKSPACE = 50
"""Markdown caps, so that one huge workspace or warning list cannot crowd out the rest."""


def _capped(lines: list[str], most: int, noun: str) -> tuple[list[str], str | None]:
    """The first `most` lines, and a line saying how many more there are (or None)."""
    if len(lines) <= most:
        return lines, None
    more = plural(len(lines) - most, f"more {noun}")
    return lines[:most], f"… {more} (see `--format json`)"


def _markdown_item(workspace: WorkspaceDrift) -> str:
    # Values in code spans: a name or member holding `[x](https://...)` or `@someone`
    # must not become a link or a mention in an issue comment.
    title = _code(workspace.address) + (f" ({_code(workspace.name)})" if workspace.name else "")
    where = f" — {_text(workspace.file)}:{workspace.line}" if workspace.file else ""
    head = f"- **{workspace.verdict.value}** {title}{where}"
    lines, more = _capped(_workspace_lines(workspace), MAX_LINES_PER_WORKSPACE, "difference")
    items = [f"  - {_code(line)}" for line in lines] + ([f"  - {more}"] if more else [])
    return "\n".join([head, *items])


def render_drift_markdown(report: DriftReport, *, max_chars: int = 65_000) -> str:
    """For a pull-request or issue comment, or `$GITHUB_STEP_SUMMARY`; under `max_chars`."""
    head = [
        DRIFT_MARKER,
        "### Reconciler drift",
        "",
        f"**{_text(outcome_sentence(report))}** {_text(counts_sentence(report))}",
        "",
        _text(sweep_sentence(report)),
        "",
        f"Checked against {_code(report.api_url)} at {_text(report.checked_at)}.",
    ]
    shown, more = _capped(
        [f"- **Warning:** {_code(str(w))}" for w in report.warnings], MAX_WARNINGS, "warning"
    )
    warnings = shown + ([f"- {more}"] if more else [])
    items = [_markdown_item(w) for w in _listed(report)]

    def render(count: int) -> str:
        parts = ["\n".join(head)]
        if warnings:
            parts.append("\n".join(warnings))
        if items:
            shown = items[:count]
            if count < len(items):
                left = plural(len(items) - count, "more workspace")
                shown.append(
                    f"- … {left} left out to stay under {max_chars:,} characters: "
                    "the full report is `reconciler drift --format json`."
                )
            parts.append("\n".join(shown))
        return "\n\n".join(parts) + "\n"

    count = _most_that_fit(len(items), lambda n: len(render(n)) <= max_chars)
    return render(count)[:max_chars]
