"""diff.field_changes on plain views: the exact FieldChanges, in path order."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.engine.diff import field_changes
from reconciler.model.plan import FieldChange, FieldOp

ADD, CHANGE, REMOVE = FieldOp.ADD, FieldOp.CHANGE, FieldOp.REMOVE

LIVE: dict[str, Any] = {
    "name": "Project01",
    "lifeCycle": "active",
    "manager": "lucas@xyz.com",
    "schema": {"Phase": "Execution", "StartDate": "2024-03-01T00:00:00Z", "Customer": None},
}


CASES = [
    pytest.param(LIVE, LIVE, [], id="equal"),
    pytest.param({}, {}, [], id="both-empty"),
    pytest.param(
        {"name": "Project01"},
        {"name": "Orange"},
        [FieldChange(("name",), CHANGE, "Project01", "Orange")],
        id="changed-string",
    ),
    pytest.param(
        {"name": "Project01"},
        {"name": "project01"},
        [FieldChange(("name",), CHANGE, "Project01", "project01")],
        id="case-is-a-change",
    ),
    pytest.param(
        {"name": "Project01"},
        {"name": "Project01 "},
        [FieldChange(("name",), CHANGE, "Project01", "Project01 ")],
        id="trailing-blank-is-a-change",
    ),
    pytest.param(
        {"deputy": "ana@xyz.com"},
        {"deputy": None},
        [FieldChange(("deputy",), CHANGE, "ana@xyz.com", None)],
        id="value-to-null",
    ),
    pytest.param(
        {"deputy": None},
        {"deputy": "ana@xyz.com"},
        [FieldChange(("deputy",), CHANGE, None, "ana@xyz.com")],
        id="null-to-value",
    ),
    pytest.param(
        {"name": "A"},
        {"name": "A", "managerName": "Marko"},
        [FieldChange(("managerName",), ADD, None, "Marko")],
        id="added-key",
    ),
    pytest.param(
        {"name": "A", "managerName": "Marko"},
        {"name": "A"},
        [FieldChange(("managerName",), REMOVE, "Marko", None)],
        id="removed-key",
    ),
    pytest.param(
        {"schema": {"Phase": "Execution", "Customer": "Migros"}},
        {"schema": {"Phase": "Closure", "Customer": "Migros"}},
        [FieldChange(("schema", "Phase"), CHANGE, "Execution", "Closure")],
        id="nested-change",
    ),
    pytest.param(
        {"schema": {"Phase": "Execution"}},
        {"schema": {"Phase": "Execution", "Customer": "Migros"}},
        [FieldChange(("schema", "Customer"), ADD, None, "Migros")],
        id="nested-add",
    ),
    pytest.param(
        {"schema": {"Phase": "Execution", "Customer": "Migros"}},
        {"schema": {"Phase": "Execution"}},
        [FieldChange(("schema", "Customer"), REMOVE, "Migros", None)],
        id="nested-remove",
    ),
    pytest.param(
        {"schema": {"Customer": None}},
        {"schema": {"Customer": "Migros"}},
        [FieldChange(("schema", "Customer"), CHANGE, None, "Migros")],
        id="nested-null-to-value",
    ),
    pytest.param(
        {"name": "A"},
        {"name": "A", "schema": {"Phase": "Closure"}},
        [FieldChange(("schema",), ADD, None, {"Phase": "Closure"})],
        id="whole-mapping-added",
    ),
    pytest.param(
        {"schema": {"Budget": 1}},
        {"schema": {"Budget": "1"}},
        [FieldChange(("schema", "Budget"), CHANGE, 1, "1")],
        id="type-change-int-to-str",
    ),
    pytest.param(
        {"schema": "none"},
        {"schema": {"Phase": "Closure"}},
        [FieldChange(("schema",), CHANGE, "none", {"Phase": "Closure"})],
        id="type-change-str-to-mapping",
    ),
    pytest.param(
        {"schema": {"A/B": "x", "0": "y"}},
        {"schema": {"A/B": "z", "0": "w"}},
        [
            FieldChange(("schema", "0"), CHANGE, "y", "w"),
            FieldChange(("schema", "A/B"), CHANGE, "x", "z"),
        ],
        id="field-names-kept-verbatim",
    ),
]


@pytest.mark.parametrize(("live", "desired", "expected"), CASES)
def test_field_changes(
    live: dict[str, Any], desired: dict[str, Any], expected: list[FieldChange]
) -> None:
    assert field_changes(live, desired) == expected


def test_changes_are_sorted_by_path_whatever_their_kind() -> None:
    live = {
        "name": "Project01",
        "lifeCycle": "active",
        "manager": "lucas@xyz.com",
        "deputy": "ana@xyz.com",
        "schema": {"Phase": "Execution", "Customer": "Migros", "EndDate": None},
    }
    desired = {
        "name": "Orange",
        "lifeCycle": "closed",
        "manager": "marko@xyz.com",
        "managerName": "Marko",
        "schema": {"Phase": "Closure", "StartDate": "2024-03-01T00:00:00Z", "EndDate": None},
    }
    assert field_changes(live, desired) == [
        FieldChange(("deputy",), REMOVE, "ana@xyz.com", None),
        FieldChange(("lifeCycle",), CHANGE, "active", "closed"),
        FieldChange(("manager",), CHANGE, "lucas@xyz.com", "marko@xyz.com"),
        FieldChange(("managerName",), ADD, None, "Marko"),
        FieldChange(("name",), CHANGE, "Project01", "Orange"),
        FieldChange(("schema", "Customer"), REMOVE, "Migros", None),
        FieldChange(("schema", "Phase"), CHANGE, "Execution", "Closure"),
        FieldChange(("schema", "StartDate"), ADD, None, "2024-03-01T00:00:00Z"),
    ]


def test_changes_carry_no_reason() -> None:
    changes = field_changes({"name": "A"}, {"name": "B"})
    assert [c.reason for c in changes] == [None]
    assert [c.to_dict() for c in changes] == [
        {"path": ["name"], "op": "change", "before": "A", "after": "B", "reason": None}
    ]


def test_inputs_are_not_changed() -> None:
    live = {"schema": {"Phase": "Execution"}}
    desired = {"schema": {"Phase": "Closure", "Customer": "Migros"}}
    field_changes(live, desired)
    assert live == {"schema": {"Phase": "Execution"}}
    assert desired == {"schema": {"Phase": "Closure", "Customer": "Migros"}}


def test_paths_are_tuples_of_strings() -> None:
    changes = field_changes({"schema": {"Phase": "a"}}, {"schema": {"Phase": "b"}})
    assert [type(part) for c in changes for part in c.path] == [str, str]
    assert all(isinstance(c.path, tuple) for c in changes)
