"""The redacting handler filter: the token, its base64 forms and tracebacks."""

from __future__ import annotations

import base64
import io
import logging

from reconciler.api.redaction import RedactingFilter, protect_handlers
from reconciler.settings import Secret

TOKEN = "tok-redaction-0123456789"
B64 = base64.b64encode(TOKEN.encode()).decode()


def logger_with_stream() -> tuple[logging.Logger, io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.redaction")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream, handler


def test_filter_on_handler_redacts_message_args_and_traceback() -> None:
    logger, stream, handler = logger_with_stream()
    handler.addFilter(RedactingFilter([Secret(TOKEN)]))
    logger.debug("Authorization: Basic %s", TOKEN)
    logger.debug("encoded %s", B64)
    try:
        raise RuntimeError(f"boom {TOKEN}")
    except RuntimeError:
        logger.exception("failed")
    text = stream.getvalue()
    assert TOKEN not in text and B64 not in text
    assert "Basic ***" in text and "boom ***" in text


def test_protect_handlers_adds_one_filter_per_handler() -> None:
    logger, stream, handler = logger_with_stream()
    protect_handlers(Secret(TOKEN), logger)
    protect_handlers(Secret(TOKEN), logger)
    assert len(handler.filters) == 1
    logger.warning("token=%s", TOKEN)
    assert stream.getvalue().strip() == "token=***"
