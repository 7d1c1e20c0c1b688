"""The wire module pinned value by value: every key read, every default, every exact message.

Pure functions, no network. Whole parsed values are compared with `==`, so a key
read under another name, a default changed or a quirk no longer absorbed fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.api import wire
from reconciler.api.errors import UnexpectedResponse, UnsafePath
from reconciler.api.models import (
    Card,
    FieldDefinition,
    GroupUpdate,
    IdGenerator,
    MemberStatus,
    MemberUpdate,
    OrganizationUnit,
    Person,
    SchemaField,
    SchemaUpdateResult,
    SiteGroup,
    TeamGroup,
    TeamUpdateResult,
    TypeChangeResult,
    Workspace,
    WorkspaceProperties,
    WorkspaceStatus,
    WorkspaceType,
)
from reconciler.model.operations import (
    ChangeType,
    CreateWorkspace,
    PersonRef,
    UpdateSchema,
    UpdateTeam,
    UpdateWorkspace,
)


def message(call: Any, *args: Any) -> str:
    with pytest.raises(UnexpectedResponse) as caught:
        call(*args)
    return str(caught.value)


# -- scalars ---------------------------------------------------------------------------------


def test_known_groups() -> None:
    assert wire.KNOWN_GROUPS == ("Managers", "Members", "Visitors", "Owners")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (2, True),
        (-1, True),
        ("1", True),
        (" TRUE ", True),
        ("true", True),
        ("0", False),
        ("False", False),
        ("", False),
        ("  ", False),
        (None, False),
    ],
)
def test_as_bool(value: object, expected: bool) -> None:
    assert wire.as_bool(value) is expected


@pytest.mark.parametrize(("value", "shown"), [("yes", "'yes'"), (1.5, "1.5"), ([], "[]")])
def test_as_bool_refuses(value: object, shown: str) -> None:
    assert message(wire.as_bool, value) == f"expected a flag, got {shown}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, None),
        (False, None),
        (0, 0),
        (7, 7),
        (-3, -3),
        ("3", 3),
        (" 12 ", 12),
        ("-4", -4),
        ("007", 7),
    ],
)
def test_as_int(value: object, expected: int | None) -> None:
    assert wire.as_int(value) == expected
    assert wire.as_int_or_none(value) == expected


@pytest.mark.parametrize(
    ("value", "shown"), [("x", "'x'"), ("1.5", "'1.5'"), (1.5, "1.5"), ("", "''")]
)
def test_as_int_refuses(value: object, shown: str) -> None:
    assert message(wire.as_int, value) == f"expected an integer, got {shown}"
    assert wire.as_int_or_none(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ()),
        ([], ()),
        ([1, "a"], (1, "a")),
        ("[1, 2]", (1, 2)),
        ("", ()),
        ("   ", ()),
    ],
)
def test_json_array(value: object, expected: tuple[object, ...]) -> None:
    assert tuple(wire.json_array(value, "X")) == expected


def test_json_array_refuses() -> None:
    assert message(wire.json_array, "{not json", "Things") == (
        "Things holds a string that is not JSON"
    )
    assert message(wire.json_array, '{"a": 1}', "Things") == (
        "expected an array for Things, got dict"
    )
    assert message(wire.json_array, 5, "Things") == "expected an array for Things, got int"


# -- objects ---------------------------------------------------------------------------------


def test_person() -> None:
    assert wire.parse_person(None) is None
    assert wire.parse_person({"Email": "a@x.com", "Name": "A"}) == Person("a@x.com", "A")
    assert wire.parse_person({"Email": "a@x.com"}) == Person("a@x.com", None)
    assert message(wire.parse_person, "a@x.com") == "expected an object for a person, got str"
    assert message(wire.parse_person, {"Name": "A"}) == "expected a string in 'Email', got None"
    assert message(wire.parse_person, {"Email": 5}) == "expected a string in 'Email', got 5"


def test_org_unit() -> None:
    unit = {"Id": "U1", "Name": "Star Unit", "ShortName": "SU", "Logo": "https://l"}
    assert wire.parse_org_unit(unit) == OrganizationUnit("U1", "Star Unit", "SU", "https://l")
    assert wire.parse_org_unit({"Id": "U1"}) == OrganizationUnit("U1", None, None, None)
    assert wire.parse_org_unit({"Id": "U1", "Name": 5}).name == "5"
    assert message(wire.parse_org_unit, []) == (
        "expected an object for an organization unit, got list"
    )


def test_field_definition() -> None:
    full = {
        "FieldName": "Phase",
        "FieldType": "choice",
        "IsRequired": "1",
        "ValidValues": '["A", 2]',
        "FieldValue": "A",
    }
    assert wire.parse_field_definition(full) == FieldDefinition(
        "Phase", "choice", True, ("A", "2"), "A"
    )
    assert wire.parse_field_definition({"FieldName": "F"}) == FieldDefinition(
        "F", "string", False, None, None
    )
    assert wire.parse_field_definition({"FieldName": "F", "ValidValues": []}).valid_values == ()
    assert message(wire.parse_field_definition, 1) == (
        "expected an object for a schema field, got int"
    )
    assert message(wire.parse_field_definition, {"FieldName": "F", "ValidValues": "x"}) == (
        "ValidValues holds a string that is not JSON"
    )


def test_schema_field() -> None:
    full = {
        "FieldName": "Phase",
        "FieldType": "choice",
        "FieldValue": 3,
        "IsRequired": True,
        "ValidValues": ["A"],
    }
    assert wire.parse_schema_field(full) == SchemaField("Phase", "choice", "3", True, ("A",))
    assert wire.parse_schema_field({"FieldName": "F"}) == SchemaField(
        "F", "string", None, False, None
    )
    assert message(wire.parse_schema_field, "x") == (
        "expected an object for a schema field, got str"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, IdGenerator("None", 0, None)),
        (0, IdGenerator("None", 0, None)),
        ("1", IdGenerator("PrefixWithId", 1, None)),
        ("full", IdGenerator("Full", 2, None)),
        ({"Name": "prefixwithname", "Prefix": "dep"}, IdGenerator("PrefixWithName", 3, "dep")),
        ({"Value": "2", "Name": "Other"}, IdGenerator("Full", 2, None)),
        ({"Value": 9, "Name": "Later"}, IdGenerator("Later", 9, None)),
        ({"Value": 9}, IdGenerator("9", 9, None)),
        ({"Value": 1, "Prefix": 5}, IdGenerator("PrefixWithId", 1, "5")),
    ],
)
def test_generator(value: object, expected: IdGenerator) -> None:
    assert wire.parse_generator(value) == expected


def test_generator_refuses() -> None:
    assert message(wire.parse_generator, {"Name": "Sometimes"}) == (
        "unknown WorkspaceIdGenerator {'Name': 'Sometimes'}"
    )
    assert message(wire.parse_generator, {}) == "unknown WorkspaceIdGenerator {}"
    assert message(wire.parse_generator, "Sometimes") == (
        "unknown WorkspaceIdGenerator {'Name': 'Sometimes'}"
    )
    assert message(wire.parse_generator, True) == (
        "expected an object for WorkspaceIdGenerator, got bool"
    )
    assert message(wire.parse_generator, [2]) == (
        "expected an object for WorkspaceIdGenerator, got list"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "SharePoint"),
        ("0", "SharePoint"),
        ("sharepoint", "SharePoint"),
        ("SharePoint", "SharePoint"),
        (1, "Teams"),
        ("1", "Teams"),
        ("TEAMS", "Teams"),
    ],
)
def test_provisioning_type(value: object, expected: str) -> None:
    assert wire.parse_provisioning_type(value) == expected


@pytest.mark.parametrize(("value", "shown"), [(2, "2"), ("Yammer", "'Yammer'"), (None, "None")])
def test_provisioning_type_refuses(value: object, shown: str) -> None:
    assert message(wire.parse_provisioning_type, value) == f"unknown ProvisioningType {shown}"


def test_workspace_type() -> None:
    full = {
        "Id": "T1",
        "Name": "Project",
        "CreationMode": "2",
        "IsActive": 1,
        "SchemaDefinition": [{"FieldName": "F", "IsRequired": True}],
        "WorkspaceIdGenerator": {"Name": "Full", "Value": 2, "Prefix": "org"},
        "ProvisioningType": "Teams",
        "UnitTypeId": "7",
    }
    assert wire.parse_workspace_type(full) == WorkspaceType(
        id="T1",
        name="Project",
        creation_mode=2,
        is_active=True,
        schema_definition=(FieldDefinition("F", "string", True, None, None),),
        generator=IdGenerator("Full", 2, "org"),
        provisioning_type="Teams",
        unit_type_id=7,
    )
    bare = wire.parse_workspace_type({"Id": "T1", "Name": "P", "ProvisioningType": 0})
    assert bare == WorkspaceType(
        id="T1",
        name="P",
        creation_mode=0,
        is_active=False,
        schema_definition=(),
        generator=IdGenerator("None", 0, None),
        provisioning_type="SharePoint",
        unit_type_id=None,
    )
    assert message(wire.parse_workspace_type, None) == (
        "expected an object for a workspace type, got NoneType"
    )
    assert message(wire.parse_workspace_type, {"Id": "T1"}) == (
        "expected a string in 'Name', got None"
    )
    assert message(
        wire.parse_workspace_type, {"Id": "T1", "Name": "P", "SchemaDefinition": "oops"}
    ) == ("SchemaDefinition holds a string that is not JSON")


def test_card() -> None:
    card = {"Title": "Tasks", "ListName": "TaskList", "IsRestricted": "1"}
    assert wire.parse_card(card) == Card("Tasks", "TaskList", True)
    assert wire.parse_card({"Title": "Tasks"}) == Card("Tasks", "", False)
    assert message(wire.parse_card, 3) == "expected an object for a card, got int"


WORKSPACE = {
    "Id": "69",
    "WorkspaceId": "example",
    "Name": "Project01",
    "UnitTypeId": 4,
    "Url": "https://x/sites/example",
    "Stage": 2,
    "Shared": "1",
    "LifeCycle": 1,
    "Created": "2024-01-01",
    "Modified": "2024-02-01",
    "Creator": {"Email": "c@x.com"},
    "Modifier": {"Email": "m@x.com", "Name": "M"},
    "Manager": {"Email": "boss@x.com"},
    "Manger": {"Email": "typo@x.com"},
    "Deputy": {"Email": "dep@x.com"},
    "Cards": [{"Title": "Tasks"}],
    "Schema": '[{"FieldName": "Customer", "FieldValue": "Migros"}]',
}


def test_workspace() -> None:
    assert wire.parse_workspace(WORKSPACE) == Workspace(
        id=69,
        workspace_id="example",
        name="Project01",
        unit_type_id=4,
        url="https://x/sites/example",
        stage=2,
        shared=True,
        life_cycle=1,
        created="2024-01-01",
        modified="2024-02-01",
        creator=Person("c@x.com"),
        modifier=Person("m@x.com", "M"),
        manager=Person("boss@x.com"),
        deputy=Person("dep@x.com"),
        cards=(Card("Tasks", "", False),),
        schema=(SchemaField("Customer", "string", "Migros", False, None),),
    )


def test_bare_workspace() -> None:
    assert wire.parse_workspace({"WorkspaceId": "w", "Name": "N"}) == Workspace(
        id=None,
        workspace_id="w",
        name="N",
        unit_type_id=None,
        url=None,
        stage=0,
        shared=False,
        life_cycle=0,
        created=None,
        modified=None,
        creator=None,
        modifier=None,
        manager=None,
        deputy=None,
        cards=(),
        schema=(),
    )


def test_workspace_refuses() -> None:
    assert message(wire.parse_workspace, "w") == "expected an object for a workspace, got str"
    assert message(wire.parse_workspace, {"WorkspaceId": "w", "Name": "N", "Cards": {}}) == (
        "expected an array for Cards, got dict"
    )
    assert message(wire.parse_workspace, {"WorkspaceId": "w", "Name": "N", "Schema": "x"}) == (
        "Schema holds a string that is not JSON"
    )


def test_status() -> None:
    assert wire.parse_status({"Name": "Ready", "Value": "2"}) == WorkspaceStatus("Ready", 2)
    assert wire.parse_status({"Value": 0}) == WorkspaceStatus("0", 0)
    assert message(wire.parse_status, {"Name": "Ready"}) == (
        "status without a Value: {'Name': 'Ready'}"
    )
    assert message(wire.parse_status, 2) == "expected an object for a status, got int"


def test_properties() -> None:
    answer = {
        "Name": "N",
        "LifeCycle": "1",
        "Manager": {"Email": "a@x.com"},
        "Deputy": {"Email": "d@x.com"},
    }
    assert wire.parse_properties(answer) == WorkspaceProperties(
        "N", 1, Person("a@x.com"), Person("d@x.com")
    )
    assert wire.parse_properties({"Name": "N", "Manger": {"Email": "t@x.com"}}) == (
        WorkspaceProperties("N", 0, Person("t@x.com"), None)
    )
    assert message(wire.parse_properties, []) == (
        "expected an object for workspace properties, got list"
    )


@pytest.mark.parametrize(
    ("raw", "name", "group"),
    [
        ("Managers", None, "Managers"),
        ("Members", "X", "Members"),
        ("Visitors", None, "Visitors"),
        ("Owners", None, "Owners"),
        ("w Owners", None, "Owners"),
        ("wOwners", None, "wOwners"),
        ("Project01 Anything", "Project01", "Anything"),
        ("Project01Managers", "Project01", "Project01Managers"),
        ("Project01 Managers", "", "Managers"),
        ("Project01 Managers", "Project0", "Managers"),
    ],
)
def test_group_of(raw: str, name: str | None, group: str) -> None:
    assert wire.group_of(raw, name) == group


def test_groups() -> None:
    assert wire.parse_groups({"Groups": ["P Managers", 5]}, "P") == (
        SiteGroup("P Managers", "Managers"),
        SiteGroup("5", "5"),
    )
    assert wire.parse_groups(["x Members"]) == (SiteGroup("x Members", "Members"),)
    assert wire.parse_groups({}) == ()
    assert message(wire.parse_groups, {"Groups": "x"}) == "expected an array for Groups, got str"


def test_team() -> None:
    answer = [{"Group": "P Managers", "Members": ["a@x.com", 5]}, {"Group": "P Visitors"}]
    assert wire.parse_team(answer, "P") == (
        TeamGroup("P Managers", "Managers", ("a@x.com", "5")),
        TeamGroup("P Visitors", "Visitors", ()),
    )
    assert wire.parse_team(None) == ()
    assert message(wire.parse_team, {}) == "expected an array for a team, got dict"
    assert message(wire.parse_team, [1]) == "expected an object for a team group, got int"
    assert message(wire.parse_team, [{"Group": "G", "Members": "a"}]) == (
        "expected an array for Members, got str"
    )
    assert message(wire.parse_team, [{"Members": []}]) == "expected a string in 'Group', got None"


def test_team_update() -> None:
    answer = [
        {
            "Group": "Managers",
            "Members": [{"Account": "a@x.com", "Status": "1"}, {"Account": "b", "Status": 7}],
        },
        {"Group": "Owners"},
    ]
    assert wire.parse_team_update(answer) == TeamUpdateResult(
        (
            GroupUpdate(
                "Managers", (MemberUpdate("a@x.com", MemberStatus.REMOVED), MemberUpdate("b", 7))
            ),
            GroupUpdate("Owners", ()),
        )
    )
    assert message(wire.parse_team_update, "x") == "expected an array for a team update, got str"
    assert message(wire.parse_team_update, [[]]) == (
        "expected an object for a team update group, got list"
    )
    assert message(wire.parse_team_update, [{"Group": "G", "Members": [1]}]) == (
        "expected an object for a member update, got int"
    )
    assert message(wire.parse_team_update, [{"Group": "G", "Members": [{"Account": "a"}]}]) == (
        "member status None is not a number"
    )
    assert message(wire.parse_team_update, [{"Group": "G", "Members": {}}]) == (
        "expected an array for Members, got dict"
    )
    assert message(wire.parse_team_update, [{"Members": []}]) == (
        "expected a string in 'Group', got None"
    )


def test_schema_update() -> None:
    answer = {"WorkspaceId": "w", "Url": "https://u", "Schema": [{"FieldName": "F"}]}
    assert wire.parse_schema_update(answer) == SchemaUpdateResult(
        "w", "https://u", (SchemaField("F", "string", None, False, None),)
    )
    assert wire.parse_schema_update({"WorkspaceId": "w"}) == SchemaUpdateResult("w", None, ())
    assert message(wire.parse_schema_update, 1) == (
        "expected an object for a schema update, got int"
    )


def test_type_change() -> None:
    answer = {"WorkspaceId": "w", "Url": "https://u", "UnitTypeId": "3", "Cards": [{"Title": "T"}]}
    assert wire.parse_type_change(answer) == TypeChangeResult(
        "w", "https://u", 3, (Card("T", "", False),)
    )
    assert wire.parse_type_change({"WorkspaceId": "w"}) == TypeChangeResult("w", None, None, ())
    assert message(wire.parse_type_change, 1) == (
        "expected an object for a workspace type change, got int"
    )
    assert message(wire.parse_type_change, {"WorkspaceId": "w", "Cards": "c"}) == (
        "expected an array for Cards, got str"
    )


def test_schema() -> None:
    assert message(wire.parse_schema, 5) == "expected an array for Schema, got int"
    assert message(wire.parse_schema, "{") == "Schema holds a string that is not JSON"


# -- writes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_segment_refuses_what_a_path_would_resolve(value: str) -> None:
    with pytest.raises(UnsafePath) as caught:
        wire.segment(value)
    assert str(caught.value) == f"{value!r} cannot be used as an id in a URL path"


def test_segment_quotes_everything() -> None:
    assert wire.segment("a/b?c#d e") == "a%2Fb%3Fc%23d%20e"
    assert wire.segment("...") == "..."
    assert wire.workspace_path("a/b") == "/workspaces/a%2Fb"
    assert wire.workspace_path("w", "team") == "/workspaces/w/team"


def test_requests_exactly() -> None:
    create = CreateWorkspace(
        name="N",
        organization_unit_id="U",
        workspace_type_id="T",
        manager=PersonRef("m@x.com", "M"),
        workspace_id="w",
        description="D",
        deputy=PersonRef("d@x.com"),
        schema=(("F", "v"), ("G", None)),
        team=(("Members", ("a@x.com",)), ("Visitors", ())),
    )
    assert wire.request_for(create) == wire.Request(
        "POST",
        "/workspaces",
        {
            "WorkspaceId": "w",
            "Name": "N",
            "Description": "D",
            "OrganizationUnitId": "U",
            "WorkspaceTypeId": "T",
            "Manager": {"Email": "m@x.com", "Name": "M"},
            "Deputy": {"Email": "d@x.com"},
            "Schema": [
                {"FieldName": "F", "FieldValue": "v"},
                {"FieldName": "G", "FieldValue": None},
            ],
            "Team": {"Added": [{"Group": "Members", "Members": ["a@x.com"]}]},
        },
    )
    bare = CreateWorkspace("N", "U", "T", PersonRef("m@x.com"), team=(("Members", ()),))
    assert wire.create_body(bare) == {
        "Name": "N",
        "OrganizationUnitId": "U",
        "WorkspaceTypeId": "T",
        "Manager": {"Email": "m@x.com"},
    }
    closed = UpdateWorkspace("w", "N", True, PersonRef("m@x.com"), PersonRef("d@x.com", "D"))
    assert wire.request_for(closed) == wire.Request(
        "PUT",
        "/workspaces/w",
        {
            "Name": "N",
            "LifeCycle": 1,
            "Manager": {"Email": "m@x.com"},
            "Deputy": {"Email": "d@x.com", "Name": "D"},
        },
    )
    active = UpdateWorkspace("w", "N", False, PersonRef("m@x.com"), None)
    assert wire.properties_body(active) == {
        "Name": "N",
        "LifeCycle": 0,
        "Manager": {"Email": "m@x.com"},
    }
    team = UpdateTeam("w", added=(("Members", ("a", "b")),), removed=(("Owners", ("c",)),))
    assert wire.request_for(team) == wire.Request(
        "PUT",
        "/workspaces/w/team",
        {
            "Added": [{"Group": "Members", "Members": ["a", "b"]}],
            "Removed": [{"Group": "Owners", "Members": ["c"]}],
        },
    )
    schema = UpdateSchema("w", (("F", "1"),))
    assert wire.request_for(schema) == wire.Request(
        "PUT", "/workspaces/w/schema", [{"FieldName": "F", "FieldValue": "1"}]
    )
    change = ChangeType("w", "T2")
    assert wire.request_for(change) == wire.Request(
        "PUT", "/workspaces/w/workspaceType", {"Id": "T2"}
    )
