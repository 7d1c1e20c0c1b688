"""Live workspace -> spec document: the inverse of the plan's normalization. Pure, no I/O.

A file that export writes must validate and plan as no change. So every
value is written in a form the plan maps back onto the live one, and what no
spec can say (a group that lacks a member the service implies, a stored
value the service would not store that way, a group the API cannot manage)
is left out, with a comment saying so. The rules are the engine's own:
implied members and manageable groups from `team`, canonical forms from
`normalize`. `round_trip_problems` then proves each document the way a user
would: it loads the text as `validate` does and plans it against what was read.

The API has no directory read, so export cannot tell a display name the
directory filled in from one set by hand: it writes the manager's and the
deputy's email alone. The plan never compares a name the spec does not give,
and every workspace PUT sends the live name back, so the name stays as it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reconciler.api.models import (
    OrganizationUnit,
    Stage,
    TeamGroup,
    Workspace,
    WorkspaceType,
)
from reconciler.engine.calls import stage_name
from reconciler.engine.live import AmbiguousReference, Catalog, LiveWorkspace
from reconciler.engine.normalize import BadValue, schema_value
from reconciler.engine.planner import plan_workspace, resolve
from reconciler.engine.state import State
from reconciler.engine.team import ALLOWED_GROUPS, OWNER_GROUP, implied_members, live_groups
from reconciler.errors import ReconcilerError
from reconciler.identity import (
    account_key,
    is_ad_group,
    key_key,
    same_catalog_id,
)
from reconciler.spec.load import build_spec
from reconciler.spec.write import write_document
from reconciler.spec.yamlfile import parse_documents

TEXT = re.compile(r"\S(.*\S)?")
"""The spec schema's `text`: non-empty, one line, no blanks at either end."""
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
"""The spec schema's `email`."""
WORKSPACE_ID = re.compile(r"(?!\.\.?$)[^\s/?#%\\]{1,200}")
"""The spec schema's `workspaceId`."""

CHECK_FILE = "(exported document)"


class NotExportable(ReconcilerError):
    """A workspace no spec document can describe; the message says why."""


@dataclass(frozen=True)
class ExportedDocument:
    """One workspace as a spec document: ordered plain data, comments, and what to warn about."""

    tenant: str
    workspace_id: str
    key: str | None
    """The key written for a type whose ids the service generates (recorded in the state)."""
    data: dict[str, Any]
    comments: dict[str, tuple[str, ...]]
    """Key path ("team"; "" for the top) -> comment lines written above it."""
    warnings: tuple[str, ...] = ()
    ready: bool = True  # False: plan reports an error for it, not "no change"

    @property
    def address(self) -> str:
        return f"{self.tenant}/{self.workspace_id}"

    @property
    def text(self) -> str:
        """The document as YAML, in the style of specs/*.yaml."""
        return write_document(self.data, self.comments)


def export_workspace(
    tenant: str,
    workspace: Workspace,
    team: Sequence[TeamGroup],
    catalog: Catalog,
    key: str | None = None,
) -> ExportedDocument:
    """The spec document of a live workspace; NotExportable when none can describe it.

    `key` is required for types whose ids the service generates (see `derive_key`).
    """
    unit, wtype, manager = _describable(tenant, workspace, catalog)
    generated = wtype.generator.service_generates_id
    if generated and key is None:
        raise ValueError("a workspace of a generated-id type needs a key")
    data: dict[str, Any] = {"kind": "Workspace", "tenant": tenant}
    data.update({"key": key} if generated else {"workspaceId": workspace.workspace_id})
    data["name"] = workspace.name
    data["organizationUnit"] = unit_reference(catalog, unit)
    data["workspaceType"] = type_reference(catalog, unit, wtype)
    if workspace.closed:
        data["lifeCycle"] = "closed"
    data["manager"] = manager
    odd: list[str] = []  # left out, a deputy is left as it is
    deputy = workspace.deputy.email if workspace.deputy else None
    if deputy is not None and EMAIL.fullmatch(deputy):
        data["deputy"] = deputy
    elif deputy is not None:
        odd.append(f"Deputy {deputy} left out (not an email address).")
    top = [
        f"The service chose WorkspaceId {workspace.workspace_id} ({wtype.generator.name} "
        "type); the state file records it under this key."
    ]
    comments: dict[str, tuple[str, ...]] = {"": (*(top if generated else []), *odd)}
    schema, schema_notes = _schema(workspace, wtype)
    groups, team_notes, unmanaged = _team(team, wtype.provisioning_type, manager)
    unmanaged_notes = [
        f"Groups left out, which the API cannot change on {wtype.provisioning_type} "
        f"workspaces: {', '.join(unmanaged)}."
    ]
    for name, value, notes in (
        ("schema", schema, schema_notes),
        ("team", groups, [*(unmanaged_notes if unmanaged else []), *team_notes]),
    ):
        if value:
            data[name] = value
        where = name if value else ""  # a note on a key not written goes to the top
        comments[where] = (*comments.get(where, ()), *notes)
    warnings = [note.rstrip(".") for note in (*odd, *schema_notes, *team_notes)]
    warnings[:0] = [] if workspace.ready else [not_ready(workspace.stage)]
    return ExportedDocument(
        tenant,
        workspace.workspace_id,
        key,
        data,
        {where: notes for where, notes in comments.items() if notes},
        tuple(warnings),
        workspace.ready,
    )


