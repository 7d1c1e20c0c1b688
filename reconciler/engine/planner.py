"""Specs + live state -> Plan: per workspace the action, the field changes and the exact calls.

`make_plan` does the reading (catalog once per tenant, workspaces concurrently);
`plan_workspace` is pure: given what was read, it decides. The calls are
ordered so one apply converges: reopen first, then type before schema, then
team, close last; the service's side effects (a manager change on the owner
group, implied members) are predicted, not fought.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.api import SeamlessClient
from reconciler.api.errors import ApiError
from reconciler.api.models import OrganizationUnit, Workspace, WorkspaceType
from reconciler.api.models import Person as LivePerson
from reconciler.engine import rules
from reconciler.engine.diff import field_changes
from reconciler.engine.live import (
    AmbiguousReference,
    Catalog,
    LiveRead,
    LiveWorkspace,
    read_catalog,
    read_live,
)
from reconciler.engine.normalize import email_key, generated_id
from reconciler.engine.state import State
from reconciler.engine.team import after_manager_change, live_groups, team_delta
from reconciler.errors import ReconcilerError
from reconciler.model.plan import (
    Action,
    ApiCall,
    FieldChange,
    FieldOp,
    Plan,
    Problem,
    Severity,
    WorkspacePlan,
)
from reconciler.spec import ABSENT, Person, WorkspaceSpec

READY, FAILED = 2, 3
STAGE_NAMES = ("ForProvisioning", "Provisioning", "Ready", "Failed", "Updating", "ForDeletion")


@dataclass(frozen=True)
class PlanOptions:
    """What the user asked of this plan."""

    api_url: str
    created_at: str
    targets: tuple[str, ...] = ()
    max_removals: int = 10
    prune: bool = False
    """Close managed workspaces (in the state) that the specs no longer hold."""


@dataclass(frozen=True)
class Resolved:
    """A spec with its unit, type and WorkspaceId found, or the problems that stopped that."""

    spec: WorkspaceSpec
    unit: OrganizationUnit | None = None
    wtype: WorkspaceType | None = None
    workspace_id: str | None = None
    catalog: Catalog | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    unrecorded: bool = False
    """A keyed workspace the state has no id for: its id is the one the name generates."""
    adopt: bool = False
    """An earlier create of this key lost its answer: adopt what it made, if it exists."""
    state_exists: bool = True


def make_plan(
    specs: Sequence[WorkspaceSpec],
    clients: Mapping[str, SeamlessClient],
    state: State,
    options: PlanOptions,
    on_progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """Read what the specs need and plan every workspace."""
    chosen = [s for s in specs if _targeted(s, options.targets)]
    unmatched = [t for t in options.targets if not any(_targeted(s, (t,)) for s in specs)]
    if unmatched:
        raise ReconcilerError(
            f"--target {', '.join(unmatched)} matches no workspace in the specs "
            "(give an address such as contoso/pr.01, a workspaceId or a key)"
        )
    catalogs = {t: _catalog(clients[t], t) for t in sorted({s.tenant for s in chosen})}
    resolved = _one_spec_per_workspace([resolve(s, catalogs[s.tenant], state) for s in chosen])
    readable = [r for r in resolved if r.workspace_id and not r.problems]
    reads = [LiveRead(r.spec.tenant, r.workspace_id or "", bool(r.spec.team)) for r in readable]
    results = read_live(clients, reads, on_progress)
    lives = dict(zip((id(r) for r in readable), results, strict=True))
    workspaces = [plan_workspace(r, lives.get(id(r))) for r in resolved]
    if options.prune and not options.targets:
        workspaces += _prune(resolved, state, clients)
    workspaces.sort(key=lambda w: w.address)
    return Plan(
        api_url=options.api_url,
        created_at=options.created_at,
        workspaces=tuple(workspaces),
        problems=tuple(_blast_radius(workspaces, options.max_removals)),
    )


def _targeted(spec: WorkspaceSpec, targets: tuple[str, ...]) -> bool:
    names = {spec.address.lower(), (spec.workspace_id or "").lower(), (spec.key or "").lower()}
    return not targets or any(t.lower() in names for t in targets)


def _catalog(client: SeamlessClient, tenant: str) -> Catalog | str:
    try:
        return read_catalog(client, tenant)
    except ApiError as exc:
        return f"cannot read the organization units of tenant '{tenant}': {exc}"


def resolve(spec: WorkspaceSpec, catalog: Catalog | str, state: State) -> Resolved:
    """Find the unit and type by name or id, check the identity, find the WorkspaceId."""
    if isinstance(catalog, str):
        return Resolved(spec, problems=(rules.problem(spec, "", catalog),))
    try:
        unit = catalog.find_unit(spec.organization_unit)
        if unit is None:
            known = ", ".join(catalog.unit_names())
            message = f"unknown organization unit '{spec.organization_unit}' (units: {known})"
            return Resolved(spec, problems=(rules.problem(spec, "/organizationUnit", message),))
        wtype = catalog.find_type(unit, spec.workspace_type)
    except AmbiguousReference as exc:
        return Resolved(spec, problems=(rules.problem(spec, "/organizationUnit", str(exc)),))
    if wtype is None:
        known = ", ".join(t.name for t in catalog.types_by_unit.get(unit.id, ()))
        message = (
            f"workspace type '{spec.workspace_type}' is not available in unit "
            f"'{unit.name}' (types: {known})"
        )
        return Resolved(spec, unit, problems=(rules.problem(spec, "/workspaceType", message),))
    problems = rules.check_identity(spec, wtype)
    if spec.key is None or problems:
        return Resolved(spec, unit, wtype, spec.workspace_id, catalog, tuple(problems))
    recorded = state.workspace_id(spec.tenant, spec.key)
    if recorded is not None:
        return Resolved(spec, unit, wtype, recorded, catalog)
    pending = state.pending(spec.tenant, spec.key)
    if pending is not None and not pending.get("expected_id"):
        return Resolved(spec, unit, wtype, None, catalog, (_lost_create(spec, pending),))
    derived = None
    if wtype.generator.name == "PrefixWithName":
        derived = generated_id(wtype.generator.prefix, spec.name)
    if pending is not None:
        derived = pending["expected_id"]
        if derived.lower() in {w.lower() for w in state.tenant_ids(spec.tenant)}:
            message = (
                f"key '{spec.key}' waits on '{derived}', which the state records under another "
                f"key: `reconciler state forget --tenant {spec.tenant} {spec.key}`"
            )
            return Resolved(
                spec, unit, wtype, None, catalog, (rules.problem(spec, "/key", message),)
            )
    return Resolved(
        spec,
        unit,
        wtype,
        derived,
        catalog,
        unrecorded=True,
        adopt=pending is not None,
        state_exists=state.exists,
    )


def _one_spec_per_workspace(resolved: list[Resolved]) -> list[Resolved]:
    """Two documents that lead to one workspace (a shared generated id) would fight over it."""
    seen: dict[tuple[str, str], list[int]] = {}
    for index, r in enumerate(resolved):
        if r.workspace_id:
            seen.setdefault((r.spec.tenant, r.workspace_id.lower()), []).append(index)
    result = list(resolved)
    for (_, workspace_id), indexes in seen.items():
        if len(indexes) < 2:
            continue
        names = ", ".join(resolved[i].spec.address for i in indexes)
        for i in indexes:
            message = (
                f"{names} all lead to workspace '{workspace_id}': give each document its own "
                "workspace (names of PrefixWithName types generate the id)"
            )
            problem = rules.problem(resolved[i].spec, "", message)
            result[i] = Resolved(resolved[i].spec, problems=(*resolved[i].problems, problem))
    return result


def _lost_create(spec: WorkspaceSpec, pending: dict[str, Any]) -> Problem:
    message = (
        f"an apply at {pending.get('since', '?')} sent the create of key '{spec.key}' and lost "
        "the answer; the service generates this type's ids, so it may exist under an id we "
        "cannot know. Find it, then `reconciler state import --tenant "
        f"{spec.tenant} {spec.key} WORKSPACE_ID`; or, if it was not created, "
        f"`reconciler state forget --tenant {spec.tenant} {spec.key}` to create it again"
    )
    return rules.problem(spec, "/key", message)


def plan_workspace(resolved: Resolved, live: LiveWorkspace | None) -> WorkspacePlan:
    """Decide one workspace: create, update, no-op or error. Pure."""
    spec = resolved.spec
    base = _base(spec, resolved.workspace_id)
    if resolved.problems or resolved.wtype is None or resolved.unit is None:
        return _errored(base, list(resolved.problems))
    if live is not None and live.error:
        return _errored(base, [rules.problem(spec, "", f"cannot read the workspace: {live.error}")])
    if live is None or live.workspace is None:
        return _plan_create(base, resolved)
    taken = resolved.adopt and live.workspace.name != spec.name
    if resolved.unrecorded and (not resolved.adopt or taken):
        message = (
            f"workspace '{resolved.workspace_id}' (the id this name generates) exists but the "
            f"state has no record of key '{spec.key}': adopt it with `reconciler state import "
            f"--tenant {spec.tenant} {spec.key} {resolved.workspace_id}`"
        )
        return _errored(base, [rules.problem(spec, "/key", message)])
    planned = _plan_update(base, resolved, live)
    if resolved.adopt and planned.action is not Action.ERROR:
        note = rules.problem(
            spec,
            "/key",
            f"adopting '{resolved.workspace_id}', created by an earlier apply whose answer "
            "was lost; apply records it under the key",
            warning=True,
        )
        planned = _replace(planned, record_key=spec.key, problems=(*planned.problems, note))
    return planned


def _base(spec: WorkspaceSpec, workspace_id: str | None) -> WorkspacePlan:
    return WorkspacePlan(
        address=spec.address,
        tenant=spec.tenant,
        workspace_id=workspace_id,
        action=Action.NOOP,
        name=spec.name,
        file=spec.source.file,
        line=spec.source.line,
    )


def _errored(base: WorkspacePlan, problems: list[Problem]) -> WorkspacePlan:
    return _replace(base, action=Action.ERROR, problems=tuple(problems))


def _replace(base: WorkspacePlan, **changes: Any) -> WorkspacePlan:
    data = {f: getattr(base, f) for f in base.__dataclass_fields__}
    data.update(changes)
    return WorkspacePlan(**data)


# -- create --------------------------------------------------------------------------------


def _plan_create(base: WorkspacePlan, resolved: Resolved) -> WorkspacePlan:
    spec, wtype, unit = resolved.spec, resolved.wtype, resolved.unit
    assert wtype is not None and unit is not None
    values, problems = rules.desired_schema(spec, wtype)
    problems += rules.missing_required(spec, wtype, values) + rules.check_team(spec, wtype)
    if spec.life_cycle == "closed":
        problems.append(
            rules.problem(spec, "/lifeCycle", "a new workspace cannot be created closed")
        )
    if any(p.severity is Severity.ERROR for p in problems):
        return _errored(base, problems)
    body: dict[str, Any] = {"Name": spec.name}
    if spec.workspace_id is not None:
        body = {"WorkspaceId": spec.workspace_id, **body}
    if spec.description is not None:
        body["Description"] = spec.description
    body["OrganizationUnitId"] = unit.id
    body["WorkspaceTypeId"] = wtype.id
    body["Manager"] = _person(spec.manager, None)
    if isinstance(spec.deputy, Person):
        body["Deputy"] = _person(spec.deputy, None)
    if values:
        body["Schema"] = [{"FieldName": n, "FieldValue": v} for n, v in values.items()]
    added = [{"Group": g, "Members": list(m)} for g, m in spec.team.items() if m]
    if added:
        body["Team"] = {"Added": added}
    changes = _create_changes(spec, unit, wtype, values)
    call = ApiCall("POST", "/workspaces", body, f"create {wtype.provisioning_type} workspace")
    if spec.key and not resolved.state_exists:
        message = (
            "no state file yet, so this keyed workspace is new to the tool; if it was "
            "created with another state file, point --state at that one instead"
        )
        problems.append(rules.problem(spec, "/key", message, warning=True))
    return _replace(
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


def _plan_update(base: WorkspacePlan, resolved: Resolved, live: LiveWorkspace) -> WorkspacePlan:
    spec, wtype, unit, catalog = resolved.spec, resolved.wtype, resolved.unit, resolved.catalog
    workspace = live.workspace
    assert wtype is not None and unit is not None and catalog is not None and workspace
    base = _replace(base, workspace_id=workspace.workspace_id, live_digest=live.digest)
    if workspace.stage != READY:
        return _errored(base, [_not_ready(spec, workspace.stage)])
    problems: list[Problem] = []
    pair = catalog.pair(workspace.unit_type_id)
    if pair is None:
        message = f"the workspace's UnitTypeId {workspace.unit_type_id} matches no unit and type"
        return _errored(base, [rules.problem(spec, "", message)])
    live_unit, live_type = pair
    if live_unit.id != unit.id:
        message = (
            f"the organization unit of an existing workspace cannot change "
            f"(live: '{live_unit.name}', spec: '{unit.name}')"
        )
        problems.append(rules.problem(spec, "/organizationUnit", message))
    if spec.description is not None:
        message = "description is set at creation only; the service cannot change or show it"
        problems.append(rules.problem(spec, "/description", message, warning=True))
    values, schema_problems = rules.desired_schema(spec, wtype)
    problems += schema_problems + rules.check_team(spec, wtype)
    type_calls, type_changes = _type_change(spec, live_type, wtype, workspace, problems)
    if any(p.severity is Severity.ERROR for p in problems):
        return _errored(base, problems)
    prop_changes = _property_changes(spec, workspace, values)
    schema_calls = _schema_call(spec, wtype, workspace, values, prop_changes, problems)
    team_calls, team_changes = _team_call(spec, wtype, workspace, live)
    inner = type_calls + schema_calls + team_calls
    calls = _ordered_workspace_puts(spec, workspace, prop_changes, inner, problems)
    if any(p.severity is Severity.ERROR for p in problems):
        return _errored(base, problems)
    changes = type_changes + prop_changes + team_changes
    return _replace(
        base,
        action=Action.UPDATE if calls else Action.NOOP,
        changes=tuple(changes),
        calls=tuple(calls),
        problems=tuple(problems),
    )


def _not_ready(spec: WorkspaceSpec, stage: int) -> Problem:
    name = STAGE_NAMES[stage] if 0 <= stage < len(STAGE_NAMES) else str(stage)
    if stage == FAILED:
        message = "provisioning of this workspace failed (Stage: Failed); ask the service desk"
    else:
        message = f"the workspace is busy (Stage: {name}); plan again when it is Ready"
    return rules.problem(spec, "", message)


def _type_change(
    spec: WorkspaceSpec,
    live_type: WorkspaceType,
    wtype: WorkspaceType,
    workspace: Workspace,
    problems: list[Problem],
) -> tuple[list[ApiCall], list[FieldChange]]:
    if live_type.id.lower() == wtype.id.lower():
        return [], []
    refusal = rules.type_change_problem(live_type, wtype, workspace.workspace_id)
    if refusal:
        problems.append(rules.problem(spec, "/workspaceType", f"cannot change type: {refusal}"))
        return [], []
    change = FieldChange(("workspaceType",), FieldOp.CHANGE, live_type.name, wtype.name)
    path = f"/workspaces/{workspace.workspace_id}/workspaceType"
    summary = f"change type to '{wtype.name}'"
    return [ApiCall("PUT", path, {"Id": wtype.id}, summary)], [change]


def _property_changes(
    spec: WorkspaceSpec, workspace: Workspace, values: dict[str, str | None]
) -> list[FieldChange]:
    """Name, life cycle, manager, deputy and listed schema fields that differ."""
    live_view: dict[str, Any] = {
        "name": workspace.name,
        "lifeCycle": "closed" if workspace.life_cycle == 1 else "active",
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
    problems: list[Problem],
) -> list[ApiCall]:
    """One PUT with every field of the type: the listed ones changed, the others as they are."""
    if not any(c.path[0] == "schema" for c in prop_changes):
        return []
    live_values = {f.name: f.value for f in workspace.schema}
    fields = [
        {"FieldName": f.name, "FieldValue": values.get(f.name, live_values.get(f.name))}
        for f in wtype.schema_definition
    ]
    for f in wtype.schema_definition:
        if f.is_required and not (values.get(f.name, live_values.get(f.name)) or "").strip():
            problems.append(rules.problem(spec, "/schema", f"schema field '{f.name}' is required"))
    changed = sum(1 for c in prop_changes if c.path[0] == "schema")
    path = f"/workspaces/{workspace.workspace_id}/schema"
    return [ApiCall("PUT", path, fields, f"update schema ({changed} field(s))")]


def _team_call(
    spec: WorkspaceSpec, wtype: WorkspaceType, workspace: Workspace, live: LiveWorkspace
) -> tuple[list[ApiCall], list[FieldChange]]:
    if not spec.team or live.team is None:
        return [], []
    old_manager = workspace.manager.email if workspace.manager else None
    groups = after_manager_change(
        live_groups(live.team), wtype.provisioning_type, old_manager, spec.manager.email
    )
    delta = team_delta(spec.team, groups, wtype.provisioning_type, spec.manager.email)
    if delta.empty:
        return [], list(delta.changes)
    added = sum(len(m) for m in delta.added.values())
    removed = sum(len(m) for m in delta.removed.values())
    path = f"/workspaces/{workspace.workspace_id}/team"
    summary = f"update team ({added} added, {removed} removed)"
    return [ApiCall("PUT", path, delta.body(), summary)], list(delta.changes)


def _ordered_workspace_puts(
    spec: WorkspaceSpec,
    workspace: Workspace,
    prop_changes: list[FieldChange],
    inner: list[ApiCall],
    problems: list[Problem],
) -> list[ApiCall]:
    """Wrap type/schema/team calls in the workspace PUTs: reopen first, close last.

    The service refuses team, schema and type changes on a closed workspace, so
    those run while it is open; a PUT is the full set of Name, LifeCycle,
    Manager and Deputy.
    """
    props = [c for c in prop_changes if c.path[0] not in ("schema", "lifeCycle")]
    live_closed, closing = workspace.life_cycle == 1, spec.life_cycle == "closed"
    path = f"/workspaces/{workspace.workspace_id}"
    if not inner:
        if props or live_closed != closing:
            return [_workspace_put(spec, workspace, path, closing, "update workspace")]
        return []
    if live_closed and closing:
        message = (
            "the workspace is closed and the service refuses team, schema and type changes "
            "on a closed workspace: set lifeCycle: active to change them"
        )
        problems.append(rules.problem(spec, "/lifeCycle", message))
        return []
    calls = []
    if props or live_closed:
        summary = "reopen workspace" if live_closed else "update workspace"
        calls.append(_workspace_put(spec, workspace, path, False, summary))
    calls += inner
    if closing:
        calls.append(_workspace_put(spec, workspace, path, True, "close workspace"))
    return calls


def _workspace_put(
    spec: WorkspaceSpec, workspace: Workspace, path: str, closed: bool, summary: str
) -> ApiCall:
    body: dict[str, Any] = {
        "Name": spec.name,
        "LifeCycle": 1 if closed else 0,
        "Manager": _person(spec.manager, workspace.manager),
    }
    if spec.deputy is ABSENT:
        if workspace.deputy is not None:  # not managed: sent back as it is
            body["Deputy"] = _live_person(workspace.deputy)
    elif spec.deputy is not None:
        body["Deputy"] = _person(spec.deputy, workspace.deputy)
    return ApiCall("PUT", path, body, summary)


def _person(person: Person, live: LivePerson | None) -> dict[str, str]:
    """{Email, Name}: the spec's name, else the live one for the same account, else none."""
    name = person.name
    if name is None and live is not None and email_key(live.email) == email_key(person.email):
        name = live.name
    return {"Email": person.email, "Name": name} if name else {"Email": person.email}


