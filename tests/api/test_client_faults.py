"""Retries, 429 waits, POST and PUT safety and deadlines, proven with the emulator's faults."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from reconciler.api import SeamlessClient, wire
from reconciler.api.errors import (
    ApiConnectionError,
    ApiServerError,
    CreateOutcomeUnknown,
    TooManyRequests,
    connection_error,
)
from reconciler.api.models import MemberStatus, TeamUpdateResult, WorkspaceProperties
from reconciler.errors import ConfigError
from reconciler.model.operations import (
    ChangeType,
    Operation,
    PersonRef,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
)
from reconciler.settings import ConnectionSettings, Secret
from tests.api.conftest import ClientFactory, api_calls
from tests.api.test_client_operations import new_workspace
from tests.conftest import (
    BUTTERFLY_UNIT,
    CUSTOMER_CASE_TYPE,
    PROJECT_PLUS_TYPE,
    STAR_UNIT,
    RunningEmulator,
)


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


# --- a PUT that timed out: read back before it is sent again ------------------------------------

READ_TIMEOUT = 0.3
LATE_MS = 1500
"""The delayed PUT is served this late: past the client's timeout and its read-back."""
PUT_KINDS = ("workspace", "team", "schema", "type")


def ready_workspace(client: SeamlessClient) -> None:
    """pr.01, a Project managed by marko, Ready (the emulator's first status poll finishes it)."""
    client.create_workspace(new_workspace())
    assert client.get_status("pr.01").value == 2


def put_operation(client: SeamlessClient, kind: str) -> Operation:
    """A PUT of each kind that changes pr.01 (a Project managed by marko, Customer Migros)."""
    if kind == "workspace":
        return UpdateWorkspace("pr.01", "Orange", False, PersonRef("bob@xyz.com"), None)
    if kind == "team":
        added, removed = ("Visitors", ("lucas@xyz.com",)), ("Members", ("marko@xyz.com",))
        return UpdateTeam("pr.01", added=(added,), removed=(removed,))
    if kind == "schema":
        live = client.get_workspace("pr.01")
        assert live is not None
        values = {f.name: f.value for f in live.schema} | {"Customer": "Coop"}
        return UpdateSchema("pr.01", tuple(values.items()))
    return ChangeType("pr.01", PROJECT_PLUS_TYPE)


def send(client: SeamlessClient, operation: Operation) -> object:
    if isinstance(operation, UpdateWorkspace):
        return client.update_workspace(operation)
    if isinstance(operation, UpdateTeam):
        return client.update_team(operation)
    if isinstance(operation, UpdateSchema):
        return client.update_schema(operation)
    assert isinstance(operation, ChangeType)
    return client.change_type(operation)


def read_back_paths(kind: str) -> list[str]:
    """The GETs that read pr.01 back for a PUT of this kind."""
    units = "/contoso/organizationUnits"
    extra = {
        "team": ["/contoso/workspaces/pr.01/team"],
        "type": [units, f"{units}/{STAR_UNIT}/availableWsTypes"],
    }
    return ["/contoso/workspaces/pr.01", *extra.get(kind, [])]


def delay_put(emulator: RunningEmulator, operation: Operation) -> str:
    """Hold the operation's next PUT LATE_MS before serving it; its logged path."""
    path = wire.request_for(operation).path
    emulator.add_fault(
        method="PUT", path=re.escape(path) + "$", action="latency", latency_ms=LATE_MS
    )
    return f"/contoso{path}"


def served_late(emulator: RunningEmulator) -> dict[str, Any]:
    """The delayed PUT, once the emulator has served it (so it cannot land in the next test)."""
    deadline = time.monotonic() + 15
    while not (late := [r for r in api_calls(emulator) if r["fault"] == "latency"]):
        assert time.monotonic() < deadline, "the delayed PUT was never served"
        time.sleep(0.02)  # polling the log with a deadline, not waiting out a race
    (entry,) = late
    assert entry["status"] == 200
    return entry


def put_timed_out_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [m for m in caplog.messages if m.startswith(("attempt ", "PUT "))]


