"""Webhook delivery, received by a real HTTPS server on loopback (trustme CA, http.server)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import trustme

from reconciler import __version__
from reconciler.api.webhook import _shown, check_webhook_url, deliver
from reconciler.errors import ConfigError
from tests.fixtures.webhook import (
    QUERY,
    SIG,
    Answer,
    HookServer,
    hook_url,
    new_ca,
    running_hook,
)

PAYLOAD: dict[str, Any] = {
    "command": "drift",
    "drifted": 2,
    "workspaces": [{"id": "ws-1", "name": "Café Ω", "changes": ["title"]}, {"id": "ws-2"}],
    "ok": False,
    "ratio": 0.5,
    "note": None,
}
TOKEN = "seamless-token-never-sent"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    return new_ca(tmp_path_factory.mktemp("webhook-ca"))


@pytest.fixture
def ca_path(ca: tuple[trustme.CA, Path]) -> str:
    return str(ca[1])


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No CA bundle or proxy from the machine; a token and a .netrc that must not leak."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SEAMLESS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("SEAMLESS_TOKEN", TOKEN)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))


@pytest.fixture
def hook(ca: tuple[trustme.CA, Path]) -> Iterator[HookServer]:
    with running_hook(ca[0]) as server:
        yield server


def assert_safe_warning(warning: str | None) -> str:
    """A warning is one line and shows neither the signature nor any query."""
    assert warning is not None
    assert SIG not in warning and "sig=" not in warning and "?" not in warning
    assert "\n" not in warning and TOKEN not in warning
    return warning


# --- delivery ----------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 202, 204])
def test_delivered_body_headers_and_query(
    hook: HookServer, ca_path: str, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    """Trust comes from REQUESTS_CA_BUNDLE; the body is the payload; no credentials at all."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_path)
    hook.answers = [Answer(status)]

    assert deliver(hook_url(hook), PAYLOAD) is None

    [request] = hook.received
    assert request.method == "POST"
    assert request.path == "/workflows/abc/triggers/manual/invoke"
    assert request.query == QUERY
    assert parse_qs(request.query)["sig"] == [SIG]
    assert json.loads(request.body.decode("utf-8")) == PAYLOAD
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == f"reconciler/{__version__}"
    assert "authorization" not in request.headers
    assert "proxy-authorization" not in request.headers
    assert not any(TOKEN in value for value in request.headers.values())
    assert not any("netrc" in value for value in request.headers.values())


def test_explicit_ca_bundle_is_trusted(hook: HookServer, ca_path: str) -> None:
    assert deliver(hook_url(hook), PAYLOAD, ca_bundle=ca_path) is None
    assert len(hook.received) == 1


def test_5xx_is_retried_until_it_succeeds(hook: HookServer, ca_path: str) -> None:
    hook.answers = [Answer(500), Answer(503), Answer(200)]
    assert deliver(hook_url(hook), PAYLOAD, ca_bundle=ca_path, attempts=3) is None
    assert len(hook.received) == 3
    assert {r.body for r in hook.received} == {hook.received[0].body}


def test_5xx_every_time_is_a_warning_after_all_attempts(hook: HookServer, ca_path: str) -> None:
    hook.answers = [Answer(500)]
    warning = assert_safe_warning(deliver(hook_url(hook), PAYLOAD, ca_bundle=ca_path, attempts=3))
    assert warning == (
        f"webhook not delivered to {hook.url}/workflows/abc/triggers/manual/invoke: "
        "HTTP 500 after 3 attempts"
    )
    assert len(hook.received) == 3


def test_4xx_is_not_retried(hook: HookServer, ca_path: str) -> None:
    hook.answers = [Answer(400)]
    warning = assert_safe_warning(deliver(hook_url(hook), PAYLOAD, ca_bundle=ca_path))
    assert warning.endswith(": HTTP 400")
    assert len(hook.received) == 1


def test_a_redirect_is_not_followed(hook: HookServer, ca_path: str) -> None:
    hook.answers = [Answer(302, {"Location": f"{hook.url}/target?{QUERY}"})]
    warning = assert_safe_warning(deliver(hook_url(hook), PAYLOAD, ca_bundle=ca_path))
    assert warning.endswith(": redirected (HTTP 302), not followed")
    assert [r.path for r in hook.received] == ["/workflows/abc/triggers/manual/invoke"]


def test_connection_refused(ca_path: str) -> None:
    # Bound but not listening: connections are refused, and no one else can take the port.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        warning = deliver(f"https://127.0.0.1:{port}/hook?{QUERY}", PAYLOAD, ca_bundle=ca_path)
    assert assert_safe_warning(warning) == (
        f"webhook not delivered to https://127.0.0.1:{port}/hook: "
        "connection refused after 3 attempts"
    )


