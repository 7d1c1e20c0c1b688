"""`reconciler emulator serve` for people: lines to paste, a quiet log, nothing left behind."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import RunningEmulator
from tests.emulator.test_serve_command import SERVE, plain_http_status, serving

VARIABLES = ("SEAMLESS_API_URL", "SEAMLESS_CA_BUNDLE", "SEAMLESS_TOKEN", "SEAMLESS_TENANT")
AWKWARD_FIXTURE = """\
tenants:
  acme:
    tokens: ["it's a $ecret `token`"]
    organizationUnits:
      - {Id: 11111111-2222-3333-4444-555555555555, Name: Only Unit, ShortName: OU}
  other:
    tokens: [other-token]
    organizationUnits:
      - {Id: 66666666-2222-3333-4444-555555555555, Name: Other Unit, ShortName: OT}
"""


def pasted(text: str, tmp_path: Path) -> dict[str, str]:
    """Run the announced `export` lines in a shell, as a user pasting them would."""
    exports = [line for line in text.splitlines() if line.startswith("  export ")]
    assert [line.split()[1].split("=")[0] for line in exports] == list(VARIABLES)
    script = "\n".join([*exports, *(f'printf "%s\\0" "${name}"' for name in VARIABLES)])
    result = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    return dict(zip(VARIABLES, result.stdout.split("\0")[:-1], strict=True))


def shell_words(arguments: str, tmp_path: Path) -> list[str]:
    """The words a shell makes of arguments, quotes and all."""
    script = f'set -- {arguments}\nprintf "%s\\0" "$@"'
    result = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    return result.stdout.split("\0")[:-1]


def without_temporary_files(tmp_path: Path) -> dict[str, str]:
    """An environment whose temporary directory is a fresh, empty one under tmp_path."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    return {"TMPDIR": str(temporary)}


def test_export_lines_point_a_client_at_the_emulator(tmp_path: Path) -> None:
    fixture = tmp_path / "fixture.yaml"
    fixture.write_text(AWKWARD_FIXTURE)
    state = tmp_path / "state dir's $HOME"  # paths are quoted for the shell too
    with serving("--fixture", str(fixture), "--state-dir", str(state)) as served:
        env = pasted(served.text, tmp_path)
        assert env == {
            "SEAMLESS_API_URL": served.announced["url"],
            "SEAMLESS_CA_BUNDLE": str(state / "ca.pem"),
            "SEAMLESS_TOKEN": "it's a $ecret `token`",  # the first tenant's
            "SEAMLESS_TENANT": "acme",
        }
        units = requests.get(
            f"{env['SEAMLESS_API_URL']}/{env['SEAMLESS_TENANT']}/organizationUnits",
            headers={"Authorization": f"Basic {env['SEAMLESS_TOKEN']}"},
            verify=env["SEAMLESS_CA_BUNDLE"],
            timeout=10,
        )
        assert units.status_code == 200
        assert [unit["Name"] for unit in units.json()] == ["Only Unit"]
        assert "--state-dir" not in served.text  # given: nothing to advise
        assert "  tenant acme: token it's a $ecret `token`\n" in served.text  # listed as before
        curl = served.text.splitlines()[-1].strip().removeprefix("curl ")
        assert shell_words(curl, tmp_path) == [
            "--cacert",
            str(state / "ca.pem"),
            "-H",
            "Authorization: Basic it's a $ecret `token`",
            f"{served.announced['url']}/acme/organizationUnits",
        ]


