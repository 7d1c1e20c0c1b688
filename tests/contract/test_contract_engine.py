"""The contract table (quirks.yaml) against the engine's pure functions, on plain values.

No server and no I/O: each case feeds its inputs to the function the planner
uses and compares with the outcome the table states. A failure here means the
engine predicts something the API document (and the emulator) do not do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from reconciler.api.models import (
    GENERATOR_NAMES,
    FieldDefinition,
    IdGenerator,
    Stage,
    WorkspaceType,
)
from reconciler.api.wire import group_of, parse_status, parse_workspace
from reconciler.engine.calls import STAGE_NAMES
from reconciler.engine.normalize import BadValue, generated_id, schema_value, utc_timestamp
from reconciler.engine.rules import type_change_problem
from reconciler.engine.team import after_manager_change, team_delta
from reconciler.identity import account_key, same_account
from tests.contract.quirks import VALUE_TOPICS, Case, params, topic

GENERATOR_VALUES = {name: number for number, name in GENERATOR_NAMES.items()}


def keys(members: Sequence[str]) -> list[str]:
    """Accounts as the engine compares them (without case), in order."""
    return [account_key(m) for m in members]


def key_groups(groups: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Groups with their members compared without case and without order."""
    return {g: sorted(keys(m)) for g, m in groups.items()}


# -- schema values ---------------------------------------------------------------------------


def check_value(field_type: str, case: Case) -> None:
    value = case["input"]
    if "refused" in case:
        with pytest.raises(BadValue):
            stored = schema_value(field_type, value)
            pytest.fail(f"engine stores {value!r} as {stored!r}; the service refuses it")
        return
    assert schema_value(field_type, value) == case["stored"]


@pytest.mark.parametrize("case", params("datetime_values", "engine"))
def test_datetime_values(case: Case) -> None:
    check_value(VALUE_TOPICS["datetime_values"], case)
    if case["input"] is not None and "stored" in case:  # the helper the diff uses agrees
        assert utc_timestamp(case["input"]) == case["stored"]


@pytest.mark.parametrize("case", params("number_values", "engine"))
def test_number_values(case: Case) -> None:
    check_value(VALUE_TOPICS["number_values"], case)


@pytest.mark.parametrize("case", params("boolean_values", "engine"))
def test_boolean_values(case: Case) -> None:
    check_value(VALUE_TOPICS["boolean_values"], case)


# -- email case ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", params("email_case", "engine"))
def test_email_case(case: Case) -> None:
    provisioning = case.get("provisioning", "SharePoint")
    manager = topic("email_case")["manager"]
    group = case["group"]
    listed = {group: tuple(case["listed"])}
    live = {g: list(m) for g, m in case["live"].items()}

    delta = team_delta(listed, live, provisioning, manager)
    assert keys(delta.added.get(group, [])) == keys(case["adds"]), "no duplicate add"
    assert keys(delta.removed.get(group, [])) == keys(case.get("removes", []))
    assert set(delta.added) <= {group} and set(delta.removed) <= {group}

    # Once the service has done it (in the directory's spelling), the plan is empty.
    settled = team_delta(listed, {**live, group: list(case["after"])}, provisioning, manager)
    assert settled.empty, (settled.added, settled.removed)
    for spelled in case["listed"]:
        assert any(same_account(spelled, kept) for kept in case["after"])


# -- group names -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", params("group_names", "engine"))
def test_group_names(case: Case) -> None:
    assert group_of(case["raw"], case["name"]) == case["group"]


# -- generated ids ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", params("generated_ids", "engine"))
def test_generated_ids(case: Case) -> None:
    assert case["generator"] == "PrefixWithName", "the engine predicts PrefixWithName ids only"
    if "refused" in case:
        with pytest.raises(ValueError):
            predicted = generated_id(case["prefix"], case["name"])
            pytest.fail(f"engine predicts the id {predicted!r}; the service refuses the Name")
        return
    assert generated_id(case["prefix"], case["name"]) == case["expect"]


# -- type change -----------------------------------------------------------------------------


def workspace_type(name: str, definition: Mapping[str, Any]) -> WorkspaceType:
    """A type of the table's catalog, as the client builds it from availableWsTypes."""
    generator = str(definition.get("generator", "None"))
    fields = tuple(
        FieldDefinition(
            name=f["name"],
            field_type=f["type"],
            is_required=bool(f.get("required", False)),
            valid_values=tuple(f["valid_values"]) if "valid_values" in f else None,
        )
        for f in definition["fields"]
    )
    return WorkspaceType(
        id=f"type-{name}",
        name=name,
        creation_mode=2,
        is_active=bool(definition.get("active", True)),
        schema_definition=fields,
        generator=IdGenerator(generator, GENERATOR_VALUES[generator], definition.get("prefix")),
        provisioning_type=definition.get("provisioning", "SharePoint"),
        unit_type_id=None,
    )


@pytest.mark.parametrize("case", params("type_change", "engine"))
def test_type_change(case: Case) -> None:
    catalog = topic("type_change")["types"]
    current = workspace_type(case["current"], catalog[case["current"]])
    new = workspace_type(case["new"], catalog[case["new"]])
    problem = type_change_problem(current, new, case["workspace_id"])
    verdict = "allowed" if problem is None else "refused"
    assert verdict == case["expect"], problem


# -- manager change --------------------------------------------------------------------------


@pytest.mark.parametrize("case", params("manager_change", "engine"))
def test_manager_change(case: Case) -> None:
    before = {g: list(m) for g, m in case["before"].items()}
    predicted = after_manager_change(before, case["provisioning"], case["old"], case["new"])
    assert key_groups(predicted) == key_groups(case["after"])
    assert before == case["before"], "the prediction must not change its input"


# -- stages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", params("stages", "engine"))
def test_stages(case: Case) -> None:
    number = case["stage"]
    if case["workspace_name"] is None:
        assert number not in {s.value for s in Stage}
    else:
        assert Stage(number).name.replace("_", "").lower() == case["workspace_name"]
    assert STAGE_NAMES[number] == case["status_name"]
    status = parse_status({"Name": case["status_name"], "Value": number})
    assert (status.name, status.value) == (case["status_name"], number)
    workspace = parse_workspace({"WorkspaceId": "w", "Name": "W", "Stage": number})
    assert workspace.ready is case["ready"]
