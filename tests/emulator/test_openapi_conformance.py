"""Every answer the emulator gives conforms to schemas/seamless-api.openapi.yaml.

Real HTTPS calls to the emulator, one test per operation and error class; each
response (status, headers, body) is validated with openapi-core against the
OpenAPI document, and each successful request against its request schema too,
so the document, the emulator and the API document's samples stay one thing.
This module checks shapes, not rules: the rules have their own tests. The
`emulator` fixture (tests/conftest.py) resets the emulator before each test.

A failure here means the emulator answers something the OpenAPI document does
not allow: fix the emulator, or the document if it misreads the API document.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

SPEC_PATH = Path(__file__).resolve().parents[2] / "schemas" / "seamless-api.openapi.yaml"

TENANT = "contoso"
TOKEN = "demo-token-contoso"
OTHER_TOKEN = "demo-token-fabrikam"  # valid, but for tenant fabrikam

# From reconciler/emulator/fixtures/demo.yaml.
STAR_UNIT = "E555522C-6856-4B50-BC00-3D5C17129077"
BUTTERFLY = "731F7ACC-A9E6-498D-B8A5-0D4F4BD39272"
PROJECT = "6FF11D16-2F92-47EF-9EEA-06442125C38E"  # SharePoint, generator None
PROJECT_PLUS = "24760C3C-0E37-457B-B51B-8D1B235382F1"  # same schema as Project
TEAM_ROOM = "3B66DCCA-98AF-458A-AE36-A67BF199AC07"  # Teams, PrefixWithId "tr."
DEPARTMENT_SITE = "0C1B8F3E-52A4-4C55-9B9E-2B6B7E0A1D11"  # PrefixWithName "dep"
CUSTOMER_CASE = "9A2E4C61-7F3B-4D8A-A1C5-6E0F2B3D4C55"  # Full "org.bu", in Butterfly
EXAMPLE = "example"  # the fixture's existing workspace; read here, never changed
UNKNOWN_UNIT = "00000000-0000-4000-8000-000000000000"

NO_BODY: Any = object()


class Emulator(Protocol):
    """The `emulator` fixture of tests/conftest.py, as this module uses it."""

    @property
    def url(self) -> str: ...

    @property
    def ca_bundle(self) -> str: ...

    def control(self, method: str, path: str, json: Any = None) -> Any:
        """Call the control path: `path` is relative to /_emulator/; returns its JSON."""


@functools.lru_cache(maxsize=8)
def openapi_for(base_url: str) -> OpenAPI:
    """The OpenAPI document with its server moved to the emulator's address.

    openapi-core matches a request's full URL against `servers`, and the
    document names the real service, so the emulator's URL replaces it here.
    """
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    document["servers"] = [{"url": base_url}]
    return OpenAPI.from_dict(document)


def describe(errors: list[Exception]) -> str:
    """openapi-core errors, with the schema errors behind them, one per line."""
    lines: list[str] = []
    for error in errors:
        lines.append(f"{type(error).__name__}: {str(error)[:300]}")
        for schema_error in getattr(error.__cause__, "schema_errors", None) or ():
            where = "/".join(str(part) for part in getattr(schema_error, "absolute_path", ()))
            lines.append(f"    at /{where}: {getattr(schema_error, 'message', schema_error)}")
    return "\n".join(lines)


@dataclass
class Api:
    """Calls the emulator and checks every answer against the OpenAPI document."""

    emulator: Emulator
    session: requests.Session

    @property
    def openapi(self) -> OpenAPI:
        return openapi_for(self.emulator.url)

    def call(
        self,
        method: str,
        path: str,
        *,
        expect: int,
        body: Any = NO_BODY,
        data: str | bytes | None = None,
        token: str | None = TOKEN,
        headers: dict[str, str] | None = None,
        validate_as: str | None = None,
    ) -> requests.Response:
        """Send one request, assert its status, and validate the answer (and a 2xx's request).

        `validate_as` names the operation to validate against when it is not the
        request's own method: the PUT behind a POST with X-HTTP-Method-Override,
        or any declared operation of the path for a 405 (openapi-core finds only
        declared operations, and a 405 answers an undeclared one by nature).
        """
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Basic {token}"
        response = self.session.request(
            method,
            f"{self.emulator.url}/{TENANT}{path}" if path.startswith("/") else path,
            json=None if body is NO_BODY else body,
            data=data,
            headers=sent,
            verify=self.emulator.ca_bundle,  # per request: REQUESTS_CA_BUNDLE beats Session.verify
            timeout=30,
        )
        assert response.status_code == expect, (
            f"{method} {path}: expected {expect}, got {response.status_code}: {response.text[:500]}"
        )
        self.check(response, validate_as=validate_as)
        return response

    def check(self, response: requests.Response, *, validate_as: str | None = None) -> None:
        prepared = response.request.copy()
        if validate_as is not None:
            prepared.method = validate_as
        request = RequestsOpenAPIRequest(prepared)
        errors = list(self.openapi.iter_response_errors(request, RequestsOpenAPIResponse(response)))
        if response.ok:
            errors += list(self.openapi.iter_request_errors(request))
        assert not errors, (
            f"{prepared.method} {prepared.path_url} -> {response.status_code} does not conform "
            f"to the OpenAPI document:\n{describe(errors)}\nbody: {response.text[:1000]}"
        )

    def wait_ready(self, workspace_id: str) -> None:
        """Poll GET status (itself validated) until the new workspace is Ready."""
        for _ in range(100):
            status = self.call("GET", f"/workspaces/{workspace_id}/status", expect=200).json()
            if status["Value"] == 2:
                return
            time.sleep(0.05)
        pytest.fail(f"workspace {workspace_id} did not become Ready: {status}")

    def create_project(self) -> str:
        """A new, Ready SharePoint workspace of type Project, to change freely."""
        workspace_id = unique("oas")
        self.call("POST", "/workspaces", body=project_body(workspace_id), expect=201)
        self.wait_ready(workspace_id)
        return workspace_id


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def project_body(workspace_id: str) -> dict[str, Any]:
    """A create request shaped like the API document's sample (generator None)."""
    return {
        "WorkspaceId": workspace_id,
        "Name": f"Project {workspace_id}",
        "Description": "Created by the OpenAPI conformance test",
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": PROJECT,
        "Manager": {"Name": "Marko", "Email": "marko@xyz.com"},
        "Deputy": {"Name": "Ana", "Email": "ana@xyz.com"},
        "Schema": [
            {
                "FieldName": "StartDate",
                "FieldType": "datetime",
                "FieldValue": None,
                "IsRequired": False,
                "ValidValues": None,
            },
            {"FieldName": "Customer", "FieldValue": "Migros"},
            {"FieldName": "Phase", "FieldValue": "Initiation"},
        ],
        "Team": {
            "Added": [
                {"Group": "Managers", "Members": ["tom@xyz.com", "maria@xyz.com", "AD_XYZ"]},
                {"Group": "Members", "Members": ["tom@xyz.com"]},
            ]
        },
    }


@pytest.fixture
def api(emulator: Emulator) -> Iterator[Api]:
    with requests.Session() as session:
        yield Api(emulator, session)


# -- organization units ------------------------------------------------------------------------


def test_list_organization_units(api: Api) -> None:
    units = api.call("GET", "/organizationUnits", expect=200).json()
    assert {u["Id"] for u in units} >= {STAR_UNIT, BUTTERFLY}


def test_get_organization_unit(api: Api) -> None:
    unit = api.call("GET", f"/organizationUnits/{STAR_UNIT}", expect=200).json()
    assert unit["ShortName"] == "SU"


@pytest.mark.parametrize("unit_id", [STAR_UNIT, BUTTERFLY])
def test_available_workspace_types(api: Api, unit_id: str) -> None:
    types = api.call("GET", f"/organizationUnits/{unit_id}/availableWsTypes", expect=200).json()
    assert types
    for wtype in types:  # the string holds JSON: a list of field definitions
        assert isinstance(json.loads(wtype["SchemaDefinition"]), list)


# -- create, one per WorkspaceId generator -----------------------------------------------------

CREATE_CASES: dict[str, dict[str, Any]] = {
    "None": {"OrganizationUnitId": STAR_UNIT, "WorkspaceTypeId": PROJECT},
    "PrefixWithId": {
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": TEAM_ROOM,
        "Schema": [{"FieldName": "Topic", "FieldValue": "Conformance"}],
        "Team": {"Added": [{"Group": "Owners", "Members": ["tom@xyz.com"]}]},
    },
    "Full": {
        "OrganizationUnitId": BUTTERFLY,
        "WorkspaceTypeId": CUSTOMER_CASE,
        "Schema": [{"FieldName": "Customer", "FieldValue": "Migros"}],
    },
    "PrefixWithName": {
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": DEPARTMENT_SITE,
        "Schema": [{"FieldName": "CostCenter", "FieldValue": "4711"}],
    },
}


@pytest.mark.parametrize("generator", list(CREATE_CASES))
def test_create_workspace(api: Api, generator: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    body: dict[str, Any] = {
        "Name": f"Conformance {suffix}",
        "Manager": {"Email": "marko@xyz.com"},
        **CREATE_CASES[generator],
    }
    if generator == "None":
        body["WorkspaceId"] = f"oas{suffix}"
    elif generator == "PrefixWithId":
        body["WorkspaceId"] = f"tr.oas{suffix}"
    response = api.call("POST", "/workspaces", body=body, expect=201)
    created = response.json()
    assert response.headers["Location"].endswith(f"/workspaces/{created['WorkspaceId']}")
    api.call("GET", f"/workspaces/{created['WorkspaceId']}", expect=200)


def test_create_like_the_document_sample(api: Api) -> None:
    workspace_id = unique("oas")
    created = api.call("POST", "/workspaces", body=project_body(workspace_id), expect=201).json()
    assert created["WorkspaceId"] == workspace_id
    assert created["Deputy"] is not None


# -- reads of an existing workspace ------------------------------------------------------------


def test_get_workspace(api: Api) -> None:
    workspace = api.call("GET", f"/workspaces/{EXAMPLE}", expect=200).json()
    assert workspace["WorkspaceId"] == EXAMPLE


def test_get_workspace_status(api: Api) -> None:
    api.call("GET", f"/workspaces/{EXAMPLE}/status", expect=200)


def test_get_workspace_groups(api: Api) -> None:
    groups = api.call("GET", f"/workspaces/{EXAMPLE}/groups", expect=200).json()
    assert groups["Groups"]


def test_get_workspace_team(api: Api) -> None:
    team = api.call("GET", f"/workspaces/{EXAMPLE}/team", expect=200).json()
    assert team


# -- updates, each on a workspace of its own ---------------------------------------------------


def test_update_workspace(api: Api) -> None:
    workspace_id = api.create_project()
    body = {
        "Name": "Orange",
        "LifeCycle": 1,
        "Manager": {"Name": "Bob", "Email": "bob@xyz.com"},
        "Deputy": {"Name": "Anita", "Email": "anita@xyz.com"},
    }
    updated = api.call("PUT", f"/workspaces/{workspace_id}", body=body, expect=200).json()
    assert updated["Name"] == "Orange"


def test_update_workspace_without_deputy_answers_null(api: Api) -> None:
    workspace_id = api.create_project()
    body = {"Name": "No Deputy", "Manager": {"Email": "bob@xyz.com"}}
    updated = api.call("PUT", f"/workspaces/{workspace_id}", body=body, expect=200).json()
    assert updated["Deputy"] is None
    workspace = api.call("GET", f"/workspaces/{workspace_id}", expect=200).json()
    assert workspace["Deputy"] is None


def test_update_team(api: Api) -> None:
    workspace_id = api.create_project()
    body = {
        "Added": [
            {"Group": "Managers", "Members": ["imp@xyz.com", "AD_Finance"]},
            {"Group": "Visitors", "Members": ["nobody@unknown.example"]},  # Failed
        ],
        "Removed": [
            {"Group": "Members", "Members": ["lucas@xyz.com"]},  # not a member: Removed
            {"Group": "People", "Members": ["imp@xyz.com"]},  # NotExistingGroup
        ],
    }
    result = api.call("PUT", f"/workspaces/{workspace_id}/team", body=body, expect=200).json()
    statuses = {m["Status"] for group in result for m in group["Members"]}
    assert statuses == {0, 1, 2, 3}
    api.call("GET", f"/workspaces/{workspace_id}/team", expect=200)


def test_update_schema(api: Api) -> None:
    workspace_id = api.create_project()
    body = [
        {"FieldName": "StartDate", "FieldValue": "2024-01-01T00:00:00Z"},
        {"FieldName": "EndDate", "FieldValue": None},
        {"FieldName": "Customer", "FieldValue": "Migros"},
        {"FieldName": "Phase", "FieldValue": "Execution"},
        {"FieldName": "Description", "FieldValue": "Store chain"},
    ]
    result = api.call("PUT", f"/workspaces/{workspace_id}/schema", body=body, expect=200).json()
    assert isinstance(json.loads(result["Schema"]), list)  # a string holding JSON


def test_update_workspace_type(api: Api) -> None:
    workspace_id = api.create_project()
    body = {"Id": PROJECT_PLUS}
    path = f"/workspaces/{workspace_id}/workspaceType"
    result = api.call("PUT", path, body=body, expect=200).json()
    workspace = api.call("GET", f"/workspaces/{workspace_id}", expect=200).json()
    assert int(result["UnitTypeId"]) == workspace["UnitTypeId"]


@pytest.mark.parametrize("stage", range(6))
def test_status_and_workspace_in_every_stage(api: Api, stage: int) -> None:
    """GET status names all six stages; GET workspace's table knows 0-4 (reading 14)."""
    workspace_id = api.create_project()
    api.emulator.control("POST", f"workspaces/{TENANT}/{workspace_id}/stage", {"stage": stage})
    status = api.call("GET", f"/workspaces/{workspace_id}/status", expect=200).json()
    assert status["Value"] == stage
    if stage <= 4:
        assert api.call("GET", f"/workspaces/{workspace_id}", expect=200).json()["Stage"] == stage


def test_method_override_acts_as_put(api: Api) -> None:
    workspace_id = api.create_project()
    body = {"Name": "Overridden", "LifeCycle": 0, "Manager": {"Email": "marko@xyz.com"}}
    api.call(
        "POST",
        f"/workspaces/{workspace_id}",
        body=body,
        headers={"X-HTTP-Method-Override": "PUT"},
        expect=200,
        validate_as="PUT",
    )


# -- OPTIONS -----------------------------------------------------------------------------------

OPTIONS_PATHS = [
    "/organizationUnits",
    f"/organizationUnits/{STAR_UNIT}",
    f"/organizationUnits/{STAR_UNIT}/availableWsTypes",
    "/workspaces",
    f"/workspaces/{EXAMPLE}",
    f"/workspaces/{EXAMPLE}/team",
    f"/workspaces/{EXAMPLE}/schema",
    f"/workspaces/{EXAMPLE}/workspaceType",
    f"/workspaces/{EXAMPLE}/status",
    f"/workspaces/{EXAMPLE}/groups",
]


@pytest.mark.parametrize("path", OPTIONS_PATHS)
def test_options(api: Api, path: str) -> None:
    response = api.call("OPTIONS", path, expect=204)
    assert "OPTIONS" in response.headers["Allow"]


def test_options_by_method_override(api: Api) -> None:
    api.call(
        "POST",
        f"/workspaces/{EXAMPLE}",
        headers={"X-HTTP-Method-Override": "OPTIONS"},
        expect=204,
        validate_as="OPTIONS",
    )


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "not-a-token"], ids=["no-token", "bad-token"])
def test_unauthenticated_is_401(api: Api, token: str | None) -> None:
    api.call("GET", f"/workspaces/{EXAMPLE}", token=token, expect=401)


