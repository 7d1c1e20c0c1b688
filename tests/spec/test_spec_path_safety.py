"""Ids and tenants become URL path segments: '.' and '..' are refused with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.spec import load_documents

from .test_spec_load import BASE, write


@pytest.mark.parametrize("workspace_id", [".", ".."])
def test_a_dot_segment_workspace_id_is_refused(tmp_path: Path, workspace_id: str) -> None:
    text = BASE.replace("workspaceId: pr.01", f"workspaceId: '{workspace_id}'")
    result = load_documents([write(tmp_path, "ws.yaml", text)], "contoso")
    (problem,) = result.diagnostics
    assert (problem.line, problem.column) == (2, 14)
    assert problem.message.startswith(f"workspaceId: '{workspace_id}' is not a WorkspaceId")
    assert "not '.' or '..'" in problem.message
    assert result.specs == ()


def test_an_id_that_only_starts_with_dots_is_fine(tmp_path: Path) -> None:
    text = BASE.replace("workspaceId: pr.01", "workspaceId: ..pr")
    result = load_documents([write(tmp_path, "ws.yaml", text)], "contoso")
    assert result.diagnostics == ()
    assert result.specs[0].workspace_id == "..pr"


@pytest.mark.parametrize("tenant", ["..", ".", "a/b", ""])
def test_a_default_tenant_that_is_no_tenant_name_is_refused(tmp_path: Path, tenant: str) -> None:
    result = load_documents([write(tmp_path, "ws.yaml", BASE)], tenant or "x/")
    (problem,) = result.diagnostics
    shown = tenant or "x/"
    assert problem.message == (
        f"--tenant {shown!r} is not a tenant name (letters, digits, '.', '_' or '-')"
    )
    assert problem.line == 1
