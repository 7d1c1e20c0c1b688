"""Blast-radius guards: a plan that removes or closes more than the user allowed stops.

A typo or a bad export must never empty a tenant's groups or close its
workspaces: more member removals than --max-removals, or more closes than
--max-closes, over the whole run, is a run-wide error that lists them; the
user raises the limit on purpose.
"""

from __future__ import annotations

from reconciler.model.diagnostics import Diagnostic
from reconciler.model.operations import UpdateTeam, UpdateWorkspace
from reconciler.model.plan import FieldOp, Plan, WorkspacePlan


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


def sent_guards(plan: Plan, max_removals: int, max_closes: int) -> list[str]:
    """The guards again, counted on what apply will send (a saved plan may have been edited).

    Removals are the members the team PUTs remove; closes the workspace PUTs
    that send LifeCycle closed (a rename of a closed workspace counts too:
    the operation cannot tell, so the count errs on the safe side).
    """
    operations = [call.operation for w in plan.workspaces for call in w.calls]
    removals = sum(op.count(op.removed) for op in operations if isinstance(op, UpdateTeam))
    closes = sum(1 for op in operations if isinstance(op, UpdateWorkspace) and op.closed)
    problems = []
    if removals > max_removals:
        problems.append(
            f"the plan's calls remove {removals} team members, more than --max-removals "
            f"{max_removals}"
        )
    if closes > max_closes:
        problems.append(
            f"the plan's calls close {closes} workspaces, more than --max-closes {max_closes}"
        )
    return problems
