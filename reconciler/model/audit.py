"""`reconciler audit`: the rules, their findings and the access report, as plain data.

Pure, frozen, JSON-serializable; no I/O. The engine (engine/audit.py,
engine/access.py) fills these in, the renderers (render/audit.py,
render/access.py) only read them. The rule catalog is here, so the policy
loader, the engine, the renderers and README speak of the same rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

AUDIT_FORMAT_VERSION = "1"
"""`audit --format json`; bumped whenever a consumer's parser must know."""

ACCESS_FORMAT_VERSION = "1"
"""`audit --access --format json`."""


class Level(str, Enum):
    """How much a finding matters; `off` switches a rule off (or waives one finding)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    OFF = "off"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def reaches(self, threshold: Level) -> bool:
        """True when a finding at this level fails a run with `--fail-on threshold`."""
        return self is not Level.OFF and self.rank >= threshold.rank


_RANKS = {Level.ERROR: 3, Level.WARNING: 2, Level.NOTE: 1, Level.OFF: 0}


@dataclass(frozen=True)
class Rule:
    """One audit rule: a stable id (SARIF ruleId), its default level, and what it checks."""

    id: str
    level: Level
    title: str
    """A short description (SARIF shortDescription)."""
    description: str
    """A full sentence: what the rule checks, and how to fix a finding."""
    default_max: int | None = None
    """For the rules with a limit (`max:` in the policy)."""


RULES: tuple[Rule, ...] = (
    Rule(
        "deputy-required",
        Level.ERROR,
        "Every active workspace has a deputy",
        "An active workspace names a deputy, so someone can act when the manager is away. "
        "Write `deputy:` (an email or {email, name}); `deputy: null` or no deputy is a finding.",
    ),
    Rule(
        "deputy-differs",
        Level.ERROR,
        "Manager and deputy differ",
        "The deputy stands in for the manager, so they must be two people. "
        "Name another account as deputy.",
    ),
    Rule(
        "account-domain",
        Level.ERROR,
        "Accounts only from the tenant's allowed domains",
        "Every email (manager, deputy, team members) is from one of the tenant's "
        "`allowedDomains` (or `guestDomains`) in the policy. Tenants without `allowedDomains` "
        "are not checked.",
    ),
    Rule(
        "guest-account",
        Level.WARNING,
        "Guest accounts are flagged",
        "A guest (an Entra ID B2B address with #EXT#, or an email from one of the tenant's "
        "`guestDomains`) is listed. Check that the guest still needs access.",
    ),
    Rule(
        "ad-group-not-allowed",
        Level.ERROR,
        "No AD groups where the provisioning type cannot take them",
        "Teams workspaces take email accounts only (the service fails an AD group), and a "
        "workspace type the policy marks `adGroups: false` takes none either.",
    ),
    Rule(
        "visitors-personal-account",
        Level.ERROR,
        "No personal accounts in Visitors of restricted types",
        "Workspace types the policy marks `restrictedVisitors: true` give read access through "
        "AD groups only: list a group in Visitors instead of a person.",
    ),
    Rule(
        "group-size",
        Level.WARNING,
        "Team groups stay small",
        "A team group holds more members than the policy's `max` (implied members counted). "
        "Use an AD group for large audiences.",
        default_max=50,
    ),
    Rule(
        "owner-spread",
        Level.WARNING,
        "An account owns only a few workspaces",
        "An account (or AD group) sits in the owner groups (Managers, or Owners on Teams; the "
        "manager included) of more workspaces of one tenant than the policy's `max`.",
        default_max=10,
    ),
    Rule(
        "closed-with-members",
        Level.WARNING,
        "Closed workspaces list no members",
        "A workspace written `lifeCycle: closed` still lists team members, who keep their "
        "access. Empty its groups (`[]`) or reopen it.",
    ),
    Rule(
        "duplicate-name",
        Level.ERROR,
        "Workspace names are unique within a tenant",
        "Two workspaces of one tenant have the same name (compared without case and blanks): "
        "people cannot tell them apart.",
    ),
    Rule(
        "similar-name",
        Level.WARNING,
        "Workspace names are not near-duplicates",
        "Two workspaces of one tenant have names that differ only in punctuation, spacing or "
        "one letter (digits always count): probably a typo or a second copy.",
    ),
    Rule(
        "acknowledgement-expired",
        Level.WARNING,
        "Acknowledged drift has not expired",
        "An entry of `.reconciler-ignore.yaml` is past its `expires` day: drift reports the "
        "difference again. Fix the workspace, or renew the entry with a reason.",
    ),
    Rule(
        "acknowledgement-owner",
        Level.ERROR,
        "Acknowledged drift has an owner",
        "An entry of `.reconciler-ignore.yaml` names no `owner` (or a blank one): nobody "
        "answers for it, and drift refuses the file.",
    ),
    Rule(
        "acknowledgement-invalid",
        Level.ERROR,
        "The acknowledgements file is valid",
        "`.reconciler-ignore.yaml` has a problem that makes `reconciler drift` refuse it.",
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


@dataclass(frozen=True)
class Override:
    """Why a finding's level is not its rule's default: the policy, or an exception."""

    level: Level
    """The level the policy or exception set (`off`: the finding is waived)."""
    reason: str | None
    by: str
    """`policy` (the rule's setting) or `exception` (a per-workspace or per-account one)."""
    file: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "reason": self.reason,
            "by": self.by,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True)
