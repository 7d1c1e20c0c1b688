"""One apply converges, on generated desired and live states, through the CLI and the emulator.

Each example resets the emulator to its demo fixture, sets a live state
through the API (PUTs on contoso/example; a Team Room created and provisioned,
then changed), writes generated specs, and runs plan -> apply -> plan through
the CLI (`Workspace.run`). Two properties:

- apply makes exactly the planned calls: the emulator's request log of writes
  (POST/PUT, in order) is the plan JSON's calls (method, path and body);
- the second plan is empty: every workspace is a no-op.

The specs vary what the README's normalization table covers: names,
manager and deputy changes (emails in any case, with or without a name),
schema values of each field type in many written forms (datetimes with
offsets, booleans as true/1/TRUE, numbers with blanks, strings), team groups
with members added, removed and in another case, lifeCycle changes, and
manager changes that imply owner-group members. Accounts and AD groups are
those of the emulator's demo fixture (reconciler/emulator/fixtures/demo.yaml).

This property found BUG-3, now fixed and drawn again: a close that also
changed the manager, with a spec listing Members but not the owner group, did
not converge in one apply (the team PUT was planned against owners the close
then changed). engine/calls.py's `_close_needs_two_puts` now changes the
manager first whenever such a close meets a listed team group; the example is
pinned in tests/scenarios/test_request_bodies.py.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from reconciler.emulator.server import EmulatorServer
from tests.conftest import STAR_UNIT, TEAM_ROOM_TYPE, RunningEmulator
from tests.fixtures.specs import OMIT, Account, Deputy, document, documents
from tests.properties.conftest import PROFILE
from tests.properties.test_spec_fuzz import between, case_variant, flip, pick, styles, subset
from tests.scenarios.conftest import Workspace

ACCOUNTS = [
    "marko@xyz.com",
    "ana@xyz.com",
    "tom@xyz.com",
    "maria@xyz.com",
    "imp@xyz.com",
    "bob@xyz.com",
    "anita@xyz.com",
    "michael@xyz.com",
    "lucas@xyz.com",
]
"""contoso's directory in demo.yaml (the service takes only these)."""
AD_GROUPS = ["AD_XYZ", "AD_Visitors", "AD_Finance"]
LIMITS = ("--max-removals", "1000", "--max-closes", "100")
"""The guards are other tests' business: here every generated change is allowed."""

# --- values, as a person writes them --------------------------------------------------------


def written(draw: st.DrawFn, value: str) -> str:
    """A text in a style that keeps it text (plain when YAML 1.2 reads it as text)."""
    return str(pick(draw, styles(value)))


def written_as_is(draw: st.DrawFn, value: str) -> str:
    """A value that is text in any style (a datetime, `1:20`): plain, '...' or "..."."""
    return str(pick(draw, [value, f"'{value}'", f'"{value}"']))


def account(draw: st.DrawFn, pool: list[str] = ACCOUNTS) -> str:
    """An account of the directory in any case, as YAML."""
    return written(draw, case_variant(draw, pick(draw, pool)))


def manager(draw: st.DrawFn) -> Account:
    """An email, or {email, name} (the name is then the one the service keeps)."""
    email = account(draw)
    if flip(draw):
        return email
    return email, written(draw, pick(draw, ["Marko M.", "Ana", "Ölga ✓", "Tom (IT)"]))


def deputy(draw: st.DrawFn) -> Deputy:
    """Left out (left alone), null (removed), or an account."""
    kind = pick(draw, ["omit", "null", "person", "person"])
    if kind == "omit":
        return OMIT
    return None if kind == "null" else manager(draw)


