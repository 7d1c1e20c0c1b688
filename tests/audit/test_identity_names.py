"""The identity helpers the audit adds: names, skeletons, domains, guests."""

from __future__ import annotations

import pytest

from reconciler import identity


@pytest.mark.parametrize(
    ("name", "key", "skeleton"),
    [
        ("Webshop  Relaunch", "webshop relaunch", "webshoprelaunch"),
        (" Web-Shop Relaunch ", "web-shop relaunch", "webshoprelaunch"),
        ("Straße 1", "straße 1", "straße1"),
    ],
)
def test_name_key_and_skeleton(name: str, key: str, skeleton: str) -> None:
    assert identity.name_key(name) == key
    assert identity.name_skeleton(name) == skeleton


@pytest.mark.parametrize(
    ("email", "domains", "inside"),
    [
        ("Ana@XYZ.com", ("xyz.com",), True),
        ("ana@sub.xyz.com", ("xyz.com",), False),
        ("ana@sub.xyz.com", ("*.xyz.com",), True),
        ("ana@xyz.com", ("*.xyz.com",), False),
        ("ana@evilxyz.com", ("*.xyz.com",), False),
        ("a@b@xyz.com", ("XYZ.COM",), True),
        ("AD_XYZ", ("xyz.com",), False),
    ],
)
def test_in_domains(email: str, domains: tuple[str, ...], inside: bool) -> None:
    assert identity.in_domains(email, domains) is inside


def test_external_guests_and_domains() -> None:
    assert identity.is_external_guest("john_gmail.com#ext#@contoso.onmicrosoft.com")
    assert not identity.is_external_guest("john@gmail.com")
    assert identity.email_domain("AD_XYZ") == ""
