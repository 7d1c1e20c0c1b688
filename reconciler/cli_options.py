"""The command line's shared options, defined once: connection, plan/apply and state flags.

click lives here and in `cli.py` only; commands receive plain values
(`ConnectionSettings`, `PlanRequest`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.api.webhook import check_webhook_url
from reconciler.commands import DriftRequest, PlanRequest, parse_budget
from reconciler.engine.drift import Budget
from reconciler.errors import ReconcilerError
from reconciler.settings import (
    DEFAULT_API_URL,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    ENV_API_URL,
    ENV_CA_BUNDLE,
    ENV_MAX_RETRY_TIME,
    ENV_REQUEST_TIMEOUT,
    ENV_TENANT,
    ENV_TOKEN,
    ConnectionSettings,
)

F = TypeVar("F", bound=Callable[..., Any])


def connection_options(func: F) -> F:
    """Click decorator: add the connection flags and pass `connection: ConnectionSettings`.

    The flags are --api-url, --tenant, --token-file, --ca-bundle,
    --method-override, --request-timeout and --max-retry-time; the command
    receives one `connection` argument instead of them. There is
    deliberately no --token flag.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["connection"] = ConnectionSettings.from_env(
            api_url=kwargs.pop("api_url"),
            tenant=kwargs.pop("tenant"),
            token_file=kwargs.pop("token_file"),
            ca_bundle=kwargs.pop("ca_bundle"),
            method_override=kwargs.pop("method_override"),
            timeout=kwargs.pop("request_timeout"),
            deadline=kwargs.pop("max_retry_time"),
        )
        return func(*args, **kwargs)

    options = [
        click.option(
            "--api-url",
            envvar=ENV_API_URL,
            metavar="URL",
            help=f"Seamless API base URL [env {ENV_API_URL}; default {DEFAULT_API_URL}].",
        ),
        click.option(
            "--tenant",
            envvar=ENV_TENANT,
            help=f"Tenant for documents that name none [env {ENV_TENANT}].",
        ),
        click.option(
            "--token-file",
            type=click.Path(exists=True, dir_okay=False),
            help=f"File holding the API token (else env {ENV_TOKEN}; never a plain flag).",
        ),
        click.option(
            "--ca-bundle",
            envvar=ENV_CA_BUNDLE,
            type=click.Path(exists=True, dir_okay=False),
            help=f"PEM bundle of CAs to trust, e.g. the emulator's [env {ENV_CA_BUNDLE}].",
        ),
        click.option(
            "--request-timeout",
            envvar=ENV_REQUEST_TIMEOUT,
            type=click.FloatRange(min=0.1),
            metavar="SECONDS",
            help=f"Wait this long for one answer [env {ENV_REQUEST_TIMEOUT}; default "
            f"{DEFAULT_TIMEOUT:g}].",
        ),
        click.option(
            "--max-retry-time",
            envvar=ENV_MAX_RETRY_TIME,
            type=click.FloatRange(min=1),
            metavar="SECONDS",
            help="Give up on one call after this long, retries and rate-limit waits included "
            f"[env {ENV_MAX_RETRY_TIME}; default {DEFAULT_DEADLINE:g}].",
        ),
        click.option(
            "--method-override",
            is_flag=True,
            help="Send PUT as POST with X-HTTP-Method-Override (networks that block PUT).",
        ),
    ]
    decorated: Callable[..., Any] = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[return-value]


CHANGED_SINCE_OPTION = click.option(
    "--changed-since",
    metavar="REF",
    help="Only the workspaces whose documents differ from the git revision REF (a branch, tag "
    "or commit), and those whose document was deleted; the others are not read.",
)