def datetime_value(draw: st.DrawFn) -> str:
    """ISO 8601 in the forms the README's table takes: a date, or a date and time, offsets."""
    date = f"{between(draw, 1990, 2050):04d}-{between(draw, 1, 12):02d}-{between(draw, 1, 28):02d}"
    if flip(draw):
        return date
    time = f"{between(draw, 0, 23):02d}:{between(draw, 0, 59):02d}"
    if flip(draw):
        time += f":{between(draw, 0, 59):02d}"
        if flip(draw):
            time += pick(draw, [".", ","]) + str(between(draw, 0, 999_999))
    hours, minutes = between(draw, 0, 14), pick(draw, [0, 30, 45])
    zone = pick(
        draw,
        [
            "",
            "Z",
            "z",
            f"+{hours:02d}:{minutes:02d}",
            f"-{hours:02d}:{minutes:02d}",
            f"+{hours:02d}{minutes:02d}",
            f"-{hours:02d}",
        ],
    )
    separator = pick(draw, ["T", "t", " "])  # a blank, as RFC 3339 allows
    return f"{date}{separator}{time}{zone}"


BOOLEANS = ["true", "True", "TRUE", "false", "False", "FALSE", "1", "0"]
QUOTED_BOOLEANS = ["'true'", '"TRUE"', "' 1 '", '" false "', "'0'", '" True "']
NUMBERS = ["42", "-3.50", "0123", "12.0", "0", "1000000"]
QUOTED_NUMBERS = ["'42'", "' 42 '", '" -7 "', '"3.25"', "' 0123'"]
STRINGS = ["Migros", "Coop", "Ölwerk AG ✓", "NO", "yes", " padded ", "Tab\tin", "名前", "'quoted'"]
PLAIN_TEXTS = ["1:20", "0123", "NO", "off", "1_000"]
"""Plain scalars YAML 1.1 would not read as text, YAML 1.2 (the loader) does or keeps as written."""


def string_value(draw: st.DrawFn, *, blank: bool = True) -> str:
    if flip(draw):
        return str(pick(draw, PLAIN_TEXTS))
    values = STRINGS + ([""] if blank else [])
    return written(draw, pick(draw, values))


def boolean_value(draw: st.DrawFn) -> str:
    return str(pick(draw, BOOLEANS + QUOTED_BOOLEANS))


def number_value(draw: st.DrawFn) -> str:
    return str(pick(draw, NUMBERS + QUOTED_NUMBERS))


def nullable(draw: st.DrawFn, value: str) -> str | None:
    """The value, or now and then null (clears the field)."""
    return None if between(draw, 0, 5) == 0 else value


def project_schema(draw: st.DrawFn) -> dict[str, str | None]:
    """Some fields of Project (and Project Plus): datetimes, strings, ValidValues."""
    values: dict[str, str | None] = {}
    for name in subset(draw, ["StartDate", "EndDate", "Customer", "Phase", "Description"], 5):
        if name in ("StartDate", "EndDate"):
            values[name] = nullable(draw, written_as_is(draw, datetime_value(draw)))
        elif name == "Phase":
            values[name] = nullable(draw, pick(draw, ["Initiation", "Execution", "Closure"]))
        else:
            values[name] = nullable(draw, string_value(draw))
    return values


def room_schema(draw: st.DrawFn, *, new: bool) -> dict[str, str | None]:
    """Team Room: Topic (required: a new room lists it, never blank), Confidential (boolean)."""
    values: dict[str, str | None] = {}
    if new or flip(draw):
        values["Topic"] = string_value(draw, blank=False)
    if flip(draw):
        values["Confidential"] = nullable(draw, boolean_value(draw))
    return values


def team(draw: st.DrawFn, groups: list[str], pool: list[str]) -> dict[str, list[str]] | None:
    """Listed groups (each authoritative), of distinct accounts in any case; or no team."""
    if flip(draw):
        return None
    return {
        group: [written(draw, case_variant(draw, m)) for m in subset(draw, pool, 4)]
        for group in subset(draw, groups, len(groups))
    }


SHAREPOINT = ["Managers", "Members", "Visitors"]
TEAMS = ["Owners", "Members"]

# --- the live state, set through the API -----------------------------------------------------


