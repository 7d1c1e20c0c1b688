"""Renderings of an AuditReport: text (file:line lines), JSON, SARIF 2.1.0 and markdown.

Pure: they read only the report (and the SARIF root passed in). Text lines
have the `file:line:column:` form editors and CI problem matchers understand.
SARIF is what GitHub code scanning and Azure DevOps' SARIF viewer annotate
pull requests from: one result per finding, its rule id, level and the line
of the offending value (its file relative to the git work tree's root,
%SRCROOT%, which the caller finds), a fingerprint of what the finding is
about (not where), and waived findings as suppressed results, at the level
in force, with the exception's reason.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from reconciler.model.audit import RULES, AuditReport, Finding, Level, RuleSetting

from ._common import clean, plural
from .markdown import _code, _most_that_fit, _text

AUDIT_MARKER = "<!-- reconciler:audit -->"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/seamless/reconciler#audit"
FINGERPRINT_KEY = "reconcilerFinding/v1"


def override_text(finding: Finding) -> str:
    """Why a finding is not at its rule's default level, in words; "" when it is."""
    override = finding.override
    if override is None:
        return ""
    what = "waived" if override.level is Level.OFF else f"set to {override.level.value}"
    where = "by the policy"
    if override.by == "exception":
        at = f"{override.file}:{override.line}" if override.file else "the policy"
        where = f"by the exception at {at}"
    reason = f": {override.reason}" if override.reason else ""
    return f"{what} {where}{reason}"


def counts_sentence(report: AuditReport) -> str:
    """ "2 errors, 1 warning, 0 notes, 1 waived in 5 workspaces"."""
    counts = report.counts()
    return (
        f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
        f"{plural(counts['note'], 'note')}, {counts['waived']} waived "
        f"in {plural(report.workspaces, 'workspace')}"
    )


def outcome_sentence(report: AuditReport) -> str:
    policy = f"policy {report.policy_file}" if report.policy_file else "the default policy"
    verdict = "Audit failed" if report.failed else "Audit passed"
    return f"{verdict}: {counts_sentence(report)} ({policy}; --fail-on {report.fail_on.value})."


def changed_rules(report: AuditReport) -> list[RuleSetting]:
    """The rules the policy set to another level than their default (off included)."""
    return [s for s in report.rules if s.level is not s.default.level]


def _rule_change(setting: RuleSetting) -> str:
    reason = f": {setting.reason}" if setting.reason else ""
    return f"{setting.rule} {setting.default.level.value} -> {setting.level.value}{reason}"


def render_audit_text(report: AuditReport) -> str:
    """One `file:line:column: level: message [rule]` line per finding, then notes and totals."""
    lines = []
    for finding in report.findings:
        level = "waived" if finding.waived else finding.level.value
        where = f"{finding.location}: " if finding.location else ""
        why = override_text(finding)
        lines.append(
            clean(f"{where}{level}: {finding.message} [{finding.rule}]")
            + (f" ({clean(why)})" if why else "")
        )
    if lines:
        lines.append("")
    lines += [f"Rule {clean(_rule_change(s))}" for s in changed_rules(report)]
    lines += [f"Note: {clean(note)}" for note in report.notes]
    lines.append(clean(outcome_sentence(report)))
    return "\n".join(lines) + "\n"


def render_audit_json(report: AuditReport) -> str:
    """The versioned JSON report (README, "Audit JSON")."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


# --- SARIF 2.1.0 --------------------------------------------------------------------------


SRCROOT = "%SRCROOT%"
"""The SARIF URI base id of the repository's root (SARIF 2.1.0 §3.4.4, §3.14.14)."""


@dataclass(frozen=True)
class SourceRoot:
    """What SARIF URIs are relative to: found once per run by the command layer.

    `path` is the root of the git work tree that holds the specs (`git
    rev-parse --show-toplevel`), or the current folder when they are in none
    (`git` False). `files` maps each finding's file, as the report names it,
    to its absolute path, so this module reads no file system and no cwd.
    """

    path: str
    git: bool
    files: Mapping[str, str] = field(default_factory=dict)


