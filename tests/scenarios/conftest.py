"""Scenario helpers: run the real CLI (CliRunner) against the session's emulator over HTTPS."""

from __future__ import annotations

import json
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
