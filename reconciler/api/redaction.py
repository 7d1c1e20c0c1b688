"""Keep the API token out of every log line, and put it only in the Authorization header.

Our code never logs the token, but a third-party library or a traceback
might. A `RedactingFilter` replaces the token, its base64 forms and
"Basic <token>" with `***`. It must sit on *handlers*: records propagated
from a child logger skip the filters of ancestor *loggers*.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Mapping

import requests

from reconciler.settings import Secret

REDACTED = "***"


def secret_forms(token: str) -> tuple[str, ...]:
    """The token and the encodings in which it could show up (raw, base64 with and without ':')."""
    forms = {token}
    for raw in (token, f"{token}:", f":{token}"):
        encoded = base64.b64encode(raw.encode("utf-8")).decode("ascii")
        forms.add(encoded)
        forms.add(encoded.rstrip("="))
    # Longest first, so a form containing another is replaced whole.
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


def redact(text: str, forms: Iterable[str]) -> str:
    """`text` with every occurrence of each form replaced by `***`."""
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """A handler filter that rewrites records mentioning a secret; it never drops a record."""

    def __init__(self, secrets: Iterable[Secret]) -> None:
        super().__init__()
        self.forms = tuple(f for s in secrets for f in secret_forms(s.reveal()))

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message, the exception text and the stack text in place."""
        if not self.forms:
            return True
        message = record.getMessage()
        cleaned = redact(message, self.forms)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Format the traceback now, so the handler uses the redacted cached text.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.forms)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.forms)
        return True


def protect_handlers(secret: Secret, logger: logging.Logger | None = None) -> None:
    """Add a RedactingFilter for `secret` to every handler of `logger` (default: the root).

    Call it after logging is configured; the client also calls it when built.
    """
    target = logger if logger is not None else logging.getLogger()
    for handler in target.handlers:
        already = any(
            isinstance(f, RedactingFilter) and secret.reveal() in f.forms for f in handler.filters
        )
        if not already:
            handler.addFilter(RedactingFilter([secret]))


class BasicTokenAuth(requests.auth.AuthBase):
    """Applies `Authorization: Basic <token>` to each request (the raw token, as the API wants)."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Basic {self._token.reveal()}"
        return r

    def __repr__(self) -> str:
        return "BasicTokenAuth('***')"


def shown_headers(headers: Mapping[str, str]) -> str:
    """Headers as `Name: value` lines for debug output, the Authorization value masked."""
    return ", ".join(
        f"{k}: {'Basic ***' if k.lower() == 'authorization' else v}" for k, v in headers.items()
    )
