"""Renderings of an AccessReport: CSV, JSON, markdown, and one self-contained HTML page.

Pure: they read only the report. Names come from specs and the service, so
they are untrusted: CSV cells that a spreadsheet would run as a formula are
quoted with a leading apostrophe, markdown puts them in code spans, and HTML
escapes every one. The HTML page needs no network: its style and script are
inline and its Content-Security-Policy allows exactly those two (by hash)
and nothing else; rows are filtered and sorted by a script that reads the
table, with no event handler built from data.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import json
from collections.abc import Iterator
from typing import Any

from reconciler.model.audit import ACCESS_FORMAT_VERSION, AccessReport, AccessRow

from ._common import clean, plural
from .access_page import SCRIPT, STYLE
from .markdown import _code

CSV_COLUMNS = (
    "tenant",
    "account",
    "kind",
    "workspace",
    "name",
    "lifecycle",
    "group",
    "implied",
    "via",
    "file",
    "line",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What Excel and LibreOffice read as the start of a formula (OWASP "CSV injection")."""


def render_access_csv(report: AccessReport) -> str:
    """One row per account, workspace and group, with a header row (RFC 4180)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        values = row.to_dict()
        writer.writerow([_csv_cell(values[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def access_dict(report: AccessReport) -> dict[str, Any]:
    """The JSON form: per account its memberships, per workspace its people (README)."""
    return {
        "format_version": ACCESS_FORMAT_VERSION,
        "source": report.source,
        "api_url": report.api_url,
        "accounts": [
            {
                "tenant": tenant,
                "account": principal,
                "kind": kind,
                "workspaces": len({r.workspace for r in rows}),
                "memberships": [_membership(r) for r in rows],
            }
            for tenant, principal, kind, rows in report.accounts()
        ],
        "workspaces": [
            {
                "tenant": w.tenant,
                "address": w.address,
                "name": w.name,
                "lifecycle": w.life_cycle,
                "provisioning": w.provisioning,
                "manager": w.manager,
                "deputy": w.deputy,
                "file": w.file,
                "line": w.line,
                "unmanaged_groups": list(w.unmanaged_groups),
                "error": w.error,
                "people": [_person(r) for r in report.people(w.address)],
            }
            for w in report.workspaces
        ],
        "notes": list(report.notes),
    }


def _membership(row: AccessRow) -> dict[str, Any]:
    return {
        "workspace": row.workspace,
        "name": row.name,
        "group": row.group,
        "implied": row.implied,
        "via": row.via,
    }


def _person(row: AccessRow) -> dict[str, Any]:
    return {
        "account": row.principal,
        "kind": row.kind,
        "group": row.group,
        "implied": row.implied,
        "via": row.via,
    }


def render_access_json(report: AccessReport) -> str:
    return json.dumps(access_dict(report), indent=2, ensure_ascii=False) + "\n"


# --- markdown ------------------------------------------------------------------------------


def _membership_text(row: AccessRow) -> str:
    mark = " (implied)" if row.implied else ""
    return f"{row.group}{mark}"


def _cell(value: str) -> str:
    """A code span for a table cell: `\\|` keeps a `|` from splitting the row (only there)."""
    return _code(value).replace("|", "\\|")


def _markdown_lines(report: AccessReport) -> Iterator[str]:
    yield "<!-- reconciler:access -->"
    yield "### Who can reach what"
    yield ""
    yield (
        f"From the {report.source}: {_accounts_count(report)}"
        f" in {plural(len(report.workspaces), 'workspace')}. "
        "*(implied)*: the service adds it by itself (the manager to the owner group and Members, "
        "the owner group to Members)."
    )
    yield ""
    yield "#### By account"
    yield ""
    yield "| Account | Kind | Workspace | Groups and roles |"
    yield "|---|---|---|---|"
    for _tenant, principal, kind, rows in report.accounts():
        by_workspace: dict[str, list[AccessRow]] = {}
        for row in rows:
            by_workspace.setdefault(row.workspace, []).append(row)
        for workspace, held in by_workspace.items():
            groups = ", ".join(_membership_text(r) for r in held)
            yield f"| {_cell(principal)} | {kind} | {_cell(workspace)} | {_cell(groups)} |"
    yield ""
    yield "#### By workspace"
    for place in report.workspaces:
        yield ""
        title = f"{_code(place.address)} {_code(place.name)} ({place.life_cycle})"
        yield f"- {title}"
        if place.error:
            yield f"  - not read: {_code(place.error)}"
        by_group: dict[str, list[AccessRow]] = {}
        for row in report.people(place.address):
            by_group.setdefault(row.group, []).append(row)
        for group, held in by_group.items():
            people = ", ".join(r.principal + (" (implied)" if r.implied else "") for r in held)
            yield f"  - {group}: {_code(people)}"
        if place.unmanaged_groups:
            yield f"  - not managed by the spec: {', '.join(place.unmanaged_groups)}"
    for note in report.notes:
        yield ""
        yield f"Note: {_code(note)}"


def _accounts_count(report: AccessReport) -> str:
    return plural(len(report.accounts()), "account or AD group", "accounts or AD groups")


def render_access_markdown(report: AccessReport) -> str:
    return "\n".join(_markdown_lines(report)) + "\n"


# --- HTML ---------------------------------------------------------------------------------

HTML_COLUMNS = (
    ("Account", "principal"),
    ("Kind", "kind"),
    ("Tenant", "tenant"),
    ("Workspace", "workspace"),
    ("Name", "name"),
    ("Group or role", "group"),
    ("How", "via"),
    ("Lifecycle", "life_cycle"),
    ("Source", "source"),
)


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {_hash(STYLE)}; script-src {_hash(SCRIPT)}; "
    "img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
)
"""Only the page's own inline style and script run (by hash): no network, no injected code."""


