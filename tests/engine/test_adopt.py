"""Drift -> spec edits: each kind of difference, and what cannot be adopted and why."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.engine.adopt import Adoption, NotAdopted, adoption_for
from reconciler.model.drift import Acknowledged, Difference, Kind, Verdict, WorkspaceDrift
from reconciler.spec import WorkspaceSpec
from reconciler.spec.edit import AddMember, DocumentEdits, RemoveMember, SetValue
from tests.engine.values import SPEC_FILE, spec_from_yaml

SPEC = spec_from_yaml(
    """
    kind: Workspace
    workspaceId: pr.51
    name: Project pr.51
    organizationUnit: Star Unit
    workspaceType: Project
    manager: {email: maria@xyz.com, name: Maria}
    deputy: ana@xyz.com
    schema: {Phase: Execution}
    team:
      Managers: [tom@xyz.com]
      Members: [anita@xyz.com]
    """
)


def drifted(*differences: Difference, spec: WorkspaceSpec = SPEC) -> WorkspaceDrift:
    return WorkspaceDrift(
        address=spec.address,
        tenant=spec.tenant,
        workspace_id=spec.workspace_id,
        verdict=Verdict.DRIFT,
        differences=differences,
        file=SPEC_FILE,
        line=1,
    )


def adopted(*differences: Difference, spec: WorkspaceSpec = SPEC, **kwargs: Any) -> Adoption:
    adoption = adoption_for(drifted(*differences, spec=spec), spec, **kwargs)
    assert adoption is not None
    return adoption


@pytest.mark.parametrize(
    ("difference", "edit"),
    [
        (
            Difference(("team", "Members"), Kind.MEMBER_ADDED, "bob@xyz.com", None),
            AddMember("Members", "bob@xyz.com"),
        ),
        (
            Difference(("team", "Members"), Kind.MEMBER_REMOVED, None, "anita@xyz.com"),
            RemoveMember("Members", "anita@xyz.com"),
        ),
        (
            Difference(("schema", "Phase"), Kind.VALUE_CHANGED, "Closure", "Execution"),
            SetValue(("schema", "Phase"), "Closure"),
        ),
        (
            Difference(("schema", "Phase"), Kind.VALUE_CHANGED, None, "Execution"),
            SetValue(("schema", "Phase"), None),
        ),
        (
            Difference(("name",), Kind.VALUE_CHANGED, "Renamed", "Project pr.51"),
            SetValue(("name",), "Renamed"),
        ),
        (
            Difference(("deputy",), Kind.VALUE_CHANGED, None, "ana@xyz.com"),
            SetValue(("deputy",), None),
        ),
        (
            Difference(("manager", "name"), Kind.VALUE_CHANGED, "Maria B.", "Maria"),
            SetValue(("manager", "name"), "Maria B."),
        ),
        (
            Difference(("lifeCycle",), Kind.CLOSED, "closed", "active"),
            SetValue(("lifeCycle",), "closed"),
        ),
        (
            Difference(("lifeCycle",), Kind.REOPENED, "active", "closed"),
            SetValue(("lifeCycle",), "active"),
        ),
        (
            Difference(("workspaceType",), Kind.TYPE_CHANGED, "Project Plus", "Project"),
            SetValue(("workspaceType",), "Project Plus"),
        ),
    ],
)
def test_each_difference_becomes_the_edit_that_writes_the_live_value(
    difference: Difference, edit: SetValue | AddMember | RemoveMember
) -> None:
    adoption = adopted(difference)
    assert adoption.edits == (edit,)
    assert adoption.not_adopted == ()
    assert adoption.document_edits() == DocumentEdits(1, (edit,), ("workspaceId", "pr.51"))


def test_workspaces_that_did_not_drift_adopt_nothing() -> None:
    for verdict in (Verdict.IN_SYNC, Verdict.ACKNOWLEDGED, Verdict.UNKNOWN, Verdict.ERROR):
        workspace = WorkspaceDrift(SPEC.address, "contoso", "pr.51", verdict)
        assert adoption_for(workspace, SPEC) is None


def test_acknowledged_differences_are_left_and_said() -> None:
    until = Acknowledged("Ana covers", "it@xyz.com", "2026-12-31", "x.yaml", 3)
    member = Difference(("team", "Members"), Kind.MEMBER_ADDED, "bob@xyz.com", None, until)
    phase = Difference(("schema", "Phase"), Kind.VALUE_CHANGED, "Closure", "Execution")
    adoption = adopted(member, phase)
    assert adoption.edits == (SetValue(("schema", "Phase"), "Closure"),)
    assert adoption.not_adopted == (
        NotAdopted(
            "team.Members bob@xyz.com",
            "acknowledged until 2026-12-31, so left as it is (remove the acknowledgement to "
            "adopt it)",
        ),
    )


def test_members_the_service_implies_are_neither_added_nor_removable() -> None:
    # A new manager joins Managers and Members by itself: the manager line says it all.
    adoption = adopted(
        Difference(("manager",), Kind.VALUE_CHANGED, "bob@xyz.com", "maria@xyz.com"),
        Difference(("team", "Managers"), Kind.MEMBER_ADDED, "bob@xyz.com", None),
        Difference(("team", "Members"), Kind.MEMBER_ADDED, "BOB@xyz.com", None),
        Difference(("team", "Managers"), Kind.MEMBER_ADDED, "lucas@xyz.com", None),
        Difference(("team", "Members"), Kind.MEMBER_ADDED, "lucas@xyz.com", None),
    )
    assert adoption.edits == (
        SetValue(("manager",), "bob@xyz.com"),
        AddMember("Managers", "lucas@xyz.com"),  # and so a member, without a line for it
    )
    removed = adopted(
        Difference(("team", "Members"), Kind.MEMBER_REMOVED, None, "maria@xyz.com"),
        Difference(("team", "Members"), Kind.MEMBER_REMOVED, None, "tom@xyz.com"),
    )
    assert removed.edits == ()
    assert [str(n) for n in removed.not_adopted] == [
        "team.Members maria@xyz.com: not listed in the definition, the service puts the "
        "manager there; a definition cannot leave it out (apply puts it back)",
        "team.Members tom@xyz.com: not listed in the definition, the service puts every "
        "owner there; a definition cannot leave it out (apply puts it back)",
    ]


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        (Kind.MISSING, "the service has no such workspace"),
        (Kind.NOT_READY, "provisioning failed (Stage: Failed)"),
    ],
)
def test_a_workspace_that_is_not_there_cannot_be_adopted(kind: Kind, reason: str) -> None:
    adoption = adopted(Difference(("workspace",), kind, "not found", "exists"))
    assert adoption.edits == ()
    (left,) = adoption.not_adopted
    assert left.path == "workspace" and left.reason.startswith(reason)


def test_an_orphan_has_no_file_to_adopt_into() -> None:
    orphan = WorkspaceDrift(
        "contoso/pr.09",
        "contoso",
        "pr.09",
        Verdict.DRIFT,
        differences=(Difference(("workspace",), Kind.ORPHAN, "active", None),),
        orphan=True,
    )
    adoption = adoption_for(orphan, None)
    assert adoption is not None and adoption.file is None and adoption.edits == ()
    assert str(adoption.not_adopted[0]).startswith("workspace: no definition holds it")


def test_a_type_named_by_id_is_written_as_the_live_type_id() -> None:
    by_id = spec_from_yaml(
        """
        kind: Workspace
        key: finance
        name: Finance
        organizationUnit: Star Unit
        workspaceType: 6FF11D16-2F92-47EF-9EEA-06442125C38E
        manager: maria@xyz.com
        """
    )
    change = Difference(("workspaceType",), Kind.TYPE_CHANGED, "Project Plus", "Project")
    asked: list[tuple[str, str]] = []

    def type_id(spec: WorkspaceSpec, name: str) -> str | None:
        asked.append((spec.key or "", name))
        return "PLUS-ID" if name == "Project Plus" else None

    adoption = adopted(change, spec=by_id, type_id=type_id)
    assert adoption.edits == (SetValue(("workspaceType",), "PLUS-ID"),)
    assert adoption.identity == ("key", "finance")
    assert asked == [("finance", "Project Plus")]
    unknown = adopted(change, spec=by_id, type_id=lambda spec, name: None)
    assert [str(n) for n in unknown.not_adopted] == [
        "workspaceType: the definition names its type by id, and the id of 'Project Plus' "
        "was not found"
    ]
