"""Plan-time rules: what the API cannot do is caught here, before any write.

Each check returns Diagnostics that name the spec's file and line. No I/O.
"""

from __future__ import annotations

from reconciler.api.models import WorkspaceType
from reconciler.engine.normalize import BadValue, schema_value
from reconciler.engine.team import ALLOWED_GROUPS
from reconciler.identity import has_prefix, is_ad_group
from reconciler.model.diagnostics import Diagnostic
from reconciler.spec import WorkspaceSpec

GENERATED = ("Full", "PrefixWithName")


def problem(
    spec: WorkspaceSpec, ptr: str, message: str, *, warning: bool = False, detail: str = ""
) -> Diagnostic:
    """A diagnostic placed at the spec line of the value at JSON pointer `ptr`."""
    make = Diagnostic.warning if warning else Diagnostic.error
    return make(message, detail, at=spec.where(ptr))


def check_identity(spec: WorkspaceSpec, wtype: WorkspaceType) -> list[Diagnostic]:
    """workspaceId for None/PrefixWithId types (with the prefix); key for generated ids."""
    generator, prefix = wtype.generator.name, wtype.generator.prefix or ""
    if spec.workspace_id is not None and generator in GENERATED:
        detail = (
            "For a new workspace, write 'key: <a stable handle>' instead of workspaceId. "
            f"If '{spec.workspace_id}' exists and this is a change of its type: the "
            "reconciler does not move a workspace to a type whose ids the service "
            "generates, and swapping workspaceId for a key that has no recorded id would "
            "create a second workspace. Record the existing one under a key first: "
            f"`reconciler state import --tenant {spec.tenant} KEY {spec.workspace_id}`, "
            "then write 'key: KEY'."
        )
        return [
            problem(
                spec,
                "/workspaceId",
                f"workspace type '{wtype.name}' generates the WorkspaceId ({generator})",
                detail=detail,
            )
        ]
    if spec.key is not None and generator not in GENERATED:
        return [
            problem(
                spec,
                "/key",
                f"workspace type '{wtype.name}' takes the WorkspaceId you choose "
                f"({generator}): write 'workspaceId:' instead of key",
            )
        ]
    workspace_id = spec.workspace_id or ""
    if generator == "PrefixWithId" and not has_prefix(workspace_id, prefix):
        return [
            problem(
                spec,
                "/workspaceId",
                f"workspaceId '{workspace_id}' must start with the prefix '{prefix}' "
                f"of workspace type '{wtype.name}'",
            )
        ]
    return []


def desired_schema(
    spec: WorkspaceSpec, wtype: WorkspaceType
) -> tuple[dict[str, str | None], list[Diagnostic]]:
    """The listed schema values as the service will store them, and what is wrong with them."""
    fields = {f.name: f for f in wtype.schema_definition}
    values: dict[str, str | None] = {}
    problems = []
    for name, raw in spec.schema.items():
        definition = fields.get(name)
        ptr = f"/schema/{name}"
        if definition is None:
            known = ", ".join(fields) or "none"
            message = f"schema field '{name}' is not defined by '{wtype.name}' (fields: {known})"
            problems.append(problem(spec, ptr, message))
            continue
        try:
            value = schema_value(definition.field_type, raw)
        except BadValue as exc:
            problems.append(
                problem(spec, ptr, f"schema field '{name}' ({definition.field_type}): {exc}")
            )
            continue
        allowed = definition.valid_values
        if value is not None and allowed is not None and value not in allowed:
            message = f"schema field '{name}': '{raw}' is not one of {', '.join(allowed)}"
            problems.append(problem(spec, ptr, message))
            continue
        values[name] = value
    return values, problems


def missing_required(
    spec: WorkspaceSpec, wtype: WorkspaceType, values: dict[str, str | None]
) -> list[Diagnostic]:
    """Required fields without a value, for a create (the service refuses them)."""
    return [
        problem(spec, "/schema", f"schema field '{f.name}' is required by '{wtype.name}'")
        for f in wtype.schema_definition
        if f.is_required
        and not (values.get(f.name) or "").strip()
        and not _refused(spec, f.name, values)
    ]


def _refused(spec: WorkspaceSpec, name: str, values: dict[str, str | None]) -> bool:
    """A listed value already reported as wrong: "required" on top would say it twice."""
    return name in spec.schema and name not in values


def check_team(spec: WorkspaceSpec, wtype: WorkspaceType) -> list[Diagnostic]:
    """Groups the provisioning type manages through the API; Teams takes accounts only."""
    allowed = ALLOWED_GROUPS[wtype.provisioning_type]
    problems = []
    for group, members in spec.team.items():
        ptr = f"/team/{group}"
        if group not in allowed:
            message = (
                f"team group '{group}' is not managed on {wtype.provisioning_type} workspaces "
                f"(groups: {', '.join(allowed)})"
            )
            problems.append(problem(spec, ptr, message))
        elif wtype.provisioning_type == "Teams":
            problems += [
                problem(spec, ptr, f"'{m}' looks like an AD group: Teams takes email accounts only")
                for m in members
                if is_ad_group(m)
            ]
    return problems


def type_change_problem(
    current: WorkspaceType, new: WorkspaceType, workspace_id: str
) -> str | None:
    """Why the service would refuse changing `current` to `new`, or None when it can."""
    if not new.is_active:
        return f"workspace type '{new.name}' is not active"
    fields_now = {(f.name, f.field_type) for f in current.schema_definition}
    if {(f.name, f.field_type) for f in new.schema_definition} != fields_now:
        return f"workspace type '{new.name}' does not have the same schema as '{current.name}'"
    if new.provisioning_type != current.provisioning_type:
        kinds = f"{current.provisioning_type} to {new.provisioning_type}"
        return f"'{current.name}' cannot become '{new.name}' ({kinds})"
    prefix = new.generator.prefix or ""
    needs_prefix = new.generator.name in ("PrefixWithId", "Full")
    if needs_prefix and not has_prefix(workspace_id, prefix):
        return f"WorkspaceId '{workspace_id}' does not start with '{prefix}' (type '{new.name}')"
    return None
