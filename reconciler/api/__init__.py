"""The Seamless API client: the only package that speaks HTTP.

It turns the API document's wire format into the frozen dataclasses of
`models`, keeps under the rate limit, retries what is safe to retry and
raises `errors.ApiError` subclasses for everything else.
"""

from reconciler.api.client import SeamlessClient
from reconciler.api.errors import (
    ApiClientError,
    ApiConnectionError,
    ApiError,
    ApiServerError,
    CreateOutcomeUnknown,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    UnexpectedResponse,
    Unprocessable,
)
from reconciler.api.redaction import RedactingFilter, protect_handlers

__all__ = [
    "ApiClientError",
    "ApiConnectionError",
    "ApiError",
    "ApiServerError",
    "CreateOutcomeUnknown",
    "Forbidden",
    "NotFound",
    "RedactingFilter",
    "SeamlessClient",
    "TooManyRequests",
    "Unauthorized",
    "UnexpectedResponse",
    "Unprocessable",
    "protect_handlers",
]
