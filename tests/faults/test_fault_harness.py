"""The fault suite's harness: a fleet of workspaces, and the checks every fault case ends with.

Every case in the fault suite runs the real CLI against the session's
emulator over HTTPS, breaks something with the emulator's fault rules (or
its provisioning progression, or a SIGKILL), asserts the message and the
exit code, then `Fleet.finish` clears the faults, applies again (asserting
exactly the calls that were left) and runs `Fleet.check_converged`:

- a new plan is all no-op (no problem, nothing leaving the specs);
- nothing duplicated: exactly one POST per created workspace reached the
  service's processing (counted by Name, and by WorkspaceId where the body
  names one), and exactly one committed;
- the emulator holds exactly the seeded workspaces plus the specs' ones, each
  as the specs say (name, unit, type, manager, listed schema fields, listed
  team groups with the members the service implies);
- nothing the specs did not ask for changed: the untouched workspace
  (contoso/example, never in the specs) is the same document as before, and
  no write went to it;
- the state file is valid JSON with the expected keys: every key recorded,
  no pending create, the managed set is the specs' workspaces.

The file is named test_fault_*.py because only such files belong in this
folder; its own tests check that the checks catch what they look for.
A seed picks what fails (a fault's `nth`, which workspace, which call):
cases are parametrized over SEEDS and draw from `rng(case, seed)`, so a
failing pick replays exactly. Test modules import `fleet_fixture` and
`workspace` (the scenario fixture it builds on) from here.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from click.testing import Result

from tests.conftest import (
    BUTTERFLY_UNIT,
    CUSTOMER_CASE_TYPE,
    DEPARTMENT_TYPE,
    PROJECT_PLUS_TYPE,
    PROJECT_TYPE,
    STAR_UNIT,
    TEAM_ROOM_TYPE,
    TENANT,
    RunningEmulator,
)
from tests.fixtures.specs import document
from tests.scenarios.conftest import Workspace, workspace  # noqa: F401  (the fixture)

T = TypeVar("T")

SEEDS = (1, 2, 3)
GENERATORS = ("None", "PrefixWithId", "PrefixWithName", "Full")
UNITS = {"Star Unit": STAR_UNIT, "Butterfly": BUTTERFLY_UNIT}
TYPES = {
    "Project": PROJECT_TYPE,
    "Project Plus": PROJECT_PLUS_TYPE,
    "Team Room": TEAM_ROOM_TYPE,
    "Department Site": DEPARTMENT_TYPE,
    "Customer Case": CUSTOMER_CASE_TYPE,
}
GENERATOR_OF_TYPE = {
    "Project": "None",
    "Project Plus": "None",
    "Team Room": "PrefixWithId",
    "Department Site": "PrefixWithName",
    "Customer Case": "Full",
}
UNTOUCHED = "example"
"""Seeded by demo.yaml and never in the fault suite's specs: nothing may change it."""

APPLY_REFUSED = "Apply refused: the plan has errors. Nothing was changed."
NO_CHANGES = "No changes. Live workspaces match the specs."
EMULATOR_NOISE = re.compile(r"^client \S+ left mid-request")
"""The in-process emulator's one line for a client that hung up (it may land in captured stderr)."""
REPORT_HEAD = re.compile(rf"^{TENANT}/\S+: (done|FAILED: .*)$")
DEADLINE = 30.0
"""How long a case waits for the emulator to see something (a late commit, a request)."""
RETRY_SECONDS = r"retrying in \d+\.\d s"
DROPPED = (
    r"the connection failed or was dropped \((RemoteDisconnected: Remote end closed connection "
    r"without response|ConnectionResetError: [^()]*|SSLEOFError: [^()]*)\)"
)
"""What the client says of a connection the emulator dropped (`drop`, `drop_after_commit`)."""


def wait_for(condition: Callable[[], object], what: str, deadline: float = DEADLINE) -> None:
    """Poll a condition (the emulator's log, a fault's `fired`) until it holds, or fail."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > deadline:
            raise AssertionError(f"waited {deadline:g} s for {what}")
        time.sleep(0.02)  # polling a condition with a deadline, not waiting out a race


def rng(*parts: object) -> random.Random:
    """A seeded generator per case, so a failing pick can be replayed."""
    return random.Random(":".join(str(p) for p in parts))


def spread(case: str, population: Sequence[T], seed: int) -> T:
    """The seed's pick from `population`: a shuffle per case, so the seeds pick distinct items."""
    order = rng(case).sample(list(population), len(population))
    return order[(seed - 1) % len(order)]