def test_other_tenants_token_is_403(api: Api) -> None:
    api.call("GET", "/organizationUnits", token=OTHER_TOKEN, expect=403)


@pytest.mark.parametrize(
    "path",
    [
        f"/organizationUnits/{UNKNOWN_UNIT}",
        f"/organizationUnits/{UNKNOWN_UNIT}/availableWsTypes",
        "/workspaces/no-such-workspace",
        "/workspaces/no-such-workspace/status",
        "/workspaces/no-such-workspace/groups",
        "/workspaces/no-such-workspace/team",
    ],
)
def test_unknown_resource_is_404(api: Api, path: str) -> None:
    api.call("GET", path, expect=404)


def test_put_on_unknown_workspace_is_404(api: Api) -> None:
    body = {"Added": [{"Group": "Members", "Members": ["imp@xyz.com"]}]}
    api.call("PUT", "/workspaces/no-such-workspace/team", body=body, expect=404)


def test_unsupported_method_is_405(api: Api) -> None:
    response = api.call("DELETE", f"/workspaces/{EXAMPLE}", expect=405, validate_as="GET")
    assert "GET" in response.headers["Allow"]


def test_post_on_a_put_resource_is_405(api: Api) -> None:
    body = {"Name": "x", "Manager": {"Email": "marko@xyz.com"}}
    api.call("POST", f"/workspaces/{EXAMPLE}", body=body, expect=405, validate_as="PUT")


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/workspaces"), ("PUT", f"/workspaces/{EXAMPLE}/schema")],
)
def test_body_without_json_content_type_is_415(api: Api, method: str, path: str) -> None:
    headers = {"Content-Type": "text/plain"}
    api.call(method, path, data='{"Name": "x"}', headers=headers, expect=415)


