"""Organization units and their available workspace types, in the document's shapes."""

from __future__ import annotations

import json

from tests.conftest import (
    ARCHIVE_TYPE,
    BUTTERFLY_UNIT,
    CUSTOMER_CASE_TYPE,
    PROJECT_TYPE,
    STAR_UNIT,
    RunningEmulator,
)


def test_list_matches_the_document_sample_shape(emulator: RunningEmulator) -> None:
    units = emulator.api("GET", "/organizationUnits").json()
    assert units[0] == {
        "Id": STAR_UNIT,
        "Name": "Star Unit",
        "ShortName": "SU",
        "Logo": "https://amw-sml.azureedge.net/dev/assets/images/Logo.png",
    }
    assert [u["ShortName"] for u in units] == ["SU", "BU"]


def test_single_unit_and_case_insensitive_id(emulator: RunningEmulator) -> None:
    assert emulator.api("GET", f"/organizationUnits/{STAR_UNIT.lower()}").json()["Name"] == (
        "Star Unit"
    )
    missing = emulator.api("GET", "/organizationUnits/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


def test_available_types_carry_the_quirks(emulator: RunningEmulator) -> None:
    types = emulator.api("GET", f"/organizationUnits/{STAR_UNIT}/availableWsTypes").json()
    project = next(t for t in types if t["Id"] == PROJECT_TYPE)
    assert project["IsActive"] == "1"  # a string, as the document's sample sends it
    assert isinstance(project["SchemaDefinition"], str)  # JSON inside a string
    definition = json.loads(project["SchemaDefinition"])
    assert definition[0] == {
        "FieldName": "StartDate",
        "FieldType": "datetime",
        "FieldValue": None,
        "IsRequired": False,
        "ValidValues": None,
    }
    assert project["WorkspaceIdGenerator"] == {"Name": "None", "Value": 0, "Prefix": None}
    assert project["ProvisioningType"] == 0
    assert project["CreationMode"] == 2
    assert isinstance(project["UnitTypeId"], int)
    archive = next(t for t in types if t["Id"] == ARCHIVE_TYPE)
    assert archive["IsActive"] == "0"


def test_each_unit_type_pair_has_its_own_unit_type_id(emulator: RunningEmulator) -> None:
    star = emulator.api("GET", f"/organizationUnits/{STAR_UNIT}/availableWsTypes").json()
    butterfly = emulator.api("GET", f"/organizationUnits/{BUTTERFLY_UNIT}/availableWsTypes").json()
    ids = [t["UnitTypeId"] for t in star + butterfly]
    assert len(ids) == len(set(ids))
    case = next(t for t in butterfly if t["Id"] == CUSTOMER_CASE_TYPE)
    assert case["WorkspaceIdGenerator"] == {"Name": "Full", "Value": 2, "Prefix": "org.bu"}
