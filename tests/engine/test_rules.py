"""rules.py on plain values: every plan-time refusal with its exact message and line.

Specs are loaded from YAML text as `plan` loads them (values.spec_from_yaml);
the document header takes lines 1 to 6, so `schema:` or `team:` written as
EXTRA starts on line 7 and its first entry is on line 8.
"""

from __future__ import annotations

import pytest

from reconciler.api.models import WorkspaceType
from reconciler.engine.rules import (
    check_identity,
    check_team,
    desired_schema,
    missing_required,
    problem,
    type_change_problem,
)
from reconciler.spec import WorkspaceSpec
from tests.engine.values import (
    ARCHIVE,
    CUSTOMER_CASE,
    DEPARTMENT,
    PROJECT,
    PROJECT_FIELDS,
    PROJECT_PLUS,
    SPEC_FILE,
    TEAM_ROOM,
    described,
    field_def,
    spec_from_yaml,
    workspace_type,
)

ERROR = "error"


def spec(
    extra: str = "", *, identity: str = "workspaceId: pr.07", wtype: str = "Project"
) -> WorkspaceSpec:
    """A workspace document: identity on line 2, `extra` from line 7."""
    return spec_from_yaml(
        f"kind: Workspace\n{identity}\nname: Project07\norganizationUnit: Star Unit\n"
        f"workspaceType: {wtype}\nmanager: marko@xyz.com\n{extra}"
    )


def error(message: str, line: int) -> tuple[str, str, str | None, int | None]:
    return (ERROR, message, SPEC_FILE, line)


def test_spec_helper_places_lines_as_documented() -> None:
    loaded = spec("schema:\n  Phase: Execution\nteam:\n  Members: []\n")
    assert loaded.where("/workspaceId").line == 2
    assert loaded.where("/schema/Phase").line == 8
    assert loaded.where("/team/Members").line == 10
    assert loaded.where("/nothing/here").line == 1


@pytest.mark.parametrize(
    ("warning", "severity"),
    [pytest.param(False, "error", id="error"), pytest.param(True, "warning", id="warning")],
)
def test_problem_is_placed_at_the_pointer(warning: bool, severity: str) -> None:
    loaded = spec("description: Old text\n")
    made = problem(loaded, "/description", "description is ignored", warning=warning)
    assert described([made]) == [(severity, "description is ignored", SPEC_FILE, 7)]


# --- check_identity --------------------------------------------------------------------------

OPEN_PREFIXED = workspace_type("Open", generator="PrefixWithId", prefix=None)


@pytest.mark.parametrize(
    ("wtype", "identity"),
    [
        pytest.param(PROJECT, "workspaceId: anything-goes", id="None-workspaceId"),
        pytest.param(TEAM_ROOM, "workspaceId: tr.onboarding", id="PrefixWithId-with-prefix"),
        pytest.param(TEAM_ROOM, "workspaceId: TR.Onboarding", id="PrefixWithId-prefix-other-case"),
        pytest.param(OPEN_PREFIXED, "workspaceId: anything", id="PrefixWithId-without-prefix"),
        pytest.param(DEPARTMENT, "key: finance", id="PrefixWithName-key"),
        pytest.param(CUSTOMER_CASE, "key: migros", id="Full-key"),
    ],
)
def test_check_identity_accepts(wtype: WorkspaceType, identity: str) -> None:
    assert check_identity(spec(identity=identity), wtype) == []


