"""The audit policy: read and check `.reconciler-policy.yaml`, or take the built-in default.

The file says what `reconciler audit` checks: per tenant the allowed (and
guest) email domains, per workspace type what the audit must know offline
(SharePoint or Teams, Visitors restricted to AD groups, AD groups refused),
per rule a severity (`off` switches it off), a reason and a limit, and
exceptions per workspace or account, each with a reason. It is read like a
spec file (regular files only, size-capped, YAML 1.2 through `yamlfile`) and
checked against schemas/reconciler-policy.schema.json with the spec
validator's wording, so every problem names its file and line.

Without a file, DEFAULT_POLICY applies: every rule at its default severity and
limit (model/audit.py RULES), no domain list (so `account-domain` checks
nothing), types inferred from the groups a spec lists.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from jsonschema import Draft7Validator

from reconciler.errors import ReconcilerError
from reconciler.identity import tenant_key
from reconciler.model.audit import RULES_BY_ID, Level
from reconciler.model.diagnostics import Diagnostic, sorted_diagnostics
from reconciler.spec.schema import SCHEMA_PATH, schema_diagnostics
from reconciler.spec.yamlfile import JSON, Document, parse_documents, read_spec_text

POLICY_FILE_NAME = ".reconciler-policy.yaml"
"""A hidden name: the spec loader skips hidden files, so it is never read as a workspace."""

POLICY_SCHEMA_NAME = "reconciler-policy.schema.json"

ANY_TENANT = "*"
"""The `tenants:` entry for every tenant the policy does not name."""

_SHAPE = "the policy must be a mapping of tenants:, workspaceTypes:, rules: and exceptions:"


@dataclass(frozen=True)
class TenantPolicy:
    """What one tenant allows: the domains of its accounts and of its guests."""

    allowed_domains: tuple[str, ...] | None = None
    """None: `account-domain` does not check the tenant."""
    guest_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class TypePolicy:
    """What the audit knows offline about one workspace type."""

    provisioning: str | None = None
    """SharePoint or Teams; None: inferred from the groups a spec lists."""
    restricted_visitors: bool = False
    ad_groups: bool = True


@dataclass(frozen=True)
class RulePolicy:
    """A rule's setting in the policy file; None where the file leaves the default."""

    severity: Level | None = None
    reason: str | None = None
    max: int | None = None


@dataclass(frozen=True)
class PolicyException:
    """Findings of `rule` on `workspace` (and/or about `account`) at `severity`, and why."""

    rule: str
    reason: str
    severity: Level = Level.OFF
    workspace: str | None = None
    account: str | None = None
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Policy:
    """The whole policy; DEFAULT_POLICY when there is no file."""

    tenants: Mapping[str, TenantPolicy] = field(default_factory=lambda: MappingProxyType({}))
    workspace_types: Mapping[str, TypePolicy] = field(default_factory=lambda: MappingProxyType({}))
    rules: Mapping[str, RulePolicy] = field(default_factory=lambda: MappingProxyType({}))
    exceptions: tuple[PolicyException, ...] = ()
    file: str | None = None
    """The file it was read from; None for the built-in default."""

    def tenant(self, name: str) -> TenantPolicy:
        """The entry of tenant `name` (without case), else `*`'s, else an empty one."""
        for written, entry in self.tenants.items():
            if written != ANY_TENANT and tenant_key(written) == tenant_key(name):
                return entry
        return self.tenants.get(ANY_TENANT, TenantPolicy())

    def level(self, rule: str) -> Level:
        """The rule's level in force: the file's, else the rule's default."""
        return self.rules.get(rule, RulePolicy()).severity or RULES_BY_ID[rule].level

    def limit(self, rule: str) -> int:
        """The `max` of a rule with a limit: the file's, else the default."""
        written = self.rules.get(rule, RulePolicy()).max
        return written or RULES_BY_ID[rule].default_max or 0


DEFAULT_POLICY = Policy()
"""No file: every rule at its default level and limit, no domain lists, types inferred."""


def find_policy_file(paths: Sequence[Path]) -> Path | None:
    """The `.reconciler-policy.yaml` beside the specs: in each folder given, or a file's folder.

    Several different ones are an error (which one would rule?): pass --policy.
    """
    found: dict[str, Path] = {}
    for given in paths:
        candidate = (given if given.is_dir() else given.parent) / POLICY_FILE_NAME
        # lexists: a link to nothing or a FIFO by that name is reported, not skipped.
        if os.path.lexists(candidate):
            found.setdefault(os.path.realpath(candidate), candidate)
    if len(found) > 1:
        names = ", ".join(str(p) for p in found.values())
        raise ReconcilerError(f"several policy files ({names}): choose one with --policy FILE")
    return next(iter(found.values()), None)