def test_unparsable_json_is_400(api: Api) -> None:
    headers = {"Content-Type": "application/json"}
    api.call("PUT", f"/workspaces/{EXAMPLE}", data="{not json", headers=headers, expect=400)


def test_create_without_manager_is_422(api: Api) -> None:
    body = project_body(unique("oas"))
    del body["Manager"]
    api.call("POST", "/workspaces", body=body, expect=422)


def test_create_with_workspace_id_for_a_generated_type_is_422(api: Api) -> None:
    body = {
        "WorkspaceId": unique("org.bu."),
        "Name": "Generated",
        "Manager": {"Email": "marko@xyz.com"},
        **CREATE_CASES["Full"],
    }
    api.call("POST", "/workspaces", body=body, expect=422)


def test_update_with_bad_schema_is_422(api: Api) -> None:
    body = [{"FieldName": "NoSuchField", "FieldValue": "x"}]
    api.call("PUT", f"/workspaces/{EXAMPLE}/schema", body=body, expect=422)


def test_rate_limited_is_429(api: Api) -> None:
    """Past the limit the answer is 429, with the three headers like every other answer."""
    api.emulator.control("POST", "config", {"rate_limit": {"limit": 2, "window": 60}})
    for _ in range(5):
        response = api.session.get(
            f"{api.emulator.url}/{TENANT}/organizationUnits",
            headers={"Authorization": f"Basic {TOKEN}"},
            verify=api.emulator.ca_bundle,
            timeout=30,
        )
        api.check(response)
        if response.status_code == 429:
            break
    assert response.status_code == 429, f"no 429 after 5 calls with a limit of 2: {response}"
    assert response.headers["x-rate-limit-remaining"] == "0"


def test_server_error_has_no_json_body(api: Api) -> None:
    """An injected 5xx conforms: no JSON body (the rate limit headers are optional there)."""
    fault = {"action": "status", "status": 503, "method": "GET", "path": "/groups$"}
    api.emulator.control("POST", "faults", fault)
    response = api.call("GET", f"/workspaces/{EXAMPLE}/groups", expect=503)
    assert "json" not in response.headers.get("Content-Type", "")