@pytest.mark.parametrize(
    ("wtype", "identity", "message"),
    [
        pytest.param(
            PROJECT,
            "key: finance",
            "workspace type 'Project' takes the WorkspaceId you choose (None): "
            "write 'workspaceId:' instead of key",
            id="None-key",
        ),
        pytest.param(
            TEAM_ROOM,
            "key: onboarding",
            "workspace type 'Team Room' takes the WorkspaceId you choose (PrefixWithId): "
            "write 'workspaceId:' instead of key",
            id="PrefixWithId-key",
        ),
        pytest.param(
            TEAM_ROOM,
            "workspaceId: onboarding",
            "workspaceId 'onboarding' must start with the prefix 'tr.' of workspace type "
            "'Team Room'",
            id="PrefixWithId-prefix-missing",
        ),
        pytest.param(
            TEAM_ROOM,
            "workspaceId: tronboarding",
            "workspaceId 'tronboarding' must start with the prefix 'tr.' of workspace type "
            "'Team Room'",
            id="PrefixWithId-prefix-dot-missing",
        ),
        pytest.param(
            TEAM_ROOM,
            "workspaceId: x.tr.onboarding",
            "workspaceId 'x.tr.onboarding' must start with the prefix 'tr.' of workspace type "
            "'Team Room'",
            id="PrefixWithId-prefix-inside",
        ),
        pytest.param(
            DEPARTMENT,
            "workspaceId: dep.finance",
            "workspace type 'Department Site' generates the WorkspaceId (PrefixWithName): "
            "For a new workspace, write 'key: <a stable handle>' instead of workspaceId. "
            "If 'dep.finance' exists and this is a change of its type: the reconciler does "
            "not move a workspace to a type whose ids the service generates, and swapping "
            "workspaceId for a key that has no recorded id would create a second workspace. "
            "Record the existing one under a key first: `reconciler state import --tenant "
            "contoso KEY dep.finance`, then write 'key: KEY'.",
            id="PrefixWithName-workspaceId",
        ),
        pytest.param(
            CUSTOMER_CASE,
            "workspaceId: org.bu.00001",
            "workspace type 'Customer Case' generates the WorkspaceId (Full): "
            "For a new workspace, write 'key: <a stable handle>' instead of workspaceId. "
            "If 'org.bu.00001' exists and this is a change of its type: the reconciler does "
            "not move a workspace to a type whose ids the service generates, and swapping "
            "workspaceId for a key that has no recorded id would create a second workspace. "
            "Record the existing one under a key first: `reconciler state import --tenant "
            "contoso KEY org.bu.00001`, then write 'key: KEY'.",
            id="Full-workspaceId",
        ),
    ],
)
def test_check_identity_refuses(wtype: WorkspaceType, identity: str, message: str) -> None:
    assert described(check_identity(spec(identity=identity), wtype)) == [error(message, 2)]


# --- desired_schema --------------------------------------------------------------------------

RICH = workspace_type(
    "Rich",
    fields=(
        field_def("StartDate", "datetime"),
        field_def("Budget", "number"),
        field_def("Active", "boolean"),
        field_def("Phase", valid_values=("Initiation", "Execution", "Closure")),
        field_def("Customer"),
        field_def("Level", "number", valid_values=("1", "2")),
        field_def("Secret", "boolean", valid_values=("1",)),
    ),
)
RICH_FIELDS = "StartDate, Budget, Active, Phase, Customer, Level, Secret"


def test_desired_schema_stores_each_type_in_service_form() -> None:
    loaded = spec(
        "schema:\n"
        "  StartDate: 2024-03-01T10:00:00+02:00\n"
        "  Budget: 1.50\n"
        "  Active: TRUE\n"
        "  Phase: Execution\n"
        '  Customer: "  Migros "\n'
        "  Level: 2\n"
        '  Secret: "true"\n',
        wtype="Rich",
    )
    values, problems = desired_schema(loaded, RICH)
    assert problems == []
    assert values == {
        "StartDate": "2024-03-01T08:00:00Z",
        "Budget": "1.50",
        "Active": "1",
        "Phase": "Execution",
        "Customer": "  Migros ",
        "Level": "2",
        "Secret": "1",
    }
    assert list(values) == ["StartDate", "Budget", "Active", "Phase", "Customer", "Level", "Secret"]


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        pytest.param("true", "1", id="true"),
        pytest.param("True", "1", id="True"),
        pytest.param("1", "1", id="one"),
        pytest.param("false", "0", id="false"),
        pytest.param("FALSE", "0", id="FALSE"),
        pytest.param("0", "0", id="zero"),
        pytest.param('"true"', "1", id="quoted-true"),
    ],
)
def test_desired_schema_booleans_from_yaml(written: str, stored: str) -> None:
    loaded = spec(f"schema:\n  Active: {written}\n", wtype="Rich")
    assert desired_schema(loaded, RICH) == ({"Active": stored}, [])


def test_desired_schema_only_lists_what_is_written() -> None:
    loaded = spec("schema:\n  Customer: Migros\n", wtype="Rich")
    assert desired_schema(loaded, RICH) == ({"Customer": "Migros"}, [])


def test_desired_schema_without_schema_is_empty() -> None:
    assert desired_schema(spec(), RICH) == ({}, [])


