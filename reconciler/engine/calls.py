"""One workspace's plan: the field changes and the exact, ordered calls of a create or update.

Pure: given the resolved spec and what was read, it decides. The calls are
ordered so one apply converges: reopen first, then type before schema, then
team, close last; the service's side effects (a manager change on the owner
group, implied members) are predicted, not fought.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.api import wire
from reconciler.api.models import OrganizationUnit, Stage, Workspace, WorkspaceType
from reconciler.api.models import Person as LivePerson
from reconciler.engine import rules
from reconciler.engine.diff import field_changes
from reconciler.engine.live import Catalog, LiveWorkspace
from reconciler.engine.state import digest
from reconciler.engine.team import after_manager_change, live_groups, team_delta
from reconciler.identity import email_key, same_account, same_catalog_id
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.operations import (
    ChangeType,
    CreateWorkspace,
    Groups,
    Operation,
    PersonRef,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
)
from reconciler.model.plan import Action, ApiCall, FieldChange, FieldOp, WorkspacePlan
from reconciler.spec import ABSENT, Person, WorkspaceSpec

STAGE_NAMES = ("ForProvisioning", "Provisioning", "Ready", "Failed", "Updating", "ForDeletion")


def stage_name(stage: int) -> str:
    """ "Failed" for 3; the number itself for a stage the API document does not name."""
    return STAGE_NAMES[stage] if 0 <= stage < len(STAGE_NAMES) else str(stage)


@dataclass(frozen=True)
class Resolved:
    """A spec with its unit, type and WorkspaceId found, or the problems that stopped that."""

    spec: WorkspaceSpec
    unit: OrganizationUnit | None = None
    wtype: WorkspaceType | None = None
    workspace_id: str | None = None
    catalog: Catalog | None = None
    problems: tuple[Diagnostic, ...] = field(default_factory=tuple)
    unrecorded: bool = False
    """A keyed workspace the state has no id for: its id is the one the name generates."""
    adopt: bool = False
    """An earlier create of this key lost its answer: adopt what it made, if it exists."""
    state_exists: bool = True
    state_path: str = ""
    sent_description: str | None = None
    """Digest of the description this tool sent at creation, when the state has it."""


def base_plan(spec: WorkspaceSpec, workspace_id: str | None) -> WorkspacePlan:
    return WorkspacePlan(
        address=spec.address,
        tenant=spec.tenant,
        workspace_id=workspace_id,
        action=Action.NOOP,
        name=spec.name,
        file=spec.source.file,
        line=spec.source.line,
        reads_team=bool(spec.team),
    )


def errored(base: WorkspacePlan, problems: list[Diagnostic]) -> WorkspacePlan:
    return replace(base, action=Action.ERROR, problems=tuple(problems))


def api_call(operation: Operation, summary: str) -> ApiCall:
    """A planned call: the operation, and the exact request the client will make of it."""
    request = wire.request_for(operation)
    return ApiCall(operation, request.method, request.path, request.body, summary)


def _has_errors(problems: list[Diagnostic]) -> bool:
    return any(p.is_error for p in problems)


# -- create --------------------------------------------------------------------------------


def plan_create(base: WorkspacePlan, resolved: Resolved) -> WorkspacePlan:
    spec, wtype, unit = resolved.spec, resolved.wtype, resolved.unit
    assert wtype is not None and unit is not None
    values, problems = rules.desired_schema(spec, wtype)
    problems += rules.missing_required(spec, wtype, values) + rules.check_team(spec, wtype)
    if spec.closed:
        problems.append(
            rules.problem(spec, "/lifeCycle", "a new workspace cannot be created closed")
        )
    if _has_errors(problems):
        return errored(base, problems)
    operation = CreateWorkspace(
        name=spec.name,
        organization_unit_id=unit.id,
        workspace_type_id=wtype.id,
        manager=_person(spec.manager, None),
        workspace_id=spec.workspace_id,
        description=spec.description,
        deputy=_person(spec.deputy, None) if isinstance(spec.deputy, Person) else None,
        schema=tuple(values.items()),
        team=tuple(spec.team.items()),
    )
    changes = _create_changes(spec, unit, wtype, values)
    call = api_call(operation, f"create {wtype.provisioning_type} workspace")
    if spec.key and not resolved.state_exists:
        message = (
            "no state file yet, so this keyed workspace is new to the tool; if it was "
            "created with another state file, point --state at that one instead"
        )
        problems.append(rules.problem(spec, "/key", message, warning=True))
    return replace(
        base,
        action=Action.CREATE,
        changes=tuple(changes),
        calls=(call,),
        problems=tuple(problems),
        record_key=spec.key,
    )


def _create_changes(
    spec: WorkspaceSpec,
    unit: OrganizationUnit,
    wtype: WorkspaceType,
    values: dict[str, str | None],
) -> list[FieldChange]:
    """What a create sets, in the spec's words (the call shows the wire form)."""
    shown: list[tuple[tuple[str, ...], Any]] = [
        (("workspaceId",), spec.workspace_id),
        (("name",), spec.name),
        (("organizationUnit",), unit.name or unit.id),
        (("workspaceType",), wtype.name),
        (("manager",), spec.manager.email),
        (("deputy",), spec.deputy.email if isinstance(spec.deputy, Person) else None),
        (("description",), spec.description),
    ]
    shown += [(("schema", name), value) for name, value in values.items()]
    shown += [(("team", group), m) for group, members in spec.team.items() for m in members]
    return [
        FieldChange(path, FieldOp.ADD, None, value) for path, value in shown if value is not None
    ]


