"""Deliver a JSON summary to a webhook URL (a Power Automate or Zapier flow, a chat hook).

Delivery is a side channel of a command, never its outcome: `deliver` returns
None when the hook took the summary and a one-line warning otherwise, and it
does not raise for anything the network or the receiver does. The caller
prints the warning and keeps its exit code.

Rules, in the order a delivery meets them:
- the URL is checked as `check_webhook_url` does: https only, except plain
  http to a loopback host; the query is allowed (Power Automate signs its
  URLs with `sig=` in it) and, being a secret, is never shown: messages name
  the hook by scheme://host[:port]/path only;
- a fresh `requests.Session` sends one POST of `json.dumps(payload)` with no
  Authorization header: the Seamless token is never sent, and `~/.netrc`
  cannot add credentials either;
- TLS is always verified: against `ca_bundle` when given, else requests'
  default, which honours REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (the session
  keeps `trust_env`, so HTTPS_PROXY / NO_PROXY apply as for the API client);
- redirects are not followed (one could move the POST, and the summary, to
  plain http): a 3xx is a failed delivery;
- 5xx, connection errors and timeouts are retried with a short exponential
  backoff, `attempts` tries in all; a 4xx, a 3xx and an untrusted
  certificate are not (sending again cannot change the answer).

A retried POST whose answer was lost may reach the flow twice: delivery is
at least once, which a summary tolerates better than being lost.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
)
from urllib3.exceptions import LocationParseError, NameResolutionError
from urllib3.util import parse_url

from reconciler import __version__
from reconciler.errors import ConfigError
from reconciler.settings import is_loopback

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
"""Seconds to wait for a connection and for each read of the answer."""
DEFAULT_ATTEMPTS = 3
"""Tries in all (1 + 2 retries) on 5xx, connection errors and timeouts."""
RETRY_WAIT = wait_exponential(multiplier=0.2, max=2)
"""0.2 s, 0.4 s, 0.8 s ... capped at 2 s: short, so a dead hook costs a run little time,
and small enough that tests run the real backoff instead of patching it."""
USER_AGENT = f"reconciler/{__version__}"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _shown(url: str) -> str:
    """The URL as it may be shown: scheme://host[:port]/path, no query, fragment or credentials.

    The query of a webhook URL is its password (Power Automate's `sig=`), and
    what precedes an '@' may be one, so neither ever reaches a message.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unparseable URL, not shown)"
    netloc = parts.netloc.rpartition("@")[2]
    shown = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme and netloc else parts.path
    # One line, whatever the input held.
    return "".join(ch if ch.isprintable() else "?" for ch in shown)


def check_webhook_url(url: str) -> str:
    """Return `url` unchanged, or raise ConfigError if it is unusable or unsafe.

    Same reading as `reconciler.settings.check_api_url`: the URL is parsed as
    the HTTP library will parse it when it sends (urllib3's `parse_url`) and
    refused when Python's `urlsplit` reads another host, so the loopback
    exception cannot be won by a URL that is loopback to one parser only.
    Unlike the API URL a query is allowed, as it carries the hook's signature;
    no message ever shows it.
    """
    if any(ch in url for ch in "\\@") or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url):
        # Not echoed at all: the URL may hold a password before '@' and a signature after '?'.
        raise ConfigError(
            "The webhook URL holds a backslash, '@' (credentials), a blank or a control "
            "character: give its plain https://host[:port]/path?query (the URL is not shown, "
            "as it may hold a secret)."
        )
    shown = _shown(url)
    try:
        sent = parse_url(url)
        port = urlsplit(url).port  # raises ValueError for a port out of range
    except (LocationParseError, ValueError):
        # Not chained to the cause: urllib3's message quotes the whole URL, query included.
        raise ConfigError(f"The webhook URL {shown} cannot be parsed.") from None
    host = (sent.host or "").strip("[]")
    if sent.scheme not in ("https", "http") or not host:
        raise ConfigError(f"The webhook URL {shown} is not an https:// URL with a host name.")
    if (urlsplit(url).hostname or "") != host.lower() or (port or None) != (sent.port or None):
        raise ConfigError(
            f"The webhook URL {shown} is ambiguous: its host reads differently to parsers."
        )
    if sent.scheme == "http" and not is_loopback(host):
        raise ConfigError(
            f"Refusing plain http to webhook host {host}: the summary and the URL's signature "
            "would cross the network unencrypted. Use https:// (plain http is allowed only "
            "to a loopback host)."
        )
    if sent.fragment is not None or "#" in url:
        # A fragment is never sent; a '#' is most likely an unescaped part of the signature.
        raise ConfigError(
            f"The webhook URL {shown} carries a '#' fragment, which is never sent; "
            "if '#' belongs to the query, write it as %23."
        )
    return url


@dataclass(frozen=True)
class _Attempt:
    """What one POST came to: delivered (failure None) or why not, and whether to try again."""

    failure: str | None = None
    retryable: bool = False


class _NoAuth(requests.auth.AuthBase):
    """Sends no credentials: an explicit auth also stops requests from reading ~/.netrc."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers.pop("Authorization", None)
        return r


def _causes(error: BaseException) -> Iterator[BaseException]:
    """`error` and what lies under it: urllib3's `.reason`, wrapped args, chained causes."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [getattr(current, "reason", None), current.__cause__, current.__context__]
        inner += list(current.args)
        pending += [e for e in inner if isinstance(e, BaseException)]