def test_desired_schema_null_clears_even_with_valid_values() -> None:
    loaded = spec("schema:\n  Phase: null\n  StartDate:\n  Active: ~\n", wtype="Rich")
    assert desired_schema(loaded, RICH) == (
        {"Phase": None, "StartDate": None, "Active": None},
        [],
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        pytest.param(
            "Colour: red",
            f"schema field 'Colour' is not defined by 'Rich' (fields: {RICH_FIELDS})",
            id="unknown-field",
        ),
        pytest.param(
            "startdate: 2024-03-01",
            f"schema field 'startdate' is not defined by 'Rich' (fields: {RICH_FIELDS})",
            id="field-names-are-case-sensitive",
        ),
        pytest.param(
            "StartDate: soon",
            "schema field 'StartDate' (datetime): 'soon' is not an ISO 8601 date or datetime",
            id="datetime-words",
        ),
        pytest.param(
            "StartDate: 1899-12-31",
            "schema field 'StartDate' (datetime): '1899-12-31' must fall in the years 1900 to 9999",
            id="datetime-before-1900",
        ),
        pytest.param(
            "Budget: 1e3",
            "schema field 'Budget' (number): '1e3' is not a number",
            id="number-exponent",
        ),
        pytest.param(
            "Budget: 1_000",
            "schema field 'Budget' (number): '1_000' is not a number",
            id="number-underscore",
        ),
        pytest.param(
            "Active: yes",
            "schema field 'Active' (boolean): 'yes' is not a boolean (true, false, 1 or 0)",
            id="boolean-yes",
        ),
        pytest.param(
            "Phase: Done",
            "schema field 'Phase': 'Done' is not one of Initiation, Execution, Closure",
            id="valid-values",
        ),
        pytest.param(
            "Phase: execution",
            "schema field 'Phase': 'execution' is not one of Initiation, Execution, Closure",
            id="valid-values-are-case-sensitive",
        ),
        pytest.param(
            "Level: 3",
            "schema field 'Level': '3' is not one of 1, 2",
            id="number-valid-values",
        ),
        pytest.param(
            "Secret: false",
            "schema field 'Secret': 'false' is not one of 1",
            id="boolean-valid-values-after-normalizing",
        ),
    ],
)
def test_desired_schema_refuses(entry: str, message: str) -> None:
    values, problems = desired_schema(spec(f"schema:\n  {entry}\n", wtype="Rich"), RICH)
    assert values == {}
    assert described(problems) == [error(message, 8)]


def test_desired_schema_type_without_fields() -> None:
    bare = workspace_type("Bare")
    values, problems = desired_schema(spec("schema:\n  Customer: Migros\n"), bare)
    assert values == {}
    assert described(problems) == [
        error("schema field 'Customer' is not defined by 'Bare' (fields: none)", 8)
    ]


def test_desired_schema_keeps_good_values_next_to_bad_ones() -> None:
    loaded = spec(
        "schema:\n  Budget: 12\n  Active: maybe\n  Customer: Migros\n  Colour: red\n",
        wtype="Rich",
    )
    values, problems = desired_schema(loaded, RICH)
    assert values == {"Budget": "12", "Customer": "Migros"}
    assert described(problems) == [
        error("schema field 'Active' (boolean): 'maybe' is not a boolean (true, false, 1 or 0)", 9),
        error(f"schema field 'Colour' is not defined by 'Rich' (fields: {RICH_FIELDS})", 11),
    ]


# --- missing_required ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({}, id="not-listed"),
        pytest.param({"Customer": None}, id="null"),
        pytest.param({"Customer": ""}, id="empty"),
        pytest.param({"Customer": "  \t"}, id="blank"),
        pytest.param({"Opened": "2024-03-01T00:00:00Z"}, id="only-the-optional-field"),
    ],
)
def test_missing_required_refuses(values: dict[str, str | None]) -> None:
    loaded = spec("schema:\n  Opened: 2024-03-01\n", identity="key: migros", wtype="Customer Case")
    assert described(missing_required(loaded, CUSTOMER_CASE, values)) == [
        error("schema field 'Customer' is required by 'Customer Case'", 8)
    ]


def test_missing_required_without_schema_points_at_the_document() -> None:
    loaded = spec(identity="key: migros", wtype="Customer Case")
    assert described(missing_required(loaded, CUSTOMER_CASE, {})) == [
        error("schema field 'Customer' is required by 'Customer Case'", 1)
    ]


def test_missing_required_names_every_field_in_type_order() -> None:
    two = workspace_type(
        "Two", fields=(field_def("B", required=True), field_def("C"), field_def("A", required=True))
    )
    assert described(missing_required(spec(), two, {"C": None})) == [
        error("schema field 'B' is required by 'Two'", 1),
        error("schema field 'A' is required by 'Two'", 1),
    ]