# -- update --------------------------------------------------------------------------------


def plan_update(base: WorkspacePlan, resolved: Resolved, live: LiveWorkspace) -> WorkspacePlan:
    spec, wtype, unit, catalog = resolved.spec, resolved.wtype, resolved.unit, resolved.catalog
    workspace = live.workspace
    assert wtype is not None and unit is not None and catalog is not None and workspace
    base = replace(base, workspace_id=workspace.workspace_id, live_digest=live.digest)
    if workspace.stage != Stage.READY:
        return errored(base, [_not_ready(spec, workspace.stage)])
    problems: list[Diagnostic] = []
    pair = catalog.pair(workspace.unit_type_id)
    if pair is None:
        message = f"the workspace's UnitTypeId {workspace.unit_type_id} matches no unit and type"
        return errored(base, [rules.problem(spec, "", message)])
    live_unit, live_type = pair
    if live_unit.id != unit.id:
        message = (
            f"the organization unit of an existing workspace cannot change "
            f"(live: '{live_unit.name}', spec: '{unit.name}')"
        )
        problems.append(rules.problem(spec, "/organizationUnit", message))
    problems += _description_warning(spec, resolved.sent_description)
    values, schema_problems = rules.desired_schema(spec, wtype)
    problems += schema_problems + rules.check_team(spec, wtype)
    type_calls, type_changes = _type_change(spec, live_type, wtype, workspace, problems)
    if _has_errors(problems):
        return errored(base, problems)
    prop_changes = _property_changes(spec, workspace, values)
    schema_calls = _schema_call(spec, wtype, workspace, values, prop_changes, problems)
    split = _close_needs_two_puts(spec, workspace)
    manager_first = not (spec.closed and not workspace.closed) or split
    team_calls, team_changes = _team_call(spec, wtype, workspace, live, manager_first)
    inner = type_calls + schema_calls + team_calls
    calls = _with_workspace_put(spec, workspace, prop_changes, inner, split)
    if _has_errors(problems):
        return errored(base, problems)
    changes = type_changes + prop_changes + team_changes
    return replace(
        base,
        action=Action.UPDATE if calls else Action.NOOP,
        changes=tuple(changes),
        calls=tuple(calls),
        problems=tuple(problems),
    )


