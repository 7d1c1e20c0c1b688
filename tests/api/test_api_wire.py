"""The document's wire quirks, read from its own samples: pure functions, no network."""

from __future__ import annotations

import json

import pytest

from reconciler.api import wire
from reconciler.api.errors import UnexpectedResponse
from reconciler.api.models import MemberStatus, Person

SCHEMA_TEXT = (
    '[{"FieldName":"StartDate","FieldType":"datetime","FieldValue":null,"IsRequired":false,'
    '"ValidValues":null},\n{"FieldName":"Customer","FieldType":"string","FieldValue":"Migros",'
    '"IsRequired":true,"ValidValues":null}]'
)


def type_sample(**overrides: object) -> dict[str, object]:
    """The document's availableWsTypes sample (with its syntax slips repaired)."""
    sample: dict[str, object] = {
        "Id": "3B66DCCA-98AF-458A-AE36-A67BF199AC07",
        "Name": "Star Unit",
        "CreationMode": 1,
        "IsActive": "0",
        "SchemaDefinition": SCHEMA_TEXT,
        "WorkspaceIdGenerator": {"Name": "Full", "Value": 2, "Prefix": "org.su"},
        "ProvisioningType": 0,
    }
    sample.update(overrides)
    return sample


def test_workspace_type_reads_json_inside_a_string_and_string_booleans() -> None:
    parsed = wire.parse_workspace_type(type_sample())
    assert parsed.is_active is False
    assert [f.name for f in parsed.schema_definition] == ["StartDate", "Customer"]
    assert parsed.schema_definition[1].is_required is True
    assert parsed.generator.name == "Full" and parsed.generator.prefix == "org.su"
    assert parsed.generator.service_generates_id
    assert parsed.provisioning_type == "SharePoint"
    assert parsed.unit_type_id is None


@pytest.mark.parametrize(
    ("overrides", "attr", "expected"),
    [
        ({"IsActive": "1"}, "is_active", True),
        ({"IsActive": True}, "is_active", True),
        ({"ProvisioningType": "Teams"}, "provisioning_type", "Teams"),
        ({"ProvisioningType": 1}, "provisioning_type", "Teams"),
        ({"UnitTypeId": "3"}, "unit_type_id", 3),
        ({"UnitTypeId": 3}, "unit_type_id", 3),
        ({"SchemaDefinition": json.loads(SCHEMA_TEXT)}, "schema_definition", 2),
        ({"SchemaDefinition": None}, "schema_definition", 0),
    ],
)
def test_workspace_type_accepts_either_form(
    overrides: dict[str, object], attr: str, expected: object
) -> None:
    value = getattr(wire.parse_workspace_type(type_sample(**overrides)), attr)
    assert (len(value) if isinstance(value, tuple) else value) == expected


@pytest.mark.parametrize(
    ("generator", "name", "value"),
    [
        ({"Name": "None"}, "None", 0),
        ({"Name": "PrefixWithId", "Prefix": "tr."}, "PrefixWithId", 1),
        ({"Value": 3, "Prefix": "dep"}, "PrefixWithName", 3),
        (2, "Full", 2),
        ("PrefixWithName", "PrefixWithName", 3),
        (None, "None", 0),
    ],
)
def test_generator_by_name_or_value(generator: object, name: str, value: int) -> None:
    parsed = wire.parse_generator(generator)
    assert (parsed.name, parsed.value) == (name, value)


def test_unknown_generator_is_an_unexpected_response() -> None:
    with pytest.raises(UnexpectedResponse, match="WorkspaceIdGenerator"):
        wire.parse_generator({"Name": "Sometimes"})


def test_schema_update_answer_carries_schema_as_a_string() -> None:
    parsed = wire.parse_schema_update(
        {"WorkspaceId": "testWorkspace", "Url": "https://x/sites/pr.01", "Schema": SCHEMA_TEXT}
    )
    assert [(f.name, f.value) for f in parsed.schema] == [
        ("StartDate", None),
        ("Customer", "Migros"),
    ]


def test_type_change_answer_has_unit_type_id_as_a_string() -> None:
    parsed = wire.parse_type_change(
        {
            "WorkspaceId": "w",
            "Url": None,
            "UnitTypeId": "3",
            "Cards": [{"Title": "Tasks", "ListName": "Tasks", "IsRestricted": False}],
        }
    )
    assert parsed.unit_type_id == 3
    assert parsed.cards[0].title == "Tasks"


def test_workspace_accepts_manger_as_the_field_table_spells_it() -> None:
    payload = {
        "Id": 69,
        "WorkspaceId": "example",
        "Name": "P",
        "Stage": 2,
        "Manger": {"Email": "a@x.com", "Name": "A"},
        "Schema": SCHEMA_TEXT,
    }
    parsed = wire.parse_workspace(payload)
    assert parsed.manager == Person("a@x.com", "A")
    assert parsed.ready
    assert len(parsed.schema) == 2


@pytest.mark.parametrize(
    ("raw", "name", "group"),
    [
        ("Project01 Managers", "Project01", "Managers"),
        ("testWorkspace Members", None, "Members"),  # the samples prefix the id
        ("Orange Visitors", "Project01", "Visitors"),  # renamed since: suffix still matches
        ("Sales Visitors Owners", "Sales Visitors", "Owners"),
        ("Excel Services Viewers", "Project01", "Excel Services Viewers"),
        ("Project01 People", "Project01", "People"),
    ],
)
def test_group_of_strips_the_prefix(raw: str, name: str | None, group: str) -> None:
    assert wire.group_of(raw, name) == group


def test_team_keeps_raw_names_and_members() -> None:
    parsed = wire.parse_team(
        [
            {"Group": "Excel Services Viewers", "Members": []},
            {"Group": "testWorkspace Owners", "Members": ["System Account"]},
        ]
    )
    assert [(g.raw_name, g.group, g.members) for g in parsed] == [
        ("Excel Services Viewers", "Excel Services Viewers", ()),
        ("testWorkspace Owners", "Owners", ("System Account",)),
    ]


def test_groups_as_an_object_or_a_bare_array() -> None:
    names = ["w Managers", "w Members"]
    assert wire.parse_groups({"Groups": names}) == wire.parse_groups(names)


def test_team_update_statuses() -> None:
    parsed = wire.parse_team_update(
        [
            {
                "Group": "Managers",
                "Members": [
                    {"Account": "a@x.com", "Status": 2},
                    {"Account": "b@x.com", "Status": 0},
                ],
            },
            {"Group": "People", "Members": [{"Account": "AD_Test", "Status": 3}]},
        ]
    )
    assert parsed.with_status(MemberStatus.FAILED) == (("Managers", "a@x.com"),)
    assert parsed.with_status(MemberStatus.NOT_EXISTING_GROUP) == (("People", "AD_Test"),)


@pytest.mark.parametrize("bad", ["{not json", "[1, 2", 5])
def test_schema_that_is_not_an_array_is_refused(bad: object) -> None:
    with pytest.raises(UnexpectedResponse):
        wire.parse_schema(bad)
