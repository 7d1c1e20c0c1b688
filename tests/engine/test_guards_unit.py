"""The blast-radius guards: exact messages, the limits inclusive, and what counts."""

from __future__ import annotations

from reconciler.engine.calls import api_call
from reconciler.engine.guards import close_guard, removal_guard, sent_guards
from reconciler.model.operations import PersonRef, UpdateTeam, UpdateWorkspace
from reconciler.model.plan import Action, FieldChange, FieldOp, Plan, WorkspacePlan


def entry(address: str, *changes: FieldChange, calls: tuple[object, ...] = ()) -> WorkspacePlan:
    return WorkspacePlan(
        address=address,
        tenant="t",
        workspace_id=address.split("/")[1],
        action=Action.UPDATE,
        changes=changes,
        calls=calls,  # type: ignore[arg-type]
    )


REMOVE = FieldChange(("team", "Members"), FieldOp.REMOVE, "a@x.com", None)
ADD = FieldChange(("team", "Members"), FieldOp.ADD, None, "b@x.com")
OTHER_REMOVE = FieldChange(("schema", "F"), FieldOp.REMOVE, "v", None)
CLOSE = FieldChange(("lifeCycle",), FieldOp.CHANGE, "active", "closed")


def test_removal_guard() -> None:
    workspaces = [entry("t/a", REMOVE, ADD, OTHER_REMOVE), entry("t/b", REMOVE)]
    assert removal_guard(workspaces, 2) == []
    (problem,) = removal_guard(workspaces, 1)
    assert problem.severity.value == "error"
    assert problem.message == (
        "the plan removes 2 team members, more than --max-removals 1; check the specs, then "
        "raise --max-removals on purpose. Removals: t/a: a@x.com from Members; "
        "t/b: a@x.com from Members"
    )


def test_close_guard() -> None:
    workspaces = [entry("t/a", CLOSE), entry("t/b", ADD), entry("t/c", CLOSE)]
    assert close_guard(workspaces, 2) == []
    (problem,) = close_guard(workspaces, 1)
    assert problem.severity.value == "error"
    assert problem.message == (
        "the plan closes 2 workspaces, more than --max-closes 1; check the specs (and "
        "--prune), then raise --max-closes on purpose. Closes: t/a, t/c"
    )


def test_sent_guards_count_what_the_calls_send() -> None:
    team = api_call(
        UpdateTeam("a", added=(("Members", ("x",)),), removed=(("Members", ("y", "z")),)),
        "team",
    )
    close = api_call(UpdateWorkspace("a", "N", True, PersonRef("m@x.com"), None), "close")
    keep = api_call(UpdateWorkspace("b", "N", False, PersonRef("m@x.com"), None), "update")
    plan = Plan(
        api_url="u",
        created_at="c",
        workspaces=(entry("t/a", calls=(team, close)), entry("t/b", calls=(keep,))),
    )
    assert sent_guards(plan, 2, 1) == []
    assert sent_guards(plan, 1, 0) == [
        "the plan's calls remove 2 team members, more than --max-removals 1",
        "the plan's calls close 1 workspaces, more than --max-closes 0",
    ]
