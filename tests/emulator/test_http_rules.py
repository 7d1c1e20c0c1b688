"""The API document's HTTP rules: auth, content type, JSON, 404/405, override, rate limit."""

from __future__ import annotations

import pytest

from tests.conftest import OTHER_TENANT, OTHER_TOKEN, RunningEmulator

RATE_HEADERS = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")
NAME_BODY = {"Name": "Project01", "Manager": {"Email": "marko@xyz.com"}}


def test_missing_token_is_401_with_json_message(emulator: RunningEmulator) -> None:
    response = emulator.api("GET", "/organizationUnits", token=None)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"Message": "Authorization has been denied for this request."}


@pytest.mark.parametrize("header", ["Basic wrong-token", "Bearer demo-token-contoso", "Basic "])
def test_bad_token_is_401(emulator: RunningEmulator, header: str) -> None:
    response = emulator.api(
        "GET", "/organizationUnits", token=None, headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert "Message" in response.json()


def test_token_of_another_tenant_is_403(emulator: RunningEmulator) -> None:
    response = emulator.api("GET", "/organizationUnits", token=OTHER_TOKEN)
    assert response.status_code == 403
    assert "contoso" in response.json()["Message"]
    assert emulator.api("GET", "/organizationUnits", tenant=OTHER_TENANT, token=OTHER_TOKEN).ok


def test_unknown_workspace_is_404(emulator: RunningEmulator) -> None:
    response = emulator.api("GET", "/workspaces/nope")
    assert response.status_code == 404
    assert response.json() == {"Message": "Workspace 'nope' not found."}


def test_unknown_path_is_404_json(emulator: RunningEmulator) -> None:
    response = emulator.api("GET", "/nothing/here/at/all")
    assert response.status_code == 404
    assert "Message" in response.json()


def test_unsupported_method_is_405_with_allow(emulator: RunningEmulator) -> None:
    response = emulator.api("PUT", "/organizationUnits", json={})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, OPTIONS"
    assert "Message" in response.json()


def test_options_lists_methods(emulator: RunningEmulator) -> None:
    response = emulator.api("OPTIONS", "/workspaces/example")
    assert response.status_code == 204
    assert response.headers["Allow"] == "GET, PUT, OPTIONS"
    assert emulator.api("OPTIONS", "/workspaces").headers["Allow"] == "POST, OPTIONS"


def test_routing_comes_before_judging_the_body(emulator: RunningEmulator) -> None:
    bad_json = {"Content-Type": "application/json"}
    assert emulator.api("PUT", "/nonsense", data="{", headers=bad_json).status_code == 404
    text = {"Content-Type": "text/plain"}
    assert emulator.api("POST", "/workspaces/example", data="x", headers=text).status_code == 405


def test_put_without_json_content_type_is_415(emulator: RunningEmulator) -> None:
    response = emulator.api(
        "PUT",
        "/workspaces/example",
        data=b'{"Name": "x"}',
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["Message"]


def test_json_with_charset_is_accepted(emulator: RunningEmulator) -> None:
    response = emulator.api(
        "PUT",
        "/workspaces/example",
        data=b'{"Name": "Project01", "Manager": {"Email": "marko@xyz.com"}}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe"])
def test_unparsable_body_is_400(emulator: RunningEmulator, raw: bytes) -> None:
    response = emulator.api(
        "PUT", "/workspaces/example", data=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "Message" in response.json()
    assert emulator.api("GET", "/workspaces/example").json()["Name"] == "Project01"


@pytest.mark.parametrize("raw", ['{"LifeCycle": ' + "1" * 5000 + "}", "[" * 1000 + "]" * 1000])
def test_json_the_parser_cannot_take_is_400(emulator: RunningEmulator, raw: str) -> None:
    response = emulator.api(
        "PUT", "/workspaces/example", data=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "x-rate-limit-remaining" in response.headers
    assert emulator.requests_log()[-1]["status"] == 400


def test_method_override_turns_post_into_put(emulator: RunningEmulator) -> None:
    body = {**NAME_BODY, "Name": "Renamed"}
    response = emulator.api(
        "POST", "/workspaces/example", json=body, headers={"X-HTTP-Method-Override": "PUT"}
    )
    assert response.status_code == 200
    assert emulator.api("GET", "/workspaces/example").json()["Name"] == "Renamed"
    logged = emulator.requests_log()[0]
    assert (logged["raw_method"], logged["method"]) == ("POST", "PUT")


def test_method_override_with_unknown_verb_is_400(emulator: RunningEmulator) -> None:
    response = emulator.api(
        "POST", "/workspaces/example", json=NAME_BODY, headers={"X-HTTP-Method-Override": "DELETE"}
    )
    assert response.status_code == 400


def test_every_response_carries_rate_limit_headers(emulator: RunningEmulator) -> None:
    answers = [
        emulator.api("GET", "/organizationUnits"),
        emulator.api("GET", "/organizationUnits", token=None),
        emulator.api("GET", "/workspaces/nope"),
        emulator.api("PUT", "/workspaces/example", json={}),
    ]
    assert [a.status_code for a in answers] == [200, 401, 404, 422]
    for answer in answers:
        assert all(h in answer.headers for h in RATE_HEADERS)
    remaining = [int(a.headers["x-rate-limit-remaining"]) for a in answers if a.status_code != 401]
    assert remaining == [99, 98, 97]
    assert answers[0].headers["x-rate-limit-limit"] == "100"


def test_past_the_limit_is_429_until_the_window_resets(emulator: RunningEmulator) -> None:
    emulator.configure(rate_limit={"limit": 3, "window": 60})
    answers = [emulator.api("GET", "/organizationUnits") for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    refused = answers[3]
    assert refused.headers["x-rate-limit-remaining"] == "0"
    assert "Message" in refused.json()
    first_reset = int(answers[0].headers["x-rate-limit-reset"])
    assert int(refused.headers["x-rate-limit-reset"]) == first_reset  # epoch of the window's end
    other = emulator.api("GET", "/organizationUnits", tenant=OTHER_TENANT, token=OTHER_TOKEN)
    assert other.status_code == 200  # the window is per token


def test_rate_limit_counts_the_token_not_the_header_spelling(emulator: RunningEmulator) -> None:
    emulator.configure(rate_limit={"limit": 2, "window": 60})
    token = "demo-token-contoso"
    spellings = [f"Basic {token}", f"basic {token}", f"BASIC  {token}"]
    codes = [
        emulator.api("GET", "/organizationUnits", token=None, headers={"Authorization": s})
        for s in spellings
    ]
    assert [c.status_code for c in codes] == [200, 200, 429]


def test_rate_limit_can_be_switched_off(emulator: RunningEmulator) -> None:
    emulator.configure(rate_limit=None)
    answers = [emulator.api("GET", "/organizationUnits") for _ in range(120)]
    assert {a.status_code for a in answers} == {200}


def test_server_errors_have_no_json_body(emulator: RunningEmulator) -> None:
    emulator.add_fault(action="status", method="GET", path="/organizationUnits$", status=503)
    response = emulator.api("GET", "/organizationUnits")
    assert response.status_code == 503
    assert response.content == b""
    assert response.headers["Content-Type"].startswith("text/plain")
    assert emulator.api("GET", "/organizationUnits").status_code == 200  # fired once
