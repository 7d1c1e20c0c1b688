"""Live reads as plain values: the catalog's lookups, the digest, what a fake client answers."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict, dataclass, field, replace

import pytest

from reconciler.api.errors import ApiError, RunFailure, Unauthorized
from reconciler.api.models import OrganizationUnit, Person, TeamGroup, Workspace, WorkspaceType
from reconciler.engine.live import (
    READ_WORKERS,
    AmbiguousReference,
    Catalog,
    LiveRead,
    LiveWorkspace,
    read_catalog,
    read_live,
    read_workspace,
)
from tests.engine.values import live_workspace_of, workspace_type

STAR = OrganizationUnit("U-STAR", "Star Unit", "SU", None)
MOON = OrganizationUnit("U-MOON", None, "MO", None)
TWIN = OrganizationUnit("U-TWIN", "Twin", "SU", None)


def typed(name: str, type_id: str, unit_type_id: int | None) -> WorkspaceType:
    return replace(workspace_type(name, type_id=type_id), unit_type_id=unit_type_id)


PROJECT = typed("Project", "T-PROJECT", 11)
ROOM = typed("Room", "T-ROOM", 12)
OTHER_PROJECT = typed("Project", "T-PROJECT-2", 21)

CATALOG = Catalog(
    "contoso",
    (STAR, MOON),
    {"U-STAR": (PROJECT, ROOM), "U-MOON": (OTHER_PROJECT,)},
)


def test_read_workers() -> None:
    assert READ_WORKERS == 8


@pytest.mark.parametrize(
    ("reference", "unit"),
    [
        ("U-STAR", STAR),
        ("u-star", STAR),
        ("Star Unit", STAR),
        ("SU", STAR),
        ("MO", MOON),
        ("star unit", None),
        ("Nothing", None),
    ],
)
def test_find_unit(reference: str, unit: OrganizationUnit | None) -> None:
    assert CATALOG.find_unit(reference) == unit


def test_find_unit_ambiguous() -> None:
    catalog = Catalog("contoso", (STAR, MOON, TWIN), {})
    with pytest.raises(AmbiguousReference) as caught:
        catalog.find_unit("SU")
    assert str(caught.value) == "'SU' names 2 organization units; use the unit's Id"
    assert catalog.find_unit("Twin") == TWIN


@pytest.mark.parametrize(
    ("unit", "reference", "wtype"),
    [
        (STAR, "T-ROOM", ROOM),
        (STAR, "t-room", ROOM),
        (STAR, "Project", PROJECT),
        (STAR, "project", None),
        (MOON, "Project", OTHER_PROJECT),
        (MOON, "T-ROOM", None),
        (TWIN, "Project", None),
    ],
)
def test_find_type(unit: OrganizationUnit, reference: str, wtype: WorkspaceType | None) -> None:
    assert CATALOG.find_type(unit, reference) == wtype


def test_find_type_ambiguous() -> None:
    catalog = Catalog("contoso", (STAR,), {"U-STAR": (PROJECT, typed("Project", "T-X", 3))})
    with pytest.raises(AmbiguousReference) as caught:
        catalog.find_type(STAR, "Project")
    assert str(caught.value) == "'Project' names 2 types; use the Id"


def test_pair_and_unit_names() -> None:
    assert CATALOG.pair(12) == (STAR, ROOM)
    assert CATALOG.pair(21) == (MOON, OTHER_PROJECT)
    assert CATALOG.pair(99) is None
    assert CATALOG.pair(None) is None
    untyped = Catalog("contoso", (STAR,), {"U-STAR": (typed("X", "T-X", None),)})
    assert untyped.pair(None) is None
    assert CATALOG.unit_names() == ["Star Unit", "U-MOON"]


@dataclass
class FakeClient:
    units: tuple[OrganizationUnit, ...] = ()
    types: dict[str, tuple[WorkspaceType, ...]] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    error: ApiError | None = None
    calls: list[tuple[str, ...]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _log(self, *call: str) -> None:
        with self.lock:
            self.calls.append(call)
        if self.error is not None:
            raise self.error

    def list_organization_units(self) -> tuple[OrganizationUnit, ...]:
        self._log("units")
        return self.units

    def list_available_workspace_types(self, unit_id: str) -> tuple[WorkspaceType, ...]:
        self._log("types", unit_id)
        return self.types[unit_id]

    def get_workspace(self, workspace_id: str) -> Workspace | None:
        self._log("workspace", workspace_id)
        return self.workspaces.get(workspace_id)

    def get_team(self, workspace_id: str, name: str) -> tuple[TeamGroup, ...]:
        self._log("team", workspace_id, name)
        return (TeamGroup(f"{name} Members", "Members", ("a@x.com",)),)


def test_read_catalog() -> None:
    client = FakeClient((STAR, MOON), {"U-STAR": (PROJECT,), "U-MOON": ()})
    catalog = read_catalog(client, "contoso")  # type: ignore[arg-type]
    assert catalog == Catalog("contoso", (STAR, MOON), {"U-STAR": (PROJECT,), "U-MOON": ()})
    assert client.calls == [("units",), ("types", "U-STAR"), ("types", "U-MOON")]


def test_read_catalog_failures() -> None:
    refused = Unauthorized("no token", status=401)
    with pytest.raises(RunFailure) as caught:
        read_catalog(FakeClient(error=refused), "contoso")  # type: ignore[arg-type]
    assert caught.value.error is refused
    other = ApiError("boom", status=500)
    with pytest.raises(ApiError) as raised:
        read_catalog(FakeClient(error=other), "contoso")  # type: ignore[arg-type]
    assert raised.value is other


def live_workspace(name: str = "P") -> Workspace:
    return live_workspace_of(
        workspace_id="w1", name=name, unit_type_id=11, manager=Person("m@x.com")
    )


def test_digest_is_the_sha256_of_everything_read() -> None:
    workspace = live_workspace()
    team = (TeamGroup("P Members", "Members", ("a",)),)
    data = {"workspace": asdict(workspace), "team": [asdict(g) for g in team]}
    expected = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    assert LiveWorkspace(workspace, team).digest == expected
    nothing = {"workspace": None, "team": None}
    assert LiveWorkspace(None, None).digest == (
        hashlib.sha256(json.dumps(nothing, sort_keys=True).encode()).hexdigest()
    )
    empty_team = {"workspace": None, "team": []}
    assert LiveWorkspace(None, ()).digest == (
        hashlib.sha256(json.dumps(empty_team, sort_keys=True).encode()).hexdigest()
    )
    assert LiveWorkspace(workspace, None).digest != LiveWorkspace(live_workspace("Q"), None).digest


def test_read_workspace() -> None:
    client = FakeClient(workspaces={"w1": live_workspace()})
    with_team = read_workspace(client, LiveRead("contoso", "w1", True))  # type: ignore[arg-type]
    assert with_team == LiveWorkspace(
        live_workspace(), (TeamGroup("P Members", "Members", ("a@x.com",)),)
    )
    assert with_team.error is None
    without = read_workspace(client, LiveRead("contoso", "w1", False))  # type: ignore[arg-type]
    assert without == LiveWorkspace(live_workspace(), None)
    missing = read_workspace(client, LiveRead("contoso", "nope", True))  # type: ignore[arg-type]
    assert missing == LiveWorkspace(None, None)
    assert client.calls == [
        ("workspace", "w1"),
        ("team", "w1", "P"),
        ("workspace", "w1"),
        ("workspace", "nope"),
    ]


def test_read_workspace_failures() -> None:
    failed = read_workspace(
        FakeClient(error=ApiError("boom", status=500, method="GET", path="/w")),  # type: ignore[arg-type]
        LiveRead("contoso", "w1", True),
    )
    assert failed == LiveWorkspace(None, None, error="GET /w: boom")
    with pytest.raises(RunFailure):
        read_workspace(
            FakeClient(error=Unauthorized("no", status=401)),  # type: ignore[arg-type]
            LiveRead("contoso", "w1", False),
        )


def test_read_live_keeps_the_order_and_reports_progress() -> None:
    one = FakeClient(workspaces={f"w{i}": live_workspace(f"P{i}") for i in range(12)})
    two = FakeClient(workspaces={"x": live_workspace("X")})
    reads = [LiveRead("one", f"w{i}", False) for i in range(12)] + [LiveRead("two", "x", False)]
    progress: list[tuple[int, int]] = []
    clients = {"one": one, "two": two}

    def on_progress(done: int, total: int) -> None:
        progress.append((done, total))

    results = read_live(clients, reads, on_progress)  # type: ignore[arg-type]
    assert [r.workspace.name for r in results if r.workspace] == [f"P{i}" for i in range(12)] + [
        "X"
    ]
    assert progress == [(n, 13) for n in range(1, 14)]
    assert read_live({}, []) == []


def test_read_live_without_progress() -> None:
    client = FakeClient(workspaces={"x": live_workspace("X")})
    [result] = read_live({"t": client}, [LiveRead("t", "x", False)])  # type: ignore[dict-item]
    assert result == LiveWorkspace(live_workspace("X"), None)