def _live_person(person: LivePerson) -> dict[str, str]:
    return {"Email": person.email, "Name": person.name} if person.name else {"Email": person.email}


def _prune(
    resolved: list[Resolved], state: State, clients: Mapping[str, SeamlessClient]
) -> list[WorkspacePlan]:
    """Close what the state manages and the specs no longer hold; never anything more."""
    in_specs = {(r.spec.tenant, (r.workspace_id or "").lower()) for r in resolved}
    leaving = [
        LiveRead(tenant, workspace_id, False)
        for tenant, entry in sorted(state.tenants.items())
        if tenant in clients
        for workspace_id in sorted(entry.managed, key=str.lower)
        if (tenant, workspace_id.lower()) not in in_specs
    ]
    lives = read_live(clients, leaving)
    return [_prune_one(read, live) for read, live in zip(leaving, lives, strict=True)]


def _prune_one(read: LiveRead, live: LiveWorkspace) -> WorkspacePlan:
    base = WorkspacePlan(
        address=f"{read.tenant}/{read.workspace_id}",
        tenant=read.tenant,
        workspace_id=read.workspace_id,
        action=Action.NOOP,
        live_digest=live.digest,
    )
    workspace = live.workspace
    if workspace is None or workspace.stage != READY:
        why = live.error or ("it no longer exists" if workspace is None else "it is not Ready")
        note = Problem(Severity.WARNING, f"--prune: left alone, {why}")
        return _replace(base, problems=(note,))
    if workspace.life_cycle == 1:
        return _replace(base, name=workspace.name)
    body: dict[str, Any] = {"Name": workspace.name, "LifeCycle": 1}
    if workspace.manager is not None:
        body["Manager"] = _live_person(workspace.manager)
    if workspace.deputy is not None:
        body["Deputy"] = _live_person(workspace.deputy)
    reason = "pruned: no longer in the specs"
    change = FieldChange(("lifeCycle",), FieldOp.CHANGE, "active", "closed", reason)
    call = ApiCall("PUT", f"/workspaces/{workspace.workspace_id}", body, "close workspace (prune)")
    return _replace(
        base, name=workspace.name, action=Action.UPDATE, changes=(change,), calls=(call,)
    )


def _blast_radius(workspaces: list[WorkspacePlan], limit: int) -> list[Problem]:
    """More member removals than --max-removals stops the plan, listing them."""
    removals = [
        f"{w.address}: {c.before} from {c.path[1]}"
        for w in workspaces
        for c in w.changes
        if c.path[0] == "team" and c.op is FieldOp.REMOVE
    ]
    if len(removals) <= limit:
        return []
    message = (
        f"the plan removes {len(removals)} team members, more than --max-removals {limit}; "
        "check the specs, then raise --max-removals on purpose. Removals: " + "; ".join(removals)
    )
    return [Problem(Severity.ERROR, message)]