@dataclass
class Scenario:
    """Specs to plan and apply, after these API calls made the live state."""

    documents: list[str] = field(default_factory=list)
    setup: list[tuple[str, str, Any]] = field(default_factory=list)
    """(method, path below the tenant, body), made in order before the first plan; the method
    READY finishes the provisioning of the workspace at that path (the control path)."""


def live_members(draw: st.DrawFn, groups: list[str], pool: list[str]) -> list[dict[str, Any]]:
    """A team PUT section: some groups, each with some accounts."""
    sections = []
    for group in subset(draw, groups, len(groups)):
        members = subset(draw, pool, 3)
        if members:
            sections.append({"Group": group, "Members": members})
    return sections


def properties_put(draw: st.DrawFn, path: str, names: list[str]) -> tuple[str, str, Any]:
    """A workspace PUT: another name, lifeCycle, manager (moving the owner group), deputy."""
    body: dict[str, Any] = {
        "Name": pick(draw, names),
        "LifeCycle": pick(draw, [0, 0, 1]),
        "Manager": {"Email": pick(draw, ACCOUNTS)},
    }
    if flip(draw):
        body["Deputy"] = {"Email": pick(draw, ACCOUNTS)}
    return "PUT", path, body


def dodging_bug_3(
    draw: st.DrawFn, live: dict[str, Any], owner: str
) -> tuple[str | None, Account, dict[str, list[str]] | None]:
    """The spec's lifeCycle, manager and team, drawn against the live workspace's properties.

    BUG-3 in the module docstring: a close that changes the manager, with Members listed and
    the owner group not, leaves the old manager in Members. Those specs keep the live manager.
    """
    life_cycle = pick(draw, [None, "active", "closed"])
    spec_manager = manager(draw)
    groups = team(draw, TEAMS if owner == "Owners" else SHAREPOINT, live["pool"])
    # BUG-3 is fixed (engine/calls.py, _close_needs_two_puts): every combination is drawn.
    return life_cycle, spec_manager, groups


def example(draw: st.DrawFn) -> Scenario:
    """contoso/example (Project, SharePoint), changed live first, and its spec."""
    scenario = Scenario()
    names = ["Project01", "Legacy Name", "Orange"]
    live: dict[str, Any] = {"LifeCycle": 0, "Manager": {"Email": "marko@xyz.com"}}
    if flip(draw):
        scenario.setup.append(properties_put(draw, "/workspaces/example", names))
        live.update(scenario.setup[-1][2])
    if flip(draw):
        stored = {
            "StartDate": pick(draw, [None, "2023-05-01T12:00:00Z", "2024-03-01"]),
            "EndDate": pick(draw, [None, "2025-12-31T23:00:00+01:00"]),
            "Customer": pick(draw, [None, "Migros", "Coop", " padded "]),
            "Phase": pick(draw, [None, "Initiation", "Execution", "Closure"]),
            "Description": pick(draw, [None, "As it is"]),
        }
        body = [{"FieldName": k, "FieldValue": v} for k, v in stored.items()]
        scenario.setup.append(("PUT", "/workspaces/example/schema", body))
    if flip(draw):
        pool = ACCOUNTS + AD_GROUPS
        sections = {
            "Added": live_members(draw, SHAREPOINT, pool),
            "Removed": live_members(draw, SHAREPOINT, pool),
        }
        scenario.setup.append(("PUT", "/workspaces/example/team", sections))
    life_cycle, spec_manager, groups = dodging_bug_3(
        draw, {**live, "pool": ACCOUNTS + AD_GROUPS}, "Managers"
    )
    scenario.documents.append(
        document(
            workspace_id="example",
            name=written(draw, pick(draw, [*names, "Ölprojekt ✓"])),
            unit=pick(draw, ["Star Unit", "SU", STAR_UNIT.lower()]),
            workspace_type=pick(draw, ["Project", "Project", "Project", "Project Plus"]),
            life_cycle=life_cycle,
            manager=spec_manager,
            deputy=deputy(draw),
            schema=project_schema(draw) or None,
            team=groups,
        )
    )
    return scenario


