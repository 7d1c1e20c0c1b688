"""engine.calls on plain values: the exact operations, requests and changes of one workspace.

No server: a spec from YAML text, a live workspace built by hand. Each test
pins what apply would send (the operation and the request wire makes of it)
and what people are shown (FieldChanges with before and after).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from reconciler.api.models import (
    OrganizationUnit,
    Person,
    SchemaField,
    TeamGroup,
    Workspace,
    WorkspaceType,
)
from reconciler.engine.calls import Resolved, base_plan, plan_create, plan_update
from reconciler.engine.live import Catalog, LiveWorkspace
from reconciler.model.operations import (
    ChangeType,
    CreateWorkspace,
    PersonRef,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
)
from reconciler.model.plan import Action, FieldChange, FieldOp, WorkspacePlan
from reconciler.spec import WorkspaceSpec
from tests.engine.values import (
    ARCHIVE,
    PROJECT,
    PROJECT_PLUS,
    TEAM_ROOM,
    described,
    spec_from_yaml,
)

STAR = OrganizationUnit("unit-star", "Star Unit", "SU", None)
BUTTERFLY = OrganizationUnit("unit-butterfly", "Butterfly", "BF", None)
TYPES = (replace(PROJECT, unit_type_id=1), replace(PROJECT_PLUS, unit_type_id=2))
CATALOG = Catalog(
    "contoso",
    (STAR, BUTTERFLY),
    {
        STAR.id: (*TYPES, replace(TEAM_ROOM, unit_type_id=3), replace(ARCHIVE, unit_type_id=4)),
        BUTTERFLY.id: (replace(PROJECT, unit_type_id=5),),
    },
)

SPEC = """
    kind: Workspace
    workspaceId: example
    name: Project01
    organizationUnit: Star Unit
    workspaceType: Project
    manager: marko@xyz.com