# --- what the specs ask for ---------------------------------------------------------------------


@dataclass(frozen=True)
class Want:
    """One workspace the specs ask for, and how it must be live afterwards."""

    name: str
    unit: str
    workspace_type: str
    manager: str
    schema: Mapping[str, str]
    workspace_id: str | None = None
    key: str | None = None
    team: Mapping[str, tuple[str, ...]] | None = None
    live_team: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """The live members of the listed groups once applied (implied members included)."""
    existing: bool = False
    """Created before the case through the API (then the specs update it)."""

    @property
    def address(self) -> str:
        return f"{TENANT}/{self.workspace_id}" if self.workspace_id else f"{TENANT}/key={self.key}"

    @property
    def generator(self) -> str:
        return GENERATOR_OF_TYPE[self.workspace_type]

    @property
    def provisioning(self) -> str:
        return "Teams" if self.workspace_type == "Team Room" else "SharePoint"

    def expected_id(self) -> str | None:
        """The WorkspaceId, when it can be known before the create (not for Full)."""
        if self.workspace_id:
            return self.workspace_id
        if self.generator == "PrefixWithName":
            return "dep." + re.sub(r"[^a-z0-9]", "", self.name.lower())
        return None

    def yaml(self) -> str:
        return document(
            workspace_id=self.workspace_id,
            key=self.key,
            name=self.name,
            unit=self.unit,
            workspace_type=self.workspace_type,
            manager=self.manager,
            schema=dict(self.schema),
            team=self.team,
        )

    def calls(self) -> list[str]:
        """The planned calls as the apply report describes them, in order."""
        if not self.existing:
            return [f"create {self.provisioning} workspace (POST /workspaces)"]
        base = f"/workspaces/{self.workspace_id}"
        return [
            f"update workspace (PUT {base})",
            f"change type to 'Project Plus' (PUT {base}/workspaceType)",
            f"update schema (1 field(s)) (PUT {base}/schema)",
            f"update team (1 added, 1 removed) (PUT {base}/team)",
        ]

    def paths(self) -> list[tuple[str, str]]:
        """(method, path below the tenant) of each planned call, in order."""
        return [
            (c.rsplit("(", 1)[1].split()[0], c.rsplit("(", 1)[1].split()[1].rstrip(")"))
            for c in self.calls()
        ]

    def summaries(self) -> list[str]:
        """Each call's summary, as failure messages start: "update schema (1 field(s))"."""
        return [c.rsplit(" (", 1)[0] for c in self.calls()]


def new(generator: str, n: int) -> Want:
    """A workspace to create, of a type with this id generator."""
    if generator == "None":
        return Want(
            f"Project n{n}", "Star Unit", "Project", "maria@xyz.com", {"Phase": "Initiation"},
            workspace_id=f"pr.n{n}",
        )  # fmt: skip
    if generator == "PrefixWithId":
        return Want(
            f"Room n{n}", "Star Unit", "Team Room", "ana@xyz.com", {"Topic": f"Topic {n}"},
            workspace_id=f"tr.n{n}",
        )  # fmt: skip
    if generator == "PrefixWithName":
        return Want(
            f"Department {n}", "Star Unit", "Department Site", "anita@xyz.com",
            {"CostCenter": f"47{n:02d}"}, key=f"dept-{n}",
        )  # fmt: skip
    assert generator == "Full", generator
    return Want(
        f"Case {n}", "Butterfly", "Customer Case", "ana@xyz.com", {"Customer": f"Customer {n}"},
        key=f"case-{n}",
    )  # fmt: skip


def changed(workspace_id: str) -> Want:
    """A Project created through the API (manager maria) that the specs change in every way.

    Four PUTs: the workspace (rename, manager maria -> tom), its type (Project
    -> Project Plus), its schema and its team (Members listed: bob added, maria
    removed; tom is implied by the manager change).
    """
    return Want(
        f"Renamed {workspace_id}",
        "Star Unit",
        "Project Plus",
        "tom@xyz.com",
        {"Phase": "Closure"},
        workspace_id=workspace_id,
        team={"Members": ("tom@xyz.com", "bob@xyz.com")},
        live_team={
            "Managers": frozenset({"tom@xyz.com"}),
            "Members": frozenset({"tom@xyz.com", "bob@xyz.com"}),
        },
        existing=True,
    )