def existing_room(draw: st.DrawFn) -> Scenario:
    """contoso/tr.live: a Team Room created and provisioned through the API, then its spec."""
    scenario = Scenario()
    create: dict[str, Any] = {
        "WorkspaceId": "tr.live",
        "Name": "Room",
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": TEAM_ROOM_TYPE,
        "Manager": {"Email": pick(draw, ACCOUNTS)},
        "Schema": [
            {"FieldName": "Topic", "FieldValue": "Support"},
            {"FieldName": "Confidential", "FieldValue": pick(draw, [None, "1", "0"])},
        ],
    }
    added = live_members(draw, TEAMS, ACCOUNTS)
    if added:
        create["Team"] = {"Added": added}
    scenario.setup += [("POST", "/workspaces", create), ("READY", "tr.live", None)]
    live: dict[str, Any] = {"LifeCycle": 0, "Manager": create["Manager"]}
    if flip(draw):
        scenario.setup.append(properties_put(draw, "/workspaces/tr.live", ["Room", "Old Room"]))
        live.update(scenario.setup[-1][2])
    life_cycle, spec_manager, groups = dodging_bug_3(draw, {**live, "pool": ACCOUNTS}, "Owners")
    scenario.documents.append(
        document(
            workspace_id="tr.live",
            name=written(draw, pick(draw, ["Room", "Support Room"])),
            unit="Star Unit",
            workspace_type="Team Room",
            life_cycle=life_cycle,
            manager=spec_manager,
            deputy=deputy(draw),
            schema=room_schema(draw, new=False) or None,
            team=groups,
        )
    )
    return scenario


def new_project(draw: st.DrawFn) -> Scenario:
    return Scenario(
        documents=[
            document(
                workspace_id="pr.new",
                name=written(draw, pick(draw, ["Project New", "Neu ✓", "2024"])),
                unit=pick(draw, ["Star Unit", "Butterfly", "BU"]),
                workspace_type="Project",
                description=written(draw, "Sent at creation") if flip(draw) else None,
                life_cycle=pick(draw, [None, "active"]),
                manager=manager(draw),
                deputy=deputy(draw),
                schema=project_schema(draw) or None,
                team=team(draw, SHAREPOINT, ACCOUNTS + AD_GROUPS),
            )
        ]
    )


def new_room(draw: st.DrawFn) -> Scenario:
    return Scenario(
        documents=[
            document(
                workspace_id=pick(draw, ["tr.new", "TR.Upper"]),
                name=written(draw, pick(draw, ["New Room", "Raum ✓"])),
                unit="Star Unit",
                workspace_type="Team Room",
                life_cycle=pick(draw, [None, "active"]),
                manager=manager(draw),
                deputy=deputy(draw),
                schema=room_schema(draw, new=True),
                team=team(draw, TEAMS, ACCOUNTS),
            )
        ]
    )


def new_department(draw: st.DrawFn) -> Scenario:
    """A Department Site: keyed (PrefixWithName), CostCenter a required number."""
    return Scenario(
        documents=[
            document(
                key=pick(draw, ["finance", "Sales"]),
                name=written(draw, pick(draw, ["Finance Dept", "Sales 2"])),
                unit="Star Unit",
                workspace_type="Department Site",
                manager=manager(draw),
                deputy=deputy(draw),
                schema={"CostCenter": number_value(draw)},
                team=team(draw, SHAREPOINT, ACCOUNTS + AD_GROUPS),
            )
        ]
    )


def combined(parts: list[Scenario]) -> Scenario:
    return Scenario(
        documents=[d for p in parts for d in p.documents],
        setup=[c for p in parts for c in p.setup],
    )


@st.composite
def existing_workspaces(draw: st.DrawFn) -> Scenario:
    """contoso/example, and now and then a Team Room, both live before the plan."""
    return combined([example(draw), *([existing_room(draw)] if flip(draw) else [])])


@st.composite
def new_workspaces(draw: st.DrawFn) -> Scenario:
    """One to three creates: a Project, a Team Room, a Department Site."""
    makers = [new_project, new_room, new_department]
    chosen = subset(draw, makers, 3) or [pick(draw, makers)]
    return combined([make(draw) for make in chosen])


