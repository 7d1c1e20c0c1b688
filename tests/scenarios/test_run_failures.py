"""A failure that hits the whole run is said once, with what to check; timeouts are settings."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.fixtures.specs import documents, example, project
from tests.scenarios.conftest import Workspace

THREE = documents(example(), project("pr.71"), project("pr.72"))


def errors(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("Error:")]


def test_a_wrong_token_is_one_error_with_a_hint(workspace: Workspace) -> None:
    workspace.write("a.yaml", THREE)
    token = workspace.root / "token"
    token.write_text("wrong-token", encoding="utf-8")
    result = workspace.run("plan", str(workspace.specs), "--token-file", str(token))
    assert result.exit_code == 1
    (line,) = errors(result.stderr)
    assert line.startswith("Error: GET /organizationUnits: ")
    assert "401" in line
    assert result.stderr.strip().splitlines()[-1] == (
        "Check the token: SEAMLESS_TOKEN or --token-file (it is never printed)."
    )
    assert "wrong-token" not in result.output + result.stderr
    assert "a.yaml" not in result.stderr  # not pinned to spec lines: the specs are fine


def test_plain_http_to_the_https_emulator_names_the_cause(workspace: Workspace) -> None:
    workspace.write("a.yaml", THREE)
    url = workspace.emulator.url.replace("https://", "http://")
    result = workspace.run("plan", str(workspace.specs), "--api-url", url)
    assert result.exit_code == 1
    (line,) = errors(result.stderr)
    assert "use https:// in --api-url / SEAMLESS_API_URL" in line
    assert "Traceback" not in result.stderr


@pytest.fixture
def plain_http_port() -> Iterator[int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_https_to_a_plain_http_port_names_the_cause(
    workspace: Workspace, plain_http_port: int
) -> None:
    workspace.write("a.yaml", THREE)
    url = f"https://127.0.0.1:{plain_http_port}"
    result = workspace.run("plan", str(workspace.specs), "--api-url", url)
    assert result.exit_code == 1
    (line,) = errors(result.stderr)
    assert "the server does not speak TLS: it answered plain HTTP to https://" in line


def test_nothing_listening_is_one_error(workspace: Workspace) -> None:
    workspace.write("a.yaml", THREE)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = workspace.run("plan", str(workspace.specs), "--api-url", f"https://127.0.0.1:{port}")
    assert result.exit_code == 1
    (line,) = errors(result.stderr)
    assert "nothing listens there (connection refused)" in line


def test_a_401_mid_apply_stops_the_run_once(workspace: Workspace) -> None:
    workspace.write("a.yaml", documents(project("pr.71"), project("pr.72"), project("pr.73")))
    workspace.emulator.add_fault(
        method="POST", path="/workspaces$", action="status", status=401, times=-1
    )
    result = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert result.exit_code == 1
    assert workspace.posts() == 1  # the first create met the 401; no other call was tried
    lines = result.stderr.splitlines()
    for address in ("contoso/pr.72", "contoso/pr.73"):
        assert f"{address}: FAILED: not started: the service answered 401" in "\n".join(lines)
    assert lines[-1] == "Check the token: SEAMLESS_TOKEN or --token-file (it is never printed)."


@pytest.mark.parametrize("how", ["flag", "env"])
def test_the_request_timeout_is_a_setting(
    workspace: Workspace, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.write("a.yaml", example())
    workspace.emulator.add_fault(
        method="GET", path="/workspaces/example$", action="latency", latency_ms=2500, times=-1
    )
    args = ["--request-timeout", "0.3", "--max-retry-time", "1"] if how == "flag" else []
    env = (
        {"SEAMLESS_REQUEST_TIMEOUT": "0.3", "SEAMLESS_MAX_RETRY_TIME": "1"} if how == "env" else {}
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = workspace.run("plan", str(workspace.specs), *args)
    assert result.exit_code == 1
    assert "cannot read the workspace: GET /workspaces/example: no answer within 0.3 s" in (
        result.stdout
    )
