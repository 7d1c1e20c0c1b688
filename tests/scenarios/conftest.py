"""Scenario helpers: run the real CLI (CliRunner) against the session's emulator over HTTPS."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import cli
from tests.conftest import TOKEN, RunningEmulator


@dataclass
class Workspace:
    """A spec folder, a state file and the emulator they talk to."""

    emulator: RunningEmulator
    root: Path

    @property
    def specs(self) -> Path:
        return self.root / "specs"

    def write(self, name: str, text: str) -> None:
        self.specs.mkdir(exist_ok=True)
        (self.specs / name).write_text(text, encoding="utf-8")

    def env(self) -> dict[str, str]:
        return {
            "SEAMLESS_API_URL": self.emulator.url,
            "SEAMLESS_CA_BUNDLE": self.emulator.ca_bundle,
            "SEAMLESS_TOKEN": TOKEN,
            "SEAMLESS_STATE": str(self.root / "state.json"),
            "NO_COLOR": "1",
        }

    def run(self, *args: str, stdin: str | None = None, without: tuple[str, ...] = ()) -> Result:
        """The CLI with this workspace's environment, less the variables named in `without`."""
        env: dict[str, str | None] = {**self.env(), **dict.fromkeys(without)}
        return CliRunner().invoke(cli, list(args), env=env, input=stdin)

    def plan_json(self, *args: str) -> dict[str, Any]:
        result = self.run("plan", str(self.specs), "--json", *args)
        assert result.exit_code == 0, result.output + result.stderr
        return dict(json.loads(result.stdout))

    def apply(self, *args: str) -> Result:
        result = self.run("apply", str(self.specs), "--auto-approve", *args)
        assert result.exit_code == 0, result.stdout + result.stderr
        return result

    def writes(self) -> list[tuple[str, str, Any]]:
        """The POST/PUT calls the emulator saw, as (method, path below the tenant, body)."""
        return [
            (e["method"], "/" + e["path"].split("/", 2)[2], e["body"])
            for e in self.emulator.requests_log()
            if e["method"] in ("POST", "PUT")
        ]

    def posts(self) -> int:
        """How many creates (POST) the emulator saw."""
        return sum(1 for method, _, _ in self.writes() if method == "POST")

    def state(self) -> Any:
        """The state file (SEAMLESS_STATE) as JSON."""
        return json.loads((self.root / "state.json").read_text())

    def converge(self) -> dict[str, Any]:
        """Plan, apply, and check: the writes were the planned calls; a new plan is empty."""
        planned = self.plan_json()
        calls = [
            (c["method"], c["path"], c["body"]) for w in planned["workspaces"] for c in w["calls"]
        ]
        assert calls, "the scenario should change something"
        self.emulator.control("DELETE", "requests")
        self.apply()
        assert self.writes() == calls
        after = self.plan_json()
        leftover = [w for w in after["workspaces"] if w["action"] != "no-op"]
        assert leftover == [], json.dumps(leftover, indent=1)
        return planned


@pytest.fixture
def workspace(emulator: RunningEmulator, tmp_path: Path) -> Workspace:
    return Workspace(emulator, tmp_path)


LOCAL_TIME_ZONES = {
    # POSIX forms (no tz database needed); the sign is inverted: "IST-5:30" is UTC+05:30.
    "UTC0": 0,
    "IST-5:30": 5 * 3600 + 1800,  # Asia/Kolkata, as CI runs the suite too
    "NST+3:30": -(3 * 3600 + 1800),  # America/St_Johns: west of UTC, and a half hour
}


@pytest.fixture(params=list(LOCAL_TIME_ZONES))
def local_time_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test (CLI and emulator are in this process) with the local time zone set to each.

    Values with and without an offset must come out the same in every zone: a
    conversion that reads the local zone shifts them and fails the test.
    """
    zone: str = request.param
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", zone)
        time.tzset()
        assert time.localtime(1_700_000_000).tm_gmtoff == LOCAL_TIME_ZONES[zone]
        yield zone
    time.tzset()  # back to the zone the suite runs in