# --- the run ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("convergence")


@dataclass
class Run:
    """One example's emulator (reset) and spec folder (new)."""

    workspace: Workspace
    trail: list[str] = field(default_factory=list)
    """What happened so far, for the failure message."""

    def say(self, text: str) -> None:
        self.trail.append(text)

    def context(self) -> str:
        return "\n".join(self.trail)


def fresh_run(server: EmulatorServer, folder: Path) -> Iterator[Run]:
    """Reset the emulator at the start of each example: the test's fixtures run once, not per
    example, so the reset the `emulator` fixture does per test is done here."""
    emulator = RunningEmulator(server)
    try:
        emulator.control("POST", "reset")
        yield Run(Workspace(emulator, Path(tempfile.mkdtemp(dir=folder))))
    finally:
        emulator.session.close()


def calls_of(plan: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [(c["method"], c["path"], c["body"]) for w in plan["workspaces"] for c in w["calls"]]


def converges(run: Run, scenario: Scenario) -> None:
    """Set the live state, then plan -> apply -> plan: exactly the planned writes, then nothing."""
    workspace, emulator = run.workspace, run.workspace.emulator
    for method, path, body in scenario.setup:
        if method == "READY":
            emulator.control("POST", f"workspaces/contoso/{path}/stage", {})
            continue
        response = emulator.api(method, path, body)
        run.say(f"setup {method} {path} {json.dumps(body)} -> {response.status_code}")
        assert response.ok, (run.context(), response.text)
    specs = documents(*scenario.documents)
    workspace.write("generated.yaml", specs)
    run.say(f"specs:\n{specs}")

    first = workspace.run("plan", str(workspace.specs), "--json", *LIMITS)
    run.say(f"plan: exit {first.exit_code}\n{first.stdout}{first.stderr}")
    assert first.exit_code == 0, run.context()
    planned = calls_of(json.loads(first.stdout))
    event(f"planned calls: {min(len(planned), 4)}{'+' if len(planned) >= 4 else ''}")
    for method, path, _ in planned:
        event(f"call: {method} {path.replace('/workspaces/', '…/', 1)}")

    emulator.control("DELETE", "requests")
    applied = workspace.run("apply", str(workspace.specs), "--auto-approve", *LIMITS)
    run.say(f"apply: exit {applied.exit_code}\n{applied.stdout}{applied.stderr}")
    assert applied.exit_code == 0, run.context()
    assert workspace.writes() == planned, run.context()

    second = workspace.run("plan", str(workspace.specs), "--json", "--detailed-exitcode", *LIMITS)
    run.say(f"second plan: exit {second.exit_code}\n{second.stdout}{second.stderr}")
    leftover = [w for w in json.loads(second.stdout)["workspaces"] if w["action"] != "no-op"]
    assert leftover == [], run.context()
    assert second.exit_code == 0, run.context()


EMULATOR_SETTINGS = settings(PROFILE, deadline=None, max_examples=60)
"""About 0.3 s an example on two cores: both tests together take some 20 s (-n 2)."""
SHRINK_TIME = pytest.mark.timeout(900)
"""A failing example is shrunk over HTTPS for minutes; the suite's 120 s would cut it short."""


@SHRINK_TIME
@EMULATOR_SETTINGS
@given(scenario=existing_workspaces())
def test_one_apply_converges_existing_workspaces(
    emulator_server: EmulatorServer, runs_folder: Path, scenario: Scenario
) -> None:
    for run in fresh_run(emulator_server, runs_folder):
        converges(run, scenario)


@SHRINK_TIME
@EMULATOR_SETTINGS
@given(scenario=new_workspaces())
def test_one_apply_converges_new_workspaces(
    emulator_server: EmulatorServer, runs_folder: Path, scenario: Scenario
) -> None:
    for run in fresh_run(emulator_server, runs_folder):
        converges(run, scenario)
