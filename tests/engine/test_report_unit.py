"""The apply report as plain values: every line it prints and every count, exactly."""

from __future__ import annotations

from reconciler.engine.calls import api_call
from reconciler.engine.report import ApplyReport, CallOutcome, WorkspaceOutcome
from reconciler.model.operations import PersonRef, UpdateSchema, UpdateWorkspace

PUT = api_call(UpdateWorkspace("w", "N", False, PersonRef("m@x.com"), None), "update workspace")
SCHEMA = api_call(UpdateSchema("w", (("F", "1"),)), "update schema")


def outcome(address: str, kind: str = "updated", **values: object) -> WorkspaceOutcome:
    fields: dict[str, object] = {
        "done": (),
        "not_done": (),
        "error": None,
        "workspace_id": None,
    }
    fields.update(values)
    return WorkspaceOutcome(address, kind=kind, **fields)  # type: ignore[arg-type]


def test_defaults() -> None:
    plain = WorkspaceOutcome("a", (), (), None, None)
    assert (plain.calls, plain.failed, plain.kind, plain.ok) == ((), None, "updated", True)
    assert WorkspaceOutcome("a", (), (), "x", None).ok is False
    assert CallOutcome("a", PUT, True).message is None
    report = ApplyReport(())
    assert (report.interrupted_by, report.run_failure, report.inconsistent) == (None, None, ())
    assert report.ok is True


def test_a_complete_apply() -> None:
    report = ApplyReport(
        (
            outcome("t/a", "created", done=(PUT,)),
            outcome("t/b", done=(PUT, SCHEMA)),
            outcome("t/c", "closed", done=(PUT,)),
            outcome("t/d", "closed"),
        )
    )
    assert report.ok
    assert report.summary_lines() == [
        "t/a: done",
        "  done      update workspace (PUT /workspaces/w)",
        "t/b: done",
        "  done      update workspace (PUT /workspaces/w)",
        "  done      update schema (PUT /workspaces/w/schema)",
        "t/c: done",
        "  done      update workspace (PUT /workspaces/w)",
        "t/d: done",
        "Apply complete! Workspaces: 1 created, 1 updated, 2 closed.",
    ]


def test_a_failed_apply_counts_only_what_finished() -> None:
    report = ApplyReport(
        (
            outcome("t/a", "created", done=(PUT,)),
            outcome("t/b", "created", done=(PUT,), failed=SCHEMA, not_done=(PUT, PUT), error="no"),
            outcome("t/c", error="gone", failed=PUT),
        ),
        run_failure="Check the token.",
    )
    assert not report.ok
    assert report.summary_lines() == [
        "t/a: done",
        "  done      update workspace (PUT /workspaces/w)",
        "t/b: FAILED: no",
        "  done      update workspace (PUT /workspaces/w)",
        "  FAILED    update schema (PUT /workspaces/w/schema)",
        "  not done  update workspace (PUT /workspaces/w)",
        "  not done  update workspace (PUT /workspaces/w)",
        "t/c: FAILED: gone",
        "  FAILED    update workspace (PUT /workspaces/w)",
        "Apply incomplete (2 of 3 workspaces failed): 2 of 6 calls done. "
        "Workspaces: 1 created, 0 updated, 0 closed. Run apply again to finish.",
        "Check the token.",
    ]


def test_an_interrupted_apply() -> None:
    report = ApplyReport(
        (outcome("t/a", done=(PUT,)), outcome("t/b", not_done=(PUT,), error="x")),
        interrupted_by="SIGTERM",
    )
    assert not report.ok
    assert report.summary_lines()[-1] == (
        "Apply incomplete (interrupted by SIGTERM): 1 of 2 calls done. "
        "Workspaces: 0 created, 1 updated, 0 closed. Run apply again to finish."
    )
    calm = ApplyReport((outcome("t/a", done=(PUT,)),), interrupted_by="SIGINT")
    assert not calm.ok
    assert calm.summary_lines() == [
        "t/a: done",
        "  done      update workspace (PUT /workspaces/w)",
        "Apply incomplete (interrupted by SIGINT): 1 of 1 calls done. "
        "Workspaces: 0 created, 1 updated, 0 closed. Run apply again to finish.",
    ]


def test_an_inconsistent_apply() -> None:
    report = ApplyReport(
        (outcome("t/a", done=(PUT,)),), inconsistent=("t/a: name is 'x', the plan set 'N'",)
    )
    assert not report.ok
    assert report.summary_lines() == [
        "t/a: done",
        "  done      update workspace (PUT /workspaces/w)",
        "Inconsistent result after apply: every call answered, but reading back "
        "shows values the calls did not set (a call that timed out may have "
        "committed late, or someone changed the workspace meanwhile):",
        "  t/a: name is 'x', the plan set 'N'",
        "Run plan to see the live state, then apply again.",
        "Apply incomplete (inconsistent result): 1 of 1 calls done. "
        "Workspaces: 0 created, 1 updated, 0 closed. Run apply again to finish.",
    ]
