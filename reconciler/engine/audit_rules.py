"""The audit's rules, one function each: specs (and the policy) in, findings out.

Pure: no I/O, no clock (today comes in). Each finding names its workspace
and the file and line of the offending value, at the level the policy gives
the rule; engine/audit.py runs them and applies the exceptions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from reconciler.engine.access import provisioning_of, type_policy
from reconciler.engine.team import MEMBERS, OWNER_GROUP, implied_members
from reconciler.identity import (
    account_key,
    in_domains,
    is_ad_group,
    is_external_guest,
    name_key,
    name_skeleton,
    same_account,
    tenant_key,
)
from reconciler.model.audit import Finding
from reconciler.model.diagnostics import Source
from reconciler.spec import ABSENT, WorkspaceSpec
from reconciler.spec.ignore_audit import AcknowledgementScan
from reconciler.spec.policy import Policy

SIMILAR_NAME_MIN_LENGTH = 5
"""Shorter names (HR, IT, Ops) are too close to one another to call a one-letter typo."""


@dataclass(frozen=True)
class RuleContext:
    """What every rule may read."""

    specs: Sequence[WorkspaceSpec]
    policy: Policy
    acknowledgements: AcknowledgementScan
    today: datetime.date


def label(spec: WorkspaceSpec) -> str:
    """How a finding names its workspace: address and name, as drift does."""
    return f'{spec.address} "{spec.name}"'


def finding(
    rule: str,
    context: RuleContext,
    spec: WorkspaceSpec,
    where: Source,
    message: str,
    subject: str,
    account: str | None = None,
) -> Finding:
    """A finding about `spec` at `where`, at the level the policy gives `rule`."""
    return Finding(
        rule=rule,
        level=context.policy.level(rule),
        message=f"{label(spec)}: {message}",
        workspace=spec.address,
        file=where.file,
        line=where.line,
        column=where.column,
        subject=subject,
        account=account,
    )


def accounts(spec: WorkspaceSpec) -> Iterator[tuple[str, str, Source]]:
    """Every account the spec names: (field, email or AD group, where it is written)."""
    # "/manager/email" falls back to "/manager" where the manager is written as a plain email.
    yield "manager", spec.manager.email, spec.where("/manager/email")
    if spec.deputy is not ABSENT and spec.deputy is not None:
        yield "deputy", spec.deputy.email, spec.where("/deputy/email")
    for group, members in spec.team.items():
        for index, member in enumerate(members):
            yield f"team.{group}", member, spec.where(f"/team/{group}/{index}")


def deputy_required(context: RuleContext) -> Iterator[Finding]:
    for spec in context.specs:
        if spec.closed:
            continue
        if spec.deputy is None:
            message = "active workspace has no deputy (deputy: null)"
            where = spec.where("/deputy")
            yield finding("deputy-required", context, spec, where, message, "deputy")
        elif spec.deputy is ABSENT:
            message = "active workspace names no deputy"
            where = spec.where("/manager")
            yield finding("deputy-required", context, spec, where, message, "deputy")


def deputy_differs(context: RuleContext) -> Iterator[Finding]:
    for spec in context.specs:
        deputy = spec.deputy
        if deputy is ABSENT or deputy is None or not same_account(deputy.email, spec.manager.email):
            continue
        message = f"the deputy {deputy.email} is the manager"
        where = spec.where("/deputy/email")
        yield finding("deputy-differs", context, spec, where, message, "deputy", deputy.email)


def account_domain(context: RuleContext) -> Iterator[Finding]:
    for spec in context.specs:
        tenant = context.policy.tenant(spec.tenant)
        if tenant.allowed_domains is None:
            continue
        allowed = (*tenant.allowed_domains, *tenant.guest_domains)
        for field, member, where in accounts(spec):
            if is_ad_group(member) or in_domains(member, allowed):
                continue
            message = (
                f"{field}: {member} is not from an allowed domain of tenant {spec.tenant} "
                f"({', '.join(tenant.allowed_domains) or 'none'})"
            )
            subject = f"{field}:{account_key(member)}"
            yield finding("account-domain", context, spec, where, message, subject, member)


def guest_account(context: RuleContext) -> Iterator[Finding]:
    for spec in context.specs:
        guests = context.policy.tenant(spec.tenant).guest_domains
        for field, member, where in accounts(spec):
            if is_ad_group(member):
                continue
            if is_external_guest(member) or in_domains(member, guests):
                message = f"{field}: {member} is a guest account"
                subject = f"{field}:{account_key(member)}"
                yield finding("guest-account", context, spec, where, message, subject, member)


def ad_group_not_allowed(context: RuleContext) -> Iterator[Finding]:
    for spec in context.specs:
        teams = provisioning_of(spec, context.policy) == "Teams"
        if not teams and type_policy(spec, context.policy).ad_groups:
            continue
        why = (
            "Teams workspaces take email accounts only"
            if teams
            else f"the policy allows no AD groups in workspace type '{spec.workspace_type}'"
        )
        for field, member, where in accounts(spec):
            if is_ad_group(member):
                message = f"{field} lists the AD group {member}, but {why}"
                subject = f"{field}:{account_key(member)}"
                rule = "ad-group-not-allowed"
                yield finding(rule, context, spec, where, message, subject, member)


def visitors_personal_account(context: RuleContext) -> Iterator[Finding]:
    for spec in context.specs:
        if not type_policy(spec, context.policy).restricted_visitors:
            continue
        for index, member in enumerate(spec.team.get("Visitors", ())):
            if is_ad_group(member):
                continue
            message = (
                f"team.Visitors lists the personal account {member}; workspace type "
                f"'{spec.workspace_type}' gives read access through AD groups only"
            )
            where = spec.where(f"/team/Visitors/{index}")
            subject = f"team.Visitors:{account_key(member)}"
            rule = "visitors-personal-account"
            yield finding(rule, context, spec, where, message, subject, member)


def group_size(context: RuleContext) -> Iterator[Finding]:
    limit = context.policy.limit("group-size")
    for spec in context.specs:
        provisioning = provisioning_of(spec, context.policy)
        for group, listed in spec.team.items():
            members = {account_key(m) for m in listed}
            implied = {account_key(m) for m, _ in _implied(spec, group, provisioning)} - members
            count = len(members) + len(implied)
            if count <= limit:
                continue
            message = f"team.{group} has {count} members, more than {limit}"
            message += f" ({len(implied)} of them implied)" if implied else ""
            where = spec.where(f"/team/{group}")
            yield finding("group-size", context, spec, where, message, f"team.{group}")


def _implied(spec: WorkspaceSpec, group: str, provisioning: str | None) -> list[tuple[str, str]]:
    if provisioning is None:
        return [(spec.manager.email, "implied by the manager")] if group == MEMBERS else []
    owners = list(spec.team.get(OWNER_GROUP[provisioning], ()))
    return implied_members(group, provisioning, spec.manager.email, owners)


def owner_spread(context: RuleContext) -> Iterator[Finding]:
    limit = context.policy.limit("owner-spread")
    seats: dict[tuple[str, str], list[tuple[WorkspaceSpec, str, Source]]] = {}
    for spec in context.specs:
        for member, where in _owners(spec, provisioning_of(spec, context.policy)):
            key = (tenant_key(spec.tenant), account_key(member))
            held = seats.setdefault(key, [])
            if all(other is not spec for other, _, _ in held):
                held.append((spec, member, where))
    for held in seats.values():
        if len(held) <= limit:
            continue
        spec, _, where = held[limit]
        member = held[0][1]  # as first written
        shown = ", ".join(other.address for other, _, _ in held[:10])
        more = f" and {len(held) - 10} more" if len(held) > 10 else ""
        message = (
            f"{member} is in the owner groups of {len(held)} workspaces of tenant "
            f"{spec.tenant}, more than {limit}: {shown}{more}"
        )
        subject = f"owner:{account_key(member)}"
        yield finding("owner-spread", context, spec, where, message, subject, member)


def _owners(spec: WorkspaceSpec, provisioning: str | None) -> Iterator[tuple[str, Source]]:
    """Who holds the owner group: its listed members, and the manager (always in it)."""
    owner = OWNER_GROUP.get(provisioning or "")
    for index, member in enumerate(spec.team.get(owner, ()) if owner else ()):
        yield member, spec.where(f"/team/{owner}/{index}")
    yield spec.manager.email, spec.where("/manager")


def closed_with_members(context: RuleContext) -> Iterator[Finding]:
    for spec in context.specs:
        if not spec.closed:
            continue
        counts = {group: len(members) for group, members in spec.team.items() if members}
        people = {account_key(m) for members in spec.team.values() for m in members}
        if not people:
            continue
        detail = ", ".join(f"{group} {count}" for group, count in counts.items())
        plural = "s" if len(people) != 1 else ""
        message = f"closed, but its team still lists {len(people)} member{plural} ({detail})"
        where = spec.where("/lifeCycle")
        yield finding("closed-with-members", context, spec, where, message, "team")


def names(context: RuleContext) -> Iterator[Finding]:
    """duplicate-name and similar-name: each later workspace against the earlier of its tenant."""
    seen: dict[str, list[WorkspaceSpec]] = {}
    index: dict[tuple[str, str], list[WorkspaceSpec]] = {}
    for spec in context.specs:
        tenant = tenant_key(spec.tenant)
        exact = [o for o in seen.get(tenant, []) if name_key(o.name) == name_key(spec.name)]
        skeleton = name_skeleton(spec.name)
        near = [
            o
            for key in _neighbourhood(skeleton)
            for o in index.get((tenant, key), [])
            if o not in exact and _one_letter_apart(name_skeleton(o.name), skeleton)
        ]
        for other in exact:
            message = f'the name "{spec.name}" is also the name of {other.address} ({other.source})'
            where = spec.where("/name")
            yield finding("duplicate-name", context, spec, where, message, f"name:{other.address}")
        for other in _distinct(near):
            message = (
                f'the name "{spec.name}" is close to "{other.name}" of {other.address} '
                f"({other.source})"
            )
            where = spec.where("/name")
            yield finding("similar-name", context, spec, where, message, f"name:{other.address}")
        seen.setdefault(tenant, []).append(spec)
        for key in _neighbourhood(skeleton):
            index.setdefault((tenant, key), []).append(spec)


def _neighbourhood(skeleton: str) -> set[str]:
    """The skeleton and each one-letter deletion: two names one edit apart share one of these."""
    if len(skeleton) < SIMILAR_NAME_MIN_LENGTH:
        return set()
    return {skeleton} | {skeleton[:i] + skeleton[i + 1 :] for i in range(len(skeleton))}


def _one_letter_apart(a: str, b: str) -> bool:
    """Same skeleton, or one letter changed, added or dropped; a digit is never a typo."""
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 and not (a[diffs[0]].isdigit() or b[diffs[0]].isdigit())
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = sorted((a, b), key=len)
    at = next((i for i in range(len(short)) if short[i] != long[i]), len(short))
    return long[:at] + long[at + 1 :] == short and not long[at].isdigit()


def _distinct(specs: list[WorkspaceSpec]) -> list[WorkspaceSpec]:
    kept: list[WorkspaceSpec] = []
    for spec in specs:
        if all(spec is not other for other in kept):
            kept.append(spec)
    return kept


def acknowledgements(context: RuleContext) -> Iterator[Finding]:
    """acknowledgement-expired, -owner and -invalid, over `.reconciler-ignore.yaml`."""
    scan, policy = context.acknowledgements, context.policy
    for entry in scan.entries:
        if not entry.expired(context.today):
            continue
        what = f"{entry.path}" + (f" {entry.member}" if entry.member else "")
        message = (
            f"acknowledgement of {entry.workspace} {what} (owner {entry.owner}) expired on "
            f"{entry.expires.isoformat()}: drift reports the difference again"
        )
        yield Finding(
            "acknowledgement-expired",
            policy.level("acknowledgement-expired"),
            message,
            entry.workspace,
            entry.file,
            entry.line,
            entry.column,
            f"ack:{entry.path}:{entry.member or ''}",
        )
    for gap in scan.owner_gaps:
        what = f"{gap.path}" + (f" {gap.member}" if gap.member else "")
        message = (
            f"acknowledgement of {gap.workspace or '?'} {what} names no owner: nobody answers "
            "for it, and drift refuses the file"
        )
        yield Finding(
            "acknowledgement-owner",
            policy.level("acknowledgement-owner"),
            message,
            gap.workspace or None,
            gap.file,
            gap.line,
            gap.column,
            f"ack:{gap.path}:{gap.member or ''}",
        )
    for problem in scan.problems:
        message = f"{problem.message} (drift refuses {problem.file} until it is fixed)"
        yield Finding(
            "acknowledgement-invalid",
            policy.level("acknowledgement-invalid"),
            message,
            None,
            problem.file,
            problem.line,
            problem.column,
            f"invalid:{problem.summary}",
        )


RULE_FUNCTIONS = {
    "deputy-required": deputy_required,
    "deputy-differs": deputy_differs,
    "account-domain": account_domain,
    "guest-account": guest_account,
    "ad-group-not-allowed": ad_group_not_allowed,
    "visitors-personal-account": visitors_personal_account,
    "group-size": group_size,
    "owner-spread": owner_spread,
    "closed-with-members": closed_with_members,
}
"""The rules that run alone; `names` and `acknowledgements` each yield several rules."""
