"""Retries, 429 waits, POST safety and deadlines, proven with the emulator's fault injection."""

from __future__ import annotations

import time

import pytest

from reconciler.api import SeamlessClient
from reconciler.api.errors import (
    ApiConnectionError,
    ApiServerError,
    CreateOutcomeUnknown,
    TooManyRequests,
)
from reconciler.errors import ConfigError
from reconciler.model.operations import UpdateTeam
from reconciler.settings import ConnectionSettings, Secret
from tests.api.conftest import ClientFactory, api_calls
from tests.api.test_client_operations import new_workspace
from tests.conftest import BUTTERFLY_UNIT, CUSTOMER_CASE_TYPE, RunningEmulator


def statuses(emulator: RunningEmulator, method: str) -> list[int | None]:
    return [r["status"] for r in api_calls(emulator, method)]


def test_503_on_get_is_retried_then_succeeds(
    client: SeamlessClient, emulator: RunningEmulator
) -> None:
    emulator.add_fault(
        method="GET", path="/workspaces/example$", action="status", status=503, times=2
    )
    workspace = client.get_workspace("example")
    assert workspace is not None and workspace.workspace_id == "example"
    assert statuses(emulator, "GET") == [503, 503, 200]


def test_dropped_get_is_retried(client: SeamlessClient, emulator: RunningEmulator) -> None:
    emulator.add_fault(method="GET", path="/team$", action="drop", times=1)
    assert client.get_team("example")
    assert statuses(emulator, "GET") == [None, 200]


def test_persistent_500_on_put_surfaces_after_the_attempts(
    make_client: ClientFactory, emulator: RunningEmulator
) -> None:
    client = make_client(max_attempts=3)
    emulator.add_fault(method="PUT", path="/team$", action="status", status=500, times=-1)
    with pytest.raises(ApiServerError) as info:
        client.update_team(UpdateTeam("example", added=(("Members", ("ana@xyz.com",)),)))
    assert info.value.status == 500
    assert str(info.value) == (
        "PUT /workspaces/example/team: the service answered 500 with no details"
    )
    assert statuses(emulator, "PUT") == [500, 500, 500]


def test_429_is_waited_out_and_the_request_sent_again(
    client: SeamlessClient, emulator: RunningEmulator
) -> None:
    emulator.add_fault(
        method="GET", path="/workspaces/example$", action="rate_limit", reset_seconds=1, times=1
    )
    started = time.monotonic()
    assert client.get_workspace("example") is not None
    assert statuses(emulator, "GET") == [429, 200]
    first, second = api_calls(emulator, "GET")
    # The 429 said "reset at ceil(now) + 1": the retry did not go before that.
    assert second["time"] - first["time"] >= 1.0
    assert time.monotonic() - started < 5


def test_a_429_storm_ends_at_the_deadline(
    make_client: ClientFactory, emulator: RunningEmulator
) -> None:
    client = make_client(deadline=2.5)
    emulator.add_fault(
        method="GET", path="/organizationUnits$", action="rate_limit", reset_seconds=1, times=-1
    )
    started = time.monotonic()
    with pytest.raises(TooManyRequests) as info:
        client.list_organization_units()
    assert time.monotonic() - started < 4
    assert info.value.status == 429
    assert "quota exceeded" in info.value.message
    assert 1 <= len(api_calls(emulator, "GET")) <= 3


def test_post_dropped_after_commit_is_not_duplicated(
    client: SeamlessClient, emulator: RunningEmulator
) -> None:
    emulator.add_fault(method="POST", path="/workspaces$", action="drop_after_commit", times=1)
    created = client.create_workspace(new_workspace("pr.02", name="Project02"))
    assert (created.workspace_id, created.name) == ("pr.02", "Project02")
    posts = api_calls(emulator, "POST")
    assert len(posts) == 1 and posts[0]["committed"] is True
    assert [r["path"] for r in api_calls(emulator, "GET")] == ["/contoso/workspaces/pr.02"]


def test_post_that_failed_before_commit_is_reported_not_resent(
    client: SeamlessClient, emulator: RunningEmulator
) -> None:
    emulator.add_fault(method="POST", path="/workspaces$", action="status", status=503, times=1)
    with pytest.raises(CreateOutcomeUnknown) as info:
        client.create_workspace(new_workspace("pr.03"))
    assert "may or may not have happened" in str(info.value)
    assert "503" in str(info.value)
    assert isinstance(info.value.__cause__, ApiServerError)
    assert len(api_calls(emulator, "POST")) == 1


def test_post_with_a_generated_id_cannot_be_checked(
    client: SeamlessClient, emulator: RunningEmulator
) -> None:
    emulator.add_fault(method="POST", path="/workspaces$", action="drop_after_commit", times=1)
    operation = new_workspace(
        None, organization_unit_id=BUTTERFLY_UNIT, workspace_type_id=CUSTOMER_CASE_TYPE
    )
    with pytest.raises(CreateOutcomeUnknown, match="generates this WorkspaceId"):
        client.create_workspace(operation)
    assert len(api_calls(emulator, "POST")) == 1
    assert api_calls(emulator, "GET") == []


def test_post_that_created_a_different_workspace_is_not_claimed(
    client: SeamlessClient, emulator: RunningEmulator
) -> None:
    emulator.add_fault(method="POST", path="/workspaces$", action="status", status=502, times=1)
    with pytest.raises(CreateOutcomeUnknown, match="named 'Project01', not 'Other'"):
        client.create_workspace(new_workspace("example", name="Other"))


def test_tls_failure_is_not_retried(make_client: ClientFactory) -> None:
    client = make_client(ca_bundle=None)  # the system store does not trust the emulator's CA
    started = time.monotonic()
    with pytest.raises(ApiConnectionError, match="CA bundle") as info:
        client.get_workspace("example")
    assert info.value.retryable is False
    assert time.monotonic() - started < 5


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"Refusing plain http to api\.seamlesswork\.com"):
        ConnectionSettings(api_url="http://api.seamlesswork.com", token=Secret("x"))