def test_no_answer_times_out_within_the_timeout(hook: HookServer, ca_path: str) -> None:
    hook.answers = [Answer(hang=True)]
    started = time.monotonic()
    warning = deliver(hook_url(hook), PAYLOAD, ca_bundle=ca_path, timeout=0.5, attempts=1)
    elapsed = time.monotonic() - started
    assert assert_safe_warning(warning).endswith(": timed out (no answer within 0.5 s)")
    assert 0.4 <= elapsed < 3.0
    assert len(hook.received) == 1


def test_a_timeout_is_retried(hook: HookServer, ca_path: str) -> None:
    hook.answers = [Answer(hang=True), Answer(204)]
    assert deliver(hook_url(hook), PAYLOAD, ca_bundle=ca_path, timeout=0.3, attempts=2) is None
    assert len(hook.received) == 2


def test_untrusted_certificate_is_a_warning(hook: HookServer) -> None:
    """No ca_bundle and no REQUESTS_CA_BUNDLE: certifi's CAs do not know the test CA."""
    warning = assert_safe_warning(deliver(hook_url(hook), PAYLOAD))
    assert "certificate" in warning
    assert "attempts" not in warning  # not retried: the same certificate would come back
    assert hook.wait_for("handshake_failures", 1)
    assert hook.received == []


def test_a_missing_ca_bundle_is_a_warning(hook: HookServer, tmp_path: Path) -> None:
    warning = assert_safe_warning(
        deliver(hook_url(hook), PAYLOAD, ca_bundle=str(tmp_path / "nope.pem"))
    )
    assert warning.startswith("webhook not delivered to https://127.0.0.1:")
    assert hook.received == []


def test_an_unsafe_url_is_a_warning_and_nothing_is_sent() -> None:
    warning = assert_safe_warning(deliver(f"http://example.com/hook?{QUERY}", PAYLOAD))
    assert warning.startswith("webhook not delivered: Refusing plain http")


def test_plain_http_to_loopback_is_allowed() -> None:
    """A plain-http receiver on loopback (werkzeug-less: http.server without TLS)."""
    received: list[bytes] = []

    class Plain(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Plain)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        assert deliver(f"http://127.0.0.1:{server.server_address[1]}/h?{QUERY}", PAYLOAD) is None
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert len(received) == 1


def test_caller_bugs_raise() -> None:
    with pytest.raises(ValueError):
        deliver("https://127.0.0.1/", PAYLOAD, attempts=0)
    with pytest.raises(ValueError):
        deliver("https://127.0.0.1/", {"x": float("nan")})


# --- the URL check -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?{QUERY}",
        f"https://hooks.example.com/path?sig={SIG}",
        "https://hooks.example.com",
        "http://127.0.0.1:8080/",
        "http://localhost:1/hook",
        "http://[::1]:9/hook?x=1",
    ],
)
def test_good_urls_pass_unchanged(url: str) -> None:
    assert check_webhook_url(url) == url


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (f"http://example.com/hook?sig={SIG}", "Refusing plain http"),
        (f"http://10.0.0.1/hook?sig={SIG}", "Refusing plain http"),
        (f"ftp://example.com/hook?sig={SIG}", "not an https:// URL"),
        (f"example.com/hook?sig={SIG}", "not an https:// URL"),
        (f"https:///hook?sig={SIG}", "not an https:// URL"),
        (f"https://user:pw@example.com/hook?sig={SIG}", "'@' (credentials)"),
        (f"https://example.com/hook?sig={SIG}@x", "'@' (credentials)"),
        (f"http://evil.example\\@127.0.0.1/?sig={SIG}", "backslash"),
        (f"https://example.com/hook?sig={SIG} ", "a blank"),
        (f"https://example.com/hook?sig={SIG}\n", "control character"),
        (f"https://example.com:99999/hook?sig={SIG}", "cannot be parsed"),
        (f"https://example.com:port/hook?sig={SIG}", "cannot be parsed"),
        (f"https://[::1/hook?sig={SIG}", "cannot be parsed"),
        (f"https://example.com/hook?sig={SIG}#part", "fragment"),
    ],
)
def test_bad_urls_are_refused_without_showing_the_signature(url: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_webhook_url(url)
    message = str(info.value)
    assert words in message
    assert SIG not in message and "sig=" not in message and "pw" not in message
    assert info.value.__cause__ is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"https://h.example:443/a/b?{QUERY}", "https://h.example:443/a/b"),
        (f"https://h.example?{QUERY}#frag", "https://h.example"),
        (f"https://user:pw@h.example/p?{QUERY}", "https://h.example/p"),
        ("http://[::1]:8/x", "http://[::1]:8/x"),
        (f"h.example/p?{QUERY}", "h.example/p"),
        (f"https://[::1/x?{QUERY}", "(an unparseable URL, not shown)"),
    ],
)
def test_shown_url_keeps_scheme_host_port_and_path_only(url: str, shown: str) -> None:
    assert _shown(url) == shown