class Finding:
    """One rule broken at one place: what, where, and whether the policy changed its level."""

    rule: str
    level: Level
    """The level in force; `off` when an exception waived it (it is still shown)."""
    message: str
    """A sentence that names the workspace."""
    workspace: str | None
    """The workspace's address (contoso/pr.01, contoso/key=finance), or as an entry names it."""
    file: str | None
    line: int | None
    column: int | None = None
    subject: str = ""
    """What in the workspace it is about, stable across edits (deputy, team.Visitors:ana@x)."""
    account: str | None = None
    override: Override | None = None

    @property
    def waived(self) -> bool:
        return self.level is Level.OFF

    @property
    def location(self) -> str:
        """ "file:line:column" (column 1 when unknown), "file", or "" for none."""
        if self.file is None:
            return ""
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    @property
    def fingerprint(self) -> str:
        """A hash of what the finding is about, not where: alerts survive edits above it."""
        identity = "\x1f".join((self.rule, self.workspace or "", self.subject))
        return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.rule, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level.value,
            "message": self.message,
            "workspace": self.workspace,
            "account": self.account,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "waived": self.waived,
            "override": self.override.to_dict() if self.override else None,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class RuleSetting:
    """A rule as this run applied it: its level, and why when the policy changed it."""

    rule: str
    level: Level
    reason: str | None = None
    max: int | None = None

    @property
    def default(self) -> Rule:
        return RULES_BY_ID[self.rule]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.rule,
            "level": self.level.value,
            "default_level": self.default.level.value,
            "reason": self.reason,
            "max": self.max,
        }


@dataclass(frozen=True)
class AuditReport:
    """Every finding of one audit run, the rules as applied, and what could not be checked."""

    findings: tuple[Finding, ...]
    rules: tuple[RuleSetting, ...]
    fail_on: Level
    workspaces: int
    policy_file: str | None
    """The policy file read, or None for the built-in default."""
    notes: tuple[str, ...] = ()
    """What the run could not check, or policy entries that matched nothing."""

    @property
    def failed(self) -> bool:
        """True when a finding reaches `--fail-on`: the run exits 1."""
        return any(f.level.reaches(self.fail_on) for f in self.findings)

    def counts(self) -> dict[str, int]:
        counts = {level.value: 0 for level in (Level.ERROR, Level.WARNING, Level.NOTE)}
        counts["waived"] = 0
        for finding in self.findings:
            counts["waived" if finding.waived else finding.level.value] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": AUDIT_FORMAT_VERSION,
            "outcome": "fail" if self.failed else "pass",
            "fail_on": self.fail_on.value,
            "policy": self.policy_file,
            "workspaces": self.workspaces,
            "counts": self.counts(),
            "rules": [setting.to_dict() for setting in self.rules],
            "findings": [finding.to_dict() for finding in self.findings],
            "notes": list(self.notes),
        }


# --- who can reach what ---------------------------------------------------------------

ROLE_GROUPS = ("manager", "deputy")
"""`group` values of the rows that stand for a role, not a team group."""


@dataclass(frozen=True)
class AccessRow:
    """One account (or AD group) in one group (or role) of one workspace."""

    tenant: str
    principal: str
    """The email or AD group, spelled as first written (one spelling per account and tenant)."""
    kind: str
    """`account` (an email) or `ad-group`."""
    workspace: str
    """The workspace's address."""
    name: str
    """The workspace's name."""
    life_cycle: str
    group: str
    """A team group (Managers, Members, Visitors, Owners, ...), or `manager` / `deputy`."""
    implied: bool
    """True when the service puts it there by itself (manager, owner group), not the spec."""
    via: str
    """`listed`, `implied by the manager`, `implied by Managers`, `role`, or `live`."""
    file: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "account": self.principal,
            "kind": self.kind,
            "workspace": self.workspace,
            "name": self.name,
            "lifecycle": self.life_cycle,
            "group": self.group,
            "implied": self.implied,
            "via": self.via,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True)
class WorkspaceAccess:
    """One workspace of the report: who manages it, and what could not be known."""

    tenant: str
    address: str
    name: str
    life_cycle: str
    provisioning: str | None
    """SharePoint or Teams; None when neither the specs, the policy nor the service says."""
    manager: str | None
    deputy: str | None
    file: str | None = None
    line: int | None = None
    unmanaged_groups: tuple[str, ...] = ()
    """Groups the spec does not list: only their implied members are known offline."""
    error: str | None = None
    """Live: why the workspace could not be read."""


@dataclass(frozen=True)
class AccessReport:
    """Who can reach what: one row per (account, workspace, group), and the workspaces."""

    source: str
    """`specs` (what is written) or `live` (what the service holds)."""
    rows: tuple[AccessRow, ...]
    workspaces: tuple[WorkspaceAccess, ...]
    api_url: str | None = None
    notes: tuple[str, ...] = field(default=())

    def accounts(self) -> list[tuple[str, str, str, list[AccessRow]]]:
        """(tenant, principal, kind, rows) per account or AD group, in the rows' order."""
        grouped: dict[tuple[str, str], list[AccessRow]] = {}
        for row in self.rows:
            grouped.setdefault((row.tenant, row.principal), []).append(row)
        return [(t, p, rows[0].kind, rows) for (t, p), rows in grouped.items()]

    def people(self, address: str) -> list[AccessRow]:
        """The rows of one workspace, in the rows' order."""
        return [row for row in self.rows if row.workspace == address]
