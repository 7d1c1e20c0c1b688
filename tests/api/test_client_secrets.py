"""The token appears in no log line, no output, no exception text, at DEBUG level too."""

from __future__ import annotations

import base64
import logging

import pytest

from reconciler.api import SeamlessClient
from reconciler.api.errors import ApiError
from reconciler.model.operations import PersonRef, UpdateWorkspace
from tests.api.conftest import ClientFactory
from tests.api.test_client_operations import new_workspace
from tests.conftest import TOKEN, RunningEmulator

FORMS = (
    TOKEN,
    base64.b64encode(TOKEN.encode()).decode(),
    base64.b64encode(f"{TOKEN}:".encode()).decode(),
)


def exercise(client: SeamlessClient, emulator: RunningEmulator) -> list[ApiError]:
    """Successes, 4xx, retried 5xx, drops and a failed POST: every path that logs or raises."""
    emulator.add_fault(method="GET", path="/status$", action="status", status=503, times=-1)
    emulator.add_fault(method="GET", path="/team$", action="drop", times=1)
    emulator.add_fault(method="POST", path="/workspaces$", action="status", status=500, times=1)
    client.get_workspace("example")
    client.get_team("example")
    errors: list[ApiError] = []
    calls = (
        lambda: client.get_status("example"),
        lambda: client.get_organization_unit("nope"),
        lambda: client.update_workspace(
            UpdateWorkspace("example", "", closed=False, manager=PersonRef("x"), deputy=None)
        ),
        lambda: client.create_workspace(new_workspace("pr.09")),
    )
    for call in calls:
        with pytest.raises(ApiError) as info:
            call()
        errors.append(info.value)
    return errors


def test_token_absent_from_logs_output_and_errors(
    make_client: ClientFactory,
    emulator: RunningEmulator,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client()
    errors = exercise(client, emulator)
    out, err = capsys.readouterr()
    shown = [caplog.text, out, err, repr(client), repr(client.settings)]
    for error in errors:
        shown += [str(error), repr(error), str(error.__cause__), repr(error.__cause__)]
    for text in shown:
        for form in FORMS:
            assert form not in text
    assert "Authorization: Basic ***" in caplog.text  # the debug line shows the header, masked
    assert "503 with no details" in caplog.text  # retries were logged
