"""Plan-time refusals: what the API cannot do is an error naming the spec's file and line.

Each refusal goes through `reconciler apply --auto-approve`: exit code 1, the
message on the spec's file:line in the plan, and not one write call.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import STAR_UNIT, TEAM_ROOM_TYPE
from tests.fixtures.specs import (
    department,
    document,
    documents,
    example,
    line_of,
    project,
    team_room,
)
from tests.scenarios.conftest import Workspace

REFUSED = "Apply refused: the plan has errors. Nothing was changed."


def error_lines(output: str) -> list[str]:
    """The plan's error lines, e.g. "Error: /.../a.yaml:5: unknown organization unit ..."."""
    return [line.strip() for line in output.splitlines() if line.strip().startswith("Error: ")]


def assert_refused(
    workspace: Workspace, text: str, anchor: str, message: str, *args: str, occurrence: int = 1
) -> None:
    """Apply `text` as specs/a.yaml: refused, `message` on the line starting with `anchor`."""
    workspace.write("a.yaml", text)
    result = workspace.run("apply", str(workspace.specs), "--auto-approve", *args)
    assert result.exit_code == 1, result.output + result.stderr
    line = line_of(text, anchor, occurrence)
    expected = f"Error: {workspace.specs / 'a.yaml'}:{line}: {message}"
    assert expected in error_lines(result.stdout), result.stdout
    assert REFUSED in result.stderr
    assert workspace.writes() == []


@dataclass(frozen=True)
class Refusal:
    id: str
    text: str
    anchor: str
    """The start of the line the error must name."""
    message: str


