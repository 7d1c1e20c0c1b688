"""The drift engine: its pure parts on plain values, and the time budget with a fake clock."""

from __future__ import annotations

import itertools
import threading
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from reconciler.api import SeamlessClient
from reconciler.commands.drift import parse_budget
from reconciler.engine.acknowledge import acknowledge
from reconciler.engine.drift import Budget, DriftOptions, _differences, check_drift
from reconciler.engine.state import State, TenantState
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.drift import (
    Difference,
    DriftReport,
    Kind,
    Sweep,
    Verdict,
    WorkspaceDrift,
)
from reconciler.model.plan import FieldChange, FieldOp
from reconciler.render.drift import render_drift_markdown
from reconciler.settings import ConnectionSettings, Secret
from reconciler.spec.ignore import Acknowledgement
from tests.conftest import TENANT, TOKEN, RunningEmulator
from tests.engine.values import spec_from_yaml
from tests.fixtures.specs import project

TODAY = date(2026, 11, 29)


def test_plan_changes_in_the_words_of_the_definition() -> None:
    changes = [
        FieldChange(("team", "Members"), FieldOp.REMOVE, "tom@xyz.com", None),
        FieldChange(("team", "Owners"), FieldOp.ADD, None, "ana@xyz.com", "implied by the manager"),
        FieldChange(("lifeCycle",), FieldOp.CHANGE, "closed", "active"),
        FieldChange(("lifeCycle",), FieldOp.CHANGE, "active", "closed"),
        FieldChange(("workspaceType",), FieldOp.CHANGE, "Project Plus", "Project"),
        FieldChange(("schema", "Phase"), FieldOp.CHANGE, "Closure", "Execution"),
    ]
    assert [(d.field_path, d.kind, d.live, d.definition) for d in _differences(changes)] == [
        ("team.Members", Kind.MEMBER_ADDED, "tom@xyz.com", None),
        ("team.Owners", Kind.MEMBER_REMOVED, None, "ana@xyz.com"),
        ("lifeCycle", Kind.CLOSED, "closed", "active"),
        ("lifeCycle", Kind.REOPENED, "active", "closed"),
        ("workspaceType", Kind.TYPE_CHANGED, "Project Plus", "Project"),
        ("schema.Phase", Kind.VALUE_CHANGED, "Closure", "Execution"),
    ]


@pytest.mark.parametrize(
    ("text", "count", "seconds"),
    [
        ("200", 200, None),
        ("1", 1, None),
        ("90s", None, 90.0),
        ("10m", None, 600.0),
        ("1h30m", None, 5400.0),
        ("2H", None, 7200.0),
    ],
)
def test_budgets(text: str, count: int | None, seconds: float | None) -> None:
    assert parse_budget(text) == Budget(count=count, seconds=seconds, text=text)


@pytest.mark.parametrize("text", ["0", "0m", "", "ten", "5x", "-3", "1.5", "m", "10m5"])
def test_bad_budgets(text: str) -> None:
    with pytest.raises(ValueError):
        parse_budget(text)


def entry(
    path: str,
    *,
    member: str | None = None,
    expires: date = TODAY,
    line: int = 3,
    workspace: str = "contoso/pr.51",
) -> Acknowledgement:
    return Acknowledgement(workspace, path, member, "covering", "it-ops", expires, "ign.yaml", line)


def drifted(*differences: Difference, workspace_id: str = "pr.51") -> WorkspaceDrift:
    return WorkspaceDrift(
        f"contoso/{workspace_id}", "contoso", workspace_id, Verdict.DRIFT, differences=differences
    )


KNOWN = frozenset({"contoso/pr.51"})


def check(
    workspaces: list[WorkspaceDrift], entries: list[Acknowledgement], today: date = TODAY
) -> tuple[list[WorkspaceDrift], list[Diagnostic]]:
    return acknowledge(workspaces, entries, today, State(Path("s.json"), exists=False), KNOWN)


ADDED = Difference(("team", "Members"), Kind.MEMBER_ADDED, "Tom@XYZ.com", None)
RENAMED = Difference(("name",), Kind.VALUE_CHANGED, "B", "A")


def test_an_entry_covers_its_member_until_its_expiry_day_ends() -> None:
    state = State(Path("s.json"), exists=False)
    (covered,), warnings = acknowledge(
        [drifted(ADDED)], [entry("team.Members", member="tom@xyz.com")], TODAY, state
    )
    assert covered.verdict is Verdict.ACKNOWLEDGED
    assert covered.differences[0].acknowledged is not None
    assert covered.differences[0].acknowledged.expires == "2026-11-29"
    assert warnings == []
    (late,), warnings = acknowledge(
        [drifted(ADDED)], [entry("team.Members")], date(2026, 11, 30), state
    )
    assert late.verdict is Verdict.DRIFT
    assert [w.summary for w in warnings] == [
        "acknowledgement of contoso/pr.51 team.Members expired on 2026-11-29"
    ]
    assert (warnings[0].file, warnings[0].line) == ("ign.yaml", 3)


def test_a_partly_covered_workspace_still_drifts() -> None:
    (checked,), _ = check([drifted(ADDED, RENAMED)], [entry("name")])
    assert checked.verdict is Verdict.DRIFT
    assert [d.acknowledged is not None for d in checked.differences] == [False, True]