def create_through_api(emulator: RunningEmulator, workspace_id: str) -> None:
    """The workspace `changed(workspace_id)` starts from: a Ready Project managed by maria."""
    body = {
        "WorkspaceId": workspace_id,
        "Name": f"Project {workspace_id}",
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": PROJECT_TYPE,
        "Manager": {"Email": "maria@xyz.com"},
        "Schema": [{"FieldName": "Phase", "FieldValue": "Initiation"}],
    }
    response = emulator.api("POST", "/workspaces", body)
    assert response.status_code == 201, response.text
    emulator.control("POST", f"workspaces/{TENANT}/{workspace_id}/stage", {})


# --- the fleet: specs, runs, and the checks -----------------------------------------------------


@dataclass
class Fleet:
    """The specs of one case (a list of Want) in a Workspace folder, and the checks."""

    workspace: Workspace
    wants: list[Want] = field(default_factory=list)
    untouched: dict[str, Any] = field(default_factory=dict)

    @property
    def emulator(self) -> RunningEmulator:
        return self.workspace.emulator

    def use(self, wants: Sequence[Want]) -> Fleet:
        """Create the existing ones through the API, write the specs, start a fresh log."""
        self.wants = sorted(wants, key=lambda w: w.address)
        for want in self.wants:
            if want.existing:
                assert want.workspace_id
                create_through_api(self.emulator, want.workspace_id)
        self.workspace.write("fleet.yaml", "---\n".join(w.yaml() for w in self.wants))
        self.untouched = self.store_doc(UNTOUCHED)
        self.emulator.control("DELETE", "requests")
        return self

    def want(self, address: str) -> Want:
        return next(w for w in self.wants if w.address == address)

    @property
    def spec_file(self) -> str:
        return str(self.workspace.specs / "fleet.yaml")

    def line(self, want: Want, key: str | None = None) -> int:
        """The line of the spec file where `want`'s document starts, or its `key:` line."""
        before = self.wants[: self.wants.index(want)]
        start = 1 + sum(len(w.yaml().splitlines()) + 1 for w in before)
        if key is None:
            return start
        return start + next(
            n for n, line in enumerate(want.yaml().splitlines()) if line.startswith(f"{key}:")
        )

    def error(self, want: Want, message: str, key: str | None = None) -> str:
        """A plan error line of `want` (pinned to its document, or to its `key:` line)."""
        return f"      Error: {self.spec_file}:{self.line(want, key)}: {message}"

    # runs

    def run(self, *args: str) -> Result:
        return self.workspace.run(*args)

    def plan(self, *args: str) -> Result:
        return self.run("plan", str(self.workspace.specs), *args)

    def apply(self, *args: str) -> Result:
        return self.run("apply", str(self.workspace.specs), "--auto-approve", *args)

    def add_fault(self, **rule: Any) -> None:
        self.emulator.add_fault(**rule)

    def fired(self) -> int:
        """How many requests the fault rules have hit so far."""
        return sum(rule["fired"] for rule in self.emulator.control("GET", "faults")["faults"])

    def clear_faults(self) -> None:
        self.emulator.control("DELETE", "faults")

    def rerun(self, *args: str) -> Result:
        """Faults cleared, apply again: it must finish the job (exit 0)."""
        self.clear_faults()
        result = self.apply(*args)
        assert result.exit_code == 0, result.stdout + result.stderr
        return result

    def finish(self, remaining: Sequence[tuple[Want, int]] = ()) -> Result:
        """Faults cleared, apply again, then every check.

        The apply makes exactly the calls left: for each (want, start), the
        want's calls from number `start` (0-based) on; with none left it says
        there are no changes.
        """
        result = self.rerun()
        if remaining:
            expected = [line for w, start in remaining for line in done(w, start)]
            assert report(result) == [*expected, complete(w for w, _ in remaining)]
            self.check_converged()
        else:
            # This apply's own plan is the plan afterwards: all no-op, no warning, nothing leaving.
            summary = f"Plan: 0 to create, 0 to update, {len(self.wants)} unchanged, 0 errors."
            assert lines(result.stdout) == [NO_CHANGES, summary], result.stdout
            assert lines(result.stderr) == []
            self.check_converged(planned=True)
        return result

    # what the emulator holds and saw

    def store_doc(self, workspace_id: str) -> dict[str, Any]:
        doc = self.emulator.server.app.backend.store.get(TENANT, workspace_id)
        assert doc is not None, f"{workspace_id} does not exist"
        return dict(doc)

    def live_ids(self) -> set[str]:
        return {
            doc["WorkspaceId"].lower()
            for tenant, doc in self.emulator.server.app.backend.store.all()
            if tenant == TENANT
        }

    def log(self) -> list[dict[str, Any]]:
        return self.emulator.requests_log()

    def state_text(self) -> str:
        return (self.workspace.root / "state.json").read_text(encoding="utf-8")

    def state(self) -> dict[str, Any]:
        """The contoso part of the state file, after checking the file's shape."""
        return check_state_shape(self.state_text())

    def resolved_id(self, want: Want) -> str:
        """The WorkspaceId a Want stands for: its own, or the one the state records for its key."""
        if want.workspace_id:
            return want.workspace_id
        recorded = self.state()["keys"].get(str(want.key))
        assert recorded, f"key {want.key!r} is not recorded in the state: {self.state_text()}"
        return str(recorded)

    def unrecorded_case(self, want: Want) -> str:
        """The id of the one Full workspace named like `want` that the state does not know."""
        known = {i.lower() for i in self.state()["keys"].values()}
        found = [
            doc["WorkspaceId"]
            for tenant, doc in self.emulator.server.app.backend.store.all()
            if tenant == TENANT and doc["Name"] == want.name and doc["WorkspaceId"] not in known
        ]
        assert len(found) == 1, found
        return str(found[0])

    # a Full create whose outcome is unknown: plan refuses the key until someone decides

    def settle_lost_create(self, want: Want, *, created: bool) -> None:
        """Check that apply refuses the key with its instructions, then follow them.

        `created`: the create went through, so `state import` the workspace found
        in the tenant; else `state forget` the key, so the next apply creates it.
        """
        self.clear_faults()
        state_file = self.workspace.root / "state.json"
        key = str(want.key)
        since = self.state()["pending"][key]["since"]
        message = (
            f"an apply at {since} sent the create of key '{key}' and lost the answer; the "
            "service generates this type's ids, so it may exist under an id we cannot know. "
            f"Find it, then `reconciler state import --state {state_file} --tenant contoso {key} "
            "WORKSPACE_ID`; or, if it was not created, `reconciler state forget --state "
            f"{state_file} --tenant contoso {key}` to create it again"
        )
        refused = self.apply()
        assert refused.exit_code == 1
        assert self.error(want, message, key="key") in lines(refused.stdout)
        assert lines(refused.stderr)[-1] == APPLY_REFUSED
        where = ("--state", str(state_file), "--tenant", TENANT)
        if created:
            made = self.unrecorded_case(want)
            result = self.run("state", "import", *where, key, made)
            said = f"Key '{key}' of tenant '{TENANT}' now stands for {made}."
        else:
            result = self.run("state", "forget", *where, key)
            said = f"Forgot key '{key}' of tenant '{TENANT}'."
        assert result.exit_code == 0, result.stderr
        assert lines(result.stdout) == [said]

    def adopting(self, want: Want) -> str:
        """The warning of a plan that adopts what an interrupted create of `want` made."""
        return (
            f"      Warning: {self.spec_file}:{self.line(want, 'key')}: adopting "
            f"'{want.expected_id()}', created by an earlier apply whose answer was lost; apply "
            "records it under the key"
        )

    # the checks

    def check_converged(self, *, planned: bool = False) -> None:
        """Every check; `planned`: the caller has seen a plan with nothing to do just now."""
        if not planned:
            self.check_plan_is_noop()
        self.check_nothing_duplicated()
        self.check_live_matches_specs()
        self.check_untouched()
        self.check_state()

    def check_plan_is_noop(self) -> None:
        result = self.plan("--json", "--detailed-exitcode")
        assert result.exit_code == 0, result.stdout + result.stderr
        plan = json.loads(result.stdout)
        actions = {w["address"]: w["action"] for w in plan["workspaces"]}
        assert actions == dict.fromkeys((w.address for w in self.wants), "no-op")
        assert [p for w in plan["workspaces"] for p in w["problems"]] == []
        assert plan["problems"] == [] and plan["leaving"] == []

    def check_nothing_duplicated(self) -> None:
        posts = [e for e in self.log() if e["method"] == "POST"]
        created = {w.name for w in self.wants if not w.existing}
        processed = Counter(e["body"]["Name"] for e in posts if reached_processing(e))
        committed = Counter(e["body"]["Name"] for e in posts if committed_write(e))
        assert processed == Counter(created), f"POSTs that reached the service: {processed}"
        assert committed == Counter(created), f"POSTs that committed: {committed}"
        by_id = Counter(
            e["body"]["WorkspaceId"].lower()
            for e in posts
            if reached_processing(e) and e["body"].get("WorkspaceId")
        )
        assert all(n == 1 for n in by_id.values()), by_id

    def check_live_matches_specs(self) -> None:
        ids = {w.address: self.resolved_id(w) for w in self.wants}
        assert self.live_ids() == {UNTOUCHED} | {i.lower() for i in ids.values()}
        for want in self.wants:
            doc = self.store_doc(ids[want.address])
            where = f"{want.address} ({doc['WorkspaceId']})"
            if want.expected_id():
                assert doc["WorkspaceId"].lower() == str(want.expected_id()).lower(), where
            elif want.generator == "Full":
                assert re.fullmatch(r"org\.bu\.\d{5}", doc["WorkspaceId"]), where
            assert doc["Name"] == want.name, where
            assert doc["UnitId"] == UNITS[want.unit], where
            assert doc["TypeId"] == TYPES[want.workspace_type], where
            assert doc["Manager"]["Email"].lower() == want.manager.lower(), where
            assert (doc["LifeCycle"], doc["Stage"]) == (0, 2), where
            assert {f: doc["Schema"].get(f) for f in want.schema} == dict(want.schema), where
            for group, members in want.live_team.items():
                assert {m.lower() for m in doc["Team"][group]} == members, f"{where} {group}"

    def check_untouched(self) -> None:
        assert self.store_doc(UNTOUCHED) == self.untouched
        path = f"/{TENANT}/workspaces/{UNTOUCHED}"
        touched = [e for e in self.log() if e["method"] != "GET" and e["path"].startswith(path)]
        assert touched == []

    def check_state(self) -> None:
        state = self.state()
        keys = {str(w.key): self.resolved_id(w) for w in self.wants if w.key}
        assert state["keys"] == keys
        assert state["pending"] == {}
        managed = {i.lower() for i in state["managed"]}
        assert managed == {self.resolved_id(w).lower() for w in self.wants}