PROJECT_FIELDS = "StartDate, EndDate, Customer, Phase, Description"
REFUSALS = [
    Refusal(
        "unknown unit",
        project("pr.50", unit="Moon Unit"),
        "organizationUnit:",
        "unknown organization unit 'Moon Unit' (units: Star Unit, Butterfly)",
    ),
    Refusal(
        "unknown type",
        example(workspace_type="Wiki"),
        "workspaceType:",
        "workspace type 'Wiki' is not available in unit 'Star Unit' "
        "(types: Project, Project Plus, Team Room, Department Site, Archive)",
    ),
    Refusal(
        "type of another unit",
        document(
            key="case",
            name="Case",
            unit="Star Unit",
            workspace_type="Customer Case",
            manager="ana@xyz.com",
        ),
        "workspaceType:",
        "workspace type 'Customer Case' is not available in unit 'Star Unit' "
        "(types: Project, Project Plus, Team Room, Department Site, Archive)",
    ),
    Refusal(
        "changed unit",
        example(unit="Butterfly"),
        "organizationUnit:",
        "the organization unit of an existing workspace cannot change "
        "(live: 'Star Unit', spec: 'Butterfly')",
    ),
    Refusal(
        "type change to an inactive type",
        example(workspace_type="Archive"),
        "workspaceType:",
        "cannot change type: workspace type 'Archive' is not active",
    ),
    Refusal(
        "unknown schema field",
        example(schema={"Phase": "Execution", "Budget": "100"}),
        "Budget:",
        f"schema field 'Budget' is not defined by 'Project' (fields: {PROJECT_FIELDS})",
    ),
    Refusal(
        "unknown schema field at creation",
        project("pr.50", schema={"Topic": "Support"}),
        "Topic:",
        f"schema field 'Topic' is not defined by 'Project' (fields: {PROJECT_FIELDS})",
    ),
    Refusal(
        "outside ValidValues, matched exactly",
        example(schema={"Phase": "closure"}),
        "Phase:",
        "schema field 'Phase': 'closure' is not one of Initiation, Execution, Closure",
    ),
    Refusal(
        "not a number",
        department(cost_center="12a"),
        "CostCenter:",
        "schema field 'CostCenter' (number): '12a' is not a number",
    ),
    Refusal(
        "a number with a comma",
        department(cost_center='"1,5"'),
        "CostCenter:",
        "schema field 'CostCenter' (number): '1,5' is not a number",
    ),
    Refusal(
        "not a datetime",
        example(schema={"StartDate": "next week"}),
        "StartDate:",
        "schema field 'StartDate' (datetime): 'next week' is not an ISO 8601 date or datetime",
    ),
    Refusal(
        "no such day",
        project("pr.50", schema={"EndDate": "2023-02-29"}),
        "EndDate:",
        "schema field 'EndDate' (datetime): '2023-02-29' is not an ISO 8601 date or datetime",
    ),
    Refusal(
        "a datetime before 1900",
        example(schema={"StartDate": "1899-12-31"}),
        "StartDate:",
        "schema field 'StartDate' (datetime): '1899-12-31' must fall in the years 1900 to 9999",
    ),
    Refusal(
        "not a boolean",
        team_room(schema={"Topic": "Support", "Confidential": "yes"}),
        "Confidential:",
        "schema field 'Confidential' (boolean): 'yes' is not a boolean (true, false, 1 or 0)",
    ),
    Refusal(
        "Owners on SharePoint",
        example(team={"Owners": ["tom@xyz.com"]}),
        "Owners:",
        "team group 'Owners' is not managed on SharePoint workspaces "
        "(groups: Managers, Members, Visitors)",
    ),
    Refusal(
        "Visitors on Teams",
        team_room(team={"Owners": ["tom@xyz.com"], "Visitors": ["bob@xyz.com"]}),
        "Visitors:",
        "team group 'Visitors' is not managed on Teams workspaces (groups: Owners, Members)",
    ),
    Refusal(
        "AD group on Teams",
        team_room(team={"Members": ["imp@xyz.com", "AD_XYZ"]}),
        "Members:",
        "'AD_XYZ' looks like an AD group: Teams takes email accounts only",
    ),
    Refusal(
        "workspaceId for a PrefixWithName type",
        department(None, workspace_id="dep.finance"),
        "workspaceId:",
        "workspace type 'Department Site' generates the WorkspaceId (PrefixWithName): "
        "For a new workspace, write 'key: <a stable handle>' instead of workspaceId. "
        "If 'dep.finance' exists and this is a change of its type: the reconciler does not "
        "move a workspace to a type whose ids the service generates, and swapping "
        "workspaceId for a key that has no recorded id would create a second workspace. "
        "Record the existing one under a key first: `reconciler state import --tenant "
        "contoso KEY dep.finance`, then write 'key: KEY'.",
    ),
    Refusal(
        "key for a None type",
        document(
            key="pr-key",
            name="Keyed",
            unit="Star Unit",
            workspace_type="Project",
            manager="maria@xyz.com",
        ),
        "key:",
        "workspace type 'Project' takes the WorkspaceId you choose (None): "
        "write 'workspaceId:' instead of key",
    ),
    Refusal(
        "key for a PrefixWithId type",
        document(
            key="room",
            name="Room",
            unit="Star Unit",
            workspace_type="Team Room",
            manager="ana@xyz.com",
            schema={"Topic": "Support"},
        ),
        "key:",
        "workspace type 'Team Room' takes the WorkspaceId you choose (PrefixWithId): "
        "write 'workspaceId:' instead of key",
    ),
    Refusal(
        "PrefixWithId prefix",
        team_room("room.support"),
        "workspaceId:",
        "workspaceId 'room.support' must start with the prefix 'tr.' of workspace type 'Team Room'",
    ),
    Refusal(
        "required field without a schema",
        team_room(schema=None),
        "kind:",  # no schema key: the document's first line
        "schema field 'Topic' is required by 'Team Room'",
    ),
    Refusal(
        "required field in an empty schema",
        department(cost_center=None),
        "schema:",
        "schema field 'CostCenter' is required by 'Department Site'",
    ),
    Refusal(
        "required field set to null",
        team_room(schema={"Topic": None, "Confidential": "false"}),
        "Topic:",  # the schema's first line
        "schema field 'Topic' is required by 'Team Room'",
    ),
    Refusal(
        "created closed",
        project("pr.50", life_cycle="closed"),
        "lifeCycle:",
        "a new workspace cannot be created closed",
    ),
    Refusal(
        "PrefixWithName name without letters or digits",
        department(name='"-- !! --"'),
        "name:",
        "name '-- !! --' has no letters or digits to generate the WorkspaceId from "
        "(type 'Department Site' generates ids from the name)",
    ),
]


@pytest.mark.parametrize("case", REFUSALS, ids=[r.id for r in REFUSALS])
def test_refused_at_plan_time(workspace: Workspace, case: Refusal) -> None:
    assert_refused(workspace, case.text, case.anchor, case.message)


def test_the_error_names_the_line_in_a_file_of_several_documents(workspace: Workspace) -> None:
    text = documents(example(), project("pr.50", life_cycle="closed"))
    assert_refused(workspace, text, "lifeCycle:", "a new workspace cannot be created closed")


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        (0, "the workspace is busy (Stage: ForProvisioning); plan again when it is Ready"),
        (1, "the workspace is busy (Stage: Provisioning); plan again when it is Ready"),
        (3, "provisioning of this workspace failed (Stage: Failed); ask the service desk"),
        (4, "the workspace is busy (Stage: Updating); plan again when it is Ready"),
    ],
)
def test_a_workspace_that_is_not_ready(workspace: Workspace, stage: int, message: str) -> None:
    workspace.emulator.control("POST", "workspaces/contoso/example/stage", {"stage": stage})
    workspace.emulator.control("DELETE", "requests")
    assert_refused(workspace, example(name="Orange"), "kind:", message)


