"""engine.calls: messages with the spec line they point at, and the less common paths."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.api.models import Person
from reconciler.engine import calls
from reconciler.engine.calls import Resolved, base_plan, plan_create
from reconciler.model.plan import Action
from tests.engine.test_calls import live, resolved, spec, update
from tests.engine.values import TEAM_ROOM


def placed(problems: Any) -> list[tuple[str, str, int | None, int | None]]:
    return [(p.severity.value, p.message, p.line, p.column) for p in problems]


def test_defaults_and_stage_names() -> None:
    r = Resolved(spec())
    assert (r.unrecorded, r.adopt, r.state_exists, r.state_path, r.sent_description) == (
        False,
        False,
        True,
        "",
        None,
    )
    assert calls.STAGE_NAMES == (
        "ForProvisioning",
        "Provisioning",
        "Ready",
        "Failed",
        "Updating",
        "ForDeletion",
    )


def test_a_keyed_create_without_a_state_file_is_warned_at_the_key() -> None:
    s = spec(**{"workspaceId: example": "key: k"})
    plan = plan_create(base_plan(s, None), resolved(s, state_exists=False))
    assert plan.action is Action.CREATE and plan.record_key == "k"
    assert placed(plan.problems) == [
        (
            "warning",
            "no state file yet, so this keyed workspace is new to the tool; if it was created "
            "with another state file, point --state at that one instead",
            2,
            6,
        )
    ]
    quiet = plan_create(base_plan(s, None), resolved(s, state_exists=True))
    assert quiet.problems == ()
    unkeyed = plan_create(base_plan(spec(), None), resolved(spec(), state_exists=False))
    assert unkeyed.problems == () and unkeyed.record_key is None


def test_a_unit_type_id_the_catalog_does_not_know() -> None:
    plan = update(spec(), live(unit_type_id=77))
    assert plan.action is Action.ERROR
    assert placed(plan.problems) == [
        ("error", "the workspace's UnitTypeId 77 matches no unit and type", 1, 1)
    ]


def test_names_of_people_are_compared_when_the_spec_gives_them() -> None:
    named = spec(**{"manager: marko@xyz.com": "manager: {email: marko@xyz.com, name: Marko M}"})
    plan = update(named, live())
    assert [(c.path, c.before, c.after) for c in plan.changes] == [
        (("managerName",), "Marko", "Marko M")
    ]
    assert [c.summary for c in plan.calls] == ["update workspace"]
    nameless = update(named, live(manager=None))
    assert [(c.path, c.before, c.after) for c in nameless.changes][:2] == [
        (("manager",), None, "marko@xyz.com"),
        (("managerName",), None, "Marko M"),
    ]
    deputy = update(spec("deputy: {email: anita@xyz.com, name: Anita A}"), live())
    assert [(c.path, c.before, c.after) for c in deputy.changes] == [
        (("deputyName",), "Anita", "Anita A")
    ]
    no_deputy = update(spec("deputy: {email: anita@xyz.com, name: Anita A}"), live(deputy=None))
    assert [(c.path, c.before, c.after) for c in no_deputy.changes] == [
        (("deputy",), None, "anita@xyz.com"),
        (("deputyName",), None, "Anita A"),
    ]


def test_reopen_and_closed_summaries() -> None:
    reopened = update(spec("schema:\n  Phase: Closure"), live(closed=True))
    assert [c.summary for c in reopened.calls] == ["reopen workspace", "update schema (1 field(s))"]
    stays = update(spec("lifeCycle: closed\nschema:\n  Phase: Closure"), live(closed=True))
    assert [c.summary for c in stays.calls] == ["update schema (1 field(s))"]
    renamed = update(
        spec("lifeCycle: closed", **{"name: Project01": "name: Orange"}), live(closed=True)
    )
    assert [c.summary for c in renamed.calls] == ["update workspace"]


def test_a_required_field_left_empty_is_refused() -> None:
    room = replace(TEAM_ROOM, unit_type_id=3)
    s = spec("schema:\n  Topic: ''", **{"workspaceType: Project": "workspaceType: Team Room"})
    plan = update(s, live(unit_type_id=3, schema={"Topic": "x", "Confidential": None}), wtype=room)
    assert plan.action is Action.ERROR
    assert placed(plan.problems) == [("error", "schema field 'Topic' is required", 8, 3)]


def test_the_live_deputy_is_sent_back_when_the_spec_does_not_name_one() -> None:
    plan = update(spec(**{"name: Project01": "name: Orange"}), live())
    (call,) = plan.calls
    assert call.body["Deputy"] == {"Email": "anita@xyz.com", "Name": "Anita"}  # type: ignore[index]
    plan = update(spec(**{"name: Project01": "name: Orange"}), live(deputy=None))
    assert "Deputy" not in plan.calls[0].body  # type: ignore[operator]
    plan = update(spec(**{"name: Project01": "name: Orange"}), live(deputy=Person("d@x.com", "")))
    assert plan.calls[0].body["Deputy"] == {"Email": "d@x.com"}  # type: ignore[index]


def test_not_ready_names_the_stage() -> None:
    s = spec()
    busy = "the workspace is busy (Stage: {}); plan again when it is Ready"
    assert calls._not_ready(s, 0).message == busy.format("ForProvisioning")
    assert calls._not_ready(s, 1).message == busy.format("Provisioning")
    assert calls._not_ready(s, 4).message == busy.format("Updating")
    assert calls._not_ready(s, 5).message == busy.format("ForDeletion")
    assert calls._not_ready(s, 6).message == busy.format("6")
    assert calls._not_ready(s, -1).message == busy.format("-1")
    assert calls._not_ready(s, 3).message == (
        "provisioning of this workspace failed (Stage: Failed); ask the service desk"
    )
    plan = update(s, live(stage=1))
    assert plan.action is Action.ERROR
    assert placed(plan.problems) == [("error", busy.format("Provisioning"), 1, 1)]


def test_a_required_field_with_a_value_is_fine() -> None:
    room = replace(TEAM_ROOM, unit_type_id=3)
    s = spec(
        "schema:\n  Confidential: 'true'", **{"workspaceType: Project": "workspaceType: Team Room"}
    )
    plan = update(s, live(unit_type_id=3, schema={"Topic": "x", "Confidential": None}), wtype=room)
    assert plan.action is Action.UPDATE and plan.problems == ()
    assert plan.calls[0].body == [
        {"FieldName": "Topic", "FieldValue": "x"},
        {"FieldName": "Confidential", "FieldValue": "1"},  # booleans go out as "1"
    ]


def test_a_team_change_on_a_workspace_without_a_manager() -> None:
    plan = update(
        spec("team:\n  Members: [imp@xyz.com]"),
        live(manager=None, team={"Members": ()}),
    )
    assert plan.action is Action.UPDATE
    # the manager joins Members too (the service's implied member)
    assert [c.summary for c in plan.calls] == [
        "update workspace",
        "update team (2 added, 0 removed)",
    ]


def test_a_close_with_a_manager_kept_in_the_owner_group_takes_two_puts() -> None:
    s = spec(
        "lifeCycle: closed\nteam:\n  Managers: [marko@xyz.com, bob@xyz.com]",
        **{"manager: marko@xyz.com": "manager: bob@xyz.com"},
    )
    plan = update(s, live(team={"Managers": ("Marko@XYZ.com",)}))
    assert [c.summary for c in plan.calls] == [
        "update workspace",
        "update team (1 added, 0 removed)",
        "close workspace",
    ]
    first, _, last = (c.body for c in plan.calls)
    assert (first["LifeCycle"], last["LifeCycle"]) == (0, 1)  # type: ignore[index]
    assert first["Manager"] == last["Manager"] == {"Email": "bob@xyz.com"}  # type: ignore[index]


def test_a_close_without_a_manager_change_is_one_put_last() -> None:
    same = spec("lifeCycle: closed\nteam:\n  Managers: [marko@xyz.com, bob@xyz.com]")
    plan = update(same, live(team={"Managers": ("Marko@XYZ.com",)}))
    assert [c.summary for c in plan.calls] == [
        "update team (1 added, 0 removed)",
        "close workspace",
    ]
    no_manager = update(same, live(manager=None, team={"Managers": ("Marko@XYZ.com",)}))
    assert [c.summary for c in no_manager.calls][-1] == "close workspace"
    assert len(no_manager.calls) == 2


def test_an_open_or_closed_workspace_is_not_split() -> None:
    changed = {"manager: marko@xyz.com": "manager: bob@xyz.com"}
    team = "team:\n  Managers: [marko@xyz.com, bob@xyz.com]"
    stays_open = update(spec(team, **changed), live(team={"Managers": ("Marko@XYZ.com",)}))
    assert stays_open.calls[0].summary == "update workspace"
    assert "close workspace" not in [c.summary for c in stays_open.calls]
    closed = spec("lifeCycle: closed\n" + team, **changed)
    already = update(closed, live(closed=True, team={"Managers": ("Marko@XYZ.com",)}))
    assert [c.summary for c in already.calls].count("update workspace") == 1
    assert "close workspace" not in [c.summary for c in already.calls]