def _posix(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/")) if path else path


def _file_uri(absolute: str, *, folder: bool = False) -> str:
    """An absolute path as a `file://` URI (a drive letter kept: file:///C:/x)."""
    path = _posix(absolute)
    path = path if path.startswith("/") else "/" + path
    if folder and not path.endswith("/"):
        path += "/"
    return "file://" + quote(path, safe="/:-._~")


def _under(path: str, root: str) -> str | None:
    """`path` relative to `root` ('/' separated), or None when it is not inside it."""
    top = _posix(root).rstrip("/") + "/"
    return path[len(top) :] if path.startswith(top) else None


def artifact_location(file: str, root: SourceRoot | None) -> dict[str, str]:
    """A file as a SARIF artifactLocation: relative to %SRCROOT% when inside it.

    A file outside the root (or with no absolute path known) is an absolute
    `file://` URI; without a root, a relative path is kept as written.
    """
    absolute = root.files.get(file) if root is not None else None
    if root is None or absolute is None:
        path = _posix(file)
        if posixpath.isabs(path) or re.match(r"[A-Za-z]:/", path):
            return {"uri": _file_uri(path)}
        return {"uri": quote(path, safe="/-._~")}
    relative = _under(_posix(absolute), root.path)
    if relative is None:
        return {"uri": _file_uri(absolute)}
    return {"uri": quote(relative, safe="/-._~"), "uriBaseId": SRCROOT}


def _location_notes(report: AuditReport, root: SourceRoot | None) -> list[str]:
    """Why some URIs are not relative to the repository, when they are not."""
    if root is None:
        return []
    files = sorted({f.file for f in report.findings if f.file is not None})
    outside = [f for f in files if "uriBaseId" not in artifact_location(f, root)]
    notes = []
    if not root.git:
        notes.append(
            f"the specs are in no git work tree: %SRCROOT% is the current folder, {root.path}"
        )
    if outside:
        where = "the git work tree" if root.git else "the current folder"
        notes.append(
            f"{plural(len(outside), 'file')} outside {where} {root.path} "
            f"{'has' if len(outside) == 1 else 'have'} an absolute file:// URI, which code "
            f"scanning cannot place in the repository: {', '.join(outside)}"
        )
    return notes


def render_audit_sarif(report: AuditReport, version: str, root: SourceRoot | None = None) -> str:
    """A SARIF 2.1.0 log with one run, for GitHub code scanning and Azure DevOps.

    `root` (the git work tree's root, found by the caller) makes each URI
    repository-relative, with `uriBaseId` %SRCROOT%, wherever the audit ran.
    """
    index = {rule.id: number for number, rule in enumerate(RULES)}
    settings = {s.rule: s for s in report.rules}
    driver = {
        "name": "reconciler",
        "fullName": "reconciler audit",
        "version": version,
        "semanticVersion": version,
        "informationUri": INFORMATION_URI,
        "rules": [_sarif_rule(rule.id, settings) for rule in RULES],
    }
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "toolConfigurationNotifications": [
            {"level": "note", "message": {"text": note}} for note in report.notes
        ],
    }
    located = _location_notes(report, root)
    if located:
        invocation["toolExecutionNotifications"] = [
            {"level": "note", "message": {"text": note}} for note in located
        ]
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if root is not None:
        what = "git work tree" if root.git else "current folder (no git work tree)"
        run["originalUriBaseIds"] = {
            SRCROOT: {
                "uri": _file_uri(root.path, folder=True),
                "description": {"text": f"The root of the {what} the audit ran on."},
            }
        }
    run |= {
        "automationDetails": {"id": "reconciler/audit/"},
        "columnKind": "unicodeCodePoints",
        "results": [_sarif_result(f, index[f.rule], settings, root) for f in report.findings],
        "invocations": [invocation],
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _sarif_rule(rule_id: str, settings: dict[str, RuleSetting]) -> dict[str, Any]:
    rule = next(r for r in RULES if r.id == rule_id)
    setting = settings.get(rule_id)
    level = setting.level if setting else rule.level
    configuration: dict[str, Any] = {"enabled": level is not Level.OFF}
    configuration["level"] = (level if level is not Level.OFF else rule.level).value
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": rule.description, "markdown": rule.description},
        "helpUri": f"{INFORMATION_URI}-rules",
        "defaultConfiguration": configuration,
        "properties": {"tags": ["access", "policy"]},
    }


