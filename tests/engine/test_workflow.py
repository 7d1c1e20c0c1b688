"""apply with the state, as plain values: the saved plan, the stale check, what is recorded.

No emulator: the live reads go to a fake client, and `apply_plan` is replaced by a
fake that answers with chosen outcomes, so each test pins what this module itself does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from reconciler.api.errors import ApiError
from reconciler.api.models import Workspace
from reconciler.engine import workflow
from reconciler.engine.calls import api_call
from reconciler.engine.live import LiveWorkspace
from reconciler.engine.report import ApplyReport, WorkspaceOutcome
from reconciler.engine.state import State
from reconciler.engine.workflow import (
    ApplyOptions,
    StalePlan,
    apply_with_state,
    load_saved_plan,
    refuse_if_stale,
    remember_managed,
    saved_state_path,
)
from reconciler.errors import ReconcilerError
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.operations import CreateWorkspace, PersonRef, UpdateWorkspace
from reconciler.model.plan import Action, ApiCall, Plan, PlanContext, WorkspacePlan
from tests.engine.values import live_workspace_of

T = "contoso"


def ws_plan(
    address: str, action: Action, workspace_id: str | None = None, **extra: Any
) -> WorkspacePlan:
    return WorkspacePlan(
        address=address, tenant=T, workspace_id=workspace_id, action=action, **extra
    )


def plan_of(*workspaces: WorkspacePlan, context: PlanContext | None = None) -> Plan:
    return Plan(
        api_url="https://x",
        created_at="2024-01-01T00:00:00Z",
        workspaces=workspaces,
        context=context or PlanContext(),
    )


def live_of(name: str) -> Workspace:
    return live_workspace_of(name=name, stage=3)


@dataclass
class FakeClient:
    """get_workspace/get_team from a table; every read is logged."""

    workspaces: dict[str, Workspace] = field(default_factory=dict)
    reads: list[tuple[str, str]] = field(default_factory=list)

    def get_workspace(self, workspace_id: str) -> Workspace | None:
        self.reads.append(("workspace", workspace_id))
        return self.workspaces.get(workspace_id)

    def get_team(self, workspace_id: str, name: str) -> tuple[()]:
        self.reads.append(("team", workspace_id))
        return ()


def update_call(workspace_id: str = "w") -> ApiCall:
    return api_call(UpdateWorkspace(workspace_id, "N", False, PersonRef("m@x.com"), None), "update")


def create_call(description: str | None) -> ApiCall:
    operation = CreateWorkspace(
        name="N",
        organization_unit_id="u",
        workspace_type_id="t",
        manager=PersonRef("m@x.com"),
        description=description,
    )
    return api_call(operation, "create")


# -- options and saved plans -----------------------------------------------------------------


def test_apply_options_defaults() -> None:
    options = ApplyOptions()
    assert (options.wait, options.wait_timeout) == (True, 600.0)
    assert options.on_progress is None and options.should_stop is None


def test_a_saved_plan_reads_back(tmp_path: Path) -> None:
    plan = plan_of(
        ws_plan("contoso/w", Action.UPDATE, "w", calls=(update_call(),)),
        context=PlanContext("s.json", True),
    )
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan.to_dict()), encoding="utf-8")
    assert load_saved_plan(path) == plan


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[1]", "it is not a JSON object"),
        ('"x"', "it is not a JSON object"),
        ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ('{"format_version": "2"}', "'api_url'"),
        (
            '{"format_version": "1"}',
            "plan format version '1' is not '2': "
            "make the plan again with this version of reconciler",
        ),
        (
            '{"format_version": "2", "api_url": "u", "created_at": "c", "workspaces": [1]}',
            "'int' object is not subscriptable",
        ),
    ],
)
def test_a_broken_saved_plan_is_one_clear_error(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReconcilerError) as caught:
        load_saved_plan(path)
    assert str(caught.value) == f"cannot read the saved plan {path}: {why}"


def test_a_missing_saved_plan(tmp_path: Path) -> None:
    path = tmp_path / "none.json"
    with pytest.raises(ReconcilerError) as caught:
        load_saved_plan(path)
    assert str(caught.value) == (
        f"cannot read the saved plan {path}: [Errno 2] No such file or directory: '{path}'"
    )


@pytest.mark.parametrize(
    "error", [OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError]
)
def test_each_reading_failure_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: type[Exception]
) -> None:
    def broken(data: object) -> Plan:
        raise error("boom")

    monkeypatch.setattr(workflow.Plan, "from_dict", broken)
    path = tmp_path / "plan.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(ReconcilerError) as caught:
        load_saved_plan(path)
    assert str(caught.value) == f"cannot read the saved plan {path}: {error('boom')}"


# -- which state a saved plan uses -----------------------------------------------------------


def test_saved_state_path_prefers_the_given_then_the_plans_then_the_default(
    tmp_path: Path,
) -> None:
    given = tmp_path / "given.json"
    plan = plan_of(context=PlanContext(str(tmp_path / "planned.json"), False))
    assert saved_state_path(plan, given) == given
    assert saved_state_path(plan, None) == tmp_path / "planned.json"
    assert saved_state_path(plan_of(), None) == Path(".reconciler/state.json")


def test_a_keyed_plan_made_with_a_state_needs_it(tmp_path: Path) -> None:
    missing = tmp_path / "state.json"
    keyed = ws_plan("contoso/key=case", Action.CREATE)
    plan = plan_of(keyed, context=PlanContext(str(missing), True))
    with pytest.raises(StalePlan) as caught:
        saved_state_path(plan, None)
    assert str(caught.value) == (
        f"the plan was made with a state file that is not at {missing}: pass --state with "
        "that file (its keys find the workspaces the service named)"
    )
    missing.write_text("{}")
    assert saved_state_path(plan, None) == missing


def test_only_a_keyed_plan_made_with_a_state_needs_it(tmp_path: Path) -> None:
    missing = tmp_path / "state.json"
    keyed = ws_plan("contoso/key=case", Action.CREATE)
    plain = ws_plan("contoso/pr.01", Action.CREATE, "pr.01")
    assert (
        saved_state_path(plan_of(keyed, context=PlanContext(str(missing), False)), None) == missing
    )
    assert (
        saved_state_path(plan_of(plain, context=PlanContext(str(missing), True)), None) == missing
    )


# -- the stale check -------------------------------------------------------------------------


def _stale_lines(caught: pytest.ExceptionInfo[StalePlan]) -> list[str]:
    head, *lines = str(caught.value).split("\n")
    assert head == (
        "Saved plan is stale: the given plan can no longer be applied because live "
        "workspaces changed after it was made. Make a new plan."
    )
    assert all(line.startswith("  ") for line in lines)
    return [line[2:] for line in lines]


def test_nothing_moved_reads_only_what_changes(tmp_path: Path) -> None:
    live = live_of("N")
    digest = LiveWorkspace(live, ()).digest
    client = FakeClient({"u1": live, "u2": live})
    plan = plan_of(
        ws_plan("contoso/u1", Action.UPDATE, "u1", live_digest=digest, reads_team=True),
        ws_plan("contoso/u2", Action.UPDATE, "u2", live_digest=LiveWorkspace(live, None).digest),
        ws_plan("contoso/c1", Action.CREATE, "c1"),
        ws_plan("contoso/n1", Action.NOOP, "n1"),
        ws_plan("contoso/e1", Action.ERROR, "e1"),
        ws_plan("contoso/key=k", Action.CREATE, None),
        replace(ws_plan("fabrikam/f1", Action.UPDATE, "f1"), tenant="fabrikam"),
    )
    refuse_if_stale(plan, {T: client}, State(tmp_path / "s.json"))  # type: ignore[dict-item]
    assert client.reads == [
        ("workspace", "u1"),
        ("team", "u1"),
        ("workspace", "u2"),
        ("workspace", "c1"),
    ]


def test_every_moved_workspace_is_listed(tmp_path: Path) -> None:
    state = State(tmp_path / "s.json")
    state.record(T, "made", "org.1")
    state.begin_create(T, "sent", None)
    client = FakeClient({"u1": live_of("now"), "c1": live_of("N")})
    plan = plan_of(
        ws_plan(
            "contoso/u1",
            Action.UPDATE,
            "u1",
            live_digest=LiveWorkspace(live_of("then"), None).digest,
        ),
        ws_plan("contoso/c1", Action.CREATE, "c1"),
        ws_plan("contoso/key=made", Action.CREATE, None, record_key="made"),
        ws_plan("contoso/key=sent", Action.CREATE, None, record_key="sent"),
        ws_plan("contoso/key=new", Action.CREATE, None, record_key="new"),
        ws_plan(
            "contoso/key=upd",
            Action.UPDATE,
            "org.2",
            record_key="made",
            live_digest=LiveWorkspace(None, None).digest,
        ),
    )
    with pytest.raises(StalePlan) as caught:
        refuse_if_stale(plan, {T: client}, state)  # type: ignore[dict-item]
    assert _stale_lines(caught) == [
        "contoso/u1 changed since the plan",
        "contoso/c1 was created since the plan",
        "contoso/key=made was created (or its create sent) since the plan",
        "contoso/key=sent was created (or its create sent) since the plan",
    ]


def test_a_create_still_missing_and_an_update_in_step_pass(tmp_path: Path) -> None:
    client = FakeClient({"u1": live_of("N")})
    digest = LiveWorkspace(live_of("N"), None).digest
    plan = plan_of(
        ws_plan("contoso/c1", Action.CREATE, "c1"),
        ws_plan("contoso/u1", Action.UPDATE, "u1", live_digest=digest),
    )
    refuse_if_stale(plan, {T: client}, State(tmp_path / "s.json"))  # type: ignore[dict-item]


def test_an_unread_update_is_not_stale(tmp_path: Path) -> None:
    """A workspace that cannot be read again (another tenant) is not reported moved."""
    plan = plan_of(
        replace(ws_plan("fabrikam/u1", Action.UPDATE, "u1", live_digest="x"), tenant="fabrikam"),
        ws_plan("contoso/c0", Action.CREATE, None),
    )
    client = FakeClient({"": live_of("N"), "XX": live_of("N")})
    refuse_if_stale(plan, {T: client}, State(tmp_path / "s.json"))  # type: ignore[dict-item]


def test_a_create_without_an_id_does_not_take_another_workspaces_read(tmp_path: Path) -> None:
    client = FakeClient({"XX": live_of("N")})
    digest = LiveWorkspace(live_of("N"), None).digest
    plan = plan_of(
        ws_plan("contoso/XX", Action.UPDATE, "XX", live_digest=digest),
        ws_plan("contoso/c0", Action.CREATE, None),
    )
    refuse_if_stale(plan, {T: client}, State(tmp_path / "s.json"))  # type: ignore[dict-item]


def test_a_failed_read_is_not_a_move(tmp_path: Path) -> None:
    class Failing(FakeClient):
        def get_workspace(self, workspace_id: str) -> Workspace | None:
            raise ApiError("nope")

    plan = plan_of(ws_plan("contoso/c1", Action.CREATE, "c1"))
    refuse_if_stale(plan, {T: Failing()}, State(tmp_path / "s.json"))  # type: ignore[dict-item]


# -- apply with the state --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def checked(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[str, str]]]:
    """Stands for the read-back check: logs (address, outcome address) pairs, finds nothing."""
    seen: list[list[tuple[str, str]]] = []

    def fake(applied: Any, clients: object) -> tuple[list[str], list[str]]:
        seen.append([(w.address, o.address) for w, o in applied])
        return [], []

    monkeypatch.setattr(workflow, "inconsistencies", fake)
    return seen


@dataclass
class FakeApply:
    """Stands for apply_plan: hands each workspace its outcome through on_outcome."""

    outcomes: dict[str, WorkspaceOutcome]
    kwargs: dict[str, Any] = field(default_factory=dict)
    interrupted_by: str | None = None

    def __call__(self, plan: Plan, clients: object, **kwargs: Any) -> ApplyReport:
        self.kwargs = kwargs
        for w in plan.workspaces:
            if w.address in self.outcomes:
                kwargs["on_outcome"](w, self.outcomes[w.address])
        return ApplyReport(tuple(self.outcomes.values()), interrupted_by=self.interrupted_by)


def outcome(
    address: str,
    *,
    done: tuple[ApiCall, ...] = (),
    failed: ApiCall | None = None,
    workspace_id: str | None = None,
) -> WorkspaceOutcome:
    return WorkspaceOutcome(address, done, (), None, workspace_id, failed=failed)


def test_apply_forwards_the_options_and_the_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeApply({})
    monkeypatch.setattr(workflow, "apply_plan", fake)
    state = State(tmp_path / "s.json")
    progress, stop = print, (lambda: None)
    options = ApplyOptions(wait=False, wait_timeout=5.0, on_progress=progress, should_stop=stop)
    plan = plan_of(ws_plan("contoso/w", Action.UPDATE, "w", calls=(update_call(),)))
    report = apply_with_state(plan, {}, state, options)
    assert report == ApplyReport(())
    kwargs = dict(fake.kwargs)
    assert callable(kwargs.pop("on_outcome"))
    assert kwargs == {
        "wait": False,
        "wait_timeout": 5.0,
        "record_id": state.record,
        "record_intent": state.begin_create,
        "abandon_intent": state.abandon_create,
        "on_progress": progress,
        "should_stop": stop,
    }


def test_outcomes_join_the_managed_set_as_they_come(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = update_call()
    created = create_call("the text")
    fake = FakeApply(
        {
            "contoso/done": outcome("contoso/done", done=(call,)),
            "contoso/failed": outcome("contoso/failed", failed=call),
            "contoso/notsent": outcome("contoso/notsent"),
            "contoso/pruned": outcome("contoso/pruned", done=(call,)),
            "contoso/key=new": outcome("contoso/key=new", done=(created,), workspace_id="org.9"),
            "contoso/key=nodesc": outcome(
                "contoso/key=nodesc", failed=create_call(None), workspace_id="org.8"
            ),
            "contoso/key=lost": outcome("contoso/key=lost", failed=created),
        }
    )
    monkeypatch.setattr(workflow, "apply_plan", fake)
    state = State(tmp_path / "s.json")
    plan = plan_of(
        ws_plan("contoso/done", Action.UPDATE, "done", calls=(call,)),
        ws_plan("contoso/failed", Action.UPDATE, "failed", calls=(call,)),
        ws_plan("contoso/notsent", Action.UPDATE, "notsent", calls=(call,)),
        ws_plan("contoso/pruned", Action.UPDATE, "pruned", calls=(call,), pruned=True),
        ws_plan("contoso/key=new", Action.CREATE, None, calls=(created,)),
        ws_plan("contoso/key=nodesc", Action.CREATE, None, calls=(create_call(None),)),
        ws_plan("contoso/key=lost", Action.CREATE, None, calls=(created,)),
    )
    apply_with_state(plan, {}, state, ApplyOptions())
    assert state.tenants[T].managed == {"done", "failed", "org.9", "org.8"}
    assert state.tenants[T].descriptions == {
        "org.9": "sha256:" + __import__("hashlib").sha256(b"the text").hexdigest()
    }


def test_a_pruned_create_records_its_description(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = create_call("d")
    fake = FakeApply({"contoso/p": outcome("contoso/p", done=(created,), workspace_id="org.1")})
    monkeypatch.setattr(workflow, "apply_plan", fake)
    state = State(tmp_path / "s.json")
    plan = plan_of(ws_plan("contoso/p", Action.CREATE, None, calls=(created,), pruned=True))
    apply_with_state(plan, {}, state, ApplyOptions())
    assert state.tenants[T].managed == set()
    assert state.description_digest(T, "org.1") is not None


def test_without_changes_nothing_is_applied_but_adoptions_and_the_managed_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("apply_plan ran")

    monkeypatch.setattr(workflow, "apply_plan", must_not_run)
    state = State(tmp_path / "s.json")
    error = Diagnostic.error("bad")
    plan = plan_of(
        ws_plan("contoso/key=a", Action.NOOP, "org.a", record_key="a", adopt=True),
        ws_plan("contoso/key=b", Action.NOOP, "org.b", record_key="b"),
        ws_plan("contoso/key=c", Action.NOOP, None, record_key="c", adopt=True),
        ws_plan("contoso/d", Action.NOOP, "d", adopt=True),
        ws_plan("contoso/pruned", Action.NOOP, "pruned", pruned=True),
        ws_plan("contoso/err", Action.NOOP, "err", problems=(error,)),
        ws_plan("contoso/gone", Action.ERROR, "gone"),
        replace(ws_plan("fabrikam/f", Action.NOOP, "f"), tenant="fabrikam"),
    )
    assert apply_with_state(plan, {}, state, ApplyOptions()) is None
    assert state.tenants[T].keys == {"a": "org.a"}
    assert state.tenants[T].managed == {"org.a", "org.b", "d"}
    assert state.tenants["fabrikam"].managed == {"f"}


def test_remember_managed_writes_nothing_without_workspaces(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    remember_managed(plan_of(), State(path))
    assert not path.exists()


def test_after_apply_the_workspaces_with_calls_are_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checked: list[list[tuple[str, str]]]
) -> None:
    call = update_call()
    fake = FakeApply(
        {"contoso/a": outcome("contoso/a", done=(call,)), "contoso/c": outcome("contoso/c")}
    )
    monkeypatch.setattr(workflow, "apply_plan", fake)
    found = ["contoso/a: name is 'x', the plan set 'N'"]
    monkeypatch.setattr(
        workflow,
        "inconsistencies",
        lambda applied, clients: (
            checked.append([(w.address, o.address) for w, o in applied]),
            (found, []),
        )[1],
    )
    plan = plan_of(
        ws_plan("contoso/a", Action.UPDATE, "a", calls=(call,)),
        ws_plan("contoso/b", Action.NOOP, "b"),
        ws_plan("contoso/c", Action.UPDATE, "c", calls=(call,)),
    )
    report = apply_with_state(plan, {}, State(tmp_path / "s.json"), ApplyOptions())
    assert checked == [[("contoso/a", "contoso/a"), ("contoso/c", "contoso/c")]]
    assert report is not None and report.inconsistent == tuple(found)


def test_an_interrupted_apply_is_not_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checked: list[list[tuple[str, str]]]
) -> None:
    call = update_call()
    fake = FakeApply({"contoso/a": outcome("contoso/a", done=(call,))}, interrupted_by="SIGINT")
    monkeypatch.setattr(workflow, "apply_plan", fake)
    plan = plan_of(ws_plan("contoso/a", Action.UPDATE, "a", calls=(call,)))
    report = apply_with_state(plan, {}, State(tmp_path / "s.json"), ApplyOptions())
    assert checked == []
    assert report is not None and report.interrupted_by == "SIGINT" and report.inconsistent == ()


def test_a_saved_plan_that_is_a_link_loop_or_a_fifo(tmp_path: Path) -> None:
    import os

    one, two = tmp_path / "one.json", tmp_path / "two.json"
    one.symlink_to(two)
    two.symlink_to(one)
    with pytest.raises(ReconcilerError) as caught:
        load_saved_plan(one)
    assert str(caught.value) == (
        f"cannot read the saved plan {one}: symbolic link loop: it never leads to a file"
    )
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ReconcilerError) as caught:
        load_saved_plan(fifo)
    assert str(caught.value) == f"cannot read the saved plan {fifo}: not a regular file (a FIFO)"
