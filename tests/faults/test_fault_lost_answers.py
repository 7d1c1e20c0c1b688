"""Lost answers: the emulator commits a write, then drops the connection (`drop_after_commit`).

A PUT sets a full value, so sending it again is safe: the client retries and
apply completes. A POST is never sent again: the client looks the new
workspace up by its WorkspaceId (None, PrefixWithId) or by the id it derives
(PrefixWithName) and carries on with it; a Full type's id cannot be known, so
the create fails with "outcome unknown", its intent stays in the state, plan
refuses the key, and `state import` of the workspace found in the tenant
settles it. Then apply runs again and the harness checks convergence.
"""

from __future__ import annotations

import re

import pytest

from tests.faults.test_fault_harness import (  # noqa: F401  (fleet_fixture, workspace: fixtures)
    DROPPED,
    GENERATORS,
    RETRY_SECONDS,
    SEEDS,
    Fleet,
    all_done,
    changed,
    done,
    failed,
    fleet_fixture,
    incomplete,
    lines,
    new,
    report,
    workspace,
)

CREATES = sorted([new(g, n) for g in GENERATORS for n in SEEDS], key=lambda w: w.address)
"""Three creates of each id generator."""
UPDATES = [changed(f"pr.{c}") for c in "abc"]
"""Three workspaces updated by every kind of PUT."""
CALLS = sum(len(w.calls()) for w in CREATES)
PUT_KINDS = ["workspace", "workspaceType", "schema", "team"]
"""In the order apply sends them (Want.calls)."""


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("generator", GENERATORS)
def test_a_lost_create_answer_never_makes_a_second_workspace(
    fleet: Fleet, generator: str, seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    target = new(generator, seed)
    fleet.use(CREATES)
    nth = [w.address for w in fleet.wants if not w.existing].index(target.address) + 1
    fleet.add_fault(action="drop_after_commit", method="POST", path="/workspaces$", nth=nth)
    result = fleet.apply()
    (lost,) = [e for e in fleet.log() if e["fault"] == "drop_after_commit"]
    assert lost["committed"] and lost["status"] is None and lost["body"]["Name"] == target.name
    target = fleet.want(target.address)
    if generator != "Full":
        assert result.exit_code == 0, result.stderr
        assert report(result) == all_done(fleet.wants)
        wid = target.expected_id()
        checking, found = [m for m in caplog.messages if m.startswith(("POST", "workspace "))]
        assert re.fullmatch(
            re.escape(f"POST /workspaces for '{wid}' failed (")
            + DROPPED
            + re.escape(f"); checking whether workspace {wid} exists"),
            checking,
        ), checking
        assert found == f"workspace {wid} exists: the create went through despite the error"
        state = fleet.state()
        assert state["pending"] == {}
        if target.key:
            assert state["keys"][target.key] == wid
        fleet.finish()
        return
    # Full: the id is the service's; nothing can be looked up.
    assert result.exit_code == 1, result.stderr
    error = (
        re.escape(f"{target.address}: FAILED: create SharePoint workspace failed: POST /workspaces"
                  f" for '{target.name}' failed (")
        + DROPPED
        + re.escape(
            "); the service generates this WorkspaceId, so the client cannot check whether the "
            "create happened. It was not sent again: look in the tenant before applying again."
        )
    )  # fmt: skip
    expected: list[str] = []
    for want in fleet.wants:
        block = [
            re.escape(line) for line in (failed(want, 0, "") if want is target else done(want))
        ]
        expected += [error, *block[1:]] if want is target else block
    others = [w for w in fleet.wants if w is not target]
    expected.append(re.escape(incomplete(1, len(CREATES), CALLS - 1, CALLS, others)))
    got = report(result)
    assert len(got) == len(expected), "\n".join(got)
    for line, pattern in zip(got, expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)
    intent = fleet.state()["pending"]
    assert list(intent) == [target.key] and intent[target.key]["expected_id"] is None
    # The next apply refuses the key and says what to do; it is found and imported.
    fleet.settle_lost_create(target, created=True)
    fleet.finish()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", PUT_KINDS)
def test_a_lost_put_answer_is_sent_again(
    fleet: Fleet, kind: str, seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    target = changed("pr." + "abc"[seed - 1])
    method, path = target.paths()[PUT_KINDS.index(kind)]
    fleet.use(UPDATES)
    fleet.add_fault(action="drop_after_commit", method="PUT", path=re.escape(path) + "$")
    result = fleet.apply()
    assert result.exit_code == 0, result.stderr
    assert report(result) == all_done(fleet.wants)
    sent = [e for e in fleet.log() if e["method"] == "PUT" and e["path"] == f"/contoso{path}"]
    # Committed, its answer lost; then sent again, answered.
    assert [(e["status"], e["committed"], e["fault"]) for e in sent] == [
        (None, True, "drop_after_commit"),
        (200, True, None),
    ]
    (warning,) = [m for m in caplog.messages if m.startswith("attempt ")]
    pattern = re.escape(f"attempt 1/4 failed: {method} {path}: ") + DROPPED + f"; {RETRY_SECONDS}"
    assert re.fullmatch(pattern, warning), warning
    fleet.finish()