"""
MARKO = Person("Marko@XYZ.com", "Marko")  # the directory's spelling, not the spec's
ANITA = Person("anita@xyz.com", "Anita")
LIVE_SCHEMA = {
    "StartDate": "2024-01-01T00:00:00Z",
    "EndDate": None,
    "Customer": "Migros",
    "Phase": "Execution",
    "Description": "As it is",
}


def spec(extra: str = "", **replacements: str) -> WorkspaceSpec:
    text = SPEC
    for old, new in replacements.items():
        text = text.replace(old, new)
    return spec_from_yaml(text + "\n".join("    " + line for line in extra.splitlines()))


def live(
    *,
    name: str = "Project01",
    manager: Person | None = MARKO,
    deputy: Person | None = ANITA,
    closed: bool = False,
    stage: int = 2,
    unit_type_id: int = 1,
    schema: dict[str, str | None] | None = None,
    team: dict[str, tuple[str, ...]] | None = None,
) -> LiveWorkspace:
    values = LIVE_SCHEMA if schema is None else schema
    workspace = Workspace(
        id=1,
        workspace_id="example",
        name=name,
        unit_type_id=unit_type_id,
        url=None,
        stage=stage,
        shared=False,
        life_cycle=1 if closed else 0,
        created=None,
        modified=None,
        creator=None,
        modifier=None,
        manager=manager,
        deputy=deputy,
        cards=(),
        schema=tuple(SchemaField(n, "string", v, False, None) for n, v in values.items()),
    )
    groups = None
    if team is not None:
        groups = tuple(TeamGroup(f"{name} {g}", g, m) for g, m in team.items())
    return LiveWorkspace(workspace, groups)


def resolved(s: WorkspaceSpec, wtype: WorkspaceType = TYPES[0], **extra: Any) -> Resolved:
    unit = BUTTERFLY if s.organization_unit == "Butterfly" else STAR
    return Resolved(s, unit, wtype, s.workspace_id, CATALOG, **extra)


def update(s: WorkspaceSpec, current: LiveWorkspace, **extra: Any) -> WorkspacePlan:
    wtype = extra.pop("wtype", TYPES[0])
    return plan_update(base_plan(s, s.workspace_id), resolved(s, wtype, **extra), current)


def requests(plan: WorkspacePlan) -> list[tuple[str, str, Any]]:
    return [(c.method, c.path, c.body) for c in plan.calls]


# --- create ---------------------------------------------------------------------------------


def test_create_is_one_post_with_schema_and_team_in_the_service_s_forms() -> None:
    s = spec(
        "deputy: {email: ana@xyz.com, name: Ana}\n"
        "description: First\n"
        "schema:\n  StartDate: 2024-03-01T10:00:00+02:00\n  Customer: Coop\n"
        "team:\n  Members: [imp@xyz.com]\n  Visitors: []",
        **{"workspaceId: example": "workspaceId: pr.02"},
    )
    plan = plan_create(base_plan(s, "pr.02"), resolved(s))
    assert plan.action is Action.CREATE
    (call,) = plan.calls
    assert call.operation == CreateWorkspace(
        name="Project01",
        organization_unit_id="unit-star",
        workspace_type_id=PROJECT.id,
        manager=PersonRef("marko@xyz.com"),
        workspace_id="pr.02",
        description="First",
        deputy=PersonRef("ana@xyz.com", "Ana"),
        schema=(("StartDate", "2024-03-01T08:00:00Z"), ("Customer", "Coop")),
        team=(("Members", ("imp@xyz.com",)), ("Visitors", ())),
    )
    assert (call.method, call.path, call.summary) == (
        "POST",
        "/workspaces",
        "create SharePoint workspace",
    )
    assert call.body["Schema"] == [
        {"FieldName": "StartDate", "FieldValue": "2024-03-01T08:00:00Z"},
        {"FieldName": "Customer", "FieldValue": "Coop"},
    ]
    assert call.body["Team"] == {"Added": [{"Group": "Members", "Members": ["imp@xyz.com"]}]}
    assert [(c.path, c.after) for c in plan.changes] == [
        (("workspaceId",), "pr.02"),
        (("name",), "Project01"),
        (("organizationUnit",), "Star Unit"),
        (("workspaceType",), "Project"),
        (("manager",), "marko@xyz.com"),
        (("deputy",), "ana@xyz.com"),
        (("description",), "First"),
        (("schema", "StartDate"), "2024-03-01T08:00:00Z"),
        (("schema", "Customer"), "Coop"),
        (("team", "Members"), "imp@xyz.com"),
    ]


def test_a_boolean_true_is_sent_as_1() -> None:
    s = spec(
        "schema:\n  Topic: Onboarding\n  Confidential: true",
        **{
            "workspaceId: example": "workspaceId: tr.new",
            "workspaceType: Project": "workspaceType: Team Room",
        },
    )
    plan = plan_create(base_plan(s, "tr.new"), resolved(s, TEAM_ROOM))
    assert dict(plan.calls[0].operation.schema) == {"Topic": "Onboarding", "Confidential": "1"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("extra", "wtype", "expected"),
    [
        ("lifeCycle: closed", PROJECT, [("error", "a new workspace cannot be created closed", 7)]),
        (
            "schema:\n  Nope: x",
            PROJECT,
            [
                (
                    "error",
                    "schema field 'Nope' is not defined by 'Project' (fields: StartDate, "
                    "EndDate, Customer, Phase, Description)",
                    8,
                )
            ],
        ),
        (
            "schema:\n  Phase: Done",
            PROJECT,
            [
                (
                    "error",
                    "schema field 'Phase': 'Done' is not one of Initiation, Execution, Closure",
                    8,
                )
            ],
        ),
        (
            "schema:\n  StartDate: someday",
            PROJECT,
            [
                (
                    "error",
                    "schema field 'StartDate' (datetime): "
                    "'someday' is not an ISO 8601 date or datetime",
                    8,
                )
            ],
        ),
        (
            "team:\n  Owners: [a@xyz.com]",
            PROJECT,
            [
                (
                    "error",
                    "team group 'Owners' is not managed on SharePoint workspaces "
                    "(groups: Managers, Members, Visitors)",
                    8,
                )
            ],
        ),
        (
            "schema:\n  Topic: x\nteam:\n  Members: [AD_Group]",
            TEAM_ROOM,
            [("error", "'AD_Group' looks like an AD group: Teams takes email accounts only", 10)],
        ),
        ("", TEAM_ROOM, [("error", "schema field 'Topic' is required by 'Team Room'", 1)]),
    ],
    ids=["closed", "unknown-field", "valid-values", "datetime", "group", "ad-on-teams", "required"],
)
def test_create_refusals_name_the_line(
    extra: str, wtype: WorkspaceType, expected: list[tuple[str, str, int]]
) -> None:
    s = spec(extra, **{"workspaceId: example": "workspaceId: tr.x"})
    plan = plan_create(base_plan(s, "tr.x"), resolved(s, wtype))
    assert plan.action is Action.ERROR and plan.calls == ()
    assert [(sev, msg, line) for sev, msg, _, line in described(plan.problems)] == expected


def test_a_keyed_create_without_a_state_file_warns() -> None:
    s = spec(**{"workspaceId: example": "key: finance"})
    plan = plan_create(base_plan(s, None), resolved(s, state_exists=False))
    assert plan.action is Action.CREATE and plan.record_key == "finance"
    assert [p.summary for p in plan.warnings] == [
        "no state file yet, so this keyed workspace is new to the tool; if it was created "
        "with another state file, point --state at that one instead"
    ]


# --- update ---------------------------------------------------------------------------------


def test_in_sync_is_a_noop_whatever_the_case_of_emails() -> None:
    plan = update(spec("schema:\n  Phase: Execution"), live())
    assert (plan.action, plan.calls, plan.changes) == (Action.NOOP, (), ())


def test_rename_sends_the_full_set_with_the_untouched_deputy_back() -> None:
    plan = update(spec(**{"name: Project01": "name: Orange"}), live())
    (call,) = plan.calls
    assert call.operation == UpdateWorkspace(
        "example",
        "Orange",
        closed=False,
        manager=PersonRef("marko@xyz.com", "Marko"),
        deputy=PersonRef("anita@xyz.com", "Anita"),
    )
    assert requests(plan) == [
        (
            "PUT",
            "/workspaces/example",
            {
                "Name": "Orange",
                "LifeCycle": 0,
                "Manager": {"Email": "marko@xyz.com", "Name": "Marko"},
                "Deputy": {"Email": "anita@xyz.com", "Name": "Anita"},
            },
        )
    ]
    assert plan.changes == (FieldChange(("name",), FieldOp.CHANGE, "Project01", "Orange"),)


def test_deputy_null_removes_it_and_a_new_manager_has_no_name_to_borrow() -> None:
    plan = update(
        spec("deputy: null", **{"manager: marko@xyz.com": "manager: bob@xyz.com"}), live()
    )
    (call,) = plan.calls
    assert call.body == {"Name": "Project01", "LifeCycle": 0, "Manager": {"Email": "bob@xyz.com"}}
    assert [(c.path, c.op, c.before, c.after) for c in plan.changes] == [
        (("deputy",), FieldOp.CHANGE, "anita@xyz.com", None),
        (("manager",), FieldOp.CHANGE, "marko@xyz.com", "bob@xyz.com"),
    ]


def test_schema_put_lists_every_field_once_with_live_values_for_the_unlisted() -> None:
    plan = update(spec("schema:\n  Phase: Closure\n  EndDate: 2025-06-30"), live())
    (call,) = plan.calls
    assert call.operation == UpdateSchema(
        "example",
        (
            ("StartDate", "2024-01-01T00:00:00Z"),
            ("EndDate", "2025-06-30T00:00:00Z"),
            ("Customer", "Migros"),
            ("Phase", "Closure"),
            ("Description", "As it is"),
        ),
    )
    assert (call.path, call.summary) == ("/workspaces/example/schema", "update schema (2 field(s))")
    assert [(c.path, c.op, c.before, c.after) for c in plan.changes] == [
        (("schema", "EndDate"), FieldOp.CHANGE, None, "2025-06-30T00:00:00Z"),
        (("schema", "Phase"), FieldOp.CHANGE, "Execution", "Closure"),
    ]


def test_team_put_adds_and_removes_with_the_manager_implied() -> None:
    current = live(
        team={"Members": ("Marko@XYZ.com", "imp@xyz.com"), "Visitors": ("lucas@xyz.com",)}
    )
    plan = update(spec("team:\n  Members: [ana@xyz.com]\n  Visitors: []"), current)
    (call,) = plan.calls
    assert call.operation == UpdateTeam(
        "example",
        added=(("Members", ("ana@xyz.com",)),),
        removed=(("Members", ("imp@xyz.com",)), ("Visitors", ("lucas@xyz.com",))),
    )
    assert call.summary == "update team (1 added, 2 removed)"
    assert call.body == {
        "Added": [{"Group": "Members", "Members": ["ana@xyz.com"]}],
        "Removed": [
            {"Group": "Members", "Members": ["imp@xyz.com"]},
            {"Group": "Visitors", "Members": ["lucas@xyz.com"]},
        ],
    }


def test_a_manager_change_is_predicted_on_the_owner_group() -> None:
    current = live(team={"Managers": ("marko@xyz.com",), "Members": ("marko@xyz.com",)})
    s = spec(
        "team:\n  Managers: []\n  Members: []", **{"manager: marko@xyz.com": "manager: bob@xyz.com"}
    )
    plan = update(s, current)
    # The service moves the manager itself: the PUT of the workspace is all it takes,
    # and the old manager's Members seat goes (Members is listed, and he is not implied).
    assert [type(c.operation).__name__ for c in plan.calls] == ["UpdateWorkspace", "UpdateTeam"]
    team = plan.calls[1].operation
    assert team == UpdateTeam("example", removed=(("Members", ("marko@xyz.com",)),))


def test_type_change_comes_before_schema_and_team() -> None:
    current = live(team={"Members": ("marko@xyz.com",)})
    s = spec(
        "schema:\n  Phase: Closure\nteam:\n  Members: [ana@xyz.com]",
        **{"workspaceType: Project": "workspaceType: Project Plus"},
    )
    plan = update(s, current, wtype=TYPES[1])
    assert plan.calls[0].operation == ChangeType("example", PROJECT_PLUS.id)
    assert [c.path for c in plan.calls] == [
        "/workspaces/example/workspaceType",
        "/workspaces/example/schema",
        "/workspaces/example/team",
    ]
    assert plan.changes[0] == FieldChange(
        ("workspaceType",), FieldOp.CHANGE, "Project", "Project Plus"
    )


def test_reopen_first_and_close_last() -> None:
    reopen = update(spec("schema:\n  Phase: Closure"), live(closed=True))
    assert [
        (c.summary, c.body.get("LifeCycle") if isinstance(c.body, dict) else None)
        for c in reopen.calls
    ] == [
        ("reopen workspace", 0),
        ("update schema (1 field(s))", None),
    ]
    close = update(spec("lifeCycle: closed\nschema:\n  Phase: Closure"), live())
    stays = update(spec("lifeCycle: closed\nschema:\n  Phase: Closure"), live(closed=True))
    assert [c.summary for c in stays.calls] == ["update schema (1 field(s))"]
    renamed_closed = update(
        spec("lifeCycle: closed", **{"name: Project01": "name: Orange"}), live(closed=True)
    )
    assert [(c.summary, c.body["LifeCycle"]) for c in renamed_closed.calls] == [
        ("update workspace", 1)
    ]
    assert [
        (c.summary, c.body.get("LifeCycle") if isinstance(c.body, dict) else None)
        for c in close.calls
    ] == [
        ("update schema (1 field(s))", None),
        ("close workspace", 1),
    ]


@pytest.mark.parametrize(
    ("s", "current", "wtype", "expected"),
    [
        (
            spec(**{"organizationUnit: Star Unit": "organizationUnit: Butterfly"}),
            live(),
            TYPES[0],
            [
                (
                    "error",
                    "the organization unit of an existing workspace cannot change "
                    "(live: 'Star Unit', spec: 'Butterfly')",
                    4,
                )
            ],
        ),
        (
            spec(**{"workspaceType: Project": "workspaceType: Team Room"}),
            live(),
            replace(TEAM_ROOM, unit_type_id=3),
            [
                (
                    "error",
                    "cannot change type: workspace type 'Team Room' does not have the same "
                    "schema as 'Project'",
                    5,
                )
            ],
        ),
        (
            spec(**{"workspaceType: Project": "workspaceType: Archive"}),
            live(),
            replace(ARCHIVE, unit_type_id=4),
            [("error", "cannot change type: workspace type 'Archive' is not active", 5)],
        ),
        (
            spec(),
            live(stage=1),
            TYPES[0],
            [
                (
                    "error",
                    "the workspace is busy (Stage: Provisioning); plan again when it is Ready",
                    1,
                )
            ],
        ),
        (
            spec(),
            live(stage=3),
            TYPES[0],
            [
                (
                    "error",
                    "provisioning of this workspace failed (Stage: Failed); ask the service desk",
                    1,
                )
            ],
        ),
    ],
    ids=["unit-change", "type-schema", "type-inactive", "busy", "failed"],
)
def test_update_refusals_name_the_line(
    s: WorkspaceSpec,
    current: LiveWorkspace,
    wtype: WorkspaceType,
    expected: list[tuple[str, str, int]],
) -> None:
    plan = update(s, current, wtype=wtype)
    assert plan.action is Action.ERROR and plan.calls == ()
    assert [(sev, msg, line) for sev, msg, _, line in described(plan.problems)] == expected


def test_a_description_on_an_existing_workspace_is_a_warning_only() -> None:
    plan = update(spec("description: Later"), live())
    assert plan.action is Action.NOOP
    assert described(plan.problems) == [
        (
            "warning",
            "description is set at creation only; the service cannot change or show it",
            "specs/unit.yaml",
            7,
        )
    ]


def test_the_plan_records_the_live_digest_and_the_team_read() -> None:
    current = live(team={"Members": ("marko@xyz.com",)})
    plan = update(spec("team:\n  Members: []"), current)
    assert plan.live_digest == current.digest and plan.reads_team is True
    assert update(spec(), live()).reads_team is False


def test_a_teams_workspace_owner_group_is_owners() -> None:
    teams = replace(TEAM_ROOM, unit_type_id=3)
    current = live(
        unit_type_id=3,
        schema={"Topic": "x", "Confidential": "0"},
        team={"Owners": ("marko@xyz.com",), "Members": ("marko@xyz.com",)},
    )
    s = spec(
        "team:\n  Owners: [ana@xyz.com]", **{"workspaceType: Project": "workspaceType: Team Room"}
    )
    plan = update(s, current, wtype=teams)
    (call,) = plan.calls
    assert call.operation == UpdateTeam("example", added=(("Owners", ("ana@xyz.com",)),))


def test_a_wrong_required_value_is_said_once() -> None:
    s = spec(
        "schema:\n  Topic: x\n  Confidential: maybe",
        **{
            "workspaceId: example": "workspaceId: tr.x",
            "workspaceType: Project": "workspaceType: Team Room",
        },
    )
    required_topic = replace(
        TEAM_ROOM,
        schema_definition=tuple(replace(f, is_required=True) for f in TEAM_ROOM.schema_definition),
    )
    plan = plan_create(base_plan(s, "tr.x"), resolved(s, required_topic))
    assert [p.message for p in plan.problems] == [
        "schema field 'Confidential' (boolean): 'maybe' is not a boolean (true, false, 1 or 0)"
    ]
