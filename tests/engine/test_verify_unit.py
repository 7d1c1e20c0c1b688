"""engine.verify on plain values: a fake client answers the read-back; every line exact."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.api.errors import ApiError
from reconciler.api.models import Person, SchemaField, TeamGroup, Workspace
from reconciler.engine.calls import api_call
from reconciler.engine.report import WorkspaceOutcome
from reconciler.engine.verify import inconsistencies
from reconciler.model.operations import (
    CreateWorkspace,
    PersonRef,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
)
from reconciler.model.plan import Action, ApiCall, WorkspacePlan

LIVE = Workspace(
    id=1,
    workspace_id="w",
    name="N",
    unit_type_id=1,
    url=None,
    stage=2,
    shared=False,
    life_cycle=0,
    created=None,
    modified=None,
    creator=None,
    modifier=None,
    manager=Person("M@x.com", "M"),
    deputy=Person("d@x.com"),
    cards=(),
    schema=(SchemaField("F", "string", "1", False, None),),
)


@dataclass
class FakeClient:
    workspace: Workspace | None = LIVE
    team: tuple[TeamGroup, ...] = ()
    error: ApiError | None = None
    reads: list[str] = field(default_factory=list)

    def get_workspace(self, workspace_id: str) -> Workspace | None:
        self.reads.append(f"workspace {workspace_id}")
        if self.error:
            raise self.error
        return self.workspace

    def get_team(self, workspace_id: str, name: str) -> tuple[TeamGroup, ...]:
        self.reads.append(f"team {workspace_id} {name}")
        return self.team


def put(closed: bool = False, deputy: str | None = "d@x.com", manager: str = "m@x.com") -> ApiCall:
    operation = UpdateWorkspace(
        "w", "N", closed, PersonRef(manager), PersonRef(deputy) if deputy else None
    )
    return api_call(operation, "update")


def check(client: FakeClient, *calls: ApiCall, **outcome: Any) -> list[str]:
    wp = WorkspacePlan(
        address="t/w", tenant="t", workspace_id="w", action=Action.UPDATE, calls=calls
    )
    values: dict[str, Any] = {"done": calls, "not_done": (), "error": None, "workspace_id": None}
    values.update(outcome)
    done = WorkspaceOutcome("t/w", **values)
    found, unread = inconsistencies([(wp, done)], {"t": client})  # type: ignore[dict-item]
    return found + [f"unread {line}" for line in unread]


def test_a_workspace_as_the_calls_set_it() -> None:
    client = FakeClient()
    assert check(client, put()) == []
    assert client.reads == ["workspace w"]


def test_what_is_not_read_back() -> None:
    client = FakeClient(workspace=None)
    assert check(client, put(), error="failed") == []
    assert check(client, put(), done=()) == []
    wp = WorkspacePlan(address="t/k", tenant="t", workspace_id=None, action=Action.CREATE)
    nothing = WorkspaceOutcome("t/k", (put(),), (), None, None)
    assert inconsistencies([(wp, nothing)], {"t": client}) == ([], [])  # type: ignore[dict-item]
    assert client.reads == []
    made = WorkspaceOutcome("t/k", (put(),), (), None, "w")
    assert inconsistencies([(wp, made)], {"t": client}) == (  # type: ignore[dict-item]
        ["t/k: workspace w does not exist after apply"],
        [],
    )


def test_properties_the_last_put_set() -> None:
    live = replace(LIVE, name="Other", life_cycle=1, manager=None, deputy=None)
    assert check(FakeClient(live), put(closed=False, deputy="d@x.com")) == [
        "t/w: name is 'Other', the plan set 'N'",
        "t/w: manager is None, the plan set 'm@x.com'",
        "t/w: lifeCycle is closed, the plan set active",
        "t/w: deputy is None, the plan set 'd@x.com'",
    ]
    assert check(FakeClient(), put(closed=True, deputy=None, manager="x@x.com")) == [
        "t/w: manager is 'M@x.com', the plan set 'x@x.com'",
        "t/w: lifeCycle is active, the plan set closed",
        "t/w: deputy is 'd@x.com', the plan set None",
    ]
    assert check(FakeClient(), put(manager="x@x.com"), put()) == []  # the last PUT wins


def test_a_create_is_checked_without_life_cycle_or_deputy() -> None:
    create = api_call(
        CreateWorkspace("Other", "U", "T", PersonRef("m@x.com"), schema=(("F", "2"),)), "create"
    )
    assert check(FakeClient(), create) == [
        "t/w: name is 'N', the plan set 'Other'",
        "t/w: schema.F is '1', the plan set '2'",
    ]


def test_schema_values() -> None:
    schema = api_call(UpdateSchema("w", (("F", "1"), ("G", None), ("H", "x"))), "schema")
    assert check(FakeClient(), schema) == ["t/w: schema.H is None, the plan set 'x'"]


def test_team_members() -> None:
    team = api_call(
        UpdateTeam(
            "w",
            added=(("Members", ("A@x.com", "b@x.com")), ("Visitors", ("v@x.com",))),
            removed=(("Members", ("gone@x.com", "c@x.com")),),
        ),
        "team",
    )
    live_team = (TeamGroup("N Members", "Members", ("a@x.com", "C@x.com")),)
    client = FakeClient(team=live_team)
    assert check(client, team) == [
        "t/w: team.Members lacks b@x.com, which the plan added",
        "t/w: team.Visitors lacks v@x.com, which the plan added",
        "t/w: team.Members still holds c@x.com, which the plan removed",
    ]
    assert client.reads == ["workspace w", "team w N"]


def test_a_read_that_fails_is_reported() -> None:
    client = FakeClient(error=ApiError("boom", status=500))
    assert check(client, put()) == ["unread t/w: boom"]  # not checked: never "inconsistent"
