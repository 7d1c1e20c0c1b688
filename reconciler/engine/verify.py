"""After apply: read each changed workspace back and compare it with what the calls set.

Terraform's "Provider produced inconsistent result after apply": a PUT that
timed out and committed late (after its retry, or after a later call on the
same workspace) can silently undo a change while every call answered 200.
Reading back what the operations set (properties, schema values, members
added and removed) catches it; a mismatch is reported and apply exits 1.
Only values the operations set are compared, with the engine's identity rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.api import SeamlessClient
from reconciler.api.errors import ApiError
from reconciler.api.models import TeamGroup, Workspace
from reconciler.engine.report import WorkspaceOutcome
from reconciler.identity import account_key, same_account
from reconciler.model.operations import (
    CreateWorkspace,
    Operation,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
)
from reconciler.model.plan import WorkspacePlan


def inconsistencies(
    applied: Iterable[tuple[WorkspacePlan, WorkspaceOutcome]],
    clients: Mapping[str, SeamlessClient],
) -> tuple[list[str], list[str]]:
    """One line per value a finished workspace does not hold as its calls set it; and one
    per workspace that could not be read back (not checked: never called inconsistent)."""
    found: list[str] = []
    unread: list[str] = []
    for wp, outcome in applied:
        workspace_id = outcome.workspace_id or wp.workspace_id
        if not outcome.ok or not workspace_id or not outcome.done:
            continue
        operations = [call.operation for call in outcome.done]
        try:
            found += _check(wp.address, clients[wp.tenant], workspace_id, operations)
        except ApiError as exc:
            unread.append(f"{wp.address}: {exc}")
    return found, unread


def _check(
    address: str, client: SeamlessClient, workspace_id: str, operations: list[Operation]
) -> list[str]:
    live = client.get_workspace(workspace_id)
    if live is None:
        return [f"{address}: workspace {workspace_id} does not exist after apply"]
    problems = _properties(live, operations) + _schema(live, operations)
    teams = [op for op in operations if isinstance(op, UpdateTeam)]
    if teams:
        problems += _team(client.get_team(workspace_id, live.name), teams)
    return [f"{address}: {p}" for p in problems]


def _properties(live: Workspace, operations: list[Operation]) -> list[str]:
    """The last workspace PUT (or the create) wins: its values must be the live ones."""
    last = next(
        (op for op in reversed(operations) if isinstance(op, (UpdateWorkspace, CreateWorkspace))),
        None,
    )
    if last is None:
        return []
    problems = []
    if live.name != last.name:
        problems.append(f"name is {live.name!r}, the plan set {last.name!r}")
    manager = live.manager.email if live.manager else None
    if not same_account(manager, last.manager.email):
        problems.append(f"manager is {manager!r}, the plan set {last.manager.email!r}")
    if isinstance(last, UpdateWorkspace):
        if live.closed != last.closed:
            state = "closed" if live.closed else "active"
            wanted_state = "closed" if last.closed else "active"
            problems.append(f"lifeCycle is {state}, the plan set {wanted_state}")
        deputy = live.deputy.email if live.deputy else None
        wanted = last.deputy.email if last.deputy else None
        if not same_account(deputy, wanted):
            problems.append(f"deputy is {deputy!r}, the plan set {wanted!r}")
    return problems


def _schema(live: Workspace, operations: list[Operation]) -> list[str]:
    sent: dict[str, str | None] = {}
    for op in operations:
        if isinstance(op, (UpdateSchema, CreateWorkspace)):
            sent.update(op.fields if isinstance(op, UpdateSchema) else op.schema)
    values = {f.name: f.value for f in live.schema}
    return [
        f"schema.{name} is {values.get(name)!r}, the plan set {value!r}"
        for name, value in sent.items()
        if values.get(name) != value
    ]


def _team(team: tuple[TeamGroup, ...], operations: list[UpdateTeam]) -> list[str]:
    members = {g.group: {account_key(m) for m in g.members} for g in team}
    problems = []
    for op in operations:
        for group, accounts in op.added:
            problems += [
                f"team.{group} lacks {a}, which the plan added"
                for a in accounts
                if account_key(a) not in members.get(group, set())
            ]
        for group, accounts in op.removed:
            problems += [
                f"team.{group} still holds {a}, which the plan removed"
                for a in accounts
                if account_key(a) in members.get(group, set())
            ]
    return problems
