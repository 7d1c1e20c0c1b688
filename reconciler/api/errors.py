"""Errors of the Seamless API client, one class per kind of failure, keyed by HTTP status.

The client library underneath (requests/urllib3) could be replaced; its
exceptions never leave `reconciler.api`. They are chained as the cause of
ours (`raise ... from e`), as kopf's client errors do. Messages carry the
method, the path and the service's `Message`, never a header or the token.
"""

from __future__ import annotations

import json

import requests

from reconciler.errors import ReconcilerError

# A non-JSON body is quoted in messages only up to this size: enough to see what
# a proxy answered, small enough that a whole HTML page never floods the terminal.
TEXT_ERROR_MAX_SIZE = 256


class ApiError(ReconcilerError):
    """A call to the Seamless API failed; `status` is None when no answer arrived."""

    def __init__(
        self, message: str, *, status: int | None = None, method: str = "", path: str = ""
    ) -> None:
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        where = f"{method} {path}: " if method else ""
        super().__init__(f"{where}{message}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"


class ApiClientError(ApiError):
    """The service refused the request (4xx): retrying the same request will not help."""


class Unauthorized(ApiClientError):
    """401: no token, or the token is wrong for this tenant."""


class Forbidden(ApiClientError):
    """403: the token is valid but not for this tenant."""


class NotFound(ApiClientError):
    """404: the resource does not exist (yet)."""


class Unprocessable(ApiClientError):
    """422: the service's validation refused the body; `message` says why."""


class TooManyRequests(ApiClientError):
    """429 that outlasted the client's deadline; `reset_at` is the epoch when the window ends."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        method: str = "",
        path: str = "",
        reset_at: float | None = None,
    ) -> None:
        super().__init__(message, status=status, method=method, path=path)
        self.reset_at = reset_at


class ApiServerError(ApiError):
    """5xx: the service failed; GET and PUT were retried before this surfaced."""


class ApiConnectionError(ApiError):
    """No answer: connection refused, reset, TLS failure or timeout."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        retryable: bool = True,
        run_wide: bool = False,
        unanswered: bool = False,
    ) -> None:
        super().__init__(message, status=None, method=method, path=path)
        self.retryable = retryable
        """False for failures a retry cannot fix, such as a certificate the CA bundle rejects."""
        self.run_wide = run_wide
        """True when every call of the run would fail alike: TLS, DNS, nothing listening."""
        self.unanswered = unanswered
        """True for a timeout once connected: the request may be committed, now or later."""


class UnsafePath(ReconcilerError):
    """An id that would change the request's path ("." or ".."); nothing was sent."""


class UnexpectedResponse(ApiError):
    """A success answer whose body does not have the shape the API document gives."""


class CreateOutcomeUnknown(ApiError):
    """A POST failed in a way that leaves unknown whether the workspace was created.

    The client never re-sends a POST by itself; the user checks the tenant (or
    re-runs plan, which reads the live state) before trying again.
    """


_BY_STATUS: dict[int, type[ApiClientError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    422: Unprocessable,
    429: TooManyRequests,
}


def service_message(body: bytes | str | None) -> str | None:
    """The `Message` of an error body, or a truncated excerpt of a non-JSON body, or None."""
    if not body:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("Message"), str):
        return str(payload["Message"])
    text = text.strip()
    if not text:
        return None
    if len(text) > TEXT_ERROR_MAX_SIZE:
        text = text[:TEXT_ERROR_MAX_SIZE] + "..."
    return text


def error_for_status(
    status: int, body: bytes | str | None, *, method: str, path: str, reset_at: float | None = None
) -> ApiError:
    """Build the exception for an error answer: the one place that maps status to class."""
    detail = service_message(body)
    if detail is None:
        message = f"the service answered {status} with no details"
    else:
        message = f"the service answered {status}: {detail}"
    if status == 429:
        return TooManyRequests(message, status=status, method=method, path=path, reset_at=reset_at)
    if 400 <= status < 500:
        cls = _BY_STATUS.get(status, ApiClientError)
        return cls(message, status=status, method=method, path=path)
    if 500 <= status < 600:
        return ApiServerError(message, status=status, method=method, path=path)
    return ApiError(message, status=status, method=method, path=path)