def not_ready(stage: int) -> str:
    """The warning for a workspace that is not Ready, as plan will treat it."""
    said = f"it is not Ready (Stage: {stage_name(stage)})"
    if stage != Stage.FAILED:
        return f"{said}; plan reports it busy (an error) until it is"
    return (
        f"{said}: its provisioning failed, so plan reports an error for it, and it will not "
        "become Ready by itself; ask the service desk"
    )


def _describable(
    tenant: str, workspace: Workspace, catalog: Catalog
) -> tuple[OrganizationUnit, WorkspaceType, str]:
    """The unit, type and manager's email; NotExportable for what no spec can say."""
    pair = catalog.pair(workspace.unit_type_id)
    if pair is None:
        raise NotExportable(
            f"its UnitTypeId {workspace.unit_type_id} matches no organization unit and type "
            f"of tenant '{tenant}'"
        )
    manager = workspace.manager.email if workspace.manager else ""
    if not EMAIL.fullmatch(manager):
        raise NotExportable("it has no manager with an email address, and every spec names one")
    if not TEXT.fullmatch(workspace.name):
        raise NotExportable(
            f"its name {workspace.name!r} is not one line without blanks at its ends"
        )
    if not WORKSPACE_ID.fullmatch(workspace.workspace_id):
        raise NotExportable(f"its WorkspaceId {workspace.workspace_id!r} cannot be written")
    return (*pair, manager)


def unit_reference(catalog: Catalog, unit: OrganizationUnit) -> str:
    """The unit's Name, else its ShortName, when that names it alone; else its Id."""
    for candidate in (unit.name, unit.short_name):
        if (
            candidate
            and TEXT.fullmatch(candidate)
            and _finds(catalog.find_unit, candidate, unit.id)
        ):
            return candidate
    return unit.id


def type_reference(catalog: Catalog, unit: OrganizationUnit, wtype: WorkspaceType) -> str:
    """The type's Name when it names this type alone in the unit; else its Id."""
    if TEXT.fullmatch(wtype.name) and _finds(
        lambda r: catalog.find_type(unit, r), wtype.name, wtype.id
    ):
        return wtype.name
    return wtype.id


def _finds(find: Any, reference: str, wanted_id: str) -> bool:
    try:
        found = find(reference)
    except AmbiguousReference:
        return False
    return found is not None and same_catalog_id(found.id, wanted_id)


def _schema(workspace: Workspace, wtype: WorkspaceType) -> tuple[dict[str, str], list[str]]:
    """Fields with a value, as stored, in the type's order; notes on the fields left out.

    An empty field is not written (it stays unmanaged, as a person would leave it).
    """
    definitions = {f.name: f for f in wtype.schema_definition}
    stored = {f.name: f.value for f in workspace.schema}
    order = [*definitions, *(name for name in stored if name not in definitions)]
    values: dict[str, str] = {}
    left_out: list[str] = []
    for name in order:
        value = stored.get(name)
        if value is None:
            continue
        why = _unwritable(wtype, name, value)
        if why:
            left_out.append(f"Schema field {name} left out: {why}.")
        else:
            values[name] = value
    return values, left_out


