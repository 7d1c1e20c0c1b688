"""What apply did: per workspace, the calls done and not done, and a readable report."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.model.plan import ApiCall


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

    `done` holds the calls the service accepted (a create whose provisioning
    then failed is done: the workspace exists); `not_done` the call it refused
    and every call after it, which were never sent.
    """

    address: str
    done: tuple[ApiCall, ...]
    not_done: tuple[ApiCall, ...]
    error: str | None
    workspace_id: str | None
    calls: tuple[CallOutcome, ...] = ()
    """One entry per call sent, in order."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ApplyReport:
    """The outcome of every workspace that had calls, in plan order."""

    outcomes: tuple[WorkspaceOutcome, ...]

    @property
    def ok(self) -> bool:
        """True when every planned call was done without a problem."""
        return all(o.ok for o in self.outcomes)

    def summary_lines(self) -> list[str]:
        """A readable report: each workspace, its done and not-done calls, then the counts."""
        lines: list[str] = []
        for outcome in self.outcomes:
            state = "done" if outcome.ok else f"FAILED: {outcome.error}"
            lines.append(f"{outcome.address}: {state}")
            lines += [f"  done      {_describe(c)}" for c in outcome.done]
            lines += [f"  not done  {_describe(c)}" for c in outcome.not_done]
        lines.append(self._count_line())
        return lines

    def _count_line(self) -> str:
        done = sum(len(o.done) for o in self.outcomes)
        total = done + sum(len(o.not_done) for o in self.outcomes)
        failed = sum(not o.ok for o in self.outcomes)
        workspaces = len(self.outcomes)
        if failed == 0:
            return f"Apply complete: {done} of {total} calls done in {workspaces} workspaces."
        return (
            f"Apply incomplete: {done} of {total} calls done; "
            f"{failed} of {workspaces} workspaces failed."
        )


def _describe(call: ApiCall) -> str:
    return f"{call.summary} ({call.method} {call.path})"
