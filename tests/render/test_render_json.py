"""render_json: the --json / --out document, one codec with the model."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reconciler.model.plan import Plan
from reconciler.render import render_json

from .plans import FULL, NOOP, plan


@pytest.mark.parametrize("original", [FULL, plan(NOOP), plan()], ids=["full", "no-op", "empty"])
def test_json_round_trips_to_an_equal_plan(original: Plan) -> None:
    assert Plan.from_dict(json.loads(render_json(original))) == original


def test_json_is_indented_in_model_order_with_a_trailing_newline() -> None:
    text = render_json(FULL)
    assert text.endswith("}\n")
    assert text.startswith('{\n  "format_version": "2",\n')
    data = json.loads(text)
    assert list(data) == list(FULL.to_dict())
    assert data["summary"] == {
        "create": 1,
        "update": 1,
        "no-op": 1,
        "error": 1,
        "calls": 4,
        "estimated_seconds": 2.4,
        "close": 0,
        "errored": True,
        "has_changes": True,
        "leaving": 0,
    }


def test_a_number_strict_readers_reject_is_refused() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        render_json(replace(FULL, seconds_per_call=float("nan")))
