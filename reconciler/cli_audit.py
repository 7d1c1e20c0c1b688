"""The `reconciler audit` command: parse its flags, call `commands.run_audit`, exit.

A click command of its own (cli.py attaches it with `cli.add_command(audit)`).
The connection flags are those of `cli_options.connection_options`, defined
once there; they are read only with `--live`, so the offline audit needs no
token. Expected errors become a message and exit code 1 here too, as the
group in cli.py does for its commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from reconciler.cli_options import STATE_OPTION, connection_options
from reconciler.commands import AuditRequest, run_audit
from reconciler.commands.audit import ACCESS_FORMATS, AUDIT_FORMATS
from reconciler.errors import ReconcilerError, exit_code_for
from reconciler.model.audit import Level
from reconciler.settings import ConnectionSettings

_LIVE_FLAGS = (
    "state_path",
    "api_url",
    "token_file",
    "ca_bundle",
    "method_override",
    "request_timeout",
    "max_retry_time",
)
"""Read only by --live: the state (keys -> ids) and the connection flags but --tenant."""


def _settings(connection: ConnectionSettings) -> ConnectionSettings:
    return connection


_connection_from_flags = connection_options(_settings)
"""`connection_options`' own wrapper, called with the flags: the settings, built only for --live."""


class AuditCommand(click.Command):
    """Turns expected errors into `Error: ...` and exit code 1, like cli.py's group."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReconcilerError as exc:
            code = exit_code_for(exc)
            root = ctx.find_root().obj
            if code is None or (isinstance(root, dict) and root.get("debug")):
                raise
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(code)


def _with_connection_flags(func: Any) -> Any:
    """The flags of `connection_options`, passed through as plain values."""
    params = getattr(_connection_from_flags, "__click_params__", [])
    func.__click_params__ = [*getattr(func, "__click_params__", []), *params]
    return func


@click.command("audit", cls=AuditCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--policy",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The policy file [default: .reconciler-policy.yaml beside the specs, else built in].",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted({*AUDIT_FORMATS, *ACCESS_FORMATS})),
    help="Audit: text (default), json, sarif, markdown. --access: csv (default), json, "
    "markdown, html.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note"]),
    help="Exit 1 when a finding is at this severity or above [default: error].",
)
@click.option("--access", is_flag=True, help="Who can reach what, instead of the rules.")
@click.option(
    "--live",
    is_flag=True,
    help="With --access: read the workspaces from the service, not the specs.",
)
@STATE_OPTION
@_with_connection_flags
@click.pass_context
def audit(
    ctx: click.Context,
    /,
    paths: tuple[Path, ...],
    policy: Path | None,
    output_format: str | None,
    fail_on: str | None,
    access: bool,
    live: bool,
    state_path: Path | None,
    **flags: Any,
) -> None:
    """Check the specs against the policy's rules (offline), or report who can reach what.

    Exit codes: 0 no finding at --fail-on or above, 1 findings (or an error).

    \b
    Examples:
      reconciler audit specs/
      reconciler audit specs/ --format sarif > audit.sarif
      reconciler audit --access --format html specs/ > access.html
      reconciler audit --access --live --format csv specs/ > access.csv
    """
    _check_combination(ctx, access, live, output_format, fail_on)
    request = AuditRequest(
        paths=paths,
        output_format=output_format or ("csv" if access else "text"),
        fail_on=Level(fail_on or "error"),
        policy=policy,
        tenant=flags["tenant"],
        access=access,
        live=live,
        connection=_connection_from_flags(**flags) if live else None,
        state_path=state_path,
    )
    sys.exit(run_audit(request))


def _check_combination(
    ctx: click.Context, access: bool, live: bool, output_format: str | None, fail_on: str | None
) -> None:
    """Refuse flags that mean nothing together, before anything is read."""
    if live and not access:
        raise click.UsageError("--live reads the service for the access report: add --access")
    if access and output_format in set(AUDIT_FORMATS) - set(ACCESS_FORMATS):
        raise click.UsageError(
            f"--format {output_format} is for the policy audit; the access report (--access) "
            f"takes {', '.join(ACCESS_FORMATS)}"
        )
    if not access and output_format in set(ACCESS_FORMATS) - set(AUDIT_FORMATS):
        raise click.UsageError(
            f"--format {output_format} is for the access report (add --access); the audit "
            f"takes {', '.join(AUDIT_FORMATS)}"
        )
    if access and fail_on is not None:
        raise click.UsageError(
            "--fail-on is for the policy audit; the access report has no findings"
        )
    if not live:
        given = [
            "--" + name.removesuffix("_path").replace("_", "-")
            for name in _LIVE_FLAGS
            if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE
        ]
        if given:
            flags = ", ".join(given)
            raise click.UsageError(f"{flags}: only with --access --live (offline otherwise)")


__all__ = ["audit"]
