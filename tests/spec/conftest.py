"""Fixtures of the spec tests: the corpus folders, and no network, ever."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

HERE = Path(__file__).parent
BAD = HERE / "bad"
GOOD = HERE / "good"
REPO = HERE.parents[1]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spec loading is offline: any connection attempt fails the test loudly."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("spec code tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(autouse=True)
def no_default_tenant(monkeypatch: pytest.MonkeyPatch) -> None:
    """A SEAMLESS_TENANT from the developer's shell must not hide 'no tenant' errors."""
    monkeypatch.delenv("SEAMLESS_TENANT", raising=False)
