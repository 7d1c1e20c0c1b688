"""`drift`: load -> read (within the budget) -> compare -> record the sweep -> render -> deliver
[-> adopt].

Wiring only: the comparison lives in `engine.drift`, what to adopt in
`engine.adopt`, the file edits in `spec.edit`. Read-only toward the service;
the state is written only to remember this sweep's checks, after the reads
and under the lock, so a run that dies leaves the old record. `--adopt`
writes spec files, never the service.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from reconciler.api.webhook import deliver
from reconciler.commands.planning import open_clients
from reconciler.commands.terminal import err, out, progress_bar
from reconciler.engine.adopt import Adoption, CatalogTypeIds, NotAdopted, adoption_for
from reconciler.engine.drift import NO_BUDGET, Budget, DriftOptions, DriftRun, check_drift
from reconciler.engine.state import (
    State,
    default_state_path,
    load_state,
    refuse_missed_state,
    state_lock,
)
from reconciler.errors import ExitCode, ReconcilerError, SpecError
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.drift import DriftReport, Verdict, WorkspaceDrift
from reconciler.render.drift import render_drift_json, render_drift_markdown, render_drift_text
from reconciler.settings import ConnectionSettings
from reconciler.spec import WorkspaceSpec, load_specs
from reconciler.spec.edit import edit_file
from reconciler.spec.ignore import Acknowledgement, find_ignore_files, load_acknowledgements
from reconciler.spec.revision import changes_since

_EXIT_CODES = {
    Verdict.ERROR: ExitCode.ERROR,
    Verdict.DRIFT: ExitCode.CHANGES,
    Verdict.UNKNOWN: ExitCode.UNKNOWN,
}
ADOPT_ROUNDS = 3
"""Adopting can show what the first comparison hid: after a manager changed by hand, the
old manager stays in Members, which the planner's prediction of the manager change back
covered. So the adopted workspaces are checked again, and what differs still is adopted
too, this many times at most."""
_COUNT = re.compile(r"[0-9]+")
_DURATION = re.compile(r"(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?", re.IGNORECASE)


@dataclass(frozen=True)
class DriftRequest:
    """What `drift` was asked to do."""

    paths: tuple[Path, ...]
    connection: ConnectionSettings
    output_format: str = "text"
    budget: Budget = NO_BUDGET
    webhook: str | None = None
    state_path: Path | None = None
    ignore_files: tuple[Path, ...] = ()
    lock_timeout: float = 60.0
    adopt: bool = False
    changed_since: str | None = None
    """--changed-since REF: only the documents that differ from the git revision REF."""
    """Write each unacknowledged difference's live value into its spec file."""


def parse_budget(text: str) -> Budget:
    """ "200" (workspaces), or a duration: "90s", "10m", "1h30m" (time spent reading)."""
    value = text.strip()
    if _COUNT.fullmatch(value):
        if int(value) < 1:
            raise ValueError("a budget of workspaces is at least 1")
        return Budget(count=int(value), text=text.strip())
    match = _DURATION.fullmatch(value)
    if not value or match is None or not any(match.groups()):
        raise ValueError(
            f"'{text}' is neither a number of workspaces (200) nor a duration (90s, 10m, 1h30m)"
        )
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total < 1:
        raise ValueError("a budget of time is at least 1s")
    return Budget(seconds=float(total), text=text.strip())