def _transport_failure(error: requests.exceptions.RequestException, timeout: float) -> _Attempt:
    """Name a transport failure by its cause, in fixed words: requests' own text quotes the URL."""
    causes = list(_causes(error))
    untrusted = next((e for e in causes if isinstance(e, ssl.SSLCertVerificationError)), None)
    if untrusted is not None:
        # The same certificate is met on every try; this takes a CA bundle, not a retry.
        reason = untrusted.verify_message or "certificate verify failed"
        return _Attempt(f"TLS certificate not trusted ({reason})")
    if isinstance(error, requests.exceptions.Timeout):
        return _Attempt(f"timed out (no answer within {timeout:g} s)", retryable=True)
    if any(isinstance(e, ConnectionRefusedError) for e in causes):
        return _Attempt("connection refused", retryable=True)
    if any(isinstance(e, NameResolutionError) for e in causes):
        return _Attempt("host name not resolved", retryable=True)
    if isinstance(error, requests.exceptions.ProxyError):
        return _Attempt("the proxy refused or failed the connection", retryable=True)
    if isinstance(error, requests.exceptions.SSLError):
        return _Attempt("TLS handshake failed", retryable=True)
    if isinstance(error, requests.exceptions.ConnectionError):
        innermost = type(causes[-1]).__name__ if causes else "ConnectionError"
        return _Attempt(f"connection failed ({innermost})", retryable=True)
    return _Attempt(f"request failed ({type(error).__name__})")


def _attempt(
    session: requests.Session, url: str, body: bytes, timeout: float, verify: str | bool
) -> _Attempt:
    """One POST; never raises for what the network or the receiver does."""
    try:
        # stream=True: only the status matters, so a large answer body is never read.
        with session.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
            auth=_NoAuth(),
            timeout=timeout,
            verify=verify,
            allow_redirects=False,
            stream=True,
        ) as response:
            status = response.status_code
    except requests.exceptions.RequestException as error:
        return _transport_failure(error, timeout)
    except OSError as error:
        # requests raises a bare OSError for a CA bundle path that does not exist; its
        # text names the path, not the URL.
        return _Attempt(f"TLS setup failed ({error})")
    if 200 <= status < 300:
        return _Attempt()
    if status in _REDIRECTS:
        return _Attempt(f"redirected (HTTP {status}), not followed")
    return _Attempt(f"HTTP {status}", retryable=500 <= status < 600)


def deliver(
    url: str,
    payload: Mapping[str, Any],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    attempts: int = DEFAULT_ATTEMPTS,
    ca_bundle: str | None = None,
) -> str | None:
    """POST `payload` as JSON to `url`. None when delivered, else a one-line warning.

    Never raises for delivery failures, an unsafe URL included (it becomes the
    warning). `timeout` bounds the connection and each read of one attempt;
    `attempts` counts tries in all. `ca_bundle` replaces the trusted CAs; None
    keeps requests' default (REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE when set, else
    certifi's bundle). Raises ValueError only for caller bugs: `attempts` below
    1, a non-positive `timeout`, or a payload that is not JSON (TypeError too).
    """
    if attempts < 1 or not timeout > 0:
        raise ValueError(f"attempts must be >= 1 and timeout > 0, not {attempts} and {timeout}")
    # allow_nan=False: NaN is not JSON, and a flow would refuse the body with a vague 400.
    body = json.dumps(payload, allow_nan=False).encode("utf-8")
    try:
        check_webhook_url(url)
    except ConfigError as error:
        return f"webhook not delivered: {error}"
    shown = _shown(url)
    # verify=True lets requests (trust_env, the Session default) substitute
    # REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE; an explicit bundle is used as given.
    verify: str | bool = ca_bundle or True

    def log_retry(state: RetryCallState) -> None:
        outcome = state.outcome.result() if state.outcome else None
        log.info(
            "webhook %s: attempt %d/%d failed (%s); retrying in %.1f s",
            shown,
            state.attempt_number,
            attempts,
            outcome.failure if outcome else "?",
            state.upcoming_sleep,
        )

    def last_outcome(state: RetryCallState) -> _Attempt:
        # Out of attempts: the last failure is the one to report, not tenacity's RetryError.
        assert state.outcome is not None
        result: _Attempt = state.outcome.result()
        return result

    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=RETRY_WAIT,
        retry=retry_if_result(lambda outcome: bool(outcome.retryable)),
        before_sleep=log_retry,
        retry_error_callback=last_outcome,
    )
    with requests.Session() as session:
        outcome = retrying(_attempt, session, url, body, timeout, verify)
    if outcome.failure is None:
        return None
    tried = retrying.statistics.get("attempt_number", 1)
    after = f" after {tried} attempts" if tried > 1 else ""
    warning = f"webhook not delivered to {shown}: {outcome.failure}{after}"
    # Last guard: whatever a cause's text held, the query (the signature) is not shown.
    query = urlsplit(url).query
    if query and query in warning:
        warning = warning.replace(query, "***")
    return " ".join(warning.split())
