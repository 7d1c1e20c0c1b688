"""The cross-cutting checks, in one ordered chain around the operation handlers.

Order, outermost first: request log -> rate limit -> faults -> method
override -> authentication -> content type -> JSON body -> dispatch. So every
answer (errors and injected faults included) is logged and carries the rate
limit headers, and handlers see only authenticated, parsed requests.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from reconciler.emulator.backend import Backend
from reconciler.emulator.errors import (
    CLIENT_SIDE,
    BadRequest,
    Forbidden,
    ServiceError,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
    server_error,
)
from reconciler.emulator.faults import Faults

LOG = logging.getLogger("reconciler.emulator")
WRITE_METHODS = ("POST", "PUT")
OVERRIDABLE = ("GET", "POST", "PUT", "OPTIONS")
LOGGED_HEADERS = ("Content-Type", "X-HTTP-Method-Override", "Authorization")


@dataclass
class Call:
    """One API request on its way through the chain."""

    request: Request
    method: str
    tenant: str | None = None
    body: Any = None
    fault: str | None = None
    committed: bool = False
    dropped: bool = False
    operation: str | None = None
    """The backend operation the path and method route to, once routed."""
    args: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Call], Response]
Middleware = Callable[[Call, Handler], Response]


def chain(middlewares: Sequence[Middleware], endpoint: Handler) -> Handler:
    """Compose middlewares around the endpoint, the first one outermost."""
    handler = endpoint
    for middleware in reversed(middlewares):
        handler = _bind(middleware, handler)
    return handler


def _bind(middleware: Middleware, nxt: Handler) -> Handler:
    return lambda call: middleware(call, nxt)


def guarded(call: Call, nxt: Handler) -> Response:
    """Turn a ServiceError raised anywhere inside into the service's error answer.

    Anything else is an emulator bug: logged with its traceback and answered as
    the service answers its own failures (500, no body), still counted and logged.
    """
    try:
        return nxt(call)
    except ServiceError as exc:
        return exc.to_response()
    except CLIENT_SIDE:  # e.g. a body that stopped coming: the server answers, in one line
        raise
    except Exception:  # the last line of defence: never drop a request
        LOG.exception("emulator bug while serving %s %s", call.method, call.request.path)
        return server_error(500)


class RequestLog:
    """Every API call with its final status, for tests to count and inspect."""

    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0

    def __call__(self, call: Call, nxt: Handler) -> Response:
        with self._lock:
            self._in_flight += 1
        try:
            return self._logged(call, nxt)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no API call is being served (a slow one from before a reset would land
        in the fresh log and store); False if some still are after `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def _logged(self, call: Call, nxt: Handler) -> Response:
        response = guarded(call, nxt)
        request = call.request
        try:
            raw = request.get_data(cache=True).decode("utf-8", "replace")[:2000]
        except (OSError, HTTPException):
            # A `drop` fault shut the connection before anything read the body: the
            # call is still logged (status null), only its body is unknown.
            raw = ""
        entry = {
            "time": time.time(),
            "method": call.method,
            "raw_method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "tenant": call.tenant,
            "status": None if call.dropped else response.status_code,
            "body": call.body if call.body is not None else raw or None,
            "headers": _logged_headers(request),
            "fault": call.fault,
            "committed": call.committed,
        }
        with self._lock:
            entry["seq"] = len(self._entries) + 1
            self._entries.append(entry)
        return response

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _logged_headers(request: Request) -> dict[str, str]:
    headers = {h: request.headers[h] for h in LOGGED_HEADERS if h in request.headers}
    if "Authorization" in headers:  # the log is readable by anyone on the control path
        headers["Authorization"] = headers["Authorization"].split(" ")[0] + " ***"
    return headers


class RateLimit:
    """A fixed window per token, aligned to the clock; the x-rate-limit-* headers on every answer.

    Windows start at whole multiples of their length (as a per-minute limit
    resets on the minute), so `x-rate-limit-reset` is an exact epoch second
    and a client that waits for it loses no time to rounding. `limits` keeps
    the per-window counters and expires them.
    """

    UNLIMITED = (1_000_000_000, 60)  # "off": never refuse, but keep the headers honest

    def __init__(self, limit: tuple[int, int] | None) -> None:
        self.storage = MemoryStorage()
        self.limiter = FixedWindowRateLimiter(self.storage)
        self.configure(limit)

    def configure(self, limit: tuple[int, int] | None) -> None:
        """Set (requests, window seconds), or None for no limit; windows start afresh."""
        self.limit = limit
        amount, window = limit or self.UNLIMITED
        self.item = RateLimitItemPerSecond(amount, window)
        self.storage.reset()

    def __call__(self, call: Call, nxt: Handler) -> Response:
        item, window = self.item, self.item.get_expiry()
        index = int(time.time() // window)
        scheme, _, token = call.request.headers.get("Authorization", "").partition(" ")
        key = token.strip() if scheme.lower() == "basic" and token.strip() else None
        key = key or call.request.remote_addr or "anonymous"
        identity = (key, str(index))
        allowed = self.limiter.hit(item, *identity)
        if allowed:
            response = guarded(call, nxt)
        else:
            response = TooManyRequests(
                "API calls quota exceeded! Maximum admitted "
                f"{item.amount} per {item.multiples} seconds."
            ).to_response()
        if call.fault == "rate_limit":  # an injected refusal, and refusals do not count
            self.storage.decr(item.key_for(*identity))
        remaining = max(0, item.amount - self.storage.get(item.key_for(*identity)))
        response.headers.setdefault("x-rate-limit-limit", str(item.amount))
        response.headers.setdefault("x-rate-limit-remaining", str(remaining))
        response.headers.setdefault("x-rate-limit-reset", str((index + 1) * window))
        return response


class FaultInjection:
    """Apply the first fault rule that fires for a request."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults

    def __call__(self, call: Call, nxt: Handler) -> Response:
        request = call.request
        tenant = request.path.strip("/").split("/")[0] or None
        rule = self.faults.pick(_effective_method(request), request.path, tenant)
        if rule is None:
            return nxt(call)
        call.fault = rule.action
        if rule.action == "latency":
            time.sleep(rule.latency_ms / 1000)
            return nxt(call)
        if rule.action == "status":
            if rule.status >= 500:
                return server_error(rule.status)
            raise _status_error(rule.status)(f"Injected fault: status {rule.status}.")
        if rule.action == "rate_limit":
            response = TooManyRequests("API calls quota exceeded!").to_response()
            response.headers["x-rate-limit-remaining"] = "0"
            response.headers["x-rate-limit-reset"] = str(
                math.ceil(time.time()) + rule.reset_seconds
            )
            return response
        response = nxt(call) if rule.action == "drop_after_commit" else Response(b"")
        _drop_connection(call)
        return response