def _root_reason(error: BaseException) -> str:
    """The innermost cause of a transport error, e.g. "RemoteDisconnected: Remote end closed..."."""
    seen: BaseException = error
    for _ in range(5):
        inner = getattr(seen, "reason", None)
        if not isinstance(inner, BaseException):
            inner = next((a for a in seen.args if isinstance(a, BaseException)), None)
        if inner is None:
            break
        seen = inner
    text = str(seen)
    return f"{type(seen).__name__}: {text[:200]}" if text else type(seen).__name__


def connection_error(
    error: requests.exceptions.RequestException,
    method: str,
    path: str,
    timeout: float,
    url: str = "",
) -> ApiConnectionError:
    """Describe a transport failure by its real cause, without quoting headers (the token)."""
    reason = _root_reason(error)

    def failure(
        message: str, *, retryable: bool = True, run_wide: bool = False, unanswered: bool = False
    ) -> ApiConnectionError:
        return ApiConnectionError(
            message,
            method=method,
            path=path,
            retryable=retryable,
            run_wide=run_wide,
            unanswered=unanswered,
        )

    if isinstance(error, requests.exceptions.SSLError):
        if "WRONG_VERSION_NUMBER" in reason or "record layer failure" in reason:
            message = (
                "the server does not speak TLS: it answered plain HTTP to https://. "
                "Is --api-url (SEAMLESS_API_URL) the right port, or should it be http://?"
            )
        else:
            message = (
                "TLS verification failed; is the CA bundle right "
                "(--ca-bundle / SEAMLESS_CA_BUNDLE)?"
            )
        return failure(message, retryable=False, run_wide=True)
    if isinstance(error, requests.exceptions.Timeout) or "timed out" in reason:
        # Only a connect timeout surely sent nothing; any other may have reached the service
        # (a read-back after a needless "maybe" costs one GET, a missed one a late commit).
        connect = isinstance(error, requests.exceptions.ConnectTimeout)
        return failure(f"no answer within {timeout:g} s", unanswered=not connect)
    if "NameResolutionError" in reason or "Name or service not known" in reason:
        message = f"the host name cannot be resolved ({reason}); check --api-url / SEAMLESS_API_URL"
        return failure(message, retryable=False, run_wide=True)
    if "Connection refused" in reason:
        message = (
            "nothing listens there (connection refused); check --api-url / SEAMLESS_API_URL, "
            "and that the service (or the emulator) is running"
        )
        return failure(message, run_wide=True)
    if url.startswith("http://") and "reset by peer" in reason:
        message = (
            "the server reset the connection of a plain http:// request; if it speaks "
            "HTTPS (the emulator does), use https:// in --api-url / SEAMLESS_API_URL"
        )
        return failure(message, retryable=False, run_wide=True)
    if isinstance(error, requests.exceptions.ConnectionError):
        return failure(f"the connection failed or was dropped ({reason})")
    return failure(f"the request failed ({reason})")


class RunFailure(ReconcilerError):
    """A failure that hits the whole run (auth, TLS, DNS, nothing listening), said once."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(f"{error}\n{run_failure_hint(error)}")
        self.error = error


def is_run_wide(error: ApiError) -> bool:
    """A failure every call of the run would meet: said once, not once per workspace."""
    if isinstance(error, (Unauthorized, Forbidden)):
        return True
    return isinstance(error, ApiConnectionError) and error.run_wide


def run_failure_hint(error: ApiError) -> str:
    """What to check for a run-wide failure."""
    if isinstance(error, Unauthorized):
        return "Check the token: SEAMLESS_TOKEN or --token-file (it is never printed)."
    if isinstance(error, Forbidden):
        return (
            "The token is valid but not for this tenant: check the documents' tenant: "
            "(or --tenant / SEAMLESS_TENANT) and that the token is that tenant's."
        )
    return "Nothing was changed by this failure; fix the connection settings and run again."