def _sarif_result(
    finding: Finding, rule_index: int, settings: dict[str, RuleSetting], root: SourceRoot | None
) -> dict[str, Any]:
    level = finding.level
    if level is Level.OFF:  # waived: reported at the level the policy sets, as suppressed
        setting = settings.get(finding.rule)
        level = setting.level if setting is not None else Level.OFF
        if level is Level.OFF:
            level = next(r.level for r in RULES if r.id == finding.rule)
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": level.value,
        "message": {"text": finding.message},
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
    }
    if finding.file is not None:
        physical: dict[str, Any] = {"artifactLocation": artifact_location(finding.file, root)}
        if finding.line is not None:
            physical["region"] = {"startLine": finding.line, "startColumn": finding.column or 1}
        result["locations"] = [{"physicalLocation": physical}]
    if finding.waived and finding.override is not None:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.override.reason}
        ]
    properties = _properties(finding)
    if properties:
        result["properties"] = properties
    return result


def _properties(finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    if finding.workspace:
        properties["workspace"] = finding.workspace
    if finding.account:
        properties["account"] = finding.account
    if finding.override is not None and not finding.waived:
        properties["override"] = override_text(finding)
    return properties


# --- markdown ------------------------------------------------------------------------------


def _row(finding: Finding) -> str:
    where = f"{finding.file}:{finding.line}" if finding.line else finding.file or ""
    level = "waived" if finding.waived else finding.level.value
    why = override_text(finding)
    cells = [
        f"**{level}**",
        _code(finding.rule),
        _cell_code(where) if where else "",
        _cell_code(finding.message) + (f" — {_cell_code(why)}" if why else ""),
    ]
    return "| " + " | ".join(cells) + " |"


def _cell_code(value: str) -> str:
    """A code span that a `|` inside cannot split the table row with."""
    return _code(value).replace("|", "\\|")


def _markdown_parts(report: AuditReport) -> Iterator[str]:
    yield AUDIT_MARKER + "\n### Reconciler audit"
    yield f"**{_text(outcome_sentence(report))}**"
    changes = [f"- Rule {_code(_rule_change(s))}" for s in changed_rules(report)]
    notes = [f"- Note: {_code(note)}" for note in report.notes]
    if changes or notes:
        yield "\n".join(changes + notes)


def render_audit_markdown(report: AuditReport, *, max_chars: int = 65_000) -> str:
    """A table of findings for a pull-request comment or `$GITHUB_STEP_SUMMARY`."""
    head = list(_markdown_parts(report))
    rows = [_row(f) for f in sorted(report.findings, key=lambda f: (f.waived, -f.level.rank))]
    table_head = "| Severity | Rule | Where | Finding |\n|---|---|---|---|"

    def render(count: int) -> str:
        parts = list(head)
        if rows:
            shown = rows[:count]
            table = "\n".join([table_head, *shown])
            if count < len(rows):
                left = plural(len(rows) - count, "more finding")
                table += f"\n\n… {left} left out to stay under {max_chars:,} characters: see "
                table += "`reconciler audit --format json`."
            parts.append(table)
        return "\n\n".join(parts) + "\n"

    return render(_most_that_fit(len(rows), lambda n: len(render(n)) <= max_chars))[:max_chars]


__all__ = [
    "AUDIT_MARKER",
    "SRCROOT",
    "SourceRoot",
    "artifact_location",
    "render_audit_json",
    "render_audit_markdown",
    "render_audit_sarif",
    "render_audit_text",
]
