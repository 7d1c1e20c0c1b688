"""The contract table itself: well formed, every case on both sides but for a few stated reasons."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.contract.quirks import (
    EXEMPTIONS,
    TOPICS,
    VALUE_TOPICS,
    Case,
    all_cases,
    cases,
    directory_accounts,
    directory_ad_groups,
    params,
    table,
    topic,
)

MAX_EXEMPTIONS = 3
"""A case that runs on one side only proves nothing about the other: keep them rare."""

OUTCOMES = {
    **dict.fromkeys(VALUE_TOPICS, ({"input"}, ("stored", "refused"))),
    "email_case": ({"live", "group", "listed", "adds", "after"}, ()),
    "group_names": ({"name", "raw", "group"}, ()),
    "generated_ids": ({"generator", "prefix", "name"}, ("expect", "expect_shape", "refused")),
    "type_change": ({"current", "new", "workspace_id", "expect"}, ()),
    "manager_change": ({"provisioning", "old", "new", "before", "after"}, ()),
    "stages": ({"stage", "workspace_name", "status_name", "ready"}, ()),
}
"""Per topic: the keys every case has, and the outcome keys of which it has exactly one."""


def test_the_table_holds_every_topic_and_only_those() -> None:
    assert set(table()) == {"directory", *TOPICS}
    for name in TOPICS:
        assert str(topic(name).get("about", "")).strip(), f"{name}: say what the rule is"
        assert len(cases(name)) >= 5, f"{name}: too few cases to pin the rule down"


def test_case_ids_are_unique_across_the_table() -> None:
    counts = Counter(case["id"] for _, case in all_cases())
    assert [i for i, n in counts.items() if n > 1] == []


@pytest.mark.parametrize(("name", "case"), [pytest.param(t, c, id=c["id"]) for t, c in all_cases()])
def test_each_case_has_its_inputs_and_one_outcome(name: str, case: Case) -> None:
    required, outcomes = OUTCOMES[name]
    assert required <= set(case), f"missing: {sorted(required - set(case))}"
    if outcomes:
        assert len([o for o in outcomes if o in case]) == 1, f"exactly one of {outcomes}"
    if name == "type_change":
        assert case["expect"] in ("allowed", "refused")
        assert {case["current"], case["new"]} <= set(topic(name)["types"])


def test_exemptions_are_few_and_say_why() -> None:
    exempt = [(c["id"], k, c[k]) for _, c in all_cases() for k in EXEMPTIONS.values() if k in c]
    assert len(exempt) <= MAX_EXEMPTIONS, exempt
    for case_id, key, reason in exempt:
        assert isinstance(reason, str) and len(reason.split()) >= 5, f"{case_id}: {key} needs why"
    for _, case in all_cases():
        assert not set(EXEMPTIONS.values()) <= set(case), f"{case['id']} runs on no side"


def test_both_sides_run_every_case_but_the_exempt_ones() -> None:
    for name in TOPICS:
        engine = {p.id for p in params(name, "engine")}
        emulator = {p.id for p in params(name, "emulator")}
        everything = {c["id"] for c in cases(name)}
        assert engine | emulator == everything
        exempt = {c["id"] for c in cases(name) if set(EXEMPTIONS.values()) & set(c)}
        assert everything - (engine & emulator) == exempt


def test_accounts_are_spelled_as_the_directory_spells_them() -> None:
    """What the service keeps (`after`, seeded teams) is the directory's spelling, exactly."""
    known = set(directory_accounts()) | set(directory_ad_groups()) | {"System Account"}
    folded = {k.lower() for k in known}
    for case in cases("email_case"):
        assert set(case["after"]) <= known, case["id"]
        assert {m for g in case["live"].values() for m in g} <= known, case["id"]
        named = [*case["listed"], *case.get("removes", []), *case["adds"]]
        assert {m.lower() for m in named} <= folded, case["id"]
    for case in cases("manager_change"):
        for groups in (case["before"], case["after"]):
            assert {m for g in groups.values() for m in g} <= known, case["id"]
        assert {case["old"].lower(), case["new"].lower()} <= folded, case["id"]


def test_type_change_workspace_ids_are_distinct() -> None:
    """The emulator seeds one workspace per type-change case, under the case's WorkspaceId."""
    ids = Counter(c["workspace_id"].lower() for c in cases("type_change"))
    assert [i for i, n in ids.items() if n > 1] == []
