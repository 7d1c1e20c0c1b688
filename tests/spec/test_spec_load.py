"""Documents -> WorkspaceSpecs: building, tenants, discovery and cross-document checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import SpecError
from reconciler.spec import ABSENT, Person, WorkspaceSpec, load_documents, load_specs
from reconciler.spec.load import discover

from .conftest import GOOD, REPO

BASE = """\
kind: Workspace
workspaceId: pr.01
name: Project01
organizationUnit: Star Unit
workspaceType: Project
manager: marko@xyz.com
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_one(tmp_path: Path, text: str, tenant: str | None = "contoso") -> WorkspaceSpec:
    (spec,) = load_specs([write(tmp_path, "ws.yaml", text)], tenant)
    return spec


def test_minimal_document_gets_the_defaults(tmp_path: Path) -> None:
    spec = load_one(tmp_path, BASE)
    assert spec.tenant == "contoso"
    assert (spec.workspace_id, spec.key) == ("pr.01", None)
    assert spec.manager == Person("marko@xyz.com")
    assert spec.life_cycle == "active"
    assert spec.deputy is ABSENT
    assert spec.description is None
    assert dict(spec.schema) == {} and dict(spec.team) == {}
    assert spec.address == "contoso/pr.01"
    assert (spec.source.line, spec.source.column) == (1, 1)


@pytest.mark.parametrize(
    ("written", "deputy"),
    [
        ("deputy: null\n", None),
        ("deputy:\n", None),
        ("deputy: ana@xyz.com\n", Person("ana@xyz.com")),
        ("deputy: {email: ana@xyz.com, name: Ana}\n", Person("ana@xyz.com", "Ana")),
    ],
)
def test_deputy_null_is_not_deputy_absent(tmp_path: Path, written: str, deputy: object) -> None:
    assert load_one(tmp_path, BASE + written).deputy == deputy


def test_schema_values_are_the_source_text(tmp_path: Path) -> None:
    text = BASE + "schema:\n  A: 01\n  B: 1.50\n  C: yes\n  D: True\n  E: ~\n  F: 2024-01-01\n"
    spec = load_one(tmp_path, text)
    assert dict(spec.schema) == {
        "A": "01",
        "B": "1.50",
        "C": "yes",
        "D": "True",
        "E": None,
        "F": "2024-01-01",
    }


def test_schema_field_names_with_slashes_find_their_text(tmp_path: Path) -> None:
    spec = load_one(tmp_path, BASE + "schema:\n  'Cost/Center': 0042\n")
    assert dict(spec.schema) == {"Cost/Center": "0042"}


def test_team_groups_are_tuples_and_only_the_listed_ones(tmp_path: Path) -> None:
    spec = load_one(tmp_path, BASE + "team:\n  Members: [imp@xyz.com, AD_XYZ]\n  Visitors: []\n")
    assert dict(spec.team) == {"Members": ("imp@xyz.com", "AD_XYZ"), "Visitors": ()}


def test_key_identity_and_address(tmp_path: Path) -> None:
    spec = load_one(tmp_path, BASE.replace("workspaceId: pr.01", "key: finance"))
    assert (spec.workspace_id, spec.key, spec.address) == (None, "finance", "contoso/key=finance")


def test_document_tenant_wins_over_the_default(tmp_path: Path) -> None:
    assert load_one(tmp_path, "tenant: fabrikam\n" + BASE, tenant="contoso").tenant == "fabrikam"


def test_spec_remembers_where_each_value_was_written(tmp_path: Path) -> None:
    spec = load_one(tmp_path, BASE + "schema:\n  Phase: Closure\n")
    assert spec.where("/schema/Phase").line == 8
    assert spec.where("/schema/Nope").line == 8  # nearest ancestor: the schema mapping


def test_specs_are_frozen(tmp_path: Path) -> None:
    spec = load_one(tmp_path, BASE + "team:\n  Members: []\n")
    with pytest.raises(AttributeError):
        spec.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.team["Members"] = ("x",)  # type: ignore[index]


def test_load_specs_raises_one_error_listing_every_problem(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", BASE.replace("manager:", "manger:"))
    write(tmp_path, "b.yaml", BASE + "lifeCycle: archived\n")
    with pytest.raises(SpecError) as raised:
        load_specs([tmp_path], "contoso")
    message = str(raised.value)
    assert message.startswith("3 errors in the specs:")
    assert f"{tmp_path / 'a.yaml'}:6:1: unknown key 'manger'" in message
    assert f"{tmp_path / 'b.yaml'}:7:12: lifeCycle: 'archived'" in message


def test_no_tenant_anywhere_is_an_error(tmp_path: Path) -> None:
    result = load_documents([write(tmp_path, "a.yaml", BASE)], None)
    assert [d.message for d in result.diagnostics] == [
        "no tenant: write 'tenant:' in the document, or pass --tenant (or set SEAMLESS_TENANT)"
    ]


def test_same_id_in_two_tenants_is_two_workspaces(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "tenant: contoso\n" + BASE)
    write(tmp_path, "b.yaml", "tenant: fabrikam\n" + BASE)
    assert len(load_specs([tmp_path], None)) == 2


def test_same_value_as_id_and_as_key_does_not_clash(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", BASE)
    write(tmp_path, "b.yaml", BASE.replace("workspaceId: pr.01", "key: pr.01"))
    assert len(load_specs([tmp_path], "contoso")) == 2


def test_duplicate_names_both_places(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", BASE)
    second = write(tmp_path, "sub/b.yaml", "# comment\n" + BASE)
    result = load_documents([tmp_path], "contoso")
    (problem,) = result.diagnostics
    assert (problem.file, problem.line) == (str(second), 3)
    assert f"at {first}:2:14" in problem.message


def test_discovery_reads_yaml_and_yml_at_any_depth_and_skips_hidden_dirs() -> None:
    files, problems = discover([GOOD])
    assert problems == []
    names = [path.relative_to(GOOD).as_posix() for path, _ in files]
    assert names == ["traps.yaml", "nested/more.yml"]


def test_discovery_reads_each_file_once(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", BASE)
    files, _ = discover([tmp_path, path, tmp_path / "." / "a.yaml"])
    assert len(files) == 1
    assert len(load_specs([tmp_path, path], "contoso")) == 1


def test_explicit_files_are_read_whatever_their_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "workspace.txt", BASE)
    assert load_specs([path], "contoso")[0].workspace_id == "pr.01"


def test_missing_path_is_a_diagnostic(tmp_path: Path) -> None:
    result = load_documents([tmp_path / "nope"], "contoso")
    (problem,) = result.diagnostics
    assert (problem.line, problem.message) == (None, "no such file or directory")
    assert str(problem) == f"{tmp_path / 'nope'}: no such file or directory"


def test_a_directory_without_specs_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/ci.yml", "on: push\n")
    result = load_documents([tmp_path], "contoso")
    (problem,) = result.diagnostics
    assert (problem.file, problem.line) == (str(tmp_path), None)
    assert problem.message == "no spec files (*.yaml, *.yml) in this directory"


def test_the_example_specs_are_valid() -> None:
    specs = load_specs([REPO / "specs"], None)
    assert len(specs) >= 4
    assert {spec.tenant for spec in specs} == {"contoso"}
    assert any(spec.key for spec in specs) and any(spec.workspace_id for spec in specs)
