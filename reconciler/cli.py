"""The `reconciler` command line: parse flags, call one function, map its result to an exit code.

Commands stay thin; the work lives in the modules they call. The emulator is
imported lazily, so a pipeline that only plans does not need its extra.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import click

from reconciler import __version__, commands
from reconciler.cli_audit import audit
from reconciler.cli_options import (
    LOCK_TIMEOUT_OPTION,
    STATE_OPTION,
    connection_options,
    drift_options,
    plan_options,
)
from reconciler.cli_state import state
from reconciler.commands import ApplyRequest, DriftRequest, PlanRequest
from reconciler.errors import ExitCode, ReconcilerError, exit_code_for


class ReconcilerGroup(click.Group):
    """Turns the expected errors of any command into a message and an exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReconcilerError as exc:
            code = exit_code_for(exc)
            if code is None or (ctx.obj and ctx.obj.get("debug")):
                raise
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(code)


@click.group(cls=ReconcilerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Desired-state reconciler for Seamless workspaces."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines (on stdout).",
)
@click.option("--tenant", envvar="SEAMLESS_TENANT", help="Tenant for documents that name none.")
def validate(paths: tuple[Path, ...], output_format: str, tenant: str | None) -> None:
    """Check spec files offline: schema, YAML traps and cross-document rules.

    \b
    Examples:
      reconciler validate specs/
      reconciler validate --format json specs/ other/team.yaml
    """
    sys.exit(commands.run_validate(list(paths), output_format, default_tenant=tenant))


@cli.command()
@plan_options
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, json for machines, markdown for pull requests.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also save the plan (JSON) for `apply --plan`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes (0: none, 1: error).",
)
def plan(
    request: PlanRequest,
    as_json: bool,
    output_format: str,
    out: Path | None,
    detailed_exitcode: bool,
) -> None:
    """Show what apply would change, and the exact API calls it would make.

    \b
    Examples:
      reconciler plan specs/
      reconciler plan specs/ --format markdown >> "$GITHUB_STEP_SUMMARY"
      reconciler plan specs/ --out plan.json --detailed-exitcode
      reconciler plan specs/ --changed-since origin/main --format markdown
    """
    _need_paths(request.paths)
    sys.exit(
        commands.run_plan(request, "json" if as_json else output_format, out, detailed_exitcode)
    )


@cli.command()
@plan_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--plan",
    "saved_plan",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Apply a plan saved with `plan --out`, without asking again; refused if stale.",
)
@click.option("--no-wait", is_flag=True, help="Do not wait for new workspaces to be Ready.")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=60,
    show_default=True,
    help="Seconds to wait for another apply to release the state lock.",
)
@click.option(
    "--wait-timeout",
    type=click.FloatRange(min=0),
    default=600,
    show_default=True,
    help="Seconds to wait for a new workspace to be Ready.",
)
def apply(
    request: PlanRequest,
    auto_approve: bool,
    saved_plan: Path | None,
    no_wait: bool,
    lock_timeout: float,
    wait_timeout: float,
) -> None:
    """Plan, show, confirm, then make exactly the planned calls.

    \b
    Examples:
      reconciler apply specs/
      reconciler apply specs/ --auto-approve
      reconciler apply --plan plan.json
    """
    if saved_plan is None:
        _need_paths(request.paths)
    elif request.paths:
        raise click.UsageError("--plan applies the saved plan as it is: give no PATH with it")
    request = dataclasses.replace(request, lock_timeout=lock_timeout)
    apply_request = ApplyRequest(saved_plan, auto_approve, _confirmed, not no_wait, wait_timeout)
    sys.exit(commands.run_apply(request, apply_request))


@cli.command()
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, json for machines, markdown for pull requests.",
)
def show(plan_file: Path, output_format: str) -> None:
    """Render a plan saved with `plan --out`, without applying it (no network).

    \b
    Examples:
      reconciler show plan.json
      reconciler show plan.json --format markdown >> "$GITHUB_STEP_SUMMARY"
    """
    sys.exit(commands.run_show(plan_file, output_format))


@cli.command()
@drift_options
def drift(request: DriftRequest) -> None:
    """Check that nobody changed a workspace by hand (read-only; for nightly jobs).

    Exit codes: 0 in sync, 2 drift, 3 no drift found but some workspaces could
    not be read (unknown), 1 error.

    \b
    Examples:
      reconciler drift specs/
      reconciler drift specs/ --budget 500 --format markdown >> "$GITHUB_STEP_SUMMARY"
      reconciler drift specs/ --budget 45m --webhook "$DRIFT_WEBHOOK_URL"
      reconciler drift specs/ --adopt        # write hand changes into the spec files
    """
    sys.exit(commands.run_drift(request))