def test_entries_name_a_workspace_by_id_key_or_address() -> None:
    state = State(Path("s.json"), {"contoso": TenantState(keys={"finance": "pr.51"})})
    for name in ("pr.51", "CONTOSO/PR.51", "finance", "contoso/finance"):
        (checked,), _ = acknowledge(
            [drifted(RENAMED)], [entry("name", workspace=name)], TODAY, state
        )
        assert checked.verdict is Verdict.ACKNOWLEDGED, name


def test_other_members_and_paths_are_not_covered() -> None:
    entries = [entry("team.Members", member="ana@xyz.com"), entry("team.Visitors"), entry("names")]
    (checked,), warnings = check([drifted(ADDED)], entries)
    assert checked.verdict is Verdict.DRIFT
    assert len(warnings) == 3
    assert all("matches no difference" in w.summary for w in warnings)


def test_unmatched_entries_of_unchecked_workspaces_are_not_warned_about() -> None:
    unknown = WorkspaceDrift("contoso/pr.51", "contoso", "pr.51", Verdict.UNKNOWN, reason="503")
    _, warnings = check([unknown], [entry("name")])
    assert warnings == []


def test_an_entry_naming_no_known_workspace_is_a_warning() -> None:
    _, warnings = check([drifted(ADDED)], [entry("name", workspace="contoso/pr.5l")])
    assert [w.summary for w in warnings] == [
        "acknowledgement of contoso/pr.5l name names no workspace of the specs or the state"
    ]


def test_manager_covers_the_manager_s_name_too() -> None:
    renamed = Difference(("manager", "name"), Kind.VALUE_CHANGED, "Mallory", "Maria")
    (checked,), warnings = check([drifted(renamed)], [entry("manager")])
    assert checked.verdict is Verdict.ACKNOWLEDGED and warnings == []
    (other,), _ = check([drifted(renamed)], [entry("deputy")])
    assert other.verdict is Verdict.DRIFT


def test_a_person_s_name_is_said_as_the_spec_writes_it() -> None:
    changes = [
        FieldChange(("managerName",), FieldOp.CHANGE, "Mallory", "Maria"),
        FieldChange(("deputyName",), FieldOp.CHANGE, None, "Ana"),
        FieldChange(("state", "finance"), FieldOp.ADD, None, "dep.finance", "adopted"),
    ]
    assert [(d.field_path, d.live, d.definition) for d in _differences(changes)] == [
        ("manager.name", "Mallory", "Maria"),
        ("deputy.name", None, "Ana"),
    ]


def test_markdown_makes_no_link_or_mention_of_live_values() -> None:
    hostile = Difference(
        ("name",), Kind.VALUE_CHANGED, "[click](https://evil.example) @octocat", "A"
    )
    report = DriftReport("https://api", "t", (drifted(hostile),), Sweep(1, 1))
    text = render_drift_markdown(report)
    (line,) = [x for x in text.splitlines() if "evil" in x]
    assert line.startswith("  - `") and line.endswith("`")


def test_markdown_caps_warnings_and_one_huge_workspace() -> None:
    many = tuple(
        Difference(("team", "Members"), Kind.MEMBER_ADDED, f"u{n}@xyz.com") for n in range(3000)
    )
    warnings = tuple(Diagnostic.warning(f"warning {n} " + "x" * 200) for n in range(400))
    report = DriftReport("https://api", "t", (drifted(*many),), Sweep(1, 1), warnings)
    text = render_drift_markdown(report)
    assert len(text) <= 65_000
    assert "… 380 more warnings (see `--format json`)" in text
    assert "… 2950 more differences (see `--format json`)" in text
    assert "- **drift** `contoso/pr.51`" in text


def report_of(count: int) -> DriftReport:
    workspaces = tuple(
        drifted(
            Difference(("team", "Members"), Kind.MEMBER_ADDED, f"user{n}@xyz.com"),
            workspace_id=f"pr.{n:04d}",
        )
        for n in range(count)
    )
    return DriftReport("https://api", "2026-11-29T00:00:00Z", workspaces, Sweep(count, count))


def test_markdown_stays_under_the_limit_and_says_what_it_left_out() -> None:
    text = render_drift_markdown(report_of(3000), max_chars=20_000)
    assert len(text) <= 20_000
    shown = text.count("- **drift**")
    assert 0 < shown < 3000
    assert f"- … {3000 - shown} more workspaces left out to stay under 20,000 characters" in text
    assert text.endswith("`reconciler drift --format json`.\n")
    whole = render_drift_markdown(report_of(3))
    assert whole.count("- **drift**") == 3 and "left out" not in whole


def test_a_time_budget_stops_starting_reads_when_spent(emulator: RunningEmulator) -> None:
    """A fake clock: each read start ticks one second; a 4 s budget starts exactly 3 reads."""
    ticks = itertools.count()
    lock = threading.Lock()

    def clock() -> float:
        with lock:
            return float(next(ticks))

    specs = [spec_from_yaml(project(f"pr.{n}")) for n in range(70, 82)]
    settings = ConnectionSettings(
        api_url=emulator.url, tenant=TENANT, token=Secret(TOKEN), ca_bundle=emulator.ca_bundle
    )
    client = SeamlessClient(settings)
    options = DriftOptions(
        "https://api", datetime(2026, 11, 29, tzinfo=timezone.utc), Budget(seconds=4.0, text="4s")
    )
    run = check_drift(
        specs, {"contoso": client}, State(Path("s.json"), exists=False), options, clock=clock
    )
    assert run.report.sweep.checked == 3
    assert run.report.sweep.remaining == 9
    assert run.report.sweep.never_checked == 9
    assert sum(len(v) for v in run.records.values()) == 3
    client.close()