def _status_error(status: int) -> type[ServiceError]:
    return type(f"Injected{status}", (ServiceError,), {"status": status})


def _drop_connection(call: Call) -> None:
    """Close the client's connection without an answer, as a network failure would."""
    call.dropped = True
    server_request = call.request.environ.get("emulator.request")
    if server_request is not None:
        server_request.close_connection = True
    sock = call.request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):  # already gone: the client sees the same drop
            sock.shutdown(socket.SHUT_RDWR)


def _effective_method(request: Request) -> str:
    override = request.headers.get("X-HTTP-Method-Override", "").upper()
    return override if request.method == "POST" and override else request.method


def method_override(call: Call, nxt: Handler) -> Response:
    """A POST with X-HTTP-Method-Override acts as the method it names."""
    override = call.request.headers.get("X-HTTP-Method-Override")
    if call.request.method == "POST" and override:
        if override.upper() not in OVERRIDABLE:
            raise BadRequest(f"X-HTTP-Method-Override '{override}' is not supported.")
        call.method = override.upper()
    return nxt(call)


class Authentication:
    """`Authorization: Basic <token>`: 401 without a known token, 403 for another tenant's path."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def __call__(self, call: Call, nxt: Handler) -> Response:
        scheme, _, token = call.request.headers.get("Authorization", "").partition(" ")
        owner = self.backend.tenant_of_token(token.strip()) if scheme.lower() == "basic" else None
        if owner is None:
            raise Unauthorized("Authorization has been denied for this request.")
        tenant = call.request.path.strip("/").split("/")[0]
        if tenant and tenant != owner:
            raise Forbidden(f"The access token does not give access to tenant '{tenant}'.")
        call.tenant = tenant or None
        return nxt(call)


def content_type(call: Call, nxt: Handler) -> Response:
    """POST and PUT bodies must be application/json, or 415."""
    if call.method in WRITE_METHODS and call.request.mimetype != "application/json":
        given = call.request.mimetype or "none"
        raise UnsupportedMediaType(
            f"The request content type '{given}' is not supported; use application/json."
        )
    return nxt(call)


def json_body(call: Call, nxt: Handler) -> Response:
    """Parse the JSON body of a POST or PUT, or answer 400."""
    if call.method in WRITE_METHODS:
        raw = call.request.get_data(cache=True)
        if not raw.strip():
            raise BadRequest("The request body is empty; send a JSON document.")
        try:
            call.body = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, huge ints, deep nesting
            raise BadRequest(f"The request body could not be parsed as JSON: {exc}.") from None
    return nxt(call)
