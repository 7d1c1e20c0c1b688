"""Shared fixtures: one emulator per session (per xdist worker) over real HTTPS, reset per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.emulator.server import EmulatorServer

TENANT = "contoso"
TOKEN = "demo-token-contoso"
OTHER_TENANT, OTHER_TOKEN = "fabrikam", "demo-token-fabrikam"
STAR_UNIT = "E555522C-6856-4B50-BC00-3D5C17129077"
BUTTERFLY_UNIT = "731F7ACC-A9E6-498D-B8A5-0D4F4BD39272"
PROJECT_TYPE = "6FF11D16-2F92-47EF-9EEA-06442125C38E"
PROJECT_PLUS_TYPE = "24760C3C-0E37-457B-B51B-8D1B235382F1"
TEAM_ROOM_TYPE = "3B66DCCA-98AF-458A-AE36-A67BF199AC07"
DEPARTMENT_TYPE = "0C1B8F3E-52A4-4C55-9B9E-2B6B7E0A1D11"
CUSTOMER_CASE_TYPE = "9A2E4C61-7F3B-4D8A-A1C5-6E0F2B3D4C55"
ARCHIVE_TYPE = "5D4E3F2A-1B0C-4D9E-8F7A-6B5C4D3E2F10"


@dataclass
class RunningEmulator:
    """A started emulator and helpers to drive it like a client and through its control path."""

    server: EmulatorServer
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def ca_bundle(self) -> str:
        return str(self.server.ca_bundle)

    def control(self, method: str, path: str, json: Any = None) -> Any:
        """Call the control path, e.g. control("POST", "faults", {...})."""
        response = self.session.request(
            method, f"{self.url}/_emulator/{path.lstrip('/')}", json=json, verify=self.ca_bundle
        )
        response.raise_for_status()
        return response.json()

    def api(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        tenant: str = TENANT,
        token: str | None = TOKEN,
        **kwargs: Any,
    ) -> requests.Response:
        """Call the API as a client would: /<tenant><path> with the tenant's Basic token."""
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers.setdefault("Authorization", f"Basic {token}")
        return self.session.request(
            method,
            f"{self.url}/{tenant}{path}",
            json=json,
            headers=headers,
            verify=self.ca_bundle,
            **kwargs,
        )

    def requests_log(self) -> list[dict[str, Any]]:
        return list(self.control("GET", "requests")["requests"])

    def add_fault(self, **rule: Any) -> None:
        self.control("POST", "faults", rule)

    def configure(self, **config: Any) -> None:
        self.control("POST", "config", config)


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    server = EmulatorServer(state_dir=Path(tmp_path_factory.mktemp("emulator"))).start()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[RunningEmulator]:
    """The session's emulator, reset to the demo fixture with default settings."""
    running = RunningEmulator(emulator_server)
    running.control("POST", "reset")
    yield running
    running.session.close()
