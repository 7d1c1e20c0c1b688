"""Helpers for the audit tests: a folder of specs (and policy, acknowledgements) to audit."""

from __future__ import annotations

import datetime
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli_audit import audit as audit_command
from reconciler.engine.audit import audit
from reconciler.model.audit import AuditReport, Finding, Level
from reconciler.spec import find_ignore_files, load_specs
from reconciler.spec.ignore_audit import scan_acknowledgements
from reconciler.spec.policy import DEFAULT_POLICY, load_policy

REPO = Path(__file__).resolve().parents[2]
TODAY = datetime.date(2026, 6, 1)


@dataclass
class Tree:
    """A folder `specs/` under the test's working directory."""

    root: Path

    @property
    def specs(self) -> Path:
        return self.root / "specs"

    def write(self, name: str, text: str) -> Path:
        path = self.specs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def policy(self, text: str) -> Path:
        return self.write(".reconciler-policy.yaml", text)

    def report(self, fail_on: Level = Level.ERROR) -> AuditReport:
        """The engine's report on specs/ (relative paths), as `audit specs` builds it."""
        specs = load_specs([Path("specs")], None)
        policy_file = Path("specs/.reconciler-policy.yaml")
        policy = DEFAULT_POLICY
        if policy_file.exists():
            policy, problems = load_policy(policy_file)
            assert problems == []
        acknowledged = scan_acknowledgements(find_ignore_files([Path("specs")]))
        return audit(specs, policy, TODAY, fail_on, acknowledged)

    def findings(self, rule: str | None = None) -> list[Finding]:
        return [f for f in self.report().findings if rule is None or f.rule == rule]

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(audit_command, list(args), env=env)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tree:
    monkeypatch.chdir(tmp_path)
    return Tree(tmp_path)


def located(finding: Finding) -> tuple[str, str | None, int | None, str]:
    """(rule, file, line, message): what a test pins."""
    return (finding.rule, finding.file, finding.line, finding.message)
