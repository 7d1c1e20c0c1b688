"""Workspaces that left the specs: the reads, and the close --prune plans, exactly."""

from __future__ import annotations

from dataclasses import replace

from reconciler.api.models import Person
from reconciler.engine import leaving
from reconciler.engine.live import LiveRead, LiveWorkspace
from reconciler.engine.state import TenantState
from reconciler.model.plan import Action, FieldChange, FieldOp
from tests.engine.test_calls import live
from tests.engine.test_planner import state


def test_prune_reason() -> None:
    assert leaving.PRUNE_REASON == "pruned: no longer in the specs"


def test_left_the_specs_are_the_managed_ones_no_spec_holds() -> None:
    known = state(
        contoso=TenantState(managed={"B", "a", "kept"}),
        fabrikam=TenantState(managed={"f"}),
        other=TenantState(managed={"o"}),
    )
    reads = leaving.left_the_specs([("contoso", "KEPT")], known, ["contoso", "fabrikam"])
    assert reads == [
        LiveRead("contoso", "a", False),
        LiveRead("contoso", "B", False),
        LiveRead("fabrikam", "f", False),
    ]


def test_prune_one_closes_with_the_live_properties() -> None:
    current = live(deputy=Person("d@x.com", None))
    plan = leaving.prune_one(LiveRead("contoso", "example", False), current)
    assert (plan.address, plan.action, plan.pruned, plan.name) == (
        "contoso/example",
        Action.UPDATE,
        True,
        "Project01",
    )
    assert plan.live_digest == current.digest
    assert plan.changes == (
        FieldChange(("lifeCycle",), FieldOp.CHANGE, "active", "closed", leaving.PRUNE_REASON),
    )
    (call,) = plan.calls
    assert call.summary == "close workspace (prune)"
    assert call.body == {
        "Name": "Project01",
        "LifeCycle": 1,
        "Manager": {"Email": "Marko@XYZ.com", "Name": "Marko"},
        "Deputy": {"Email": "d@x.com"},
    }


def test_prune_one_leaves_alone_what_it_cannot_close() -> None:
    read = LiveRead("contoso", "example", False)
    messages = {
        "gone": leaving.prune_one(read, LiveWorkspace(None, None)),
        "failed": leaving.prune_one(read, LiveWorkspace(None, None, error="boom")),
        "busy": leaving.prune_one(read, live(stage=1)),
        "nomanager": leaving.prune_one(read, live(manager=None)),
    }
    assert {k: [p.message for p in v.problems] for k, v in messages.items()} == {
        "gone": ["--prune: left alone, it no longer exists"],
        "failed": ["--prune: left alone, boom"],
        "busy": ["--prune: left alone, it is not Ready"],
        "nomanager": ["--prune: left alone, the workspace has no manager to send"],
    }
    assert all(v.action is Action.NOOP and not v.calls for v in messages.values())
    assert all(p.severity.value == "warning" for v in messages.values() for p in v.problems)
    closed = leaving.prune_one(read, live(closed=True))
    assert (closed.action, closed.name, closed.problems, closed.calls) == (
        Action.NOOP,
        "Project01",
        (),
        (),
    )
    no_deputy = leaving.prune_one(read, live(deputy=None))
    assert "Deputy" not in no_deputy.calls[0].body  # type: ignore[operator]
    assert replace(no_deputy, calls=()).pruned
