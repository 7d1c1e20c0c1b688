"""reconciler/identity.py on plain values, and the rule that case is folded nowhere else.

The second half reads the package's source with `ast`: a `.lower()` or
`.casefold()` (a call, or a reference such as `key=str.lower`) outside
identity.py and the emulator fails the test unless ALLOWED names its module
and function with the non-identity reason it is there.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import reconciler
from reconciler import identity

PACKAGE = Path(reconciler.__file__).parent
FOLDS = ("lower", "casefold")

# --- the canonical form -------------------------------------------------------------

KEYS: list[Callable[[str], str]] = [
    identity.fold,
    identity.account_key,
    identity.workspace_id_key,
    identity.key_key,
    identity.tenant_key,
    identity.catalog_id_key,
]

FOLDED = [
    pytest.param("Ana@XYZ.com", "ana@xyz.com", id="mixed-case"),
    pytest.param("  Ana@XYZ.com\t\n", "ana@xyz.com", id="blanks-stripped"),
    pytest.param("PR.01", "pr.01", id="workspace-id"),
    pytest.param(
        "6FF11D16-2F92-47EF-9EEA-06442125C38E", "6ff11d16-2f92-47ef-9eea-06442125c38e", id="guid"
    ),
    pytest.param("Finance Team", "finance team", id="inner-blank-kept"),
    pytest.param("Straße", "straße", id="eszett-not-folded-to-ss"),
    pytest.param("STRASSE", "strasse", id="ss-stays-ss"),
    pytest.param("ﬁnance", "ﬁnance", id="ligature-not-expanded"),
    pytest.param("οδος", "οδος", id="greek-final-sigma-kept"),
    pytest.param("ÄÖÜ", "äöü", id="umlauts-lowered"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize("key", KEYS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("written", "folded"), FOLDED)
def test_every_identity_key_strips_then_lowers(
    key: Callable[[str], str], written: str, folded: str
) -> None:
    assert key(written) == folded


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        pytest.param(None, None, id="none"),
        pytest.param("", None, id="empty-is-none"),
        pytest.param("   \t", None, id="blank-is-none"),
        pytest.param(" Marko@XYZ.com ", "marko@xyz.com", id="folded"),
        pytest.param("weiß@xyz.com", "weiß@xyz.com", id="eszett-kept"),
    ],
)
def test_email_key(email: str | None, expected: str | None) -> None:
    assert identity.email_key(email) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        pytest.param("ana@xyz.com", "ANA@xyz.COM", True, id="case"),
        pytest.param(" ana@xyz.com", "ana@xyz.com\n", True, id="blanks"),
        pytest.param(None, None, True, id="none-none"),
        pytest.param(None, "", True, id="none-empty"),
        pytest.param("", "  ", True, id="empty-blank"),
        pytest.param("ana@xyz.com", None, False, id="email-none"),
        pytest.param(None, "ana@xyz.com", False, id="none-email"),
        pytest.param("ana@xyz.com", "anna@xyz.com", False, id="different"),
        pytest.param("weiß@xyz.com", "weiss@xyz.com", False, id="eszett-vs-ss"),
        pytest.param("Finance Team", "finance team", True, id="ad-group-case"),
    ],
)
def test_same_account(a: str | None, b: str | None, same: bool) -> None:
    assert identity.same_account(a, b) is same
    assert identity.same_account(b, a) is same


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        pytest.param("pr.01", "PR.01", True, id="case"),
        pytest.param("pr.01 ", " pr.01", True, id="blanks"),
        pytest.param("pr.01", "pr.1", False, id="different"),
        pytest.param("dep.straße", "dep.strasse", False, id="eszett-vs-ss"),
    ],
)
def test_same_workspace_id(a: str, b: str, same: bool) -> None:
    assert identity.same_workspace_id(a, b) is same
    assert identity.same_workspace_id(b, a) is same


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        pytest.param(
            "6FF11D16-2F92-47EF-9EEA-06442125C38E",
            "6ff11d16-2f92-47ef-9eea-06442125c38e",
            True,
            id="guid-case",
        ),
        pytest.param("  6ff11d16 ", "6FF11D16", True, id="blanks"),
        pytest.param(
            "6FF11D16-2F92-47EF-9EEA-06442125C38E",
            "24760C3C-0E37-457B-B51B-8D1B235382F1",
            False,
            id="different",
        ),
    ],
)
def test_same_catalog_id(a: str, b: str, same: bool) -> None:
    assert identity.same_catalog_id(a, b) is same
    assert identity.same_catalog_id(b, a) is same


@pytest.mark.parametrize(
    ("workspace_id", "prefix", "expected"),
    [
        pytest.param("tr.onboarding", "tr.", True, id="plain"),
        pytest.param("TR.Onboarding", "tr.", True, id="id-upper-case"),
        pytest.param("tr.onboarding", "TR.", True, id="prefix-upper-case"),
        pytest.param(" tr.onboarding", "tr. ", True, id="blanks-stripped-both"),
        pytest.param("xtr.onboarding", "tr.", False, id="prefix-not-at-start"),
        pytest.param("tronboarding", "tr.", False, id="dot-missing"),
        pytest.param("tr", "tr.", False, id="shorter-than-prefix"),
        pytest.param("anything", "", True, id="empty-prefix"),
        pytest.param("straße.1", "strasse", False, id="eszett-vs-ss"),
    ],
)
def test_has_prefix(workspace_id: str, prefix: str, expected: bool) -> None:
    assert identity.has_prefix(workspace_id, prefix) is expected


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        pytest.param("ana@xyz.com", False, id="email"),
        pytest.param("Finance Team", True, id="group-name"),
        pytest.param("xyz-all", True, id="group-without-blank"),
        pytest.param("@", False, id="lone-at"),
    ],
)
def test_is_ad_group(member: str, expected: bool) -> None:
    assert identity.is_ad_group(member) is expected


# --- no inline case folding elsewhere -------------------------------------------------


@dataclass(frozen=True, order=True)
class Fold:
    """One `.lower` / `.casefold` in a module: where, and the expression."""

    module: str
    scope: str
    line: int
    code: str


class _FoldFinder(ast.NodeVisitor):
    def __init__(self, module: str) -> None:
        self.module = module
        self.scopes: list[str] = []
        self.found: list[Fold] = []

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scopes.append(node.name)
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = _scoped
    visit_AsyncFunctionDef = _scoped
    visit_ClassDef = _scoped

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in FOLDS:
            scope = ".".join(self.scopes) or "<module>"
            self.found.append(Fold(self.module, scope, node.lineno, ast.unparse(node)))
        self.generic_visit(node)


def inline_folds(source: str, module: str) -> list[Fold]:
    """Every attribute named lower/casefold in `source`, called or not."""
    finder = _FoldFinder(module)
    finder.visit(ast.parse(source))
    return sorted(finder.found)


def package_folds() -> list[Fold]:
    """Inline folds of every module of the package but identity.py and the emulator."""
    found: list[Fold] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE.parent).as_posix()
        if module == "reconciler/identity.py" or module.startswith("reconciler/emulator/"):
            continue
        found += inline_folds(path.read_text(encoding="utf-8"), module)
    return found


ALLOWED: dict[tuple[str, str], str] = {
    ("reconciler/engine/normalize.py", "schema_value"): (
        "boolean FieldValues: 'TRUE'/'True'/'true' all mean \"1\""
    ),
    ("reconciler/engine/normalize.py", "generated_id"): (
        "PrefixWithName ids: the service lower-cases the Name's alphanumerics"
    ),
    ("reconciler/spec/yamlfile.py", "scalar_value"): ("YAML 1.2 core booleans are true/True/TRUE"),
    ("reconciler/spec/yamlfile.py", "_to_float"): (
        "YAML 1.2 core floats: .inf/.Inf/.INF, .nan/.NaN"
    ),
    ("reconciler/spec/schema.py", "_closest"): (
        "'did you mean' suggestions for unknown keys and enum values ('lifecycle' -> 'lifeCycle')"
    ),
    ("reconciler/spec/schema.py", "_enum"): (
        "hint that a YAML 1.1 boolean spelling (yes/No/ON) is text in an enum"
    ),
    ("reconciler/api/wire/answers.py", "as_bool"): (
        "flags the service sends as 'True'/'False' or '1'/'0'"
    ),
    ("reconciler/api/wire/answers.py", "parse_generator"): (
        "WorkspaceIdGenerator names (None, PrefixWithId, Full, PrefixWithName) in any case"
    ),
    ("reconciler/api/wire/answers.py", "parse_provisioning_type"): (
        "ProvisioningType names (SharePoint, Teams) in any case"
    ),
    ("reconciler/api/redaction.py", "shown_headers"): (
        "HTTP header names are case-insensitive: masking the Authorization value"
    ),
    ("reconciler/settings.py", "is_loopback"): "URL host names (localhost) are case-insensitive",
    ("reconciler/api/webhook.py", "check_webhook_url"): (
        "the host as two URL parsers read it: host names are case-insensitive"
    ),
    ("reconciler/settings.py", "check_api_url"): (
        "the API URL's host as urllib3 reads it vs urlsplit's (lower-cased) reading"
    ),
}


def test_no_inline_case_folding_outside_identity() -> None:
    stray = [f for f in package_folds() if (f.module, f.scope) not in ALLOWED]
    assert stray == [], (
        "fold identities with reconciler.identity (account_key, workspace_id_key, ...); "
        "a non-identity use needs an entry in ALLOWED with its reason"
    )


def test_every_allowlist_entry_is_still_needed() -> None:
    """An entry whose fold is gone must go too, or it would let a new fold in unseen."""
    used = {(f.module, f.scope) for f in package_folds()}
    assert sorted(ALLOWED.keys() - used) == [], "remove these entries from ALLOWED"


def test_allowlist_reasons_are_specific() -> None:
    for (module, scope), reason in ALLOWED.items():
        assert (PACKAGE.parent / module).is_file(), module
        assert scope and len(reason) >= 30, (module, scope, reason)


def test_the_finder_sees_a_new_fold_in_the_planner() -> None:
    source = (
        "def plan_workspace(spec, live):\n"
        "    if spec.key.lower() == live.key.casefold():\n"
        "        return sorted(live.ids, key=str.lower)\n"
        "class Planner:\n"
        "    def run(self, ids):\n"
        "        return [i.lower() for i in ids]\n"
    )
    found = inline_folds(source, "reconciler/engine/planner.py")
    module = "reconciler/engine/planner.py"
    assert found == [
        Fold(module, "Planner.run", 6, "i.lower"),
        Fold(module, "plan_workspace", 2, "live.key.casefold"),
        Fold(module, "plan_workspace", 2, "spec.key.lower"),
        Fold(module, "plan_workspace", 3, "str.lower"),
    ]
    assert all((f.module, f.scope) not in ALLOWED for f in found)


def test_the_finder_ignores_strings_and_other_names() -> None:
    source = '"""Use .lower() nowhere."""\nx = "a.lower()"\ny = text.lowered\nz = s.upper()\n'
    assert inline_folds(source, "reconciler/engine/planner.py") == []


def test_the_package_scan_reads_the_package() -> None:
    modules = {f.module for f in package_folds()}
    assert "reconciler/engine/normalize.py" in modules
    assert not any(m.startswith("reconciler/emulator/") for m in modules)
    assert "reconciler/identity.py" not in modules
