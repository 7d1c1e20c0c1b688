"""`--changed-since`: documents compared between a git revision and the files (a real repo)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reconciler.errors import SpecError
from reconciler.spec.revision import Deleted, changes_since, identity_of
from tests.fixtures.specs import documents, project


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose specs live in infra/specs/ (not at the root), with one commit."""
    root = tmp_path / "repo"
    specs = root / "infra" / "specs"
    specs.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "T")
    (specs / "a.yaml").write_text(documents(project("pr.1"), project("pr.2")), encoding="utf-8")
    (specs / "b.yaml").write_text(project("pr.3"), encoding="utf-8")
    (specs / ".reconciler-ignore.yaml").write_text("acknowledgements: []\n", encoding="utf-8")
    (root / "README.yaml").write_text("not: a spec of these paths\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def changed(repo: Path, ref: str = "main") -> set[str]:
    found = changes_since(ref, [repo / "infra" / "specs"], None)
    return {name.split(":", 1)[1] for _, name in found.changed}


def test_nothing_changed(repo: Path) -> None:
    found = changes_since("main", [repo / "infra" / "specs"], None)
    assert found.changed == frozenset() and found.deleted == ()
    assert found.commit == git(repo, "rev-parse", "main").strip()


def test_an_edited_document_and_a_new_one_are_changed(repo: Path) -> None:
    specs = repo / "infra" / "specs"
    edited = documents(project("pr.1"), project("pr.2", name="Renamed"))
    (specs / "a.yaml").write_text(edited, encoding="utf-8")
    (specs / "c.yaml").write_text(project("pr.4"), encoding="utf-8")
    assert changed(repo) == {"pr.2", "pr.4"}


def test_moved_reformatted_or_recommented_documents_are_unchanged(repo: Path) -> None:
    specs = repo / "infra" / "specs"
    (specs / "a.yaml").write_text("# only pr.1 here now\n" + project("pr.1"), encoding="utf-8")
    (specs / "sub").mkdir()
    (specs / "sub" / "moved.yml").write_text(
        project("pr.2").replace("name: ", "name:   "), encoding="utf-8"
    )
    git(repo, "mv", "infra/specs/b.yaml", "infra/specs/renamed.yaml")
    assert changed(repo) == set()


def test_a_deleted_document_is_leaving(repo: Path) -> None:
    specs = repo / "infra" / "specs"
    (specs / "a.yaml").write_text(project("pr.1"), encoding="utf-8")
    (specs / "b.yaml").unlink()
    found = changes_since("main", [specs], None)
    assert found.changed == frozenset()
    assert found.deleted == (
        Deleted("contoso", "pr.2", None),
        Deleted("contoso", "pr.3", None),
    )


def test_identity_ignores_case_and_keys_differ_from_ids() -> None:
    assert identity_of("Contoso", "PR.1", None) == identity_of("contoso", "pr.1", None)
    assert identity_of("contoso", None, "pr.1") != identity_of("contoso", "pr.1", None)


def test_a_ref_git_cannot_resolve_is_a_clear_error(repo: Path) -> None:
    with pytest.raises(SpecError, match="'origin/nope': git cannot resolve it to a commit"):
        changes_since("origin/nope", [repo / "infra" / "specs"], None)


def test_a_path_outside_a_work_tree_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "a.yaml").write_text(project("pr.1"), encoding="utf-8")
    with pytest.raises(SpecError, match="needs the specs in a git work tree"):
        changes_since("main", [tmp_path / "loose"], None)


def test_an_older_revision_and_a_single_file(repo: Path) -> None:
    specs = repo / "infra" / "specs"
    (specs / "b.yaml").write_text(project("pr.3", name="Edited"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "edit pr.3")
    assert changed(repo, "main~1") == {"pr.3"}
    assert changed(repo, "HEAD") == set()
    only_b = changes_since("main~1", [specs / "b.yaml"], None)
    assert {name for _, name in only_b.changed} == {"id:pr.3"}


def test_a_shallow_clone_is_told_to_deepen_not_to_fetch(repo: Path, tmp_path: Path) -> None:
    specs = repo / "infra" / "specs"
    (specs / "b.yaml").write_text(project("pr.3", name="Edited"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "edit pr.3")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    with pytest.raises(SpecError) as raised:
        changes_since("HEAD~1", [clone / "infra" / "specs"], None)
    message = str(raised.value)
    assert "'HEAD~1': git cannot resolve it to a commit" in message
    assert "shallow clone" in message and "git fetch --deepen=50" in message
    assert "--unshallow" in message and "fetch-depth: 0" in message
    assert "git fetch origin main" not in message
    with pytest.raises(SpecError, match="fetch it first") as full:
        changes_since("nope", [repo / "infra" / "specs"], None)  # a full clone: fetch
    assert "e.g. `git fetch origin main`" in str(full.value)