@cli.command("export")
@click.argument("ids", nargs=-1)
@click.option(
    "--from-file", type=click.Path(dir_okay=False, path_type=Path), help="Ids, one a line."
)
@click.option("--output-dir", metavar="DIR|-", help="Folder for the files, or - for stdout.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("--strict", is_flag=True, help="Refuse workspaces with warnings (e.g. not Ready).")
@STATE_OPTION
@LOCK_TIMEOUT_OPTION
@connection_options
def export(**options: Any) -> None:
    """Write spec files of live workspaces (one per id); they plan as no change.

    \b
    Examples:
      reconciler export --tenant contoso example pr.02 --output-dir specs/
      reconciler export --tenant contoso --from-file ids.txt --output-dir -
    """
    sys.exit(commands.run_export(commands.ExportRequest(**options)))


@cli.command("import")
@click.argument("address")
@click.option(
    "--to", type=click.Path(dir_okay=False, path_type=Path), help="The spec file to write."
)
@click.option(
    "--specs",
    type=click.Path(file_okay=False, path_type=Path),
    help="The specs folder, looked up and written to [specs/ if here, else .].",
)
@STATE_OPTION
@LOCK_TIMEOUT_OPTION
@connection_options
def import_(**options: Any) -> None:
    """Take ADDRESS (contoso/pr.01) under management: write its spec unless one names it, record it.

    \b
    Examples:
      reconciler import contoso/pr.07
      reconciler import contoso/org.bu.00042 --to specs/cases/claim.yaml
    """
    sys.exit(commands.run_import(commands.ImportRequest(**options)))


def _confirmed() -> bool:
    """Ask on the terminal; only 'yes' approves (Terraform's rule)."""
    if not sys.stdin.isatty():
        raise ReconcilerError(
            "apply needs confirmation, but standard input is not a terminal: "
            "review the plan and pass --auto-approve"
        )
    answer: str = click.prompt(
        "Apply these changes? Only 'yes' is accepted", default="", show_default=False, err=True
    )
    return answer.strip() == "yes"


def _need_paths(paths: tuple[Path, ...]) -> None:
    if not paths:
        raise click.UsageError("give at least one PATH of spec files, e.g. specs/")


@cli.group()
def emulator() -> None:
    """The bundled Seamless API emulator (needs the [emulator] extra)."""


@emulator.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option("--port", default=8443, show_default=True, help="Port; 0 picks a free one.")
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file that keeps the tenants between restarts (default: in memory).",
)
@click.option(
    "--fixture",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML fixture to seed from (default: the bundled demo fixture).",
)
@click.option(
    "--rate-limit",
    default="100/60",
    show_default=True,
    help="Requests per window as N/SECONDS, or 'off'.",
)
@click.option(
    "--progression",
    default="immediate",
    show_default=True,
    help="Provisioning: immediate | time:SECONDS | manual:POLLS; add ',fail' to end in Failed.",
)
@click.option(
    "--faults",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML/JSON list of fault rules to load at start (see README).",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the CA bundle and info file (default: a temporary directory).",
)
@click.option(
    "--info-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write {url, ca_bundle, tenants} as JSON here once listening (for scripts).",
)
def emulator_serve(**options: object) -> None:
    """Serve the Seamless API on loopback over HTTPS until interrupted."""
    try:
        from reconciler.emulator.server import serve_forever
    except ImportError as exc:  # the optional extra is missing
        raise click.ClickException(
            f"the emulator needs its extra: pip install 'reconciler[emulator]' ({exc})"
        ) from exc
    serve_forever(**options)  # type: ignore[arg-type]


cli.add_command(audit)
cli.add_command(state)


def main() -> None:
    """Console-script entry point. A usage error is bad input: exit 1 (2 means changes)."""
    # Outside apply's calls (which stop gracefully, commands/signals.py) nothing has been
    # written yet: a stop signal ends the run at once, with its own exit code.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:  # Ctrl-C, or end of input at a prompt
        click.echo("Interrupted: no call was made.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        # click's usage errors exit 2, which here means "changes pending": bad input is 1.
        sys.exit(ExitCode.ERROR if exc.exit_code == 2 else exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def _terminated(_number: int, _frame: FrameType | None) -> None:
    click.echo("Terminated (SIGTERM): no call was made.", err=True)
    sys.exit(ExitCode.TERMINATED)