def plan_options(func: Any) -> Any:
    """The options plan and apply share, defined once."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option(
            "--target",
            "targets",
            multiple=True,
            metavar="ID",
            help="Limit to this workspace (address, workspaceId or key); repeatable.",
        ),
        click.option(
            "--max-removals",
            type=click.IntRange(min=0),
            default=10,
            show_default=True,
            help="Refuse a plan that removes more team members than this, over the run.",
        ),
        click.option(
            "--max-closes",
            type=click.IntRange(min=0),
            default=5,
            show_default=True,
            help="Refuse a plan that closes more workspaces than this (spec or --prune).",
        ),
        click.option(
            "--state",
            "state_path",
            envvar="SEAMLESS_STATE",
            type=click.Path(dir_okay=False, path_type=Path),
            help="State file [env SEAMLESS_STATE; default: .reconciler/state.json by the specs].",
        ),
        click.option(
            "--prune",
            is_flag=True,
            help="Also close (never delete) managed workspaces the specs no longer hold.",
        ),
        CHANGED_SINCE_OPTION,
        connection_options,
    ]
    func = _as_request(func)
    for option in reversed(options):
        func = option(func)
    return func


def _as_request(func: Any) -> Any:
    """Hand the command one PlanRequest instead of the shared options' values."""

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        shared = (
            "paths",
            "connection",
            "targets",
            "max_removals",
            "max_closes",
            "state_path",
            "prune",
        )
        request = PlanRequest(*(kwargs.pop(name) for name in shared))
        request = dataclasses.replace(request, changed_since=kwargs.pop("changed_since"))
        return func(request=request, **kwargs)

    return wrapper


STATE_OPTION = click.option(
    "--state",
    "state_path",
    envvar="SEAMLESS_STATE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="State file [env SEAMLESS_STATE; default: specs/.reconciler/state.json if specs/ "
    "exists here, else .reconciler/state.json].",
)
LOCK_TIMEOUT_OPTION = click.option(
    "--lock-timeout", type=click.FloatRange(min=0), default=60, show_default=True
)
TENANT_OPTION = click.option(
    "--tenant", envvar="SEAMLESS_TENANT", required=True, help="The key's tenant."
)


class BudgetType(click.ParamType):  # type: ignore[type-arg]
    """`--budget`: a number of workspaces (200) or a duration of reading (90s, 10m, 1h30m)."""

    name = "N|DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Budget):
            return value
        try:
            return parse_budget(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def drift_options(func: Any) -> Any:
    """The options of `drift`; the command receives one DriftRequest."""

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        request = DriftRequest(
            paths=kwargs.pop("paths"),
            connection=kwargs.pop("connection"),
            output_format=kwargs.pop("output_format"),
            budget=kwargs.pop("budget") or Budget(),
            webhook=kwargs.pop("webhook"),
            state_path=kwargs.pop("state_path"),
            ignore_files=kwargs.pop("ignore_files"),
            lock_timeout=kwargs.pop("lock_timeout"),
            adopt=kwargs.pop("adopt"),
            changed_since=kwargs.pop("changed_since"),
        )
        return func(request=request, **kwargs)

    options = [
        click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path)),
        click.option(
            "--format",
            "output_format",
            type=click.Choice(["text", "json", "markdown"]),
            default="text",
            show_default=True,
            help="text for logs, json for machines, markdown for an issue or PR comment.",
        ),
        click.option(
            "--budget",
            type=BudgetType(),
            help="Check at most N workspaces, or read for at most DURATION (10m), those "
            "checked longest ago first; the state remembers each check.",
        ),
        click.option(
            "--webhook",
            metavar="URL",
            callback=_checked_webhook,
            help="Also POST the JSON report to this https:// URL (a failed delivery is a warning).",
        ),
        click.option(
            "--ignore-file",
            "ignore_files",
            multiple=True,
            type=click.Path(dir_okay=False, path_type=Path),
            help="Also read acknowledged drift from this file (.reconciler-ignore.yaml beside "
            "the specs is always read); repeatable.",
        ),
        click.option(
            "--adopt",
            is_flag=True,
            help="Write each drifted value the live workspace holds into its spec file (only "
            "the lines that differ; acknowledged drift is left), for review with git diff. "
            "The exit code is still the report's.",
        ),
        CHANGED_SINCE_OPTION,
        STATE_OPTION,
        LOCK_TIMEOUT_OPTION,
        connection_options,
    ]
    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


def _checked_webhook(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse an unsafe URL before any read, not after a long sweep."""
    if value is None:
        return None
    try:
        return check_webhook_url(value)
    except ReconcilerError as exc:
        raise click.BadParameter(str(exc)) from exc
