"""`reconciler emulator serve` as a user runs it: a real process, its output, --data, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.conftest import BUTTERFLY_UNIT, CUSTOMER_CASE_TYPE, RunningEmulator

SERVE = [sys.executable, "-m", "reconciler", "emulator", "serve", "--port", "0"]


@dataclass
class Served:
    """A running `serve` process: what it announced, and its stderr as it comes."""

    announced: dict[str, str]
    text: str
    process: subprocess.Popen[str]
    stderr: list[str] = field(default_factory=list)
    _more: threading.Condition = field(default_factory=threading.Condition)

    def read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._more:
                self.stderr.append(line.rstrip("\n"))
                self._more.notify_all()

    def wait_for_stderr(self, predicate: Callable[[list[str]], bool], timeout: float = 30) -> None:
        """Block until predicate(stderr lines so far) holds, or fail after timeout seconds."""
        with self._more:
            if not self._more.wait_for(lambda: predicate(self.stderr), timeout=timeout):
                pytest.fail("stderr never showed what was awaited:\n" + "\n".join(self.stderr))


@contextmanager
def serving(
    *args: str, env: dict[str, str] | None = None, stop: signal.Signals = signal.SIGTERM
) -> Iterator[Served]:
    """Start the command; yield it once it has announced itself; stop it with `stop`."""
    process = subprocess.Popen(
        [*SERVE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONFAULTHANDLER": "1", **(env or {})},
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:  # blocks until the emulator has printed its announcement
        lines.append(line)
        if line.startswith("  curl"):
            break
    text = "".join(lines)
    if not text.endswith("\n") or not lines[-1].startswith("  curl"):  # it exited instead
        pytest.fail(f"the emulator did not start:\n{text}{process.communicate(timeout=30)[1]}")
    announced = {
        "url": text.split("listening on ")[1].split()[0],
        "ca_bundle": text.split("CA bundle:")[1].split()[0],
        "token": text.split("token ")[1].split("\n")[0],
    }
    served = Served(announced, text, process)
    reader = threading.Thread(target=served.read_stderr, daemon=True)
    reader.start()
    try:
        yield served
    finally:
        process.send_signal(stop)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)  # the fault handler prints every thread's stack
            process.wait()
            reader.join()
            pytest.fail(
                "the emulator did not stop on " + stop.name + ":\n" + "\n".join(served.stderr)
            )
        reader.join(timeout=30)
        assert process.returncode == 0, served.stderr
        assert "Stopped." in served.stderr


def test_serve_announces_and_answers_like_the_document(tmp_path: Path) -> None:
    with serving("--state-dir", str(tmp_path)) as served:
        announced, text = served.announced, served.text
        assert announced["url"].startswith("https://127.0.0.1:")
        assert announced["ca_bundle"] == str(tmp_path / "ca.pem")
        url = f"{announced['url']}/contoso/organizationUnits"
        good = requests.get(
            url,
            headers={"Authorization": f"Basic {announced['token']}"},
            verify=announced["ca_bundle"],
        )
        assert good.status_code == 200
        assert good.json()[0]["Name"] == "Star Unit"
        bad = requests.get(
            url, headers={"Authorization": "Basic wrong"}, verify=announced["ca_bundle"]
        )
        assert bad.status_code == 401
        assert bad.json() == {"Message": "Authorization has been denied for this request."}
        assert plain_http_status(announced["url"].replace("https://", "http://")) is None
        assert "curl --cacert" in text
        assert "--state-dir" not in text  # given: nothing to advise


def plain_http_status(url: str) -> int | None:
    """What plain HTTP gets from the TLS port: a reset at once (None), never data nor a wait."""
    try:
        return requests.get(f"{url}/contoso/organizationUnits", timeout=5).status_code
    except requests.Timeout:
        pytest.fail("plain HTTP to the HTTPS port hung")
    except requests.ConnectionError as exc:
        assert "reset by peer" in str(exc)  # what the reconciler names the cause by
        return None


def test_info_file_for_scripts(tmp_path: Path) -> None:
    info_file = tmp_path / "info.json"
    with serving("--state-dir", str(tmp_path), "--info-file", str(info_file)) as served:
        info = json.loads(info_file.read_text())
        assert info["url"] == served.announced["url"]
        assert info["tenants"]["contoso"] == "demo-token-contoso"


def test_data_file_keeps_workspaces_across_restarts(tmp_path: Path) -> None:
    data = tmp_path / "emulator.sqlite"
    body = {
        "Name": "Case",
        "OrganizationUnitId": BUTTERFLY_UNIT,
        "WorkspaceTypeId": CUSTOMER_CASE_TYPE,
        "Manager": {"Email": "ana@xyz.com"},
        "Schema": [{"FieldName": "Customer", "FieldValue": "Migros"}],
    }
    with serving("--data", str(data), "--state-dir", str(tmp_path / "a")) as served:
        announced = served.announced
        created = requests.post(
            f"{announced['url']}/contoso/workspaces",
            json=body,
            headers={"Authorization": f"Basic {announced['token']}"},
            verify=announced["ca_bundle"],
        )
        assert created.status_code == 201
    with serving("--data", str(data), "--state-dir", str(tmp_path / "b")) as served:
        announced = served.announced
        auth = {"Authorization": f"Basic {announced['token']}"}
        kept = requests.get(
            f"{announced['url']}/contoso/workspaces/{created.json()['WorkspaceId']}",
            headers=auth,
            verify=announced["ca_bundle"],
        )
        assert kept.status_code == 200
        again = requests.post(
            f"{announced['url']}/contoso/workspaces",
            json=body,
            headers=auth,
            verify=announced["ca_bundle"],
        )
        assert again.json()["WorkspaceId"] == "org.bu.00002"  # counters survive too


def test_bad_fixture_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    fixture = tmp_path / "fixture.yaml"
    fixture.write_text("tenants:\n  acme:\n    tokens: []\n")
    result = subprocess.run(
        [*SERVE, "--fixture", str(fixture)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "tenant 'acme': needs at least one token" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_rate_limit_option_is_a_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [*SERVE, "--rate-limit", "many"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "Error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_concurrent_creates_and_team_updates_lose_nothing(emulator: RunningEmulator) -> None:
    emulator.configure(rate_limit=None)
    body = {
        "Name": "Case",
        "OrganizationUnitId": BUTTERFLY_UNIT,
        "WorkspaceTypeId": CUSTOMER_CASE_TYPE,
        "Manager": {"Email": "ana@xyz.com"},
        "Schema": [{"FieldName": "Customer", "FieldValue": "Migros"}],
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(lambda _: emulator.api("POST", "/workspaces", body), range(40)))
    ids = {response.json()["WorkspaceId"] for response in created}
    assert len(ids) == 40
    members = ["tom@xyz.com", "maria@xyz.com", "bob@xyz.com", "anita@xyz.com", "lucas@xyz.com"]

    def add(member: str) -> int:
        team = {"Added": [{"Group": "Visitors", "Members": [member]}]}
        return emulator.api("PUT", "/workspaces/example/team", team).status_code

    with ThreadPoolExecutor(max_workers=5) as pool:
        assert set(pool.map(add, members)) == {200}
    team = emulator.api("GET", "/workspaces/example/team").json()
    visitors = next(g["Members"] for g in team if g["Group"].endswith("Visitors"))
    assert set(members) <= set(visitors)