@pytest.mark.parametrize(
    ("wtype", "values"),
    [
        pytest.param(CUSTOMER_CASE, {"Customer": "Migros"}, id="set"),
        pytest.param(CUSTOMER_CASE, {"Customer": " x "}, id="set-with-blanks"),
        pytest.param(PROJECT, {}, id="no-required-fields"),
        pytest.param(DEPARTMENT, {"CostCenter": "0"}, id="number-zero"),
        pytest.param(TEAM_ROOM, {"Topic": "Onboarding", "Confidential": None}, id="optional-null"),
    ],
)
def test_missing_required_accepts(wtype: WorkspaceType, values: dict[str, str | None]) -> None:
    assert missing_required(spec(), wtype, values) == []


def test_required_number_from_yaml_end_to_end() -> None:
    loaded = spec("schema:\n  CostCenter: 0123\n", identity="key: finance", wtype="Department")
    values, problems = desired_schema(loaded, DEPARTMENT)
    assert (values, problems) == ({"CostCenter": "0123"}, [])
    assert missing_required(loaded, DEPARTMENT, values) == []


# --- check_team ------------------------------------------------------------------------------


def test_check_team_accepts_sharepoint_groups_and_ad_groups() -> None:
    loaded = spec(
        "team:\n  Managers: [ana@xyz.com]\n  Members: [tom@xyz.com, Finance Team]\n  Visitors: []\n"
    )
    assert check_team(loaded, PROJECT) == []


def test_check_team_accepts_teams_accounts() -> None:
    loaded = spec("team:\n  Owners: [ana@xyz.com]\n  Members: [tom@xyz.com]\n")
    assert check_team(loaded, TEAM_ROOM) == []


def test_check_team_without_team() -> None:
    assert check_team(spec(), TEAM_ROOM) == []


@pytest.mark.parametrize(
    ("wtype", "group", "message"),
    [
        pytest.param(
            PROJECT,
            "Owners",
            "team group 'Owners' is not managed on SharePoint workspaces "
            "(groups: Managers, Members, Visitors)",
            id="SharePoint-Owners",
        ),
        pytest.param(
            TEAM_ROOM,
            "Visitors",
            "team group 'Visitors' is not managed on Teams workspaces (groups: Owners, Members)",
            id="Teams-Visitors",
        ),
        pytest.param(
            TEAM_ROOM,
            "Managers",
            "team group 'Managers' is not managed on Teams workspaces (groups: Owners, Members)",
            id="Teams-Managers",
        ),
    ],
)
def test_check_team_refuses_groups(wtype: WorkspaceType, group: str, message: str) -> None:
    loaded = spec(f"team:\n  Members: []\n  {group}: [ana@xyz.com]\n")
    assert described(check_team(loaded, wtype)) == [error(message, 9)]


def test_check_team_refuses_ad_groups_on_teams() -> None:
    loaded = spec(
        "team:\n  Owners: [ana@xyz.com, IT Admins]\n  Members:\n"
        "    - tom@xyz.com\n    - Finance Team\n    - All Staff\n"
    )
    suffix = "looks like an AD group: Teams takes email accounts only"
    assert described(check_team(loaded, TEAM_ROOM)) == [
        error(f"'IT Admins' {suffix}", 8),
        error(f"'Finance Team' {suffix}", 10),
        error(f"'All Staff' {suffix}", 10),
    ]


def test_an_unmanaged_group_is_one_problem_not_one_per_member() -> None:
    loaded = spec("team:\n  Visitors: [Finance Team, ana@xyz.com]\n")
    assert described(check_team(loaded, TEAM_ROOM)) == [
        error(
            "team group 'Visitors' is not managed on Teams workspaces (groups: Owners, Members)", 8
        )
    ]


# --- type_change_problem ---------------------------------------------------------------------

