"""The HTTPS-only rule is checked on the URL the HTTP library will use, and paths stay put."""

from __future__ import annotations

import pytest
import requests

from reconciler.api import SeamlessClient
from reconciler.api.errors import UnsafePath
from reconciler.errors import ConfigError
from reconciler.settings import ConnectionSettings, Secret, check_api_url
from tests.conftest import TOKEN, RunningEmulator


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example\\@127.0.0.1/",  # urlsplit: loopback; urllib3 (what is sent): evil
        "http://127.0.0.1\\@evil.example/",
        "http://user:secret-pw@127.0.0.1",
        "http://127.0.0.1:80@evil.example",
        "https://api.example/ base",
        "https://api.example/\tx",
    ],
    ids=["backslash-to-evil", "backslash-from-evil", "credentials", "port-at", "blank", "tab"],
)
def test_odd_urls_are_refused_without_echoing_credentials(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_api_url(url)
    assert "secret-pw" not in str(info.value)
    assert "backslash, '@' (credentials), a blank or a control character" in str(info.value)


def test_the_refused_url_really_would_have_gone_elsewhere() -> None:
    """Why the check reads the URL as the HTTP library does: requests sends this to evil."""
    prepared = requests.Request("GET", "http://evil.example\\@127.0.0.1/x").prepare()
    assert prepared.url is not None and prepared.url.startswith("http://evil.example/")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.seamlesswork.com/", "https://api.seamlesswork.com"),
        ("http://127.0.0.1:8443", "http://127.0.0.1:8443"),
        ("http://[::1]:8443/base/", "http://[::1]:8443/base"),
        ("http://localhost:1", "http://localhost:1"),
    ],
)
def test_plain_urls_pass(url: str, expected: str) -> None:
    assert check_api_url(url) == expected


@pytest.mark.parametrize("url", ["http://10.0.0.1", "http://api.example", "ftp://127.0.0.1"])
def test_plain_http_off_loopback_and_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        check_api_url(url)


@pytest.mark.parametrize("tenant", ["..", "."])
def test_a_dot_segment_tenant_is_refused_before_any_request(
    emulator: RunningEmulator, tenant: str
) -> None:
    settings = ConnectionSettings(
        api_url=emulator.url, token=Secret(TOKEN), ca_bundle=emulator.ca_bundle
    )
    with pytest.raises(UnsafePath, match="cannot be used as an id in a URL path"):
        SeamlessClient(settings, tenant=tenant)
    assert emulator.requests_log() == []


@pytest.mark.parametrize("workspace_id", ["..", "."])
def test_a_dot_segment_id_is_refused_before_any_request(
    emulator: RunningEmulator, workspace_id: str
) -> None:
    settings = ConnectionSettings(
        api_url=emulator.url, token=Secret(TOKEN), ca_bundle=emulator.ca_bundle
    )
    with SeamlessClient(settings, tenant="contoso") as client:
        with pytest.raises(UnsafePath):
            client.get_workspace(workspace_id)
        with pytest.raises(UnsafePath):
            client.get_team(workspace_id)
    assert emulator.requests_log() == []