def _description_warning(spec: WorkspaceSpec, sent: str | None) -> list[Diagnostic]:
    """Only when the spec's description is not the one sent at creation (or that is unknown)."""
    if spec.description is None or (sent is not None and digest(spec.description) == sent):
        return []
    if sent is None:
        message = "description is set at creation only; the service cannot change or show it"
    else:
        message = (
            "description differs from the one sent at creation; the service takes it at "
            "creation only and cannot change or show it"
        )
    return [rules.problem(spec, "/description", message, warning=True)]


def _not_ready(spec: WorkspaceSpec, stage: int) -> Diagnostic:
    name = stage_name(stage)
    if stage == Stage.FAILED:
        message = "provisioning of this workspace failed (Stage: Failed); ask the service desk"
    else:
        message = f"the workspace is busy (Stage: {name}); plan again when it is Ready"
    return rules.problem(spec, "", message)


def _type_change(
    spec: WorkspaceSpec,
    live_type: WorkspaceType,
    wtype: WorkspaceType,
    workspace: Workspace,
    problems: list[Diagnostic],
) -> tuple[list[ApiCall], list[FieldChange]]:
    if same_catalog_id(live_type.id, wtype.id):
        return [], []
    refusal = rules.type_change_problem(live_type, wtype, workspace.workspace_id)
    if refusal:
        problems.append(rules.problem(spec, "/workspaceType", f"cannot change type: {refusal}"))
        return [], []
    change = FieldChange(("workspaceType",), FieldOp.CHANGE, live_type.name, wtype.name)
    operation = ChangeType(workspace.workspace_id, wtype.id)
    return [api_call(operation, f"change type to '{wtype.name}'")], [change]


def _property_changes(
    spec: WorkspaceSpec, workspace: Workspace, values: dict[str, str | None]
) -> list[FieldChange]:
    """Name, life cycle, manager, deputy and listed schema fields that differ."""
    live_view: dict[str, Any] = {
        "name": workspace.name,
        "lifeCycle": "closed" if workspace.closed else "active",
        "manager": email_key(workspace.manager.email if workspace.manager else None),
    }
    desired: dict[str, Any] = {
        "name": spec.name,
        "lifeCycle": spec.life_cycle,
        "manager": email_key(spec.manager.email),
    }
    if spec.manager.name:
        live_view["managerName"] = workspace.manager.name if workspace.manager else None
        desired["managerName"] = spec.manager.name
    if spec.deputy is not ABSENT:
        live_view["deputy"] = email_key(workspace.deputy.email if workspace.deputy else None)
        desired["deputy"] = email_key(spec.deputy.email) if spec.deputy else None
        if spec.deputy and spec.deputy.name:
            live_view["deputyName"] = workspace.deputy.name if workspace.deputy else None
            desired["deputyName"] = spec.deputy.name
    if values:
        live_values = {f.name: f.value for f in workspace.schema}
        live_view["schema"] = {name: live_values.get(name) for name in values}
        desired["schema"] = dict(values)
    return field_changes(live_view, desired)


def _schema_call(
    spec: WorkspaceSpec,
    wtype: WorkspaceType,
    workspace: Workspace,
    values: dict[str, str | None],
    prop_changes: list[FieldChange],
    problems: list[Diagnostic],
) -> list[ApiCall]:
    """One PUT with every field of the type: the listed ones changed, the others as they are."""
    if not any(c.path[0] == "schema" for c in prop_changes):
        return []
    live_values = {f.name: f.value for f in workspace.schema}
    fields = tuple(
        (f.name, values.get(f.name, live_values.get(f.name))) for f in wtype.schema_definition
    )
    for f in wtype.schema_definition:
        if f.is_required and not (values.get(f.name, live_values.get(f.name)) or "").strip():
            problems.append(rules.problem(spec, "/schema", f"schema field '{f.name}' is required"))
    changed = sum(1 for c in prop_changes if c.path[0] == "schema")
    operation = UpdateSchema(workspace.workspace_id, fields)
    return [api_call(operation, f"update schema ({changed} field(s))")]