REORDERED = workspace_type("Project Reordered", fields=tuple(reversed(PROJECT_FIELDS)))
LOOSER = workspace_type(
    "Project Looser",
    fields=(
        field_def("StartDate", "datetime", required=True),
        field_def("EndDate", "datetime"),
        field_def("Customer", valid_values=("Migros",)),
        field_def("Phase"),
        field_def("Description"),
    ),
)
RETYPED = workspace_type(
    "Project Retyped", fields=(*PROJECT_FIELDS[:4], field_def("Description", "number"))
)
RENAMED = workspace_type("Project Renamed", fields=(*PROJECT_FIELDS[:4], field_def("Notes")))
WIDER = workspace_type("Project Wider", fields=(*PROJECT_FIELDS, field_def("Budget", "number")))
NARROWER = workspace_type("Project Narrower", fields=PROJECT_FIELDS[:4])
ON_TEAMS = workspace_type("Project Teams", provisioning="Teams", fields=PROJECT_FIELDS)
SEMI = workspace_type("Project Semi", generator="PrefixWithId", prefix="pr.", fields=PROJECT_FIELDS)
FULL = workspace_type("Project Full", generator="Full", prefix="org.bu", fields=PROJECT_FIELDS)
BY_NAME = workspace_type(
    "Project By Name", generator="PrefixWithName", prefix="dep", fields=PROJECT_FIELDS
)
SEMI_NO_PREFIX = workspace_type(
    "Project Semi Open", generator="PrefixWithId", prefix=None, fields=PROJECT_FIELDS
)
INACTIVE_OTHER = workspace_type("Gone", active=False, provisioning="Teams")


@pytest.mark.parametrize(
    ("current", "new", "workspace_id"),
    [
        pytest.param(PROJECT, PROJECT_PLUS, "pr.07", id="same-schema"),
        pytest.param(PROJECT, REORDERED, "pr.07", id="fields-in-other-order"),
        pytest.param(PROJECT, LOOSER, "pr.07", id="required-and-valid-values-may-differ"),
        pytest.param(PROJECT, SEMI, "pr.07", id="PrefixWithId-prefix-kept"),
        pytest.param(PROJECT, SEMI, "PR.07", id="PrefixWithId-prefix-other-case"),
        pytest.param(PROJECT, BY_NAME, "pr.07", id="PrefixWithName-prefix-not-checked"),
        pytest.param(PROJECT, SEMI_NO_PREFIX, "pr.07", id="PrefixWithId-without-prefix"),
        pytest.param(ON_TEAMS, ON_TEAMS, "pr.07", id="Teams-to-Teams"),
    ],
)
def test_type_change_accepted(
    current: WorkspaceType, new: WorkspaceType, workspace_id: str
) -> None:
    assert type_change_problem(current, new, workspace_id) is None


@pytest.mark.parametrize(
    ("current", "new", "workspace_id", "message"),
    [
        pytest.param(
            PROJECT, ARCHIVE, "pr.07", "workspace type 'Archive' is not active", id="inactive"
        ),
        pytest.param(
            PROJECT, INACTIVE_OTHER, "x", "workspace type 'Gone' is not active", id="inactive-first"
        ),
        pytest.param(
            PROJECT,
            RETYPED,
            "pr.07",
            "workspace type 'Project Retyped' does not have the same schema as 'Project'",
            id="field-type-differs",
        ),
        pytest.param(
            PROJECT,
            RENAMED,
            "pr.07",
            "workspace type 'Project Renamed' does not have the same schema as 'Project'",
            id="field-name-differs",
        ),
        pytest.param(
            PROJECT,
            WIDER,
            "pr.07",
            "workspace type 'Project Wider' does not have the same schema as 'Project'",
            id="extra-field",
        ),
        pytest.param(
            PROJECT,
            NARROWER,
            "pr.07",
            "workspace type 'Project Narrower' does not have the same schema as 'Project'",
            id="missing-field",
        ),
        pytest.param(
            PROJECT,
            TEAM_ROOM,
            "tr.x",
            "workspace type 'Team Room' does not have the same schema as 'Project'",
            id="schema-before-provisioning",
        ),
        pytest.param(
            PROJECT,
            ON_TEAMS,
            "pr.07",
            "'Project' cannot become 'Project Teams' (SharePoint to Teams)",
            id="SharePoint-to-Teams",
        ),
        pytest.param(
            ON_TEAMS,
            PROJECT,
            "pr.07",
            "'Project Teams' cannot become 'Project' (Teams to SharePoint)",
            id="Teams-to-SharePoint",
        ),
        pytest.param(
            PROJECT,
            SEMI,
            "x.07",
            "WorkspaceId 'x.07' does not start with 'pr.' (type 'Project Semi')",
            id="PrefixWithId-prefix-missing",
        ),
        pytest.param(
            PROJECT,
            FULL,
            "pr.07",
            "WorkspaceId 'pr.07' does not start with 'org.bu' (type 'Project Full')",
            id="Full-prefix-missing",
        ),
    ],
)
def test_type_change_refused(
    current: WorkspaceType, new: WorkspaceType, workspace_id: str, message: str
) -> None:
    assert type_change_problem(current, new, workspace_id) == message