def _unwritable(wtype: WorkspaceType, name: str, value: str) -> str | None:
    """Why a stored value cannot be written so that the plan reads it back unchanged."""
    definition = next((f for f in wtype.schema_definition if f.name == name), None)
    if definition is None:
        return f"workspace type {wtype.name} does not define it"
    if not TEXT.fullmatch(name):
        return "a spec cannot write its name"
    try:
        canonical = schema_value(definition.field_type, value)
    except BadValue as exc:
        return f"its stored value does not fit a {definition.field_type} field ({exc})"
    if canonical != value:
        return (
            f"it is stored as {value!r}, not in the form the service stores "
            f"({canonical!r}), so plan would always show it changed"
        )
    if definition.valid_values is not None and value not in definition.valid_values:
        return f"{value!r} is not one of its ValidValues, so plan would refuse it"
    return None


def _team(
    team: Sequence[TeamGroup], provisioning: str, manager: str
) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """Manageable groups without their implied members; notes on groups left out; unmanaged ones.

    A group is written only when the service's implied members are all in it:
    listed without them, the plan adds them back and finds nothing to change.
    """
    allowed = ALLOWED_GROUPS[provisioning]
    live = live_groups(tuple(team))
    owners = live.get(OWNER_GROUP[provisioning], [])
    groups: dict[str, list[str]] = {}
    left_out: list[str] = []
    for group in (g for g in allowed if g in live):
        implied = implied_members(group, provisioning, manager, owners)
        have = {account_key(m) for m in live[group]}
        missing = [f"{m} ({why})" for m, why in implied if account_key(m) not in have]
        skip = {account_key(m) for m, _ in implied}
        listed = list({account_key(m): m for m in reversed(live[group])}.values())[::-1]
        listed = [m for m in listed if account_key(m) not in skip]
        why = None
        if missing:
            why = f"it lacks {', '.join(dict.fromkeys(missing))}, whom plan would add"
        elif not all(TEXT.fullmatch(m) for m in listed):
            why = "a spec cannot write the name of one of its members"
        elif provisioning == "Teams" and any(is_ad_group(m) for m in listed):
            why = "it holds AD groups, which Teams workspaces do not take"
        if why:
            left_out.append(f"Team group {group} left out (not managed): {why}.")
        else:
            groups[group] = listed
    unmanaged = list(dict.fromkeys(g.group for g in team if g.group not in allowed))
    return groups, left_out, unmanaged


def derive_key(name: str, workspace_id: str, taken: Collection[str]) -> str:
    """A key for a generated id: the name as a lower-case slug, made unique among `taken`."""
    base = _slug(name) or _slug(workspace_id) or "workspace"
    candidate, number = base, 2
    while key_key(candidate) in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _slug(text: str) -> str:
    """Letters and digits of the text (accents dropped), '-' between runs: 'Büro 7' -> 'buro-7'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", key_key(ascii_text)).strip("-")[:100].strip("-")


def round_trip_problems(
    document: ExportedDocument, workspace: Workspace, team: Sequence[TeamGroup], catalog: Catalog
) -> list[str]:
    """What `validate` or `plan` would say of the document against what was read; [] proves it.

    A workspace that is not Ready is judged as if it were: this checks the
    inversion, not the stage (which the export warns about).
    """
    documents, problems = parse_documents(document.text, CHECK_FILE)
    if problems or len(documents) != 1:
        return [str(p) for p in problems] or ["the text is not one YAML document"]
    spec, problems = build_spec(documents[0], document.tenant)
    if spec is None or problems:
        return [str(p) for p in problems]
    state = State(Path(CHECK_FILE))  # in memory only: never saved
    if document.key:
        state.tenant(document.tenant).keys[key_key(document.key)] = workspace.workspace_id
    ready = LiveWorkspace(replace(workspace, stage=Stage.READY), tuple(team))
    planned = plan_workspace(resolve(spec, catalog, state), ready)
    found = [p.message for p in planned.problems]
    found += [f"{'.'.join(c.path)}: {c.before!r} -> {c.after!r}" for c in planned.changes]
    return found
