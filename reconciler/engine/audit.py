"""`reconciler audit`: run the policy's rules over the specs and the acknowledgements.

Pure: specs, the policy, the acknowledgements and today's date in, an
AuditReport out. A rule the policy switches `off` does not run; a rule's
`severity` sets the level of its findings (with the reason, shown); an
exception changes the level of the findings of one rule on one workspace
(or about one account), `off` waiving them, and the output shows each one
with the exception's reason. Exceptions that match no finding are noted, so
a stale one does not hide the next problem unseen.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import replace

from reconciler.engine.audit_rules import (
    RULE_FUNCTIONS,
    RuleContext,
    acknowledgements,
    names,
)
from reconciler.identity import account_key, fold, tenant_key
from reconciler.model.audit import (
    RULES,
    AuditReport,
    Finding,
    Level,
    Override,
    RuleSetting,
)
from reconciler.spec import WorkspaceSpec
from reconciler.spec.ignore_audit import AcknowledgementScan
from reconciler.spec.policy import ANY_TENANT, Policy, PolicyException

NO_ACKNOWLEDGEMENTS = AcknowledgementScan((), (), (), ())


def audit(
    specs: Sequence[WorkspaceSpec],
    policy: Policy,
    today: datetime.date,
    fail_on: Level = Level.ERROR,
    acknowledged: AcknowledgementScan = NO_ACKNOWLEDGEMENTS,
) -> AuditReport:
    """Every finding of the policy's rules over `specs` and the acknowledgements."""
    context = RuleContext(specs, policy, acknowledged, today)
    raw = [f for f in _run(context) if policy.level(f.rule) is not Level.OFF]
    used: set[int] = set()
    findings = [_excepted(_set_by_policy(f, policy), policy, specs, used) for f in raw]
    notes = [*_unchecked(specs, policy), *_unused(policy, used)]
    return AuditReport(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        rules=tuple(_settings(policy)),
        fail_on=fail_on,
        workspaces=len(specs),
        policy_file=policy.file,
        notes=tuple(notes),
    )


def _run(context: RuleContext) -> Iterator[Finding]:
    for rule, check in RULE_FUNCTIONS.items():
        if context.policy.level(rule) is not Level.OFF:
            yield from check(context)
    yield from names(context)
    yield from acknowledgements(context)


def _settings(policy: Policy) -> Iterator[RuleSetting]:
    for rule in RULES:
        written = policy.rules.get(rule.id)
        limit = policy.limit(rule.id) if rule.default_max is not None else None
        reason = written.reason if written else None
        yield RuleSetting(rule.id, policy.level(rule.id), reason, limit)


def _set_by_policy(finding: Finding, policy: Policy) -> Finding:
    """Mark a finding whose rule the policy set to another level than its default."""
    written = policy.rules.get(finding.rule)
    default = next(r.level for r in RULES if r.id == finding.rule)
    if written is None or written.severity is None or written.severity is default:
        return finding
    override = Override(written.severity, written.reason, "policy", policy.file)
    return replace(finding, override=override)


def _excepted(
    finding: Finding, policy: Policy, specs: Sequence[WorkspaceSpec], used: set[int]
) -> Finding:
    """The first exception that matches sets the level (and says why)."""
    for number, exception in enumerate(policy.exceptions):
        if exception.rule == finding.rule and _matches(exception, finding, specs):
            used.add(number)
            override = Override(
                exception.severity, exception.reason, "exception", exception.file, exception.line
            )
            return replace(finding, level=exception.severity, override=override)
    return finding


def _matches(exception: PolicyException, finding: Finding, specs: Sequence[WorkspaceSpec]) -> bool:
    if exception.account is not None and (
        finding.account is None or account_key(finding.account) != account_key(exception.account)
    ):
        return False
    if exception.workspace is None:
        return True
    return fold(exception.workspace) in _names(finding.workspace, specs)


def _names(address: str | None, specs: Sequence[WorkspaceSpec]) -> set[str]:
    """Every way an exception may name the workspace: address, workspaceId or key."""
    if address is None:
        return set()
    for spec in specs:
        if spec.address == address:
            handles = [h for h in (spec.workspace_id, spec.key) if h]
            written = [spec.address, *handles, *(f"{spec.tenant}/{h}" for h in handles)]
            return {fold(name) for name in written}
    return {fold(address)}  # an acknowledgement's workspace, as its entry names it


def _unchecked(specs: Sequence[WorkspaceSpec], policy: Policy) -> Iterator[str]:
    """What the policy leaves unchecked, and policy tenants no spec has."""
    if policy.level("account-domain") is not Level.OFF:
        for tenant in sorted({s.tenant for s in specs}, key=tenant_key):
            if policy.tenant(tenant).allowed_domains is None:
                yield (
                    f"account-domain: tenant {tenant} has no allowedDomains in the policy; "
                    "the domains of its accounts were not checked"
                )
    known = {tenant_key(s.tenant) for s in specs}
    for tenant in policy.tenants:
        if tenant != ANY_TENANT and tenant_key(tenant) not in known:
            yield f"the policy names tenant {tenant}, which no spec has"


def _unused(policy: Policy, used: set[int]) -> Iterator[str]:
    for number, exception in enumerate(policy.exceptions):
        if number in used:
            continue
        whom = " ".join(
            part
            for part in (
                exception.workspace and f"workspace {exception.workspace}",
                exception.account and f"account {exception.account}",
            )
            if part
        )
        yield (
            f"{exception.file}:{exception.line}: the exception for {exception.rule} on {whom} "
            "matched no finding: remove it, or check the names"
        )


__all__ = ["NO_ACKNOWLEDGEMENTS", "audit"]
