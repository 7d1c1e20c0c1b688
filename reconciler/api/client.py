"""SeamlessClient: one typed method per API operation, safe to share between threads.

Policy, in the order a call meets it:
1. pacing: a shared `RateBudget` reserves a slot from what the
   `x-rate-limit-*` headers allow, so a normal run meets no 429;
2. a 429 is waited out until its reset and the same request sent again (a
   429 is refused before processing, so this is safe even for a POST);
3. GET and PUT are retried with exponential backoff and jitter on 5xx and
   connection errors (tenacity); a POST never is: after an ambiguous
   failure `create_workspace` looks the workspace up instead. Once a PUT
   got no answer (a read timeout), each later attempt first reads the
   workspace back and is not sent when the write already took effect
   (`readback`), so no needless copy of it is left to commit late;
4. one overall deadline per call bounds all of the above.
Errors leave as `reconciler.api.errors` exceptions, chained to the cause.
The token travels only in the Authorization header, applied by an AuthBase,
and is masked in every debug line.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception, wait_exponential_jitter
from urllib3.util.retry import Retry

from reconciler.api import readback, wire
from reconciler.api.errors import (
    ApiConnectionError,
    ApiError,
    ApiServerError,
    NotFound,
    TooManyRequests,
    UnexpectedResponse,
    connection_error,
    error_for_status,
)
from reconciler.api.models import (
    OrganizationUnit,
    SchemaUpdateResult,
    SiteGroup,
    TeamGroup,
    TeamUpdateResult,
    TypeChangeResult,
    Workspace,
    WorkspaceProperties,
    WorkspaceStatus,
    WorkspaceType,
)
from reconciler.api.pacing import RateBudget, parse_rate_headers
from reconciler.api.redaction import BasicTokenAuth, protect_handlers, shown_headers
from reconciler.errors import ConfigError
from reconciler.model.operations import (
    ChangeType,
    CreateWorkspace,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
)
from reconciler.settings import ConnectionSettings, check_api_url

log = logging.getLogger(__name__)

JSONBody = Mapping[str, Any] | list[Any]
U = TypeVar("U", UpdateWorkspace, UpdateTeam, UpdateSchema, ChangeType)
R = TypeVar("R")

MAX_ATTEMPTS = 4
"""Tries of one GET/PUT on 5xx and connection errors (1 + 3 retries)."""
BACKOFF_INITIAL = 0.5
BACKOFF_MAX = 8.0
POOL_SIZE = 16
"""Connections kept per host; above the worker count the planner uses."""


def _retryable(error: BaseException) -> bool:
    if isinstance(error, ApiConnectionError):
        return error.retryable
    return isinstance(error, ApiServerError)


class SeamlessClient:
    """A client of one tenant's Seamless API; share one instance between worker threads."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        tenant: str | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        backoff: float = BACKOFF_INITIAL,
    ) -> None:
        """Raises ConfigError when no tenant is known or the URL is unsafe."""
        self.tenant = tenant or settings.tenant
        if not self.tenant:
            raise ConfigError(
                "No tenant: pass --tenant, set SEAMLESS_TENANT or name it in the spec."
            )
        self.settings = settings
        self._base = f"{check_api_url(settings.api_url)}/{wire.segment(self.tenant)}"
        self._auth = BasicTokenAuth(settings.token)
        self._verify: str | bool = settings.ca_bundle or True
        self._clock = clock
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._backoff = backoff
        self.budget = RateBudget(clock=clock)
        self._session = requests.Session()
        # Only refused connections are retried down here (nothing reached the
        # server, so safe for POST too); everything status-driven sits above.
        adapter = HTTPAdapter(
            pool_connections=2,
            pool_maxsize=POOL_SIZE,
            max_retries=Retry(total=2, connect=2, read=0, status=0, other=0, redirect=0),
        )
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        protect_handlers(settings.token)

    def __repr__(self) -> str:
        return f"SeamlessClient(api_url={self.settings.api_url!r}, tenant={self.tenant!r})"

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> SeamlessClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- operations -------------------------------------------------------

    def list_organization_units(self) -> tuple[OrganizationUnit, ...]:
        """GET /organizationUnits."""
        payload = self._call("GET", "/organizationUnits")
        return tuple(wire.parse_org_unit(u) for u in wire.json_array(payload, "units"))

    def get_organization_unit(self, unit_id: str) -> OrganizationUnit:
        """GET /organizationUnits/{id}; NotFound when it does not exist."""
        return wire.parse_org_unit(self._call("GET", f"/organizationUnits/{wire.segment(unit_id)}"))

    def list_available_workspace_types(self, unit_id: str) -> tuple[WorkspaceType, ...]:
        """GET /organizationUnits/{id}/availableWsTypes."""
        payload = self._call("GET", f"/organizationUnits/{wire.segment(unit_id)}/availableWsTypes")
        return tuple(wire.parse_workspace_type(t) for t in wire.json_array(payload, "types"))

    def get_workspace(self, workspace_id: str) -> Workspace | None:
        """GET /workspaces/{id}; None when it does not exist (yet)."""
        try:
            payload = self._call("GET", wire.workspace_path(workspace_id))
        except NotFound:
            return None
        return wire.parse_workspace(payload)

    def get_status(self, workspace_id: str) -> WorkspaceStatus:
        """GET /workspaces/{id}/status."""
        return wire.parse_status(self._call("GET", wire.workspace_path(workspace_id, "status")))

    def get_groups(
        self, workspace_id: str, workspace_name: str | None = None
    ) -> tuple[SiteGroup, ...]:
        """GET /workspaces/{id}/groups; pass the name to strip it exactly from group names."""
        payload = self._call("GET", wire.workspace_path(workspace_id, "groups"))
        return wire.parse_groups(payload, workspace_name)

    def get_team(
        self, workspace_id: str, workspace_name: str | None = None
    ) -> tuple[TeamGroup, ...]:
        """GET /workspaces/{id}/team, groups matched by suffix ("<Name> Managers" -> Managers)."""
        payload = self._call("GET", wire.workspace_path(workspace_id, "team"))
        return wire.parse_team(payload, workspace_name)

    def update_workspace(self, operation: UpdateWorkspace) -> WorkspaceProperties:
        """PUT /workspaces/{id}: sets Name, LifeCycle, Manager and Deputy together."""
        return self._put(operation, wire.parse_properties, readback.properties)

    def update_team(self, operation: UpdateTeam) -> TeamUpdateResult:
        """PUT /workspaces/{id}/team: members to add and to remove, per group."""
        return self._put(operation, wire.parse_team_update, readback.team)

    def update_schema(self, operation: UpdateSchema) -> SchemaUpdateResult:
        """PUT /workspaces/{id}/schema with every field of the type."""
        return self._put(operation, wire.parse_schema_update, readback.schema)

    def change_type(self, operation: ChangeType) -> TypeChangeResult:
        """PUT /workspaces/{id}/workspaceType."""
        return self._put(operation, wire.parse_type_change, readback.workspace_type)

    def create_workspace(
        self, operation: CreateWorkspace, *, expected_id: str | None = None
    ) -> Workspace:
        """POST /workspaces, never re-sent.

        After a 5xx or a lost answer, the workspace is looked up by its
        WorkspaceId (or `expected_id`, for a PrefixWithName id the caller can
        derive): if it exists with the same Name, the create happened and it
        is returned; otherwise CreateOutcomeUnknown says so.
        """
        request = wire.request_for(operation)
        try:
            payload = self._call(request.method, request.path, request.body)
        except (ApiServerError, ApiConnectionError) as e:
            workspace_id = operation.workspace_id or expected_id
            return readback.recover_create(e, workspace_id, operation.name, self.get_workspace)
        return wire.parse_workspace(payload)

    def _put(
        self,
        operation: U,
        parse: Callable[[Any], R],
        check: Callable[[U, readback.Read], R | None],
    ) -> R:
        """A PUT, retried; an attempt after one that got no answer reads back first (`check`)."""
        request = wire.request_for(operation)
        settled: list[R] = []

        def took_effect(deadline: float) -> bool:
            read = functools.partial(self._read, deadline=deadline)
            result = readback.settle(operation, check, read, request.path)
            if result is not None:
                settled.append(result)
            return result is not None

        payload = self._call(request.method, request.path, request.body, took_effect)
        return settled[0] if settled else parse(payload)

    def _read(self, path: str, deadline: float) -> Any:
        """One GET within a call's deadline, not retried: a read-back informs, never insists."""
        return self._decode(self._send("GET", path, None, deadline), "GET", path)

    # --- transport ---------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: JSONBody | None = None,
        took_effect: Callable[[float], bool] | None = None,
    ) -> Any:
        """Send one logical call with pacing, 429 waits, retries (not POST) and a deadline.

        Once an attempt got no answer, `took_effect(deadline)` is asked before each
        later one; True: the write is live already, so it is not sent again (None returned).
        """
        deadline = self._clock() + self.settings.deadline
        if method == "POST":
            return self._decode(self._send(method, path, body, deadline), method, path)
        unanswered = False

        def attempt() -> Any:
            nonlocal unanswered
            if unanswered and took_effect is not None and took_effect(deadline):
                return None
            try:
                return self._decode(self._send(method, path, body, deadline), method, path)
            except ApiConnectionError as e:
                # Sticky: the unanswered attempt may land before any later one.
                unanswered = unanswered or e.unanswered
                raise

        retrying = Retrying(
            sleep=self._sleep,
            stop=self._stop(deadline),
            wait=wait_exponential_jitter(
                multiplier=self._backoff, max=BACKOFF_MAX, jitter=self._backoff
            ),
            retry=retry_if_exception(_retryable),
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(attempt)

    def _stop(self, deadline: float) -> Callable[[RetryCallState], bool]:
        def stop(state: RetryCallState) -> bool:
            # Stop on attempts, or when the coming backoff would pass the deadline.
            out_of_time = self._clock() + state.upcoming_sleep > deadline
            return state.attempt_number >= self._max_attempts or out_of_time

        return stop

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "attempt %d/%d failed: %s; retrying in %.1f s",
            state.attempt_number,
            self._max_attempts,
            error,
            state.upcoming_sleep,
        )

    def _send(
        self, method: str, path: str, body: JSONBody | None, deadline: float
    ) -> requests.Response:
        """One request; a 429 is waited out until its reset and the request sent again."""
        last_429: ApiError | None = None
        while True:
            try:
                self.budget.acquire(deadline)
            except TooManyRequests as e:
                raise (last_429 or e) from e
            response = None
            try:
                response = self._transmit(method, path, body)
            finally:
                self._settle(response)
            status = response.status_code
            if status < 400 and status not in (301, 302, 303, 307, 308):
                return response
            error = self._error(response, method, path)
            if status != 429:
                raise error
            # Refused before processing: safe to send again once the window resets.
            log.info("%s %s: 429, waiting for the rate-limit window to reset", method, path)
            last_429 = error

    def _settle(self, response: requests.Response | None) -> None:
        """Give the reservation back, teaching the budget what the answer's headers say."""
        if response is None:
            self.budget.release(None)
            return
        headers = parse_rate_headers(response.headers, now=self._clock())
        self.budget.release(headers, status=response.status_code)

    def _error(self, response: requests.Response, method: str, path: str) -> ApiError:
        headers = parse_rate_headers(response.headers, now=self._clock())
        reset = headers.reset_at if headers else None
        return error_for_status(
            response.status_code, response.content, method=method, path=path, reset_at=reset
        )

    def _transmit(self, method: str, path: str, body: JSONBody | None) -> requests.Response:
        url = self._base + path
        headers = {"Accept": "application/json"}
        wire_method = method
        if method == "PUT" and self.settings.method_override:
            wire_method = "POST"
            headers["X-HTTP-Method-Override"] = "PUT"
        request = requests.Request(wire_method, url, headers=headers, json=body, auth=self._auth)
        prepared = self._session.prepare_request(request)
        env = self._session.merge_environment_settings(url, {}, None, self._verify, None)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("-> %s %s [%s]", wire_method, url, shown_headers(prepared.headers))
        started = time.monotonic()
        try:
            response = self._session.send(
                prepared,
                timeout=self.settings.timeout,
                allow_redirects=False,
                verify=env["verify"],
                proxies=env["proxies"],
                cert=env["cert"],
            )
        except requests.exceptions.RequestException as e:
            raise connection_error(e, method, path, self.settings.timeout, url) from e
        log.debug(
            "<- %s %s %d in %.3f s (rate-limit remaining=%s reset=%s)",
            wire_method,
            url,
            response.status_code,
            time.monotonic() - started,
            response.headers.get("x-rate-limit-remaining"),
            response.headers.get("x-rate-limit-reset"),
        )
        return response

    def _decode(self, response: requests.Response, method: str, path: str) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as e:
            raise UnexpectedResponse(
                f"the service answered {response.status_code} with a body that is not JSON",
                status=response.status_code,
                method=method,
                path=path,
            ) from e