def _team_call(
    spec: WorkspaceSpec,
    wtype: WorkspaceType,
    workspace: Workspace,
    live: LiveWorkspace,
    manager_first: bool,
) -> tuple[list[ApiCall], list[FieldChange]]:
    """The team PUT, against the groups as they will be when it runs.

    `manager_first`: the workspace PUT (and so a manager change, with its
    effect on the owner group) comes before the team PUT.
    """
    if not spec.team or live.team is None:
        return [], []
    groups = live_groups(live.team)
    if manager_first:
        old_manager = workspace.manager.email if workspace.manager else None
        groups = after_manager_change(
            groups, wtype.provisioning_type, old_manager, spec.manager.email
        )
    delta = team_delta(spec.team, groups, wtype.provisioning_type, spec.manager.email)
    if delta.empty:
        return [], list(delta.changes)
    operation = UpdateTeam(workspace.workspace_id, _groups(delta.added), _groups(delta.removed))
    added, removed = operation.count(operation.added), operation.count(operation.removed)
    summary = f"update team ({added} added, {removed} removed)"
    return [api_call(operation, summary)], list(delta.changes)


def _groups(members: dict[str, list[str]]) -> Groups:
    return tuple((group, tuple(accounts)) for group, accounts in members.items())


def _close_needs_two_puts(spec: WorkspaceSpec, workspace: Workspace) -> bool:
    """A close goes last, but a manager change with it moves the owner group after the team
    PUT, which was then planned against owners that no longer hold (the old manager stays
    implied in Members, or listed as an owner). So when a close changes the manager and the
    spec lists a team group, the manager changes first and the close comes in a second PUT.
    """
    if not spec.closed or workspace.closed or workspace.manager is None or not spec.team:
        return False
    return not same_account(workspace.manager.email, spec.manager.email)


def _with_workspace_put(
    spec: WorkspaceSpec,
    workspace: Workspace,
    prop_changes: list[FieldChange],
    inner: list[ApiCall],
    split: bool,
) -> list[ApiCall]:
    """Type, schema and team calls with one workspace PUT: a reopen first, a close last.

    One PUT carries every property change (Name, LifeCycle, Manager, Deputy:
    a PUT is the full set). It goes first, so a reopened workspace takes the
    other calls while open, unless it closes the workspace: then it goes last.
    The API document accepts those calls on a closed workspace (design.md,
    reading 15); the order keeps them safe if the real service is stricter.
    """
    if not any(c.path[0] != "schema" for c in prop_changes):
        return inner
    closing = spec.closed and not workspace.closed
    if closing and split:
        first = _workspace_put(spec, workspace, False, "update workspace")
        return [first, *inner, _workspace_put(spec, workspace, True, "close workspace")]
    if closing:
        return [*inner, _workspace_put(spec, workspace, True, "close workspace")]
    summary = "reopen workspace" if workspace.closed and not spec.closed else "update workspace"
    return [_workspace_put(spec, workspace, spec.closed, summary), *inner]


def _workspace_put(
    spec: WorkspaceSpec, workspace: Workspace, closed: bool, summary: str
) -> ApiCall:
    """The full set of properties: a deputy the spec does not mention is sent back as it is."""
    if spec.deputy is ABSENT:
        deputy = live_person(workspace.deputy) if workspace.deputy else None
    else:
        deputy = _person(spec.deputy, workspace.deputy) if spec.deputy else None
    operation = UpdateWorkspace(
        workspace_id=workspace.workspace_id,
        name=spec.name,
        closed=closed,
        manager=_person(spec.manager, workspace.manager),
        deputy=deputy,
    )
    return api_call(operation, summary)


def _person(person: Person, live: LivePerson | None) -> PersonRef:
    """The spec's account with its name: the spec's, else the live one for the same account."""
    name = person.name
    if name is None and live is not None and same_account(live.email, person.email):
        name = live.name
    return PersonRef(person.email, name or None)


def live_person(person: LivePerson) -> PersonRef:
    """A live account sent back as it is."""
    return PersonRef(person.email, person.name or None)