def check_state_shape(text: str) -> dict[str, Any]:
    """The state file is valid JSON of version 1 with the keys it must have; contoso's part."""
    data = json.loads(text)
    assert set(data) == {"version", "tenants"} and data["version"] == 1, data
    assert set(data["tenants"]) <= {TENANT}, data
    tenant: dict[str, Any] = data["tenants"].get(TENANT, {"keys": {}, "managed": [], "pending": {}})
    assert {"keys", "managed", "pending"} <= set(tenant) <= {
        "keys", "managed", "pending", "descriptions"
    }, tenant  # fmt: skip
    assert isinstance(tenant["keys"], dict) and isinstance(tenant["managed"], list)
    for intent in tenant["pending"].values():
        assert set(intent) == {"expected_id", "since"}, intent
    return tenant


def reached_processing(entry: Mapping[str, Any]) -> bool:
    """The request got past the faults to the service (refused by it or not)."""
    return entry["fault"] in (None, "latency", "drop_after_commit") and entry["status"] != 429


def committed_write(entry: Mapping[str, Any]) -> bool:
    return bool(entry["committed"]) or entry["status"] in (200, 201)


# --- reading the CLI's output --------------------------------------------------------------------


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if not EMULATOR_NOISE.match(line)]


def report(result: Result) -> list[str]:
    """The apply report on stderr: from the first `address: done|FAILED` line to the end."""
    err = lines(result.stderr)
    start = next((i for i, line in enumerate(err) if REPORT_HEAD.match(line)), None)
    assert start is not None, result.stderr
    return err[start:]


