"""engine.planner on plain values: resolving names and ids, adoption, prune, the removal guard."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reconciler.api.models import Person
from reconciler.engine import calls, guards, leaving, planner
from reconciler.engine.live import LiveRead, LiveWorkspace
from reconciler.engine.state import State, TenantState
from reconciler.model.operations import PersonRef, UpdateWorkspace
from reconciler.model.plan import Action, FieldChange, FieldOp, WorkspacePlan
from tests.engine.test_calls import CATALOG, STAR, TYPES, live, spec
from tests.engine.values import DEPARTMENT, described

DEPARTMENT_1 = replace(DEPARTMENT, unit_type_id=9)
CATALOG_WITH_DEPARTMENT = replace(
    CATALOG, types_by_unit={**CATALOG.types_by_unit, STAR.id: (*TYPES, DEPARTMENT_1)}
)
FINANCE = {
    "workspaceId: example": "key: finance",
    "name: Project01": "name: Finance 2",
    "workspaceType: Project": "workspaceType: Department Site",
}


def state(**tenants: TenantState) -> State:
    return State(Path("specs/.reconciler/state.json"), dict(tenants))


def test_resolve_finds_unit_and_type_by_name_or_any_case_id() -> None:
    s = spec(**{"organizationUnit: Star Unit": "organizationUnit: UNIT-STAR"})
    resolved = planner.resolve(s, CATALOG, state())
    assert (resolved.unit, resolved.wtype, resolved.workspace_id) == (STAR, TYPES[0], "example")
    assert resolved.problems == ()


def test_resolve_names_what_exists_when_a_name_is_unknown() -> None:
    unit = planner.resolve(spec(**{"Star Unit": "Moon"}), CATALOG, state())
    assert [p.message for p in unit.problems] == [
        "unknown organization unit 'Moon' (units: Star Unit, Butterfly)"
    ]
    kind = planner.resolve(spec(**{"workspaceType: Project": "workspaceType: X"}), CATALOG, state())
    assert [(p.message, p.line) for p in kind.problems] == [
        (
            "workspace type 'X' is not available in unit 'Star Unit' "
            "(types: Project, Project Plus, Team Room, Archive)",
            5,
        )
    ]


def test_a_catalog_that_could_not_be_read_is_every_document_s_error() -> None:
    resolved = planner.resolve(spec(), "cannot read the organization units", state())
    assert [p.message for p in resolved.problems] == ["cannot read the organization units"]


def test_a_prefix_with_name_id_is_derived_with_its_digits() -> None:
    resolved = planner.resolve(spec(**FINANCE), CATALOG_WITH_DEPARTMENT, state())
    assert (resolved.workspace_id, resolved.unrecorded, resolved.adopt) == (
        "dep.finance2",
        True,
        False,
    )


def test_a_recorded_key_uses_the_recorded_id() -> None:
    known = state(contoso=TenantState(keys={"finance": "dep.finance"}))
    resolved = planner.resolve(spec(**FINANCE), CATALOG_WITH_DEPARTMENT, known)
    assert (resolved.workspace_id, resolved.unrecorded) == ("dep.finance", False)


def test_a_name_without_letters_or_digits_is_refused_at_plan_time() -> None:
    s = spec(**{**FINANCE, "name: Finance 2": "name: '!!! ---'"})
    resolved = planner.resolve(s, CATALOG_WITH_DEPARTMENT, state())
    assert [(p.message, p.line) for p in resolved.problems] == [
        (
            "name '!!! ---' has no letters or digits to generate the WorkspaceId from "
            "(type 'Department Site' generates ids from the name)",
            3,
        )
    ]


def test_an_unrecorded_workspace_at_the_derived_id_is_never_taken_silently() -> None:
    s = spec("schema:\n  CostCenter: 42", **FINANCE)
    resolved = planner.resolve(s, CATALOG_WITH_DEPARTMENT, state())
    current = live(name="Finance 2", unit_type_id=9, schema={"CostCenter": "1"})
    plan = planner.plan_workspace(resolved, current)
    assert plan.action is Action.ERROR
    assert plan.problems[0].message.startswith(
        "workspace 'dep.finance2' (the id this name generates) exists but the state has no "
        "record of key 'finance': if it is this one, adopt it with `reconciler state import "
    )
    other = planner.plan_workspace(resolved, replace(current, workspace=None))
    assert other.action is Action.CREATE


def test_a_lost_create_is_adopted_and_recorded_by_flag_not_by_text() -> None:
    pending = {"finance": {"expected_id": "dep.finance2", "since": "2026-11-24T10:00:00Z"}}
    resolved = planner.resolve(
        spec(**FINANCE), CATALOG_WITH_DEPARTMENT, state(contoso=TenantState(pending=pending))
    )
    current = live(name="Finance 2", unit_type_id=9, schema={"CostCenter": "1"})
    plan = planner.plan_workspace(resolved, current)
    assert (plan.action, plan.adopt, plan.record_key, plan.calls) == (
        Action.UPDATE,
        True,
        "finance",
        (),
    )
    assert plan.changes == (
        FieldChange(("state", "finance"), FieldOp.ADD, None, "dep.finance2", "adopted"),
    )


def test_a_lost_create_of_a_full_id_cannot_be_guessed() -> None:
    pending = {"case": {"expected_id": None, "since": "2026-11-24T10:00:00Z"}}
    s = spec(**{**FINANCE, "key: finance": "key: case"})
    resolved = planner.resolve(
        s, CATALOG_WITH_DEPARTMENT, state(contoso=TenantState(pending=pending))
    )
    (problem,) = resolved.problems
    assert problem.message.startswith(
        "an apply at 2026-11-24T10:00:00Z sent the create of key 'case' and lost the answer"
    )


def test_two_documents_for_one_workspace_are_both_errors() -> None:
    first = planner.resolve(spec(), CATALOG, state())
    second = planner.resolve(
        spec(**{"workspaceId: example": "workspaceId: EXAMPLE"}), CATALOG, state()
    )
    checked = planner._one_spec_per_workspace([first, second])
    assert [len(r.problems) for r in checked] == [1, 1]
    assert checked[0].problems[0].message == (
        "contoso/example, contoso/EXAMPLE all lead to workspace 'example': give each document "
        "its own workspace (names of PrefixWithName types generate the id)"
    )


def test_prune_closes_with_the_live_properties_and_a_flag() -> None:
    current = live(name="Old", deputy=None)
    plan = leaving.prune_one(LiveRead("contoso", "example", False), current)
    (call,) = plan.calls
    assert call.operation == UpdateWorkspace(
        "example", "Old", closed=True, manager=PersonRef("Marko@XYZ.com", "Marko"), deputy=None
    )
    assert call.body == {
        "Name": "Old",
        "LifeCycle": 1,
        "Manager": {"Email": "Marko@XYZ.com", "Name": "Marko"},
    }
    assert (plan.action, plan.pruned, plan.address) == (Action.UPDATE, True, "contoso/example")


def test_prune_leaves_alone_what_it_cannot_close() -> None:
    read = LiveRead("contoso", "example", False)
    closed = leaving.prune_one(read, live(closed=True))
    assert (closed.action, closed.calls, closed.pruned) == (Action.NOOP, (), False)
    gone = leaving.prune_one(read, LiveWorkspace(None, None))
    assert [p.message for p in gone.problems] == ["--prune: left alone, it no longer exists"]
    busy = leaving.prune_one(read, live(stage=1))
    assert [p.message for p in busy.problems] == ["--prune: left alone, it is not Ready"]
    nobody = leaving.prune_one(read, live(manager=None))
    assert [p.message for p in nobody.problems] == [
        "--prune: left alone, the workspace has no manager to send"
    ]


def _removals(count: int) -> WorkspacePlan:
    changes = tuple(
        FieldChange(("team", "Members"), FieldOp.REMOVE, f"u{i}@xyz.com", None)
        for i in range(count)
    )
    return WorkspacePlan("contoso/example", "contoso", "example", Action.UPDATE, changes=changes)


def test_the_close_guard_counts_spec_closes_and_prunes() -> None:
    read = LiveRead("contoso", "example", False)
    closing = [replace(leaving.prune_one(read, live()), address=f"contoso/w{i}") for i in range(3)]
    assert all(w.closes for w in closing)
    assert guards.close_guard(closing, 3) == []
    (problem,) = guards.close_guard(closing, 2)
    assert problem.message == (
        "the plan closes 3 workspaces, more than --max-closes 2; check the specs (and --prune), "
        "then raise --max-closes on purpose. Closes: contoso/w0, contoso/w1, contoso/w2"
    )


def test_the_removal_guard_counts_over_the_run_and_lists_them() -> None:
    assert guards.removal_guard([_removals(3), replace(_removals(2), address="contoso/b")], 5) == []
    (problem,) = guards.removal_guard([_removals(3), replace(_removals(3), address="contoso/b")], 5)
    assert problem.is_error and problem.file is None
    assert problem.message.startswith(
        "the plan removes 6 team members, more than --max-removals 5; check the specs, then "
        "raise --max-removals on purpose. Removals: contoso/example: u0@xyz.com from Members; "
    )


def test_targets_match_address_id_or_key_without_case() -> None:
    s, empty = spec(), state()
    assert planner._targeted(s, (), empty)
    assert planner._targeted(s, ("CONTOSO/Example",), empty)
    assert planner._targeted(s, ("EXAMPLE",), empty)
    assert not planner._targeted(s, ("pr.01",), empty)


def test_a_target_may_be_the_id_the_state_records_for_a_key() -> None:
    s = spec(**FINANCE)
    known = state(contoso=TenantState(keys={"finance": "dep.finance"}))
    assert planner._targeted(s, ("DEP.finance",), known)
    assert planner._targeted(s, ("contoso/key=finance",), known)
    assert not planner._targeted(s, ("dep.finance",), state())
    assert not planner._targeted(s, ("",), state())


def test_live_people_are_sent_back_as_they_are() -> None:
    assert calls.live_person(Person("A@x.com", None)) == PersonRef("A@x.com")
    assert calls.live_person(Person("A@x.com", "")) == PersonRef("A@x.com")
    assert described([]) == []


def test_an_ambiguous_type_name_is_said_at_the_type_line() -> None:
    twin = replace(TYPES[0], id="type-project-twin")
    catalog = replace(CATALOG, types_by_unit={**CATALOG.types_by_unit, STAR.id: (*TYPES, twin)})
    resolved = planner.resolve(spec(), catalog, state())
    assert [(p.message, p.line) for p in resolved.problems] == [
        ("'Project' names 2 types; use the Id", 5)
    ]
