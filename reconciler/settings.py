"""Connection settings for the Seamless API: from flags, else the environment.

Flags win over environment variables. The token never has a flag of its own
(a command line is visible to every user of the machine through `ps` and in
CI logs): it comes from `SEAMLESS_TOKEN` or a file named by `--token-file`,
and lives in a `Secret` whose repr and str are `***`.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from reconciler.errors import ConfigError

DEFAULT_API_URL = "https://api.seamlesswork.com"
DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for a connection and for an answer (requests itself has no default)."""
DEFAULT_DEADLINE = 300.0
"""Seconds one call may take in all, retries and rate-limit waits included."""

ENV_API_URL = "SEAMLESS_API_URL"
ENV_TENANT = "SEAMLESS_TENANT"
ENV_TOKEN = "SEAMLESS_TOKEN"
ENV_CA_BUNDLE = "SEAMLESS_CA_BUNDLE"
ENV_REQUEST_TIMEOUT = "SEAMLESS_REQUEST_TIMEOUT"
ENV_MAX_RETRY_TIME = "SEAMLESS_MAX_RETRY_TIME"


class Secret:
    """A string that does not show itself: repr and str are `***`; `reveal()` returns it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value; call only where it is sent, never where it is shown."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self  # immutable: copies may share it, and must not go through pickling

    def __reduce__(self) -> Any:
        # Pickling would write the value into caches and plan files; refuse it.
        raise TypeError("a Secret cannot be pickled")


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1: the only hosts allowed over plain http."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_url(url: str) -> str:
    """Return `url` without a trailing slash, or raise ConfigError if it is unusable or unsafe.

    The URL is read the way the HTTP library will read it when it sends
    (urllib3's `parse_url`, which requests uses), and refused when Python's
    `urlsplit` would read another host: a check made on one parse and a
    request made on another is how a token leaks (`http://evil\\@127.0.0.1`
    is loopback to one and evil to the other). Backslashes, blanks, control
    characters and credentials in the URL are refused outright.
    """
    if any(ch in url for ch in "\\@") or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url):
        # Not echoed: what precedes an '@' may be a password.
        raise ConfigError(
            "The API URL holds a backslash, '@' (credentials), a blank or a control "
            "character: give the plain https://host[:port][/path] of the service."
        )
    try:
        sent = parse_url(url)
    except LocationParseError as exc:
        raise ConfigError(f"API URL {url!r} cannot be parsed: {exc}") from exc
    host = (sent.host or "").strip("[]")
    if sent.scheme not in ("https", "http") or not host:
        raise ConfigError(f"API URL {url!r} is not an https:// URL with a host name.")
    if (urlsplit(url).hostname or "") != host.lower():
        raise ConfigError(f"API URL {url!r} is ambiguous: its host reads differently to parsers.")
    if sent.scheme == "http" and not is_loopback(host):
        raise ConfigError(
            f"Refusing plain http to {host}: the token would cross the network unencrypted. "
            "Use https:// (plain http is allowed only to a loopback emulator)."
        )
    if sent.query or sent.fragment or "?" in url or "#" in url:
        raise ConfigError(f"API URL {url!r} must not carry a query or fragment.")
    return url.rstrip("/")


def _read_token_file(path: str) -> Secret:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"Cannot read the token file {path}: {e.strerror or e}.") from e
    token = text.strip()
    if not token:
        raise ConfigError(f"The token file {path} is empty.")
    return Secret(token)


@dataclass(frozen=True, kw_only=True)
class ConnectionSettings:
    """Where and how to reach the Seamless API (keyword arguments only)."""

    api_url: str = DEFAULT_API_URL
    """Base URL; the tenant name follows it in every path."""
    tenant: str | None = None
    """Default tenant for documents that name none."""
    token: Secret
    """The tenant's access token, sent as `Authorization: Basic <token>`."""
    ca_bundle: str | None = None
    """PEM file of CAs to trust instead of the system store (the emulator prints one)."""
    method_override: bool = False
    """Send PUT as POST with `X-HTTP-Method-Override: PUT`, for networks that block PUT."""
    timeout: float = DEFAULT_TIMEOUT
    """Connect and read timeout of one request, in seconds."""
    deadline: float = DEFAULT_DEADLINE
    """Overall time one call may take, retries and rate-limit waits included."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_url", check_api_url(self.api_url))
        if not self.token.reveal():
            raise ConfigError(f"No API token: set {ENV_TOKEN} or pass --token-file FILE.")
        if not all(" " < ch <= "~" for ch in self.token.reveal()):
            raise ConfigError(
                "The API token holds spaces, line breaks or characters outside printable "
                "ASCII, which cannot be sent in an HTTP header: check the token (not shown)."
            )

    @classmethod
    def from_env(
        cls,
        api_url: str | None = None,
        tenant: str | None = None,
        token_file: str | None = None,
        ca_bundle: str | None = None,
        *,
        method_override: bool = False,
        timeout: float | None = None,
        deadline: float | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> ConnectionSettings:
        """Build settings from flag values (None = not given), falling back to the environment.

        Raises ConfigError when no token is available or the URL is unsafe.
        """
        env = os.environ if environ is None else environ
        if token_file:
            token = _read_token_file(token_file)
        elif env.get(ENV_TOKEN, "").strip():
            token = Secret(env[ENV_TOKEN].strip())
        else:
            raise ConfigError(
                f"No API token: set {ENV_TOKEN} or pass --token-file FILE "
                "(a file holding the token of the tenant's Seamless API app)."
            )
        bundle = ca_bundle or env.get(ENV_CA_BUNDLE) or None
        if bundle is not None and not Path(bundle).is_file():
            raise ConfigError(f"The CA bundle {bundle} does not exist or is not a file.")
        return cls(
            api_url=api_url or env.get(ENV_API_URL) or DEFAULT_API_URL,
            tenant=tenant or env.get(ENV_TENANT) or None,
            token=token,
            ca_bundle=bundle,
            method_override=method_override,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
            deadline=DEFAULT_DEADLINE if deadline is None else deadline,
        )