def done(want: Want, start: int = 0) -> list[str]:
    """The report block of a workspace whose calls from `start` (0-based) on all went through."""
    return [f"{want.address}: done", *(f"  done      {c}" for c in want.calls()[start:])]


def failed(want: Want, at: int, error: str) -> list[str]:
    """The report block of a workspace whose call number `at` (0-based) failed."""
    calls = want.calls()
    return [
        f"{want.address}: FAILED: {error}",
        *(f"  done      {c}" for c in calls[:at]),
        f"  FAILED    {calls[at]}",
        *(f"  not done  {c}" for c in calls[at + 1 :]),
    ]


def all_done(wants: Iterable[Want]) -> list[str]:
    """The report of an apply whose every call went through."""
    wants = list(wants)
    return [*(line for w in wants for line in done(w)), complete(wants)]


def counts(wants: Iterable[Want]) -> str:
    wants = list(wants)
    created = sum(not w.existing for w in wants)
    updated = sum(w.existing for w in wants)
    return f"Workspaces: {created} created, {updated} updated, 0 closed."


def complete(wants: Iterable[Want]) -> str:
    return f"Apply complete! {counts(wants)}"


def incomplete(failures: int, of: int, calls_done: int, calls: int, ok: Iterable[Want]) -> str:
    return (
        f"Apply incomplete ({failures} of {of} workspaces failed): {calls_done} of {calls} calls "
        f"done. {counts(ok)} Run apply again to finish."
    )