def load_policy(path: Path) -> tuple[Policy, list[Diagnostic]]:
    """Read and check the policy file: (policy, []) or (DEFAULT_POLICY, every problem)."""
    display = str(path)
    text, problem = read_spec_text(path, display)
    if text is None:
        return DEFAULT_POLICY, [problem] if problem else []
    documents, problems = parse_documents(text, display)
    for extra in documents[1:]:
        problems.append(Diagnostic.at(extra.start, "more than one YAML document: merge them"))
    if problems:
        return DEFAULT_POLICY, sorted_diagnostics(problems)
    if not documents:  # an empty file: the default, said by nothing
        return Policy(file=display), []
    return _policy(documents[0], display)


@cache
def policy_validator() -> Draft7Validator:
    """The validator of schemas/reconciler-policy.schema.json, less its `anyOf`.

    An exception needs `workspace` or `account`; editors learn it from the
    schema's anyOf, whose jsonschema message ("... is not valid under any of
    the given schemas") helps nobody, so that one rule is checked and worded here.
    """
    path = SCHEMA_PATH.with_name(POLICY_SCHEMA_NAME)
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReconcilerError(f"cannot load the policy schema {path}: {exc}") from exc
    del schema["definitions"]["exception"]["anyOf"]
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def _policy(document: Document, file: str) -> tuple[Policy, list[Diagnostic]]:
    data = document.data
    if data is None:
        return Policy(file=file), []
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else f"the value {data!r}"
        return DEFAULT_POLICY, [Diagnostic.at(document.start, f"{_SHAPE}, not {found}")]
    problems = schema_diagnostics(document, policy_validator())
    problems += _exceptions_name_something(data, document)
    if problems:
        return DEFAULT_POLICY, sorted_diagnostics(problems)
    policy = Policy(
        tenants=MappingProxyType(_tenants(data)),
        workspace_types=MappingProxyType(_types(data)),
        rules=MappingProxyType(_rules(data)),
        exceptions=tuple(_exceptions(data, document)),
        file=file,
    )
    return policy, []


def _section(data: Mapping[str, JSON], key: str) -> dict[str, Any]:
    return cast("dict[str, Any]", data.get(key) or {})


def _tenants(data: Mapping[str, JSON]) -> dict[str, TenantPolicy]:
    tenants = {}
    for name, entry in _section(data, "tenants").items():
        allowed = entry.get("allowedDomains")
        tenants[name] = TenantPolicy(
            allowed_domains=tuple(allowed) if allowed is not None else None,
            guest_domains=tuple(entry.get("guestDomains") or ()),
        )
    return tenants


def _types(data: Mapping[str, JSON]) -> dict[str, TypePolicy]:
    return {
        name: TypePolicy(
            provisioning=entry.get("provisioning"),
            restricted_visitors=bool(entry.get("restrictedVisitors", False)),
            ad_groups=bool(entry.get("adGroups", True)),
        )
        for name, entry in _section(data, "workspaceTypes").items()
    }


def _rules(data: Mapping[str, JSON]) -> dict[str, RulePolicy]:
    rules = {}
    for rule, entry in _section(data, "rules").items():
        severity = (entry or {}).get("severity")
        rules[rule] = RulePolicy(
            severity=Level(severity) if severity else None,
            reason=_stripped((entry or {}).get("reason")),
            max=(entry or {}).get("max"),
        )
    return rules


def _exceptions(data: Mapping[str, JSON], document: Document) -> list[PolicyException]:
    found = []
    for index, entry in enumerate(cast("list[dict[str, Any]]", data.get("exceptions") or [])):
        found.append(
            PolicyException(
                rule=entry["rule"],
                reason=cast(str, _stripped(entry["reason"])),
                severity=Level(entry.get("severity", "off")),
                workspace=_stripped(entry.get("workspace")),
                account=_stripped(entry.get("account")),
                file=document.start.file,
                line=document.where(f"/exceptions/{index}").line,
            )
        )
    return found


def _exceptions_name_something(data: Mapping[str, JSON], document: Document) -> list[Diagnostic]:
    problems = []
    for index, entry in enumerate(cast("list[JSON]", data.get("exceptions") or [])):
        if isinstance(entry, dict) and "workspace" not in entry and "account" not in entry:
            message = (
                f"exceptions[{index}]: name the 'workspace' (or the 'account') the exception "
                "is for; a rule is switched off for all under 'rules:'"
            )
            problems.append(Diagnostic.at(document.key_where(f"/exceptions/{index}"), message))
    return problems


def _stripped(value: object) -> str | None:
    """Text the schema checked, without the blanks that carry no meaning (block scalars)."""
    return value.strip() if isinstance(value, str) else None


__all__ = [
    "ANY_TENANT",
    "DEFAULT_POLICY",
    "POLICY_FILE_NAME",
    "Policy",
    "PolicyException",
    "RulePolicy",
    "TenantPolicy",
    "TypePolicy",
    "find_policy_file",
    "load_policy",
    "policy_validator",
]