def run_drift(request: DriftRequest) -> ExitCode:
    """`reconciler drift`: 0 in sync, 2 drift, 3 unknown (no drift found), 1 error.

    With `adopt` the exit code is still the report's (what was found), whatever was written.
    """
    specs = load_specs(list(request.paths), request.connection.tenant)
    acknowledgements = _acknowledgements(request)
    state_path = request.state_path or default_state_path(list(request.paths))
    if request.state_path is None:
        refuse_missed_state(state_path, request.paths)
    state = load_state(state_path)
    whole_folders = not any(p.is_file() for p in request.paths)
    changes = None
    if request.changed_since is not None:
        changes = changes_since(
            request.changed_since, list(request.paths), request.connection.tenant
        )
    options = DriftOptions(
        api_url=request.connection.api_url,
        now=datetime.now(timezone.utc),
        budget=request.budget,
        acknowledgements=tuple(acknowledgements),
        find_orphans=whole_folders,
        changes=changes,
    )
    tenants = [s.tenant for s in specs] + [d.tenant for d in (changes.deleted if changes else ())]
    with (
        open_clients(tenants, request.connection) as clients,
        progress_bar("Checking workspaces", clients.values()) as update,
    ):
        run = check_drift(specs, clients, state, options, on_progress=update)
    report = run.report
    notes = _notes(state.exists, state_path, whole_folders, request.budget)
    if state.exists:  # never a state file made from nothing: plan warns while there is none
        report = _record_sweep(run, state_path, request.lock_timeout)
    report = replace(report, warnings=(*report.warnings, *notes))
    if request.webhook:
        failed = deliver(request.webhook, report.to_dict())
        if failed:
            report = replace(report, warnings=(*report.warnings, Diagnostic.warning(failed)))
    out(_render(report, request.output_format), newline=False)
    if request.output_format != "text":  # the text already ends with its warnings
        for warning in report.warnings:
            err(f"Warning: {warning}")
    if request.adopt:
        said = _adopt(request, run.report, specs, state, options)
        if request.output_format == "text":
            out("\n" + said, newline=False)
        else:  # stdout holds the JSON or markdown report alone
            err(said.rstrip("\n"))
    return _EXIT_CODES.get(report.outcome, ExitCode.OK)


def _notes(
    state_exists: bool, state_path: Path, whole_folders: bool, budget: Budget
) -> list[Diagnostic]:
    """What this run could not do, said rather than silently skipped."""
    notes = []
    if not state_exists:
        rotation = " and --budget cannot rotate (each run starts from the same ones)"
        notes.append(
            Diagnostic.warning(
                f"no state file at {state_path}: orphans (managed workspaces whose definition "
                f"is gone) cannot be found, and this sweep is not recorded"
                + (rotation if budget.count or budget.seconds else ""),
                "give --state (or SEAMLESS_STATE) the state file apply writes",
            )
        )
    if not whole_folders:
        notes.append(
            Diagnostic.warning(
                "orphans are looked for only when whole folders of specs are given, "
                "not single files (every other managed workspace would look like one)"
            )
        )
    return notes


def _acknowledgements(request: DriftRequest) -> list[Acknowledgement]:
    """The ignore files beside the specs, and those given with --ignore-file."""
    for file in request.ignore_files:
        if not file.exists():
            raise ReconcilerError(f"--ignore-file {file}: no such file")
    files = find_ignore_files(list(request.paths))
    files += [f for f in request.ignore_files if f.resolve() not in {g.resolve() for g in files}]
    entries, problems = load_acknowledgements(files)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise SpecError(
            "the acknowledgements file has errors:\n" + "\n".join(str(p) for p in errors)
        )
    return entries


def _record_sweep(run: DriftRun, state_path: Path, lock_timeout: float) -> DriftReport:
    """Write the checks after the reads, under the lock, into the state as it is now."""
    try:
        with state_lock(state_path, lock_timeout, "drift"):
            fresh = load_state(state_path)
            for tenant, verdicts in run.records.items():
                fresh.record_checks(tenant, verdicts, run.checked_at)
            fresh.save()
    except ReconcilerError as exc:
        note = Diagnostic.warning(
            f"this sweep was not recorded in the state ({exc})",
            "the next budgeted run checks the same workspaces again",
        )
        return replace(run.report, warnings=(*run.report.warnings, note))
    return run.report


def _render(report: DriftReport, output_format: str) -> str:
    if output_format == "json":
        return render_drift_json(report)
    if output_format == "markdown":
        return render_drift_markdown(report)
    return render_drift_text(report)


def _adopt(
    request: DriftRequest,
    report: DriftReport,
    specs: list[WorkspaceSpec],
    state: State,
    options: DriftOptions,
) -> str:
    """Write the drifted workspaces' live values into their spec files, check those
    workspaces again, and adopt what still differs (ADOPT_ROUNDS at most)."""
    latest: dict[str, Adoption] = {}
    refused: dict[str, str] = {}
    written: list[str] = []
    commits = _Commits()
    checked = report.workspaces
    with open_clients([s.tenant for s in specs], request.connection) as clients:
        type_ids = CatalogTypeIds(clients)
        for rounds in range(ADOPT_ROUNDS + 1):
            by_address = {s.address: s for s in specs}
            for workspace in checked:
                latest.pop(workspace.address, None)  # this check is the news about it
                if rounds and workspace.verdict in (Verdict.UNKNOWN, Verdict.ERROR):
                    latest[workspace.address] = _unconfirmed(workspace)
                    continue
                adoption = adoption_for(workspace, by_address.get(workspace.address), type_ids)
                if adoption is not None:
                    latest[workspace.address] = adoption
            todo = [a for a in latest.values() if a.edits and a.address not in refused]
            if not todo or rounds == ADOPT_ROUNDS:
                break
            done = _write(todo, refused, written, commits)
            if not done:
                break
            specs = load_specs(list(request.paths), request.connection.tenant)
            again = [s for s in specs if s.address in done]
            recheck = replace(options, budget=NO_BUDGET, find_orphans=False)
            checked = check_drift(again, clients, state, recheck).report.workspaces
    return _adoption_text(written, latest, refused)