def seed_team_room(workspace: Workspace, workspace_id: str = "tr.room") -> None:
    """A Ready Team Room made through the API, then a clean request log."""
    body = {
        "WorkspaceId": workspace_id,
        "Name": "Room",
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": TEAM_ROOM_TYPE,
        "Manager": {"Email": "ana@xyz.com"},
        "Schema": [{"FieldName": "Topic", "FieldValue": "Support"}],
    }
    assert workspace.emulator.api("POST", "/workspaces", body).status_code == 201
    workspace.emulator.control("POST", f"workspaces/contoso/{workspace_id}/stage", {})
    workspace.emulator.control("DELETE", "requests")


def test_a_type_change_to_another_schema(workspace: Workspace) -> None:
    seed_team_room(workspace)
    spec = team_room("tr.room", name="Room", workspace_type="Project", schema=None)
    message = (
        "cannot change type: workspace type 'Project' does not have the same schema as 'Team Room'"
    )
    assert_refused(workspace, spec, "workspaceType:", message)


def test_a_required_field_cannot_be_cleared(workspace: Workspace) -> None:
    seed_team_room(workspace)
    spec = team_room("tr.room", name="Room", schema={"Topic": None})
    assert_refused(workspace, spec, "Topic:", "schema field 'Topic' is required")


def test_datetime_years_are_counted_in_utc(workspace: Workspace, local_time_zone: str) -> None:
    """1900-01-01 (UTC) is the first day taken; 00:30 at +01:00 is still 1899 in UTC."""
    early = project("pr.52", schema={"StartDate": "1900-01-01T00:30:00+01:00"})
    text = documents(project("pr.51", schema={"StartDate": "1900-01-01"}), early)
    message = (
        "schema field 'StartDate' (datetime): '1900-01-01T00:30:00+01:00' "
        "must fall in the years 1900 to 9999"
    )
    assert_refused(workspace, text, "StartDate:", message, occurrence=2)
    result = workspace.run("plan", str(workspace.specs))
    assert "+ contoso/pr.51 (Project pr.51) will be created" in result.stdout
    assert len(error_lines(result.stdout)) == 1


def test_plan_error_names_workspace_and_field_and_writes_nothing(workspace: Workspace) -> None:
    text = example(schema={"Phase": "Done"}, team={"Visitors": ["michael@xyz.com", "AD_Visitors"]})
    workspace.write("example.yaml", text)
    result = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert result.exit_code == 1
    assert "contoso/example" in result.stdout
    assert f"example.yaml:{line_of(text, 'Phase:')}" in result.stdout
    assert "'Done' is not one of Initiation, Execution, Closure" in result.stdout
    assert workspace.writes() == []


def test_unknown_unit_and_type_are_plan_errors(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(unit="Moon Unit"))
    result = workspace.run("plan", str(workspace.specs))
    assert result.exit_code == 1
    assert "unknown organization unit 'Moon Unit'" in result.stdout


def test_blast_radius_guard(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(team={"Visitors": []}))
    result = workspace.run("plan", str(workspace.specs), "--max-removals", "1")
    assert result.exit_code == 1
    assert "removes 2 team members, more than --max-removals 1" in result.stdout
    assert "contoso/example: michael@xyz.com from Visitors" in result.stdout
    assert workspace.run("plan", str(workspace.specs), "--max-removals", "2").exit_code == 0


def test_more_removals_than_allowed_refuses_apply(workspace: Workspace) -> None:
    workspace.write("example.yaml", example(team={"Visitors": []}))
    result = workspace.run("apply", str(workspace.specs), "--auto-approve", "--max-removals", "1")
    assert result.exit_code == 1
    assert error_lines(result.stdout)[0] == (
        "Error: the plan removes 2 team members, more than --max-removals 1; check the specs, "
        "then raise --max-removals on purpose. Removals: contoso/example: michael@xyz.com from "
        "Visitors; contoso/example: AD_Visitors from Visitors"
    )
    assert REFUSED in result.stderr
    assert workspace.writes() == []


def test_a_blank_required_value_is_a_plan_error(workspace: Workspace) -> None:
    workspace.write(
        "room.yaml",
        team_room("tr.room1", name="Room", manager="tom@xyz.com", schema={"Topic": '"  "'}),
    )
    result = workspace.run("plan", str(workspace.specs))
    assert result.exit_code == 1
    assert "schema field 'Topic' is required" in result.stdout


def test_two_keys_that_generate_one_id_are_both_errors(workspace: Workspace) -> None:
    workspace.write(
        "a.yaml",
        documents(
            department("fin1", name="Finance", manager="maria@xyz.com", cost_center="1"),
            department("fin2", name="Fin-ance", manager="maria@xyz.com", cost_center="2"),
        ),
    )
    result = workspace.run("apply", str(workspace.specs), "--auto-approve")
    assert result.exit_code == 1
    assert result.stdout.count("all lead to workspace 'dep.finance'") == 2
    assert workspace.writes() == []
