"""engine.planner's messages pinned whole: text, severity and the spec line they point at."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reconciler.api.errors import ApiError
from reconciler.engine import planner
from reconciler.engine.live import LiveWorkspace
from reconciler.engine.state import State, TenantState
from reconciler.errors import ReconcilerError
from reconciler.model.plan import Action, FieldChange, FieldOp
from tests.engine.test_calls import CATALOG, STAR, live, spec
from tests.engine.test_planner import CATALOG_WITH_DEPARTMENT, FINANCE, state

STATE_PATH = "specs/.reconciler/state.json"
TYPES_NOTE = "(type 'Department Site' generates ids from the name)"


def placed(problems: Any) -> list[tuple[str, str, int | None, int | None]]:
    """(severity, message, line, column): the spec SPEC has name on line 3, key or
    workspaceId on line 2, organizationUnit on 4, workspaceType on 5."""
    return [(p.severity.value, p.message, p.line, p.column) for p in problems]


def test_plan_options_defaults() -> None:
    options = planner.PlanOptions("https://x", "now")
    assert (options.targets, options.max_removals, options.max_closes, options.prune) == (
        (),
        10,
        5,
        False,
    )


def test_resolve_problems_point_at_their_line() -> None:
    unit = planner.resolve(spec(**{"Star Unit": "Moon"}), CATALOG, state())
    assert placed(unit.problems) == [
        ("error", "unknown organization unit 'Moon' (units: Star Unit, Butterfly)", 4, 19)
    ]
    kind = planner.resolve(spec(**{"workspaceType: Project": "workspaceType: X"}), CATALOG, state())
    assert placed(kind.problems) == [
        (
            "error",
            "workspace type 'X' is not available in unit 'Star Unit' "
            "(types: Project, Project Plus, Team Room, Archive)",
            5,
            16,
        )
    ]
    assert kind.unit == STAR and kind.wtype is None
    unread = planner.resolve(spec(), "cannot read", state())
    assert placed(unread.problems) == [("error", "cannot read", 1, 1)]


def test_an_ambiguous_unit_points_at_the_unit() -> None:
    twin = replace(STAR, id="unit-twin", name="Twin", short_name="SU")
    ambiguous = replace(CATALOG, units=(*CATALOG.units, twin))
    resolved = planner.resolve(spec(**{"Star Unit": "SU"}), ambiguous, state())
    assert placed(resolved.problems) == [
        ("error", "'SU' names 2 organization units; use the unit's Id", 4, 19)
    ]
    assert resolved.unit is None


def test_a_name_that_generates_no_id_points_at_the_name() -> None:
    s = spec(**{**FINANCE, "name: Finance 2": "name: '!!! ---'"})
    resolved = planner.resolve(s, CATALOG_WITH_DEPARTMENT, state())
    assert placed(resolved.problems) == [
        (
            "error",
            "name '!!! ---' has no letters or digits to generate the WorkspaceId from "
            + TYPES_NOTE,
            3,
            7,
        )
    ]


def test_a_lost_create_of_a_generated_id_says_how_to_recover() -> None:
    pending = {"case": {"expected_id": None, "since": "T"}}
    s = spec(**{**FINANCE, "key: finance": "key: case"})
    resolved = planner.resolve(
        s, CATALOG_WITH_DEPARTMENT, state(contoso=TenantState(pending=pending))
    )
    where = f"--state {STATE_PATH} --tenant contoso"
    assert placed(resolved.problems) == [
        (
            "error",
            "an apply at T sent the create of key 'case' and lost the answer; the service "
            "generates this type's ids, so it may exist under an id we cannot know. Find it, "
            f"then `reconciler state import {where} case WORKSPACE_ID`; or, if it was not "
            f"created, `reconciler state forget {where} case` to create it again",
            2,
            6,
        )
    ]
    assert resolved.workspace_id is None and resolved.wtype is not None
    no_time = planner._lost_create(s, {}, state())
    assert no_time.message.startswith("an apply at ? sent the create of key 'case'")


def test_a_pending_id_the_state_gives_another_key_is_refused() -> None:
    pending = {"finance": {"expected_id": "dep.x"}}
    known = state(contoso=TenantState(keys={"other": "DEP.X"}, pending=pending))
    resolved = planner.resolve(spec(**FINANCE), CATALOG_WITH_DEPARTMENT, known)
    assert placed(resolved.problems) == [
        (
            "error",
            "key 'finance' waits on 'dep.x', which the state records under another key: "
            f"`reconciler state forget --state {STATE_PATH} --tenant contoso finance`",
            2,
            6,
        )
    ]
    assert resolved.workspace_id is None


def test_a_pending_create_is_adopted_at_its_expected_id() -> None:
    pending = {"finance": {"expected_id": "dep.expected", "since": "T"}}
    resolved = planner.resolve(
        spec(**FINANCE), CATALOG_WITH_DEPARTMENT, state(contoso=TenantState(pending=pending))
    )
    assert (resolved.workspace_id, resolved.adopt, resolved.unrecorded) == (
        "dep.expected",
        True,
        True,
    )
    assert (resolved.state_exists, resolved.state_path) == (True, STATE_PATH)
    fresh = planner.resolve(
        spec(**FINANCE), CATALOG_WITH_DEPARTMENT, State(Path("s.json"), exists=False)
    )
    assert (fresh.adopt, fresh.state_exists, fresh.state_path) == (False, False, "s.json")


def test_plan_workspace_problems_point_at_their_line() -> None:
    resolved = planner.resolve(spec(), CATALOG, state())
    unread = planner.plan_workspace(resolved, LiveWorkspace(None, None, error="boom"))
    assert unread.action is Action.ERROR
    assert placed(unread.problems) == [("error", "cannot read the workspace: boom", 1, 1)]
    keyed = planner.resolve(
        spec("schema:\n  CostCenter: 42", **FINANCE), CATALOG_WITH_DEPARTMENT, state()
    )
    taken = planner.plan_workspace(
        keyed, live(name="Other", unit_type_id=9, schema={"CostCenter": "1"})
    )
    assert placed(taken.problems) == [
        (
            "error",
            "the id this name generates, 'dep.finance2', is taken by another workspace "
            "('Other'): give this workspace another name",
            2,
            6,
        )
    ]
    unknown = planner.plan_workspace(
        keyed, live(name="Finance 2", unit_type_id=9, schema={"CostCenter": "1"})
    )
    assert placed(unknown.problems) == [
        (
            "error",
            "workspace 'dep.finance2' (the id this name generates) exists but the state has no "
            "record of key 'finance': if it is this one, adopt it with `reconciler state import "
            f"--state {STATE_PATH} --tenant contoso finance dep.finance2`",
            2,
            6,
        )
    ]
    errored = planner.plan_workspace(replace(resolved, problems=unread.problems), None)
    assert errored.action is Action.ERROR and errored.problems == unread.problems
    no_type = planner.plan_workspace(replace(resolved, wtype=None), None)
    assert no_type.action is Action.ERROR and no_type.problems == ()
    no_unit = planner.plan_workspace(replace(resolved, unit=None), None)
    assert no_unit.action is Action.ERROR


def test_an_adoption_is_a_warning_and_a_change() -> None:
    pending = {"finance": {"expected_id": "dep.finance2", "since": "T"}}
    resolved = planner.resolve(
        spec(**FINANCE), CATALOG_WITH_DEPARTMENT, state(contoso=TenantState(pending=pending))
    )
    plan = planner.plan_workspace(
        resolved, live(name="Finance 2", unit_type_id=9, schema={"CostCenter": "1"})
    )
    assert placed(plan.problems) == [
        (
            "warning",
            "adopting 'dep.finance2', created by an earlier apply whose answer was lost; "
            "apply records it under the key",
            2,
            6,
        )
    ]
    assert plan.changes[0] == FieldChange(
        ("state", "finance"), FieldOp.ADD, None, "dep.finance2", "adopted"
    )
    broken = planner.plan_workspace(
        resolved, live(name="Finance 2", unit_type_id=99, schema={"CostCenter": "1"})
    )
    assert broken.action is Action.ERROR and not broken.adopt and broken.record_key is None


def test_two_documents_for_one_workspace_point_at_each_document() -> None:
    first = planner.resolve(spec(), CATALOG, state())
    second = planner.resolve(
        spec(**{"workspaceId: example": "workspaceId: EXAMPLE"}), CATALOG, state()
    )
    third = planner.resolve(
        spec(**{"workspaceId: example": "workspaceId: other"}), CATALOG, state()
    )
    checked = planner._one_spec_per_workspace([first, second, third])
    message = (
        "contoso/example, contoso/EXAMPLE all lead to workspace 'example': give each document "
        "its own workspace (names of PrefixWithName types generate the id)"
    )
    assert [placed(r.problems) for r in checked] == [[("error", message, 1, 1)]] * 2 + [[]]
    assert checked[0].unit is None and checked[2] is third


def test_partial_notice() -> None:
    notice = planner._partial_notice(2, 5, False)
    assert notice.severity.value == "warning"
    assert notice.message == (
        "this plan is partial: --target limits it to 2 of 5 workspaces; the others, and "
        "workspaces that left the specs, were not looked at."
    )
    assert planner._partial_notice(2, 5, True).message == (
        notice.message + " --prune is skipped with --target."
    )


def test_written_id_and_sent_description() -> None:
    known = state(contoso=TenantState(keys={"finance": "dep.f"}, descriptions={"example": "d1"}))
    assert planner._written_id(spec(), known) == "example"
    assert planner._written_id(spec(**FINANCE), known) == "dep.f"
    assert planner._written_id(spec(**FINANCE), state()) == ""
    resolved = planner.resolve(spec(), CATALOG, known)
    assert planner._with_sent_description(resolved, known).sent_description == "d1"
    unnamed = replace(resolved, workspace_id=None)
    assert planner._with_sent_description(unnamed, known) is unnamed


class FailingClient:
    def list_organization_units(self) -> None:
        raise ApiError("boom", status=500)


def test_a_catalog_that_cannot_be_read_is_a_message() -> None:
    assert planner._catalog(FailingClient(), "contoso") == (  # type: ignore[arg-type]
        "cannot read the organization units of tenant 'contoso': boom"
    )


def test_unmatched_targets_are_refused() -> None:
    options = planner.PlanOptions("https://x", "now", targets=("nope", "example", "other"))
    with pytest.raises(ReconcilerError) as caught:
        planner.make_plan([spec()], {}, state(), options)
    assert str(caught.value) == (
        "--target nope, other matches no workspace in the specs (give an address such as "
        "contoso/pr.01, a workspaceId, a key, or the id the state records for a key)"
    )


class CatalogClient:
    """The catalog of test_calls, and workspaces by id; every read logged."""

    def __init__(self, workspaces: dict[str, Any]) -> None:
        self.workspaces = workspaces
        self.reads: list[str] = []

    def list_organization_units(self) -> tuple[Any, ...]:
        return CATALOG.units

    def list_available_workspace_types(self, unit_id: str) -> tuple[Any, ...]:
        return tuple(CATALOG.types_by_unit[unit_id])

    def get_workspace(self, workspace_id: str) -> Any:
        self.reads.append(workspace_id)
        return self.workspaces.get(workspace_id)

    def get_team(self, workspace_id: str, name: str) -> Any:
        self.reads.append(f"team {workspace_id}")
        return ()


def test_make_plan_reads_what_the_specs_need_and_lists_what_left() -> None:
    current = live(name="Old name").workspace
    gone = replace(current, workspace_id="gone")
    client = CatalogClient({"example": current, "gone": gone})
    known = state(contoso=TenantState(managed={"gone", "EXAMPLE"}))
    specs = [
        spec(**{"workspaceId: example": "workspaceId: zz.new"}),
        spec("team:\n  Members: [imp@xyz.com]"),
        spec(**{"Star Unit": "Moon", "workspaceId: example": "workspaceId: bad"}),
    ]
    progress: list[tuple[int, int]] = []
    plan = planner.make_plan(
        specs,
        {"contoso": client},  # type: ignore[dict-item]
        known,
        planner.PlanOptions("https://x", "now"),
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert client.reads == ["zz.new", "example", "team example"]
    assert progress == [(1, 2), (2, 2)]
    assert [(w.address, w.action) for w in plan.workspaces] == [
        ("contoso/bad", Action.ERROR),
        ("contoso/example", Action.UPDATE),
        ("contoso/zz.new", Action.CREATE),
    ]
    assert plan.leaving == ("contoso/gone",)
    assert (plan.api_url, plan.created_at, plan.partial, plan.problems) == (
        "https://x",
        "now",
        False,
        (),
    )
    assert (plan.context.state_path, plan.context.state_existed) == (STATE_PATH, True)


def test_make_plan_with_prune_closes_what_left() -> None:
    current = live().workspace
    gone = replace(current, workspace_id="gone", name="Gone")
    client = CatalogClient({"example": current, "gone": gone})
    known = state(contoso=TenantState(managed={"gone"}))
    options = planner.PlanOptions("https://x", "now", prune=True)
    plan = planner.make_plan([spec()], {"contoso": client}, known, options)  # type: ignore[dict-item]
    assert [(w.address, w.action, w.pruned) for w in plan.workspaces] == [
        ("contoso/example", Action.NOOP, False),
        ("contoso/gone", Action.UPDATE, True),
    ]
    assert plan.leaving == ()


def test_make_plan_with_targets_is_partial() -> None:
    client = CatalogClient({"example": live().workspace})
    known = state(contoso=TenantState(managed={"gone"}))
    options = planner.PlanOptions("https://x", "now", targets=("EXAMPLE",), prune=True)
    other = spec(**{"workspaceId: example": "workspaceId: other"})
    plan = planner.make_plan([spec(), other], {"contoso": client}, known, options)  # type: ignore[dict-item]
    assert [w.address for w in plan.workspaces] == ["contoso/example"]
    assert plan.partial is True and plan.leaving == ()
    assert [p.message for p in plan.problems] == [planner._partial_notice(1, 2, True).message]
    assert client.reads == ["example"]


def test_make_plan_guards_removals_and_closes() -> None:
    team = {"Members": ("a@x.com", "b@x.com", "marko@xyz.com"), "Managers": ("marko@xyz.com",)}
    current = live(team=team)
    client = CatalogClient({"example": current.workspace})
    client.get_team = lambda workspace_id, name: current.team  # type: ignore[method-assign]
    options = planner.PlanOptions("https://x", "now", max_removals=1, max_closes=0)
    s = spec("lifeCycle: closed\nteam:\n  Members: [marko@xyz.com]\n  Managers: [marko@xyz.com]")
    plan = planner.make_plan([s], {"contoso": client}, state(), options)  # type: ignore[dict-item]
    assert [p.severity.value for p in plan.problems] == ["error", "error"]
    assert plan.problems[0].message.startswith("the plan removes 2 team members")


def test_an_absent_id_key_or_record_matches_no_target() -> None:
    keyed = spec(**FINANCE)
    for target in ("xx", "XX", ""):
        assert not planner._targeted(spec(), (target,), state())
        assert not planner._targeted(keyed, (target,), state())


def test_a_key_of_a_full_type_has_no_id_before_the_create() -> None:
    from tests.engine.values import CUSTOMER_CASE

    case_type = replace(CUSTOMER_CASE, unit_type_id=8)
    catalog = replace(CATALOG, types_by_unit={**CATALOG.types_by_unit, STAR.id: (case_type,)})
    s = spec(
        "schema:\n  Customer: Coop",
        **{**FINANCE, "workspaceType: Department Site": "workspaceType: Customer Case"},
    )
    resolved = planner.resolve(s, catalog, state())
    assert resolved.problems == ()
    assert (resolved.workspace_id, resolved.unrecorded, resolved.adopt) == (None, True, False)
