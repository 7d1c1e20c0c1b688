"""Status -> exception class, in one function, with the service's Message."""

from __future__ import annotations

import pytest

from reconciler.api import errors
from reconciler.errors import ReconcilerError


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.ApiClientError),
        (401, errors.Unauthorized),
        (403, errors.Forbidden),
        (404, errors.NotFound),
        (415, errors.ApiClientError),
        (422, errors.Unprocessable),
        (429, errors.TooManyRequests),
        (500, errors.ApiServerError),
        (503, errors.ApiServerError),
    ],
)
def test_status_picks_the_class(status: int, cls: type[errors.ApiError]) -> None:
    error = errors.error_for_status(status, b"", method="GET", path="/t/x")
    assert type(error) is cls
    assert isinstance(error, ReconcilerError)
    assert error.status == status


def test_message_of_the_service_is_carried() -> None:
    error = errors.error_for_status(
        422, b'{"Message": "Tenant name must be provided."}', method="PUT", path="/t/w/x"
    )
    assert error.message == "the service answered 422: Tenant name must be provided."
    assert str(error) == "PUT /t/w/x: the service answered 422: Tenant name must be provided."


def test_a_5xx_without_a_body_still_says_what_happened() -> None:
    error = errors.error_for_status(503, b"", method="GET", path="/t/workspaces/x")
    assert str(error) == "GET /t/workspaces/x: the service answered 503 with no details"


def test_a_long_non_json_body_is_truncated() -> None:
    error = errors.error_for_status(502, b"<html>" + b"x" * 5000, method="GET", path="/")
    assert len(error.message) < errors.TEXT_ERROR_MAX_SIZE + 60
    assert error.message.endswith("...")


def test_429_keeps_its_reset() -> None:
    error = errors.error_for_status(429, b"{}", method="GET", path="/", reset_at=12.0)
    assert isinstance(error, errors.TooManyRequests) and error.reset_at == 12.0
