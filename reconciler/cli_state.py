"""The `reconciler state` commands: inspect and repair the state file.

Split from cli.py to keep each CLI module readable in one sitting; cli.py
attaches the group. Thin, like every command: parse, call, exit code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler import commands
from reconciler.cli_options import (
    LOCK_TIMEOUT_OPTION,
    STATE_OPTION,
    TENANT_OPTION,
    connection_options,
)
from reconciler.engine.state import default_state_path
from reconciler.settings import ConnectionSettings


def _state_path(given: Path | None) -> Path:
    return given or default_state_path([])


@click.group()
def state() -> None:
    """Inspect and repair the state file (generated ids, managed workspaces)."""


@state.command("list")
@STATE_OPTION
def state_list(state_path: Path | None) -> None:
    """Keys and their WorkspaceIds, unfinished creates, managed workspaces."""
    sys.exit(commands.run_state_list(_state_path(state_path)))


@state.command("show")
@STATE_OPTION
def state_show(state_path: Path | None) -> None:
    """The state file as JSON on stdout."""
    sys.exit(commands.run_state_show(_state_path(state_path)))


@state.command("forget")
@click.argument("key")
@TENANT_OPTION
@STATE_OPTION
@LOCK_TIMEOUT_OPTION
@click.option("--force", is_flag=True, help="Forget a key whose workspace may still exist.")
@click.option(
    "--managed", is_flag=True, help="KEY is a managed WorkspaceId to drop (prune leaves it be)."
)
def state_forget(
    key: str, tenant: str, state_path: Path | None, lock_timeout: float, force: bool, managed: bool
) -> None:
    """Drop KEY (and an unfinished create of it): the next apply creates it again.

    \b
    Examples:
      reconciler state forget --tenant contoso migros-case
      reconciler state forget --tenant contoso --managed pr.07
    """
    path = _state_path(state_path)
    sys.exit(commands.run_state_forget(path, tenant, key, lock_timeout, force, managed))


@state.command("import")
@click.argument("key")
@click.argument("workspace_id")
@STATE_OPTION
@LOCK_TIMEOUT_OPTION
@connection_options
def state_import(
    key: str,
    workspace_id: str,
    state_path: Path | None,
    lock_timeout: float,
    connection: ConnectionSettings,
) -> None:
    """Adopt the existing WORKSPACE_ID under KEY (checked against the service first).

    \b
    Example:
      reconciler state import --tenant contoso finance dep.finance
    """
    if not connection.tenant:
        raise click.UsageError("give the key's tenant with --tenant (or SEAMLESS_TENANT)")
    path = _state_path(state_path)
    sys.exit(
        commands.run_state_import(
            path, connection.tenant, key, workspace_id, connection, lock_timeout
        )
    )


@state.command("unlock")
@STATE_OPTION
def state_unlock(state_path: Path | None) -> None:
    """Clear a lock left behind; refused while a live process holds it."""
    sys.exit(commands.run_state_unlock(_state_path(state_path)))
