"""A SeamlessClient aimed at the session's emulator, over real HTTPS on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reconciler.api import SeamlessClient
from reconciler.settings import ConnectionSettings, Secret
from tests.conftest import TENANT, TOKEN, RunningEmulator

ClientFactory = Callable[..., SeamlessClient]


@pytest.fixture
def make_client(emulator: RunningEmulator) -> Iterator[ClientFactory]:
    """Build clients against the emulator; backoff is tiny so retry tests run fast."""
    made: list[SeamlessClient] = []

    def make(*, backoff: float = 0.01, max_attempts: int = 4, **settings: Any) -> SeamlessClient:
        values: dict[str, Any] = {
            "api_url": emulator.url,
            "tenant": TENANT,
            "token": Secret(TOKEN),
            "ca_bundle": emulator.ca_bundle,
            "timeout": 10.0,
        }
        values.update(settings)
        client = SeamlessClient(
            ConnectionSettings(**values), backoff=backoff, max_attempts=max_attempts
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> SeamlessClient:
    return make_client()


def api_calls(emulator: RunningEmulator, method: str | None = None) -> list[dict[str, Any]]:
    """The request log without control calls, optionally one (effective) method only."""
    return [r for r in emulator.requests_log() if method is None or r["method"] == method]
