"""One function per verb, wiring load -> read -> plan -> render or apply. The CLI calls these.

No click and no decisions here: the CLI parses, the engine decides, these
modules connect the two, print, and return an `ExitCode`.
"""

from reconciler.commands.audit import AuditRequest, run_audit
from reconciler.commands.drift import DriftRequest, parse_budget, run_drift
from reconciler.commands.export import ExportRequest, ImportRequest, run_export, run_import
from reconciler.commands.planning import (
    ApplyRequest,
    PlanRequest,
    run_apply,
    run_plan,
    run_show,
)
from reconciler.commands.state import (
    run_state_forget,
    run_state_import,
    run_state_list,
    run_state_show,
    run_state_unlock,
)
from reconciler.commands.validate import run_validate

__all__ = [
    "ApplyRequest",
    "AuditRequest",
    "DriftRequest",
    "ExportRequest",
    "ImportRequest",
    "PlanRequest",
    "parse_budget",
    "run_apply",
    "run_audit",
    "run_drift",
    "run_export",
    "run_import",
    "run_plan",
    "run_show",
    "run_state_forget",
    "run_state_import",
    "run_state_list",
    "run_state_show",
    "run_state_unlock",
    "run_validate",
]
