"""`audit`: load specs, policy and acknowledgements -> run the rules -> render -> exit code.

And `audit --access`: the access report, from the specs (offline) or, with
`--live`, from the service. Wiring only: the rules live in `engine.audit`,
the report in `engine.access`, the renderings in `render.audit` and
`render.access`. Offline unless `--live`: the policy audit never opens a
connection.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from reconciler import __version__
from reconciler.commands.planning import open_clients
from reconciler.commands.terminal import err, out, progress_bar
from reconciler.engine.access import access_from_live, access_from_specs
from reconciler.engine.audit import audit
from reconciler.engine.state import default_state_path, load_state
from reconciler.errors import ExitCode, ReconcilerError, SpecError
from reconciler.model.audit import AccessReport, AuditReport, Level
from reconciler.render.access import (
    render_access_csv,
    render_access_html,
    render_access_json,
    render_access_markdown,
)
from reconciler.render.audit import (
    SourceRoot,
    outcome_sentence,
    render_audit_json,
    render_audit_markdown,
    render_audit_sarif,
    render_audit_text,
)
from reconciler.settings import ConnectionSettings
from reconciler.spec import WorkspaceSpec, find_ignore_files, load_specs
from reconciler.spec.ignore_audit import scan_acknowledgements
from reconciler.spec.policy import DEFAULT_POLICY, Policy, find_policy_file, load_policy

AUDIT_FORMATS = ("text", "json", "sarif", "markdown")
ACCESS_FORMATS = ("csv", "json", "markdown", "html")


@dataclass(frozen=True)
class AuditRequest:
    """What `audit` was asked to do."""

    paths: tuple[Path, ...]
    output_format: str = "text"
    fail_on: Level = Level.ERROR
    policy: Path | None = None
    tenant: str | None = None
    access: bool = False
    live: bool = False
    connection: ConnectionSettings | None = None
    """Only for --live."""
    state_path: Path | None = None


def run_audit(request: AuditRequest) -> ExitCode:
    """`reconciler audit`: 0 when no finding reaches --fail-on, 1 otherwise (and on errors)."""
    _check(request)
    specs = load_specs(list(request.paths), request.tenant)
    policy = _policy(request)
    if request.access:
        out(_render_access(_access(request, specs, policy), request.output_format), newline=False)
        return ExitCode.OK
    acknowledged = scan_acknowledgements(find_ignore_files(list(request.paths)))
    today = datetime.now(timezone.utc).date()
    report = audit(specs, policy, today, request.fail_on, acknowledged)
    out(_render_audit(report, request), newline=False)
    if request.output_format != "text":  # the text says it already, for machines on stderr
        err(outcome_sentence(report))
    return ExitCode.ERROR if report.failed else ExitCode.OK


def _check(request: AuditRequest) -> None:
    formats = ACCESS_FORMATS if request.access else AUDIT_FORMATS
    if request.output_format not in formats:
        what = "the access report (--access)" if request.access else "the policy audit"
        raise ReconcilerError(
            f"--format {request.output_format} is not a format of {what}: use {', '.join(formats)}"
        )
    if request.live and not request.access:
        raise ReconcilerError("--live reads the service for the access report: add --access")
    if request.live and request.connection is None:
        raise ReconcilerError("--live needs the connection settings (SEAMLESS_TOKEN and friends)")


def _policy(request: AuditRequest) -> Policy:
    path = request.policy
    if path is None:
        path = find_policy_file(list(request.paths))
    elif not os.path.lexists(path):
        raise ReconcilerError(f"--policy {path}: no such file")
    if path is None:
        return DEFAULT_POLICY
    policy, problems = load_policy(path)
    if problems:
        count = len(problems)
        lines = "\n".join(str(p) for p in problems)
        raise SpecError(f"{count} error{'s' if count != 1 else ''} in the policy file:\n{lines}")
    return policy


def _access(request: AuditRequest, specs: list[WorkspaceSpec], policy: Policy) -> AccessReport:
    if not request.live or request.connection is None:
        return access_from_specs(specs, policy)
    state = load_state(request.state_path or default_state_path(list(request.paths)))
    connection = request.connection
    with (
        open_clients([s.tenant for s in specs], connection) as clients,
        progress_bar("Reading workspaces", clients.values()) as update,
    ):
        return access_from_live(specs, state, clients, connection.api_url, on_progress=update)


def _render_audit(report: AuditReport, request: AuditRequest) -> str:
    output_format = request.output_format
    if output_format == "json":
        return render_audit_json(report)
    if output_format == "sarif":
        return render_audit_sarif(report, __version__, _source_root(report, request.paths))
    if output_format == "markdown":
        return render_audit_markdown(report)
    return render_audit_text(report)


def _source_root(report: AuditReport, paths: Sequence[Path]) -> SourceRoot:
    """Where SARIF URIs start: the git work tree of the specs, else the current folder.

    Asked once per run. Each finding's file gets its absolute path here (its
    folder's links resolved, as git reports the root), so the renderer stays pure.
    """
    top = _git_toplevel(paths[0] if paths else Path.cwd())
    files = {f.file: _absolute(f.file) for f in report.findings if f.file is not None}
    if top is not None:
        return SourceRoot(top, True, files)
    return SourceRoot(os.path.realpath(os.getcwd()), False, files)


def _git_toplevel(path: Path) -> str | None:
    """`git rev-parse --show-toplevel` for `path`; None outside a work tree or without git."""
    folder = path if path.is_dir() else path.parent
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    top = done.stdout.decode("utf-8", "replace").strip()
    return os.path.realpath(top) if done.returncode == 0 and top else None


def _absolute(file: str) -> str:
    """`file`'s absolute path, its folder's links resolved (the file's own link kept)."""
    absolute = os.path.abspath(file)
    return os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))


def _render_access(report: AccessReport, output_format: str) -> str:
    if output_format == "json":
        return render_access_json(report)
    if output_format == "markdown":
        return render_access_markdown(report)
    if output_format == "html":
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return render_access_html(report, generated_at=stamp)
    return render_access_csv(report)


__all__ = ["ACCESS_FORMATS", "AUDIT_FORMATS", "AuditRequest", "run_audit"]
