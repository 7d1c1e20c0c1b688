"""Plans built by hand for the renderer tests: one of each kind of workspace."""

from __future__ import annotations

from reconciler.engine.calls import api_call
from reconciler.model.diagnostics import Diagnostic, Severity
from reconciler.model.operations import CreateWorkspace, PersonRef, UpdateTeam, UpdateWorkspace
from reconciler.model.plan import Action, FieldChange, FieldOp, Plan, WorkspacePlan

API_URL = "https://seamless.example.test"
CREATED_AT = "2026-11-24T11:00:00Z"

CREATE = WorkspacePlan(
    address="contoso/pr.02",
    tenant="contoso",
    workspace_id="pr.02",
    action=Action.CREATE,
    name="Project02",
    changes=(
        FieldChange(("name",), FieldOp.ADD, after="Project02"),
        FieldChange(("manager",), FieldOp.ADD, after="marko@xyz.com"),
        FieldChange(("team", "Members"), FieldOp.ADD, after="ana@xyz.com"),
    ),
    calls=(
        api_call(
            CreateWorkspace(
                workspace_id="pr.02",
                name="Project02",
                organization_unit_id="unit-1",
                workspace_type_id="type-1",
                manager=PersonRef("marko@xyz.com"),
            ),
            "create workspace",
        ),
        api_call(
            UpdateTeam("pr.02", added=(("Members", ("ana@xyz.com",)),)),
            "update team (1 added)",
        ),
    ),
    file="specs/pr02.yaml",
    line=1,
)

UPDATE = WorkspacePlan(
    address="contoso/example",
    tenant="contoso",
    workspace_id="example",
    action=Action.UPDATE,
    name="Project01",
    changes=(
        FieldChange(("name",), FieldOp.CHANGE, "Project01", "Orange"),
        FieldChange(("manager",), FieldOp.CHANGE, "lucas@xyz.com", "marko@xyz.com"),
        FieldChange(("schema", "Phase"), FieldOp.CHANGE, "Execution", "Closure"),
        FieldChange(("team", "Members"), FieldOp.ADD, after="ana@xyz.com"),
        FieldChange(
            ("team", "Visitors"),
            FieldOp.REMOVE,
            before="lucas@xyz.com",
            reason="implied by the manager",
        ),
    ),
    calls=(
        api_call(
            UpdateWorkspace(
                "example", "Orange", closed=False, manager=PersonRef("marko@xyz.com"), deputy=None
            ),
            "update workspace (name, manager, schema.Phase)",
        ),
        api_call(
            UpdateTeam(
                "example",
                added=(("Members", ("ana@xyz.com",)),),
                removed=(("Visitors", ("lucas@xyz.com",)),),
            ),
            "update team (1 added, 1 removed)",
        ),
    ),
    problems=(
        Diagnostic(
            Severity.WARNING, "description is ignored by the service", "", "specs/ex.yaml", 4
        ),
    ),
    file="specs/ex.yaml",
    line=1,
    live_digest="sha256:" + "ab" * 32,
)

NOOP = WorkspacePlan(
    address="contoso/pr.03",
    tenant="contoso",
    workspace_id="pr.03",
    action=Action.NOOP,
    name="Project03",
    file="specs/pr03.yaml",
    line=1,
)

ERROR = WorkspacePlan(
    address="contoso/zz.bad",
    tenant="contoso",
    workspace_id="zz.bad",
    action=Action.ERROR,
    name="Bad",
    problems=(
        Diagnostic(
            Severity.ERROR, "organization unit 'Nowhere' does not exist", "", "specs/bad.yaml", 3
        ),
    ),
    file="specs/bad.yaml",
    line=1,
)

RUN_WIDE = Diagnostic.error("the plan removes 12 members, more than --max-removals 5")


def plan(*workspaces: WorkspacePlan, problems: tuple[Diagnostic, ...] = ()) -> Plan:
    """A plan of `workspaces` sorted by address, as the planner makes them."""
    return Plan(
        api_url=API_URL,
        created_at=CREATED_AT,
        workspaces=tuple(sorted(workspaces, key=lambda w: w.address)),
        problems=problems,
    )


FULL = plan(CREATE, UPDATE, NOOP, ERROR, problems=(RUN_WIDE,))
"""Every kind at once: create, update (with a warning), no-op, error, a run-wide error."""