def test_without_a_state_dir_the_announcement_says_how_to_keep_the_ca(tmp_path: Path) -> None:
    with serving(env=without_temporary_files(tmp_path)) as served:
        lines = served.text.splitlines()
        env = pasted(served.text, tmp_path)
        assert env["SEAMLESS_TENANT"] == "contoso"
        assert env["SEAMLESS_TOKEN"] == "demo-token-contoso"
        assert env["SEAMLESS_CA_BUNDLE"] == served.announced["ca_bundle"]
        (advice,) = [line for line in lines if "--state-dir DIR" in line]
        assert "deleted on stop" in advice
        assert lines.index(advice) > lines.index("  export SEAMLESS_TENANT=contoso")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_the_temporary_ca_directory_goes_on_stop(tmp_path: Path, stop: signal.Signals) -> None:
    env = without_temporary_files(tmp_path)
    with serving(env=env, stop=stop) as served:
        state = Path(served.announced["ca_bundle"]).parent
        assert state.parent == Path(env["TMPDIR"])
        assert (state / "ca.pem").is_file()
    assert not state.exists()
    assert os.listdir(env["TMPDIR"]) == []


def test_a_failed_start_leaves_no_temporary_directory(tmp_path: Path) -> None:
    env = without_temporary_files(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = subprocess.run(
            [*SERVE, "--port", str(taken.getsockname()[1])],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **env},
        )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr
    assert os.listdir(env["TMPDIR"]) == []


def test_clients_that_leave_cost_at_most_one_short_line_each(tmp_path: Path) -> None:
    with serving("--state-dir", str(tmp_path)) as served:
        address = ("127.0.0.1", int(served.announced["url"].rsplit(":", 1)[1]))
        socket.create_connection(address).close()  # a port probe: says nothing
        with socket.create_connection(address) as half:  # leaves mid-handshake
            half.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        assert plain_http_status(served.announced["url"].replace("https://", "http://")) is None
        context = ssl.create_default_context(cafile=served.announced["ca_bundle"])
        with context.wrap_socket(
            socket.create_connection(address), server_hostname="127.0.0.1"
        ) as tls:
            tls.sendall(  # leaves mid-body: the answer to the half body finds nobody
                b"POST /contoso/workspaces HTTP/1.1\r\nHost: emulator\r\n"
                b"Authorization: Basic demo-token-contoso\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"Name":'
            )
        awaited = ("during the TLS handshake", "plain HTTP", "mid-request")
        served.wait_for_stderr(lambda lines: len(lines) >= len(awaited))
        still = requests.get(
            f"{served.announced['url']}/contoso/organizationUnits",
            headers={"Authorization": f"Basic {served.announced['token']}"},
            verify=served.announced["ca_bundle"],
            timeout=10,
        )
        assert still.status_code == 200
    said = [line for line in served.stderr if line != "Stopped."]
    assert "Traceback" not in "\n".join(served.stderr)
    assert len(said) == len(awaited), said
    assert all(any(what in line for line in said) for what in awaited), said
    assert all(line.startswith("client 127.0.0.1:") and len(line) <= 100 for line in said), said


def test_a_silent_client_neither_holds_up_others_nor_the_stop(tmp_path: Path) -> None:
    with contextlib.ExitStack() as clients:  # still connected when the emulator stops
        with serving("--state-dir", str(tmp_path)) as served:
            address = ("127.0.0.1", int(served.announced["url"].rsplit(":", 1)[1]))
            clients.enter_context(socket.create_connection(address))  # says nothing
            stalled = clients.enter_context(socket.create_connection(address))
            stalled.sendall(b"\x16\x03\x01")  # the start of a TLS record, then nothing
            answer = requests.get(  # were the handshake in the accept loop, 10 s of waiting
                f"{served.announced['url']}/contoso/organizationUnits",
                headers={"Authorization": f"Basic {served.announced['token']}"},
                verify=served.announced["ca_bundle"],
                timeout=5,
            )
            assert answer.status_code == 200
            stopping = time.monotonic()
        assert time.monotonic() - stopping < 4  # not cheroot's 5 s wait for busy workers
    assert [line for line in served.stderr if line != "Stopped."] == []


def test_a_silent_connection_does_not_delay_the_next_request(emulator: RunningEmulator) -> None:
    host, port = emulator.url.removeprefix("https://").rsplit(":", 1)
    with socket.create_connection((host, int(port))):
        answer = emulator.api("GET", "/organizationUnits", timeout=5)
    assert answer.status_code == 200
