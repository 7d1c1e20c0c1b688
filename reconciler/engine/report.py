"""What apply did: per workspace, the calls done, the one that failed, those not sent.

Counted as Terraform counts resources: `Apply complete! Workspaces: 1 created,
2 updated, 1 closed.` A call reported FAILED is never also listed as done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reconciler.model.plan import ApiCall

Kind = Literal["created", "updated", "closed"]


@dataclass(frozen=True)
class CallOutcome:
    """One call that was sent: `ok` when the service accepted it and nothing after it failed."""

    address: str
    call: ApiCall
    ok: bool
    message: str | None = None


@dataclass(frozen=True)
class WorkspaceOutcome:
    """What apply did for one workspace.

    `done` holds the calls that went through; `failed` the one that did not
    (refused, or accepted and then failed: a create whose provisioning failed
    made a workspace all the same, so `workspace_id` is set); `not_done` the
    calls never sent, after a failure or an interrupt.
    """

    address: str
    done: tuple[ApiCall, ...]
    not_done: tuple[ApiCall, ...]
    error: str | None
    workspace_id: str | None
    calls: tuple[CallOutcome, ...] = ()
    """One entry per call sent, in order."""
    failed: ApiCall | None = None
    kind: Kind = "updated"
    """What the workspace's calls do, for the counts: created, updated or closed."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ApplyReport:
    """The outcome of every workspace that had calls, in plan order."""

    outcomes: tuple[WorkspaceOutcome, ...]
    interrupted_by: str | None = None
    """The signal that stopped the run ("SIGINT", "SIGTERM"), or None."""
    run_failure: str | None = None
    """What to check after an auth or connection failure stopped the run, or None."""
    inconsistent: tuple[str, ...] = ()
    """Values read back after apply that are not what the calls set (a late commit)."""
    unchecked: tuple[str, ...] = ()
    """Workspaces whose read-back failed: not known to differ, so not a failure."""

    @property
    def ok(self) -> bool:
        """True when every planned call was done without a problem."""
        return (
            self.interrupted_by is None
            and not self.inconsistent
            and all(o.ok for o in self.outcomes)
        )

    def summary_lines(self) -> list[str]:
        """A readable report: each workspace, its calls done, failed and not done, then counts."""
        lines: list[str] = []
        for outcome in self.outcomes:
            state = "done" if outcome.ok else f"FAILED: {outcome.error}"
            lines.append(f"{outcome.address}: {state}")
            lines += [f"  done      {_describe(c)}" for c in outcome.done]
            if outcome.failed is not None:
                lines.append(f"  FAILED    {_describe(outcome.failed)}")
            lines += [f"  not done  {_describe(c)}" for c in outcome.not_done]
        if self.inconsistent:
            lines.append(
                "Inconsistent result after apply: every call answered, but reading back "
                "shows values the calls did not set (a call that timed out may have "
                "committed late, or someone changed the workspace meanwhile):"
            )
            lines += [f"  {line}" for line in self.inconsistent]
            lines.append("Run plan to see the live state, then apply again.")
        if self.unchecked:
            lines.append("Not checked after apply (the read-back failed; run plan to see them):")
            lines += [f"  {line}" for line in self.unchecked]
        lines.append(self._count_line())
        if self.run_failure:
            lines.append(self.run_failure)
        return lines

    def _count_line(self) -> str:
        finished = [o for o in self.outcomes if o.ok]
        counts = ", ".join(
            f"{sum(o.kind == kind for o in finished)} {kind}"
            for kind in ("created", "updated", "closed")
        )
        if self.ok:
            return f"Apply complete! Workspaces: {counts}."
        done = sum(len(o.done) for o in self.outcomes)
        total = sum(len(o.done) + len(o.not_done) + (o.failed is not None) for o in self.outcomes)
        failed = sum(not o.ok for o in self.outcomes)
        if self.interrupted_by:
            why = f"interrupted by {self.interrupted_by}"
        elif failed:
            why = f"{failed} of {len(self.outcomes)} workspaces failed"
        else:
            why = "inconsistent result"
        return (
            f"Apply incomplete ({why}): {done} of {total} calls done. Workspaces: {counts}. "
            "Run apply again to finish."
        )


def _describe(call: ApiCall) -> str:
    return f"{call.summary} ({call.method} {call.path})"
