"""The reserved `/_emulator/` control path: a bad request is 400 and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import RunningEmulator


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
