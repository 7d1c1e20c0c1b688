"""The contract table (quirks.yaml) against the emulator, over real HTTPS, with `requests` only.

The emulator is seeded from a fixture built out of the table itself: one
tenant, one organization unit holding every workspace type the cases need,
the table's directory, and one workspace per case that needs a starting
state (its team, its manager, its type). Each test resets the emulator to
that seed, then does what a client would (PUT a value and GET it back, POST a
workspace and read its id, ...). Nothing of the reconciler's client or engine
is used here, so the emulator stays an independent oracle.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from reconciler.emulator.server import EmulatorServer
from tests.conftest import RunningEmulator
from tests.contract.quirks import (
    VALUE_TOPICS,
    Case,
    cases,
    directory_accounts,
    directory_ad_groups,
    params,
    topic,
)

TENANT, TOKEN = "contract", "contract-token"
UNIT = "C0A7AC7E-0000-4000-8000-000000000001"
MANAGER = "marko@xyz.com"
VALUE_FIELDS = {"datetime": "When", "number": "Amount", "boolean": "Flag", "string": "Note"}
VALUES_WORKSPACE = "values"
ADDED, REMOVED, NOT_EXISTING_GROUP = 0, 1, 3


def type_id(name: str) -> str:
    """A stable GUID for a type of the generated fixture."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"contract/{name}")).upper()


def workspace_id(topic_name: str, case: Case) -> str:
    """The seeded workspace a case works on (type-change cases name their own id)."""
    return (
        str(case["workspace_id"]) if topic_name == "type_change" else f"{topic_name}.{case['id']}"
    )


def provisioning(case: Case) -> str:
    return str(case.get("provisioning", "SharePoint"))


def plain_type(kind: str) -> str:
    """The name of the fieldless type of a provisioning kind, for team and stage cases."""
    return f"{kind} Site"


def generated_type(case: Case) -> str:
    return f"{case['generator']} {case['prefix']}"


# -- the fixture, built from the table -------------------------------------------------------


