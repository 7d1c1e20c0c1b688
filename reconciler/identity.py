"""The one table of identities: when two spellings name the same thing.

Every case or canonical-form decision for accounts (emails, AD groups),
WorkspaceIds, keys, tenants and catalog ids (organization units, types) is
made here and nowhere else; `tests/test_identity.py` refuses an inline
`.lower()` / `.casefold()` on an identity anywhere else in the package.

One rule for all of them: surrounding blanks dropped, then `str.lower()`.
`lower()`, not `casefold()`: the service is a .NET application, whose
case-insensitive comparisons (`ToLowerInvariant`, `OrdinalIgnoreCase`) do not
fold "ß" into "ss" the way `casefold()` does; two keys that differ only there
are two workspaces to the service, so they are two to us as well. One known
difference remains: Python lowers a final capital sigma to the final form (U+03C2), .NET to U+03C3;
identities are compared only with each other, never with the service's
folding, so it matters only for two spellings that differ in that letter.
Pure functions, no I/O.
"""

from __future__ import annotations


def fold(text: str) -> str:
    """The canonical form every identity below shares: stripped and lower-cased."""
    return text.strip().lower()


def account_key(account: str) -> str:
    """Emails and AD group names compare without case (the service keeps the directory's)."""
    return fold(account)


def email_key(email: str | None) -> str | None:
    """An optional email (manager, deputy) in its compared form; None and "" stay None."""
    return fold(email) if email and email.strip() else None


def workspace_id_key(workspace_id: str) -> str:
    """WorkspaceIds are URLs the service matches without case."""
    return fold(workspace_id)


def key_key(key: str) -> str:
    """A spec's `key:` handle, as the state stores it."""
    return fold(key)


def tenant_key(tenant: str) -> str:
    """Tenant names, as duplicate checks compare them."""
    return fold(tenant)


def catalog_id_key(identifier: str) -> str:
    """The GUID of an organization unit or workspace type, written in any case."""
    return fold(identifier)


def same_account(a: str | None, b: str | None) -> bool:
    """Two emails (or AD groups) that name the same account; two Nones are the same."""
    return email_key(a) == email_key(b)


def same_workspace_id(a: str, b: str) -> bool:
    return workspace_id_key(a) == workspace_id_key(b)


def same_catalog_id(a: str, b: str) -> bool:
    return catalog_id_key(a) == catalog_id_key(b)


def has_prefix(workspace_id: str, prefix: str) -> bool:
    """A WorkspaceId starts with a type's prefix, compared as the service compares ids."""
    return workspace_id_key(workspace_id).startswith(workspace_id_key(prefix))


def is_ad_group(member: str) -> bool:
    """Accounts are emails; anything else names an AD group."""
    return "@" not in member


def name_key(name: str) -> str:
    """Workspace names as people tell them apart: without case, runs of blanks as one."""
    return " ".join(fold(name).split())


def name_skeleton(name: str) -> str:
    """A name's letters and digits only, without case: near-duplicate names share it."""
    return "".join(ch for ch in fold(name) if ch.isalnum())


def email_domain(email: str) -> str:
    """The domain of an email without case (after the last '@'); "" for an AD group."""
    return account_key(email).rpartition("@")[2] if "@" in email else ""


def in_domains(email: str, domains: tuple[str, ...]) -> bool:
    """The email's domain is one of `domains`; "*.contoso.com" stands for its subdomains."""
    domain = email_domain(email)
    for written in map(fold, domains):
        if written.startswith("*.") and domain.endswith(written[1:]):
            return True
        if domain == written:
            return True
    return False


def is_external_guest(email: str) -> bool:
    """An Entra ID B2B guest's address: its local part carries #EXT# (any case)."""
    return "#ext#" in account_key(email)
