"""Errors that know their HTTP status and render the service's error body themselves."""

from __future__ import annotations

import json
import ssl

from werkzeug.wrappers import Response

CLIENT_SIDE = (ConnectionError, TimeoutError, ssl.SSLError)
"""Transport errors a client causes (gone, silent, bad TLS): one line in the log, not a bug."""


class ServiceError(Exception):
    """A 4xx answer: JSON `{"Message": ...}` with an application/json content type."""

    status = 400

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}

    def to_response(self) -> Response:
        """Render the error as the service does."""
        body = json.dumps({"Message": self.message})
        return Response(body, self.status, self.headers, content_type="application/json")


class BadRequest(ServiceError):
    status = 400


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class MethodNotAllowed(ServiceError):
    status = 405

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(
            "The requested resource does not support this HTTP method.",
            {"Allow": ", ".join(allowed)},
        )


class UnsupportedMediaType(ServiceError):
    status = 415


class Unprocessable(ServiceError):
    """A validation error: the message names the field that is wrong."""

    status = 422


class TooManyRequests(ServiceError):
    status = 429


def server_error(status: int) -> Response:
    """A 5xx answer: the service sends no JSON body for these."""
    return Response(b"", status, content_type="text/plain")
