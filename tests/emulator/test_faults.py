"""Fault injection through the control path: statuses, latency, drops, 429 storms, counting."""

from __future__ import annotations

import time

import pytest
import requests

from tests.conftest import PROJECT_TYPE, STAR_UNIT, RunningEmulator

NEW = {
    "WorkspaceId": "pr.new",
    "Name": "New",
    "OrganizationUnitId": STAR_UNIT,
    "WorkspaceTypeId": PROJECT_TYPE,
    "Manager": {"Email": "maria@xyz.com"},
}


def test_status_on_the_nth_matching_request(emulator: RunningEmulator) -> None:
    emulator.add_fault(action="status", method="GET", path="/workspaces/example$", nth=2, times=2)
    codes = [emulator.api("GET", "/workspaces/example").status_code for _ in range(4)]
    assert codes == [200, 503, 503, 200]
    assert emulator.api("GET", "/organizationUnits").status_code == 200  # path not matched


def test_a_4xx_fault_answers_with_a_message(emulator: RunningEmulator) -> None:
    emulator.add_fault(action="status", path="/organizationUnits", status=404)
    response = emulator.api("GET", "/organizationUnits")
    assert response.status_code == 404
    assert "Injected" in response.json()["Message"]


def test_forever_and_clear(emulator: RunningEmulator) -> None:
    emulator.add_fault(action="status", path="/team$", times=-1, status=500)
    assert {emulator.api("GET", "/workspaces/example/team").status_code for _ in range(3)} == {500}
    emulator.control("DELETE", "faults")
    assert emulator.api("GET", "/workspaces/example/team").status_code == 200


def test_latency_delays_the_answer(emulator: RunningEmulator) -> None:
    emulator.add_fault(action="latency", path="/organizationUnits$", latency_ms=300)
    started = time.monotonic()
    assert emulator.api("GET", "/organizationUnits").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_drop_before_processing_writes_nothing(emulator: RunningEmulator) -> None:
    emulator.add_fault(action="drop", method="POST", path="/workspaces$")
    with pytest.raises(requests.ConnectionError):
        emulator.api("POST", "/workspaces", NEW)
    assert emulator.api("GET", "/workspaces/pr.new").status_code == 404
    entry = emulator.requests_log()[0]
    assert (entry["fault"], entry["committed"], entry["status"]) == ("drop", False, None)


def test_every_dropped_request_with_a_body_is_logged(emulator: RunningEmulator) -> None:
    """RELIABILITY.md F3: reading the body of a dropped call raised and lost ~5 % of entries."""
    emulator.add_fault(action="drop", method="PUT", times=-1)
    body = {"Name": "X" * 4000, "Manager": {"Email": "ana@xyz.com"}}
    for _ in range(60):
        with pytest.raises(requests.ConnectionError):
            emulator.api("PUT", "/workspaces/example", body)
    (rule,) = emulator.control("GET", "faults")["faults"]
    logged = [e for e in emulator.requests_log() if e["method"] == "PUT"]
    assert rule["fired"] == len(logged) == 60
    assert {(e["fault"], e["status"]) for e in logged} == {("drop", None)}


def test_drop_after_commit_keeps_the_write(emulator: RunningEmulator) -> None:
    emulator.add_fault(action="drop_after_commit", method="POST", path="/workspaces$")
    with pytest.raises(requests.ConnectionError):
        emulator.api("POST", "/workspaces", NEW)
    assert emulator.api("GET", "/workspaces/pr.new").status_code == 200
    entry = emulator.requests_log()[0]
    assert (entry["fault"], entry["committed"], entry["status"]) == (
        "drop_after_commit",
        True,
        None,
    )


def test_rate_limit_storm_and_refusals_do_not_count(emulator: RunningEmulator) -> None:
    emulator.add_fault(action="rate_limit", path="/organizationUnits$", times=3, reset_seconds=5)
    storm = [emulator.api("GET", "/organizationUnits") for _ in range(3)]
    assert {r.status_code for r in storm} == {429}
    assert {r.headers["x-rate-limit-remaining"] for r in storm} == {"0"}
    assert int(storm[0].headers["x-rate-limit-reset"]) >= time.time() + 4
    after = emulator.api("GET", "/organizationUnits")
    assert after.status_code == 200
    assert after.headers["x-rate-limit-remaining"] == "99"  # the storm used no real quota


def test_method_override_is_matched_by_its_effective_method(emulator: RunningEmulator) -> None:
    emulator.add_fault(action="status", method="PUT", path="/workspaces/example$", status=502)
    body = {"Name": "Project01", "Manager": {"Email": "marko@xyz.com"}}
    headers = {"X-HTTP-Method-Override": "PUT"}
    response = emulator.api("POST", "/workspaces/example", body, headers=headers)
    assert response.status_code == 502


@pytest.mark.parametrize(
    "rule",
    [{"action": "explode"}, {"action": "status", "status": 200}, {"action": "latency", "x": 1}],
)
def test_bad_fault_rules_are_refused(emulator: RunningEmulator, rule: dict[str, object]) -> None:
    response = emulator.session.post(
        f"{emulator.url}/_emulator/faults", json=rule, verify=emulator.ca_bundle
    )
    assert response.status_code == 400
    assert emulator.control("GET", "faults") == {"faults": []}


def test_request_log_records_every_call_without_the_token(emulator: RunningEmulator) -> None:
    emulator.api("GET", "/workspaces/example")
    emulator.api("PUT", "/workspaces/example", {"Name": "X", "Manager": {"Email": "ana@xyz.com"}})
    emulator.api("GET", "/organizationUnits", token=None)
    log = emulator.requests_log()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/contoso/workspaces/example", 200),
        ("PUT", "/contoso/workspaces/example", 200),
        ("GET", "/contoso/organizationUnits", 401),
    ]
    assert log[1]["body"] == {"Name": "X", "Manager": {"Email": "ana@xyz.com"}}
    assert log[1]["committed"] is True
    assert "demo-token-contoso" not in str(log)
    emulator.control("DELETE", "requests")
    assert emulator.requests_log() == []
