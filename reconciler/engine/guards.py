"""Blast-radius guards: a plan that removes or closes more than the user allowed stops.

A typo or a bad export must never empty a tenant's groups or close its
workspaces: more member removals than --max-removals, or more closes than
--max-closes, over the whole run, is a run-wide error that lists them; the
user raises the limit on purpose.
"""

from __future__ import annotations

from reconciler.model.diagnostics import Diagnostic
from reconciler.model.plan import FieldOp, WorkspacePlan


def removal_guard(workspaces: list[WorkspacePlan], limit: int) -> list[Diagnostic]:
    """More member removals than --max-removals stops the plan, listing them."""
    removals = [
        f"{w.address}: {c.before} from {c.path[1]}"
        for w in workspaces
        for c in w.changes
        if c.path[0] == "team" and c.op is FieldOp.REMOVE
    ]
    if len(removals) <= limit:
        return []
    message = (
        f"the plan removes {len(removals)} team members, more than --max-removals {limit}; "
        "check the specs, then raise --max-removals on purpose. Removals: " + "; ".join(removals)
    )
    return [Diagnostic.error(message)]


def close_guard(workspaces: list[WorkspacePlan], limit: int) -> list[Diagnostic]:
    """More closes than --max-closes (pruned or written as closed) stops the plan, listing them."""
    closing = [w.address for w in workspaces if w.closes]
    if len(closing) <= limit:
        return []
    message = (
        f"the plan closes {len(closing)} workspaces, more than --max-closes {limit}; check "
        "the specs (and --prune), then raise --max-closes on purpose. Closes: " + ", ".join(closing)
    )
    return [Diagnostic.error(message)]