def plan_summary(wants: Iterable[Want], errored: Iterable[Want] = ()) -> str:
    """The text plan's count line when `errored` cannot be planned and the rest can."""
    bad = {w.address for w in errored}
    good = [w for w in wants if w.address not in bad]
    errors = f"{len(bad)} error" + ("" if len(bad) == 1 else "s")
    return (
        f"Plan: {sum(not w.existing for w in good)} to create, "
        f"{sum(w.existing for w in good)} to update, 0 unchanged, {errors}."
    )


def check_retry_warnings(
    messages: Iterable[str], why: str, paths: Iterable[str], hits: int
) -> None:
    """The client's retry warnings: one per request a fault hit, numbered per path from 1.

    `attempt k/4 failed: <METHOD> <path>: <why>; retrying in N s`, with `why` a pattern
    and `path` one of `paths`. Counted against the rule's `fired`: the emulator's request
    log can miss a dropped request that had a body (see RELIABILITY.md, F3).
    """
    known = set(paths)
    warnings = [m for m in messages if m.startswith("attempt ")]
    assert len(warnings) == hits, warnings
    tries: Counter[str] = Counter()
    for warning in warnings:
        found = re.fullmatch(
            rf"attempt (\d)/4 failed: (GET|PUT) (\S+): {why}; {RETRY_SECONDS}", warning
        )
        assert found and found[3] in known, warning
        tries[found[3]] += 1
        assert int(found[1]) == tries[found[3]], warnings


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(name="fleet")
def fleet_fixture(workspace: Workspace) -> Fleet:  # noqa: F811  (the imported fixture)
    """A Fleet on the reset emulator, rate limit off (429s come from faults only).

    Test modules import `fleet_fixture` (and `workspace`, which it needs) to use it.
    """
    workspace.emulator.configure(rate_limit=None)
    return Fleet(workspace)


# --- the checks check -----------------------------------------------------------------------------


EVERY_KIND = [new(g, 1) for g in GENERATORS] + [changed("pr.a")]


def test_a_clean_apply_passes_every_check(fleet: Fleet) -> None:
    fleet.use(EVERY_KIND)
    result = fleet.apply()
    assert result.exit_code == 0, result.stderr
    assert report(result) == all_done(fleet.wants)
    fleet.check_converged()


def test_the_checks_catch_a_duplicate_a_stray_write_and_a_lost_key(fleet: Fleet) -> None:
    fleet.use(EVERY_KIND)
    assert fleet.apply().exit_code == 0
    fleet.check_converged()
    # A second create of a Full workspace (what a lost answer resent would make).
    case = next(w for w in fleet.wants if w.generator == "Full")
    body = {
        "Name": case.name,
        "OrganizationUnitId": BUTTERFLY_UNIT,
        "WorkspaceTypeId": CUSTOMER_CASE_TYPE,
        "Manager": {"Email": case.manager},
        "Schema": [{"FieldName": "Customer", "FieldValue": case.schema["Customer"]}],
    }
    assert fleet.emulator.api("POST", "/workspaces", body).status_code == 201
    with pytest.raises(AssertionError):
        fleet.check_nothing_duplicated()
    with pytest.raises(AssertionError):
        fleet.check_live_matches_specs()
    # A write to the workspace no spec names.
    put = {"Name": "Project01", "Manager": {"Email": "marko@xyz.com"}}
    assert fleet.emulator.api("PUT", f"/workspaces/{UNTOUCHED}", put).status_code == 200
    with pytest.raises(AssertionError):
        fleet.check_untouched()
    # A state that lost a key.
    state = json.loads(fleet.state_text())
    state["tenants"][TENANT]["keys"].pop(str(case.key))
    (fleet.workspace.root / "state.json").write_text(json.dumps(state))
    with pytest.raises(AssertionError):
        fleet.check_state()