def _unconfirmed(workspace: WorkspaceDrift) -> Adoption:
    """A workspace whose edits were written but whose check again could not be made."""
    reason = f"written, but the check again could not confirm it: {workspace.reason}"
    return Adoption(
        workspace.address,
        workspace.file,
        workspace.line,
        not_adopted=(NotAdopted("workspace", reason),),
    )


@dataclass
class _Commits:
    """Whether each spec file holds changes git has not committed, as before adopt wrote it."""

    uncommitted: dict[str, bool] = field(default_factory=dict)
    warned: bool = False

    def refuses(self, file: str) -> str | None:
        """Why adopt must leave the file alone (edits perhaps not applied yet), or None."""
        if file not in self.uncommitted:  # asked once: adopt's own edits are no reason
            status = _git_status(Path(file))
            if status is None and not self.warned:
                err(
                    f"Warning: the spec files ({file}, ...) are in no git work tree, so adopt "
                    "cannot tell an edit not applied yet from drift: it writes the live value "
                    "over such an edit. Keep the specs in git, or check each edit it made."
                )
                self.warned = True
            self.uncommitted[file] = bool(status)
        if not self.uncommitted[file]:
            return None
        return (
            "the file has changes not committed to git, which may be edits not applied yet "
            "(adopt would write the live values over them); commit or stash them, or apply "
            "them, then adopt again"
        )


def _git_status(file: Path) -> str | None:
    """`git status --porcelain` of the file ("" when committed as it is); None outside git."""
    try:
        done = subprocess.run(
            ["git", "-C", str(file.parent), "status", "--porcelain", "--ignored", "--", file.name],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else None


def _write(
    todo: list[Adoption], refused: dict[str, str], written: list[str], commits: _Commits
) -> set[str]:
    """Edit each file once for all its workspaces; the addresses whose edits were written."""
    by_file: dict[str, list[Adoption]] = {}
    for adoption in todo:
        by_file.setdefault(str(adoption.file), []).append(adoption)
    done: set[str] = set()
    for file, adoptions in by_file.items():
        reason = commits.refuses(file)
        try:
            if reason is not None:
                raise ReconcilerError(reason)
            result = edit_file(Path(file), [a.document_edits() for a in adoptions], file)
            reasons = dict(result.refused)
        except ReconcilerError as exc:
            reasons = {a.line: str(exc) for a in adoptions if a.line is not None}
        for adoption in adoptions:
            if adoption.line in reasons:
                refused[adoption.address] = reasons[adoption.line]
                continue
            done.add(adoption.address)
            written += [f"{file}: {adoption.address}: {edit}" for edit in adoption.edits]
    return done


def _adoption_text(written: list[str], latest: dict[str, Adoption], refused: dict[str, str]) -> str:
    """What was written, one line per edit, then what was not and why."""
    left: list[str] = []
    for address, adoption in sorted(latest.items()):
        where = f"{adoption.file}: " if adoption.file else ""
        left += [f"{where}{address}: {n}" for n in adoption.not_adopted]
        if address in refused:
            edits = ", ".join(str(e) for e in adoption.edits)
            left.append(f"{where}{address}: {edits}: not written: {refused[address]}")
        elif adoption.edits:
            edits = ", ".join(str(e) for e in adoption.edits)
            left.append(f"{where}{address}: {edits}: still differs after {ADOPT_ROUNDS} rounds")
    lines = [f"Adopted {len(written)} change(s) into the spec files; review them, then commit:"]
    lines = lines + written if written else ["Nothing adopted: no spec file was changed."]
    if left:
        lines += [f"Not adopted ({len(left)}):", *left]
    return "\n".join(lines) + "\n"