def fixture_types() -> list[dict[str, Any]]:
    """Every workspace type the cases use, in the fixture's format."""

    def wtype(name: str, fields: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        generator = {"Name": extra.pop("generator", "None")}
        if extra.get("prefix") is not None:
            generator["Prefix"] = extra.pop("prefix")
        extra.pop("prefix", None)
        return {
            "Id": type_id(name),
            "Name": name,
            "CreationMode": 2,
            "IsActive": extra.pop("active", True),
            "ProvisioningType": extra.pop("provisioning", "SharePoint"),
            "WorkspaceIdGenerator": generator,
            "Schema": fields,
            "Cards": [],
        }

    values = [{"FieldName": f, "FieldType": t} for t, f in VALUE_FIELDS.items()]
    types = [
        wtype("Values", values),
        wtype(plain_type("SharePoint"), []),
        wtype(plain_type("Teams"), [], provisioning="Teams"),
    ]
    for name, definition in topic("type_change")["types"].items():
        fields = [
            {
                "FieldName": f["name"],
                "FieldType": f["type"],
                "IsRequired": bool(f.get("required", False)),
                "ValidValues": f.get("valid_values"),
            }
            for f in definition["fields"]
        ]
        options = {k: v for k, v in definition.items() if k != "fields"}
        types.append(wtype(name, fields, **options))
    generated = {generated_type(c): c for c in cases("generated_ids")}
    for name, case in generated.items():
        types.append(wtype(name, [], generator=case["generator"], prefix=case["prefix"]))
    return types


def seeded_workspaces() -> list[dict[str, Any]]:
    """The starting state of every case that needs one."""

    def seed(wid: str, name: str, wtype: str, **extra: Any) -> dict[str, Any]:
        return {
            "WorkspaceId": wid,
            "Name": name,
            "OrganizationUnit": UNIT,
            "WorkspaceType": wtype,
            "Manager": extra.pop("manager", MANAGER),
            **extra,
        }

    seeds = [seed(VALUES_WORKSPACE, "Values", "Values")]
    for case in cases("email_case"):
        wid = workspace_id("email_case", case)
        seeds.append(seed(wid, wid, plain_type(provisioning(case)), Team=case["live"]))
    for case in cases("group_names"):
        name = case.get("renamed_from") or case["name"]
        team = {case["group"]: ["imp@xyz.com"]}  # a marker: where it shows is the group
        wid = workspace_id("group_names", case)
        seeds.append(seed(wid, name, plain_type(provisioning(case)), Team=team))
    for case in cases("manager_change"):
        wid = workspace_id("manager_change", case)
        kind = plain_type(provisioning(case))
        seeds.append(seed(wid, wid, kind, manager=case["old"], Team=case["before"]))
    for case in cases("type_change"):
        wid = workspace_id("type_change", case)
        seeds.append(seed(wid, case["id"], case["current"]))
    for case in cases("stages"):
        wid = workspace_id("stages", case)
        seeds.append(seed(wid, wid, plain_type("SharePoint")))
    return seeds


def contract_fixture() -> dict[str, Any]:
    types = fixture_types()
    return {
        "tenants": {
            TENANT: {
                "tokens": [TOKEN],
                "organizationUnits": [
                    {
                        "Id": UNIT,
                        "Name": "Contract Unit",
                        "ShortName": "CU",
                        "workspaceTypes": [t["Name"] for t in types],
                    }
                ],
                "workspaceTypes": types,
                "directory": {
                    "accounts": [
                        {"Email": a, "Name": a.split("@")[0].title()} for a in directory_accounts()
                    ],
                    "adGroups": directory_ad_groups(),
                },
                "workspaces": seeded_workspaces(),
            }
        }
    }


@pytest.fixture(scope="module")
def contract_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """An emulator of its own, seeded from the table's fixture, without a rate limit.

    One keep-alive session for the module: a TLS handshake per case would cost more than the case.
    """
    state = tmp_path_factory.mktemp("contract-emulator")
    fixture = Path(state) / "contract-fixture.yaml"
    fixture.write_text(yaml.safe_dump(contract_fixture(), allow_unicode=True), encoding="utf-8")
    server = EmulatorServer(fixture=fixture, rate_limit=None, state_dir=state).start()
    running = RunningEmulator(server)
    yield running
    running.session.close()
    server.stop()


class Oracle:
    """The contract tenant of the emulator, reached as any HTTP client would reach it."""

    def __init__(self, emulator: RunningEmulator) -> None:
        self.emulator = emulator

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.emulator.api(method, path, body, tenant=TENANT, token=TOKEN)

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        response = self.call(method, path, body)
        assert response.status_code in (200, 201), (response.status_code, response.text)
        return response.json()

    def team(self, wid: str) -> dict[str, list[str]]:
        """GET team: raw group name -> members."""
        return {g["Group"]: list(g["Members"]) for g in self.ok("GET", f"/workspaces/{wid}/team")}

    def rename(self, wid: str, name: str, manager: str = MANAGER) -> None:
        self.ok("PUT", f"/workspaces/{wid}", {"Name": name, "Manager": {"Email": manager}})


@pytest.fixture
def oracle(contract_emulator: RunningEmulator) -> Oracle:
    """The module's emulator, reset to the table's seed before each case."""
    contract_emulator.control("POST", "reset")
    return Oracle(contract_emulator)


# -- schema values ---------------------------------------------------------------------------


def check_value(oracle: Oracle, field_type: str, case: Case) -> None:
    field = VALUE_FIELDS[field_type]
    body = [
        {"FieldName": f, "FieldValue": case["input"] if f == field else None}
        for f in VALUE_FIELDS.values()
    ]
    answer = oracle.call("PUT", f"/workspaces/{VALUES_WORKSPACE}/schema", body)
    if "refused" in case:
        assert answer.status_code == 422, f"the emulator took {case['input']!r}: {answer.text}"
        return
    assert answer.status_code == 200, answer.text
    schema = oracle.ok("GET", f"/workspaces/{VALUES_WORKSPACE}")["Schema"]
    stored = next(f["FieldValue"] for f in schema if f["FieldName"] == field)
    assert stored == case["stored"]


@pytest.mark.parametrize("case", params("datetime_values", "emulator"))
def test_datetime_values(oracle: Oracle, case: Case) -> None:
    check_value(oracle, VALUE_TOPICS["datetime_values"], case)


@pytest.mark.parametrize("case", params("number_values", "emulator"))
def test_number_values(oracle: Oracle, case: Case) -> None:
    check_value(oracle, VALUE_TOPICS["number_values"], case)


@pytest.mark.parametrize("case", params("boolean_values", "emulator"))
def test_boolean_values(oracle: Oracle, case: Case) -> None:
    check_value(oracle, VALUE_TOPICS["boolean_values"], case)


# -- email case ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", params("email_case", "emulator"))
def test_email_case(oracle: Oracle, case: Case) -> None:
    wid, group = workspace_id("email_case", case), case["group"]
    body: dict[str, Any] = {"Added": [{"Group": group, "Members": case["listed"]}]}
    if case.get("removes"):
        body["Removed"] = [{"Group": group, "Members": case["removes"]}]
    answer = oracle.ok("PUT", f"/workspaces/{wid}/team", body)
    statuses = {(g["Group"], m["Status"]) for g in answer for m in g["Members"]}
    assert statuses <= {(group, ADDED), (group, REMOVED)}, answer
    assert sorted(oracle.team(wid)[f"{wid} {group}"]) == sorted(case["after"])


# -- group names -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", params("group_names", "emulator"))
def test_group_names(oracle: Oracle, case: Case) -> None:
    wid = workspace_id("group_names", case)
    if case.get("renamed_from"):
        oracle.rename(wid, case["name"])
    team = oracle.team(wid)
    holding = [raw for raw, members in team.items() if "imp@xyz.com" in members]
    assert holding == [case["raw"]], team  # the group seeded as case["group"] is listed as raw


# -- generated ids ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", params("generated_ids", "emulator"))
def test_generated_ids(oracle: Oracle, case: Case) -> None:
    body = {
        "Name": case["name"],
        "OrganizationUnitId": UNIT,
        "WorkspaceTypeId": type_id(generated_type(case)),
        "Manager": {"Email": MANAGER},
    }
    answer = oracle.call("POST", "/workspaces", body)
    if "refused" in case:
        assert answer.status_code == 422, f"the emulator created {answer.text}"
        return
    assert answer.status_code == 201, answer.text
    created = answer.json()["WorkspaceId"]
    if "expect_shape" in case:
        assert re.fullmatch(case["expect_shape"], created), created
    else:
        assert created == case["expect"]
    assert oracle.ok("GET", f"/workspaces/{created}")["WorkspaceId"] == created


# -- type change -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", params("type_change", "emulator"))
def test_type_change(oracle: Oracle, case: Case) -> None:
    wid = workspace_id("type_change", case)
    answer = oracle.call("PUT", f"/workspaces/{wid}/workspaceType", {"Id": type_id(case["new"])})
    assert answer.status_code in (200, 422), answer.text
    verdict = "allowed" if answer.status_code == 200 else "refused"
    assert verdict == case["expect"], answer.text


# -- manager change --------------------------------------------------------------------------


@pytest.mark.parametrize("case", params("manager_change", "emulator"))
def test_manager_change(oracle: Oracle, case: Case) -> None:
    wid = workspace_id("manager_change", case)
    oracle.rename(wid, wid, manager=case["new"])
    team = {raw.removeprefix(f"{wid} "): sorted(m) for raw, m in oracle.team(wid).items()}
    assert team == {g: sorted(m) for g, m in case["after"].items()}


# -- stages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", params("stages", "emulator"))
def test_stages(oracle: Oracle, case: Case) -> None:
    wid, number = workspace_id("stages", case), case["stage"]
    oracle.emulator.control("POST", f"workspaces/{TENANT}/{wid}/stage", {"stage": number})
    status = oracle.ok("GET", f"/workspaces/{wid}/status")
    assert status == {"Name": case["status_name"], "Value": number}
    assert oracle.ok("GET", f"/workspaces/{wid}")["Stage"] == number
    answer = oracle.call("PUT", f"/workspaces/{wid}", {"Name": wid, "Manager": {"Email": MANAGER}})
    assert answer.status_code == (200 if case["ready"] else 422), answer.text
