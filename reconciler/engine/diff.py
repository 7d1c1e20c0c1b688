"""The deepdiff adapter: normalized live and desired views in, FieldChanges out.

deepdiff's types never leave this module. Both views hold only what the spec
manages ("only what is written is managed"), so a key absent from the desired
view is never reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deepdiff import DeepDiff

from reconciler.model.plan import FieldChange, FieldOp

_OPS = {
    "values_changed": FieldOp.CHANGE,
    "type_changes": FieldOp.CHANGE,
    "dictionary_item_added": FieldOp.ADD,
    "dictionary_item_removed": FieldOp.REMOVE,
}


def field_changes(live: Mapping[str, Any], desired: Mapping[str, Any]) -> list[FieldChange]:
    """Changes from live to desired, one per differing leaf, in a stable order."""
    found = DeepDiff(dict(live), dict(desired), view="tree", verbose_level=2)
    changes = []
    for kind, op in _OPS.items():
        for level in found.get(kind, []):
            path = tuple(str(part) for part in level.path(output_format="list"))
            before = None if op is FieldOp.ADD else level.t1
            after = None if op is FieldOp.REMOVE else level.t2
            changes.append(FieldChange(path, op, before, after))
    return sorted(changes, key=lambda c: c.path)
