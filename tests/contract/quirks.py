"""Read the contract table (quirks.yaml) into pytest parameters, the same way for both sides.

Both test_contract_engine.py and test_contract_emulator.py take their cases from
`params(topic, side)`, so every case of the table runs on both sides unless it
carries `engine_only` / `emulator_only` with the reason it cannot run on the other.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml

QUIRKS = Path(__file__).with_name("quirks.yaml")

Case = dict[str, Any]
Side = Literal["engine", "emulator"]

TOPICS = (
    "datetime_values",
    "number_values",
    "boolean_values",
    "email_case",
    "group_names",
    "generated_ids",
    "type_change",
    "manager_change",
    "stages",
)
"""Every topic of the table, in its order; both test modules run each of them."""

VALUE_TOPICS = {
    "datetime_values": "datetime",
    "number_values": "number",
    "boolean_values": "boolean",
}
EXEMPTIONS = {"engine": "emulator_only", "emulator": "engine_only"}
"""The field that keeps a case off a side: an emulator_only case never runs on the engine."""


@cache
def table() -> dict[str, Any]:
    """The whole table, parsed once per process."""
    loaded = yaml.safe_load(QUIRKS.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), f"{QUIRKS} must hold a mapping of topics"
    return loaded


def topic(name: str) -> dict[str, Any]:
    """One topic: its parameters (about, field_type, types, ...) and its cases."""
    section = table()[name]
    assert isinstance(section, dict), f"topic {name!r} must be a mapping"
    return section


def cases(name: str) -> list[Case]:
    """Every case of a topic, on whichever side it runs."""
    return list(topic(name)["cases"])


def all_cases() -> list[tuple[str, Case]]:
    """(topic, case) for every case of the table."""
    return [(name, case) for name in TOPICS for case in cases(name)]


def params(name: str, side: Side) -> list[Any]:
    """The topic's cases that run on `side`, as pytest params whose id is the case id."""
    return [
        pytest.param(case, id=str(case["id"]))
        for case in cases(name)
        if EXEMPTIONS[side] not in case
    ]


def directory_accounts() -> list[str]:
    """The directory's accounts, spelled as the directory spells them."""
    return [str(a) for a in table()["directory"]["accounts"]]


def directory_ad_groups() -> list[str]:
    return [str(g) for g in table()["directory"]["adGroups"]]