@pytest.mark.parametrize("kind", PUT_KINDS)
def test_a_timed_out_put_already_in_effect_is_not_sent_again(
    client: SeamlessClient,
    make_client: ClientFactory,
    emulator: RunningEmulator,
    kind: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The workspace holds what the PUT sets (as after a commit whose answer is late): one PUT."""
    ready_workspace(client)
    operation = put_operation(client, kind)
    send(client, operation)  # in effect now, as if the timed-out PUT had committed
    emulator.control("DELETE", "requests")
    path = delay_put(emulator, operation)
    result = send(make_client(timeout=READ_TIMEOUT), operation)
    late = served_late(emulator)
    if isinstance(result, TeamUpdateResult):
        assert result.with_status(MemberStatus.ADDED) == (("Visitors", "lucas@xyz.com"),)
        assert result.with_status(MemberStatus.REMOVED) == (("Members", "marko@xyz.com"),)
    reads = [r["path"] for r in api_calls(emulator, "GET")]
    assert reads == read_back_paths(kind)
    assert [r["path"] for r in api_calls(emulator, "PUT")] == [path] == [late["path"]]
    assert put_timed_out_warnings(caplog)[1] == (
        f"PUT {path[len('/contoso') :]} got no answer; reading back shows workspace pr.01 already "
        "holds what it sets: the write went through, so it is not sent again"
    )


@pytest.mark.parametrize("kind", PUT_KINDS)
def test_a_timed_out_put_not_in_effect_is_sent_again_once(
    client: SeamlessClient,
    make_client: ClientFactory,
    emulator: RunningEmulator,
    kind: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ready_workspace(client)
    operation = put_operation(client, kind)
    emulator.control("DELETE", "requests")
    path = delay_put(emulator, operation)
    send(make_client(timeout=READ_TIMEOUT), operation)
    served_late(emulator)
    calls = [(r["method"], r["path"], r["fault"]) for r in api_calls(emulator)]
    reads = [("GET", p, None) for p in read_back_paths(kind)]
    # Read back, sent again once; the delayed one lands last, after the resend.
    assert calls == [*reads, ("PUT", path, None), ("PUT", path, "latency")]
    assert put_timed_out_warnings(caplog)[1] == (
        f"PUT {path[len('/contoso') :]} got no answer; reading back shows workspace pr.01 does not "
        "hold what it sets yet, so it is sent again"
    )


@pytest.mark.parametrize("status", [404, 503])
def test_a_read_back_that_fails_falls_back_to_sending_again(
    client: SeamlessClient,
    make_client: ClientFactory,
    emulator: RunningEmulator,
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ready_workspace(client)
    operation = put_operation(client, "workspace")
    emulator.control("DELETE", "requests")
    path = delay_put(emulator, operation)
    emulator.add_fault(method="GET", path="/workspaces/pr.01$", action="status", status=status)
    renamed = send(make_client(timeout=READ_TIMEOUT), operation)
    assert isinstance(renamed, WorkspaceProperties) and renamed.name == "Orange"
    served_late(emulator)
    calls = [(r["method"], r["path"], r["status"]) for r in api_calls(emulator)]
    read = ("GET", "/contoso/workspaces/pr.01", status)
    assert calls == [read, ("PUT", path, 200), ("PUT", path, 200)]
    answer = "404: Injected fault: status 404." if status == 404 else "503 with no details"
    assert put_timed_out_warnings(caplog)[1] == (
        "PUT /workspaces/pr.01 got no answer; reading workspace pr.01 back failed (GET "
        f"/workspaces/pr.01: the service answered {answer}), so it is sent again"
    )


def test_every_attempt_after_a_timeout_reads_back_first(
    make_client: ClientFactory, emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Timeout, then a 503: the late commit may land before any later attempt, so each reads."""
    client = make_client(timeout=READ_TIMEOUT)
    ready_workspace(client)
    operation = put_operation(client, "workspace")
    emulator.control("DELETE", "requests")
    path = delay_put(emulator, operation)
    emulator.add_fault(method="PUT", path="/workspaces/pr.01$", action="status", status=503, nth=2)
    send(client, operation)
    served_late(emulator)
    calls = [(r["method"], r["path"], r["status"]) for r in api_calls(emulator)]
    read = ("GET", "/contoso/workspaces/pr.01", 200)
    assert calls == [read, ("PUT", path, 503), read, ("PUT", path, 200), ("PUT", path, 200)]
    not_yet = [m for m in put_timed_out_warnings(caplog) if "does not hold" in m]
    assert len(not_yet) == 2


def test_only_a_timeout_after_connecting_counts_as_unanswered() -> None:
    """A connect timeout sent nothing, so there is nothing to read back; a read timeout may have."""
    read = connection_error(requests.exceptions.ReadTimeout("Read timed out."), "PUT", "/w", 1.0)
    connect = connection_error(requests.exceptions.ConnectTimeout("timed out"), "PUT", "/w", 1.0)
    reset = connection_error(requests.exceptions.ConnectionError("reset"), "PUT", "/w", 1.0)
    assert (read.unanswered, connect.unanswered, reset.unanswered) == (True, False, False)
    assert read.message == connect.message == "no answer within 1 s"
