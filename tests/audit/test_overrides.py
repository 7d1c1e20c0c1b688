"""Policy switches, exceptions per workspace and per account (with reasons), --fail-on."""

from __future__ import annotations

import json

from reconciler.model.audit import Level, Override
from tests.audit.conftest import Tree

SPECS = """\
kind: Workspace
tenant: contoso
workspaceId: pr.01
name: Project One
organizationUnit: Star Unit
workspaceType: Project
manager: marko@xyz.com
deputy: null
team:
  Visitors: [lea@partner.example]
---
kind: Workspace
tenant: contoso
workspaceId: pr.02
name: Project Two
organizationUnit: Star Unit
workspaceType: Project
manager: marko@xyz.com
deputy: null
"""
GUESTS = "tenants:\n  contoso:\n    guestDomains: [partner.example]\n"


def test_a_rule_switched_off_does_not_run_and_the_output_says_why(tree: Tree) -> None:
    tree.write("a.yaml", SPECS)
    tree.policy("rules:\n  deputy-required: {severity: off, reason: Deputies come with Q3}\n")
    report = tree.report()
    assert report.findings == ()
    assert not report.failed
    result = tree.run("specs")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "Rule deputy-required error -> off: Deputies come with Q3",
        "Note: account-domain: tenant contoso has no allowedDomains in the policy; the "
        "domains of its accounts were not checked",
        "Audit passed: 0 errors, 0 warnings, 0 notes, 0 waived in 2 workspaces (policy "
        "specs/.reconciler-policy.yaml; --fail-on error).",
    ]


def test_a_rule_at_another_severity_carries_the_reason(tree: Tree) -> None:
    tree.write("a.yaml", SPECS)
    tree.policy(
        GUESTS + "rules:\n  deputy-required: {severity: warning, reason: Being phased in}\n"
        "  guest-account: {severity: error}\n"
    )
    report = tree.report()
    assert [(f.rule, f.level, f.override) for f in report.findings] == [
        (
            "deputy-required",
            Level.WARNING,
            Override(Level.WARNING, "Being phased in", "policy", "specs/.reconciler-policy.yaml"),
        ),
        (
            "guest-account",
            Level.ERROR,
            Override(Level.ERROR, None, "policy", "specs/.reconciler-policy.yaml"),
        ),
        (
            "deputy-required",
            Level.WARNING,
            Override(Level.WARNING, "Being phased in", "policy", "specs/.reconciler-policy.yaml"),
        ),
    ]
    lines = tree.run("specs").stdout.splitlines()
    assert lines[0] == (
        'specs/a.yaml:8:9: warning: contoso/pr.01 "Project One": active workspace has no '
        "deputy (deputy: null) [deputy-required] (set to warning by the policy: Being phased in)"
    )
    assert lines[1] == (
        'specs/a.yaml:10:14: error: contoso/pr.01 "Project One": team.Visitors: '
        "lea@partner.example is a guest account [guest-account] (set to error by the policy)"
    )


def test_exceptions_per_workspace_and_per_account_with_their_reasons(tree: Tree) -> None:
    tree.write("a.yaml", SPECS)
    tree.policy(
        GUESTS
        + "exceptions:\n"
        + "  - workspace: pr.02\n    rule: deputy-required\n    reason: Closing next week\n"
        + "  - workspace: contoso/PR.01\n    rule: deputy-required\n    severity: note\n"
        + "    reason: Deputy hired in March\n"
        + "  - account: LEA@partner.example\n    rule: guest-account\n"
        + "    reason: External auditor, reviewed yearly\n"
        + "  - workspace: contoso/pr.99\n    rule: deputy-required\n    reason: Typo\n"
    )
    report = tree.report()
    assert [(f.rule, f.workspace, f.level, f.waived) for f in report.findings] == [
        ("deputy-required", "contoso/pr.01", Level.NOTE, False),
        ("guest-account", "contoso/pr.01", Level.OFF, True),
        ("deputy-required", "contoso/pr.02", Level.OFF, True),
    ]
    assert report.counts() == {"error": 0, "warning": 0, "note": 1, "waived": 2}
    assert not report.failed
    result = tree.run("specs")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:3] == [
        'specs/a.yaml:8:9: note: contoso/pr.01 "Project One": active workspace has no deputy '
        "(deputy: null) [deputy-required] (set to note by the exception at "
        "specs/.reconciler-policy.yaml:8: Deputy hired in March)",
        'specs/a.yaml:10:14: waived: contoso/pr.01 "Project One": team.Visitors: '
        "lea@partner.example is a guest account [guest-account] (waived by the exception at "
        "specs/.reconciler-policy.yaml:12: External auditor, reviewed yearly)",
        'specs/a.yaml:19:9: waived: contoso/pr.02 "Project Two": active workspace has no '
        "deputy (deputy: null) [deputy-required] (waived by the exception at "
        "specs/.reconciler-policy.yaml:5: Closing next week)",
    ]
    assert (
        "Note: specs/.reconciler-policy.yaml:15: the exception for deputy-required on workspace "
        "contoso/pr.99 matched no finding: remove it, or check the names"
    ) in result.stdout.splitlines()
    data = json.loads(tree.run("specs", "--format", "json").stdout)
    assert data["findings"][1]["override"] == {
        "level": "off",
        "reason": "External auditor, reviewed yearly",
        "by": "exception",
        "file": "specs/.reconciler-policy.yaml",
        "line": 12,
    }


def test_fail_on_thresholds_and_exit_codes(tree: Tree) -> None:
    tree.write("a.yaml", SPECS)
    tree.policy(GUESTS + "rules:\n  deputy-required: {severity: note}\n")
    # A warning (guest) and two notes: passes at error, fails at warning and at note.
    assert tree.run("specs").exit_code == 0
    assert tree.run("specs", "--fail-on", "error").exit_code == 0
    failed = tree.run("specs", "--fail-on", "warning")
    assert failed.exit_code == 1
    assert failed.stdout.splitlines()[-1] == (
        "Audit failed: 0 errors, 1 warning, 2 notes, 0 waived in 2 workspaces (policy "
        "specs/.reconciler-policy.yaml; --fail-on warning)."
    )
    assert tree.run("specs", "--fail-on", "note").exit_code == 1
    tree.policy(
        GUESTS + "rules:\n  deputy-required: {severity: off}\n  guest-account: {severity: note}\n"
    )
    assert tree.run("specs", "--fail-on", "warning").exit_code == 0
    assert tree.run("specs", "--fail-on", "note").exit_code == 1


def test_machine_formats_keep_stdout_clean_and_say_the_outcome_on_stderr(tree: Tree) -> None:
    tree.write("a.yaml", SPECS)
    result = tree.run("specs", "--format", "json")
    assert result.exit_code == 1
    json.loads(result.stdout)
    assert result.stderr == (
        "Audit failed: 2 errors, 0 warnings, 0 notes, 0 waived in 2 workspaces (the default "
        "policy; --fail-on error).\n"
    )
