"""Client mistakes found by a second reading of the API: never a 500, never a half-write."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import BUTTERFLY_UNIT, CUSTOMER_CASE_TYPE, PROJECT_TYPE, RunningEmulator

FIELDS = ("StartDate", "EndDate", "Customer", "Phase", "Description")


def schema_with_start(start: str) -> list[dict[str, Any]]:
    return [{"FieldName": n, "FieldValue": start if n == "StartDate" else None} for n in FIELDS]


@pytest.mark.parametrize("raw", ['{"LifeCycle": ' + "1" * 5000 + "}", "[" * 1000 + "]" * 1000])
def test_json_the_parser_cannot_take_is_400(emulator: RunningEmulator, raw: str) -> None:
    response = emulator.api(
        "PUT", "/workspaces/example", data=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "x-rate-limit-remaining" in response.headers
    assert emulator.requests_log()[-1]["status"] == 400


@pytest.mark.parametrize(
    ("start", "status"),
    [
        ("0001-01-01T00:00:00+01:00", 422),
        ("9999-12-31T23:59:59-01:00", 422),
        ("0999-01-01", 422),
        ("1900-01-01", 200),
    ],
)
def test_dates_at_the_edges(emulator: RunningEmulator, start: str, status: int) -> None:
    response = emulator.api("PUT", "/workspaces/example/schema", schema_with_start(start))
    assert response.status_code == status
    if status == 200:
        stored = json.loads(response.json()["Schema"])[0]["FieldValue"]
        assert stored == "1900-01-01T00:00:00Z"


def test_rate_limit_counts_the_token_not_the_header_spelling(emulator: RunningEmulator) -> None:
    emulator.configure(rate_limit={"limit": 2, "window": 60})
    token = "demo-token-contoso"
    spellings = [f"Basic {token}", f"basic {token}", f"BASIC  {token}"]
    codes = [
        emulator.api("GET", "/organizationUnits", token=None, headers={"Authorization": s})
        for s in spellings
    ]
    assert [c.status_code for c in codes] == [200, 200, 429]


def test_full_ids_skip_numbers_already_taken(emulator: RunningEmulator) -> None:
    taken = {
        "WorkspaceId": "org.bu.00001",
        "Name": "Squatter",
        "OrganizationUnitId": BUTTERFLY_UNIT,
        "WorkspaceTypeId": PROJECT_TYPE,
        "Manager": {"Email": "ana@xyz.com"},
    }
    assert emulator.api("POST", "/workspaces", taken).status_code == 201
    case = {
        "Name": "Case",
        "OrganizationUnitId": BUTTERFLY_UNIT,
        "WorkspaceTypeId": CUSTOMER_CASE_TYPE,
        "Manager": {"Email": "ana@xyz.com"},
        "Schema": [{"FieldName": "Customer", "FieldValue": "X"}],
    }
    assert emulator.api("POST", "/workspaces", case).json()["WorkspaceId"] == "org.bu.00002"


def test_routing_comes_before_judging_the_body(emulator: RunningEmulator) -> None:
    bad_json = {"Content-Type": "application/json"}
    assert emulator.api("PUT", "/nonsense", data="{", headers=bad_json).status_code == 404
    text = {"Content-Type": "text/plain"}
    assert emulator.api("POST", "/workspaces/example", data="x", headers=text).status_code == 405


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("faults", {"action": "status", "nth": "2"}),
        ("faults", {"action": "latency", "latency_ms": "5"}),
        ("faults", {"action": "status", "path": "("}),
        ("config", {"rate_limit": {"limit": 0, "window": 0}}),
        ("config", {"progression": {"mode": "time", "seconds": "nan"}}),
        ("workspaces/contoso/example/stage", {"stage": 99}),
        ("workspaces/contoso/example/stage", {"stage": -1}),
    ],
)
def test_bad_control_requests_are_400_and_change_nothing(
    emulator: RunningEmulator, path: str, body: dict[str, Any]
) -> None:
    response = emulator.session.post(
        f"{emulator.url}/_emulator/{path}", json=body, verify=emulator.ca_bundle
    )
    assert response.status_code == 400
    assert emulator.api("GET", "/workspaces/example/status").json()["Name"] == "Ready"


def test_required_fields_are_not_blank(emulator: RunningEmulator) -> None:
    room = {
        "WorkspaceId": "tr.blank",
        "Name": "Blank",
        "OrganizationUnitId": "E555522C-6856-4B50-BC00-3D5C17129077",
        "WorkspaceTypeId": "3B66DCCA-98AF-458A-AE36-A67BF199AC07",
        "Manager": {"Email": "ana@xyz.com"},
        "Schema": [{"FieldName": "Topic", "FieldValue": "  "}],
    }
    assert emulator.api("POST", "/workspaces", room).status_code == 422
    assert emulator.api("POST", "/workspaces", {**room, "WorkspaceId": "tr."}).status_code == 422