def _cells(row: AccessRow) -> list[str]:
    source = f"{row.file}:{row.line}" if row.file and row.line else row.file or ""
    values = {
        "principal": row.principal,
        "kind": row.kind,
        "tenant": row.tenant,
        "workspace": row.workspace,
        "name": row.name,
        "group": row.group,
        "via": row.via,
        "life_cycle": row.life_cycle,
        "source": source,
    }
    return [values[key] for _, key in HTML_COLUMNS]


def _e(value: str) -> str:
    return html.escape(clean(value), quote=True)


def render_access_html(report: AccessReport, generated_at: str = "") -> str:
    """One page, no network: a table that sorts by column and filters by text; phone-ready."""
    head = "".join(
        f'<th scope="col" aria-sort="none"><button type="button" data-column="{n}">'
        f"{_e(title)}</button></th>"
        for n, (title, _) in enumerate(HTML_COLUMNS)
    )
    body = "\n".join(_html_row(row) for row in report.rows)
    counts = (
        f"{_accounts_count(report)} in "
        f"{plural(len(report.workspaces), 'workspace')}, from the {report.source}"
        + (f" ({report.api_url})" if report.api_url else "")
        + (f", {generated_at}" if generated_at else "")
    )
    notes = "".join(f"<li>{_e(note)}</li>" for note in report.notes)
    unread = "".join(
        f"<li>{_e(w.address)}: {_e(w.error)}</li>" for w in report.workspaces if w.error
    )
    return _PAGE.format(
        csp=_e(CONTENT_SECURITY_POLICY),
        style=STYLE,
        script=SCRIPT,
        counts=_e(counts),
        rows=len(report.rows),
        head=head,
        body=body,
        notes=f'<ul class="notes">{notes}{unread}</ul>' if notes or unread else "",
    )


def _html_row(row: AccessRow) -> str:
    cells = "".join(
        f'<td data-label="{_e(title)}">{_e(value)}</td>'
        for (title, _), value in zip(HTML_COLUMNS, _cells(row), strict=True)
    )
    implied = ' class="implied"' if row.implied else ""
    return f"<tr{implied}>{cells}</tr>"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<title>Who can reach what - reconciler access report</title>
<style>{style}</style>
</head>
<body>
<header>
<h1>Who can reach what</h1>
<p>{counts}. <span class="implied-key">Implied</span> rows are memberships the service adds
by itself: the manager in the owner group and Members, the owner group in Members.</p>
</header>
<main>
<div class="tools">
<label for="filter">Filter</label>
<input id="filter" type="search" placeholder="account, workspace, group…" autocomplete="off">
<output id="shown" for="filter" aria-live="polite">{rows} of {rows} rows</output>
</div>
<div class="wrap">
<table id="access">
<caption>One row per account (or AD group), workspace and group or role.
Click a column to sort; click again to reverse.</caption>
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
</div>
{notes}
</main>
<script>{script}</script>
</body>
</html>
"""

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "CSV_COLUMNS",
    "access_dict",
    "render_access_csv",
    "render_access_html",
    "render_access_json",
    "render_access_markdown",
]
