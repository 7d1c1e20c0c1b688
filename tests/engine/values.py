"""Plain values for the engine's unit tests: specs from YAML text, workspace types by hand.

No I/O and no emulator. The types mirror the emulator's demo fixture (names,
generators, prefixes and schemas), so a test reads like the README's examples.
"""

from __future__ import annotations

from collections.abc import Iterable
from textwrap import dedent
from typing import Any

from reconciler.api.models import (
    GENERATOR_NAMES,
    FieldDefinition,
    IdGenerator,
    Workspace,
    WorkspaceType,
)
from reconciler.spec import WorkspaceSpec
from reconciler.spec.load import build_spec
from reconciler.spec.yamlfile import parse_documents

SPEC_FILE = "specs/unit.yaml"
GENERATOR_VALUES = {name: number for number, name in GENERATOR_NAMES.items()}


def spec_from_yaml(text: str, *, file: str = SPEC_FILE, tenant: str = "contoso") -> WorkspaceSpec:
    """The one workspace of a YAML document, loaded as `reconciler plan` loads it.

    `text` is dedented, so a test may indent it; `tenant` applies when the
    document names none. Any problem of the document fails the test at once.
    """
    documents, diagnostics = parse_documents(dedent(text).lstrip("\n"), file)
    assert not diagnostics, [str(d) for d in diagnostics]
    assert len(documents) == 1, f"expected one document, got {len(documents)}"
    spec, problems = build_spec(documents[0], tenant)
    assert spec is not None and not problems, [str(p) for p in problems]
    return spec


def described(problems: Iterable[Any]) -> list[tuple[str, str, str | None, int | None]]:
    """Plan-time problems as (severity, message, file, line), to compare exactly."""
    return [(p.severity.value, p.message, p.file, p.line) for p in problems]


def field_def(
    name: str,
    field_type: str = "string",
    *,
    required: bool = False,
    valid_values: tuple[str, ...] | None = None,
) -> FieldDefinition:
    """One field of a type's SchemaDefinition."""
    return FieldDefinition(name, field_type, required, valid_values)


def workspace_type(
    name: str,
    *,
    generator: str = "None",
    prefix: str | None = None,
    provisioning: str = "SharePoint",
    fields: tuple[FieldDefinition, ...] = (),
    active: bool = True,
    type_id: str | None = None,
) -> WorkspaceType:
    """A workspace type as the client builds it from availableWsTypes."""
    assert provisioning in ("SharePoint", "Teams")
    return WorkspaceType(
        id=type_id or f"type-{name}",
        name=name,
        creation_mode=2,
        is_active=active,
        schema_definition=fields,
        generator=IdGenerator(generator, GENERATOR_VALUES[generator], prefix),
        provisioning_type="Teams" if provisioning == "Teams" else "SharePoint",
        unit_type_id=1,
    )


PROJECT_FIELDS = (
    field_def("StartDate", "datetime"),
    field_def("EndDate", "datetime"),
    field_def("Customer"),
    field_def("Phase", valid_values=("Initiation", "Execution", "Closure")),
    field_def("Description"),
)

PROJECT = workspace_type(
    "Project", fields=PROJECT_FIELDS, type_id="6FF11D16-2F92-47EF-9EEA-06442125C38E"
)
PROJECT_PLUS = workspace_type(
    "Project Plus", fields=PROJECT_FIELDS, type_id="24760C3C-0E37-457B-B51B-8D1B235382F1"
)
TEAM_ROOM = workspace_type(
    "Team Room",
    generator="PrefixWithId",
    prefix="tr.",
    provisioning="Teams",
    fields=(field_def("Topic", required=True), field_def("Confidential", "boolean")),
    type_id="3B66DCCA-98AF-458A-AE36-A67BF199AC07",
)
DEPARTMENT = workspace_type(
    "Department Site",
    generator="PrefixWithName",
    prefix="dep",
    fields=(field_def("CostCenter", "number", required=True),),
    type_id="0C1B8F3E-52A4-4C55-9B9E-2B6B7E0A1D11",
)
CUSTOMER_CASE = workspace_type(
    "Customer Case",
    generator="Full",
    prefix="org.bu",
    fields=(field_def("Customer", required=True), field_def("Opened", "datetime")),
    type_id="9A2E4C61-7F3B-4D8A-A1C5-6E0F2B3D4C55",
)
ARCHIVE = workspace_type(
    "Archive", active=False, fields=PROJECT_FIELDS, type_id="5D4E3F2A-1B0C-4D9E-8F7A-6B5C4D3E2F10"
)


def live_workspace_of(**fields: Any) -> Workspace:
    """A workspace as GET answers it: Ready, open, no people, no schema; `fields` override."""
    values: dict[str, Any] = {
        "id": 1,
        "workspace_id": "w",
        "name": "N",
        "unit_type_id": 1,
        "url": None,
        "stage": 2,
        "shared": False,
        "life_cycle": 0,
        "created": None,
        "modified": None,
        "creator": None,
        "modifier": None,
        "manager": None,
        "deputy": None,
        "cards": (),
        "schema": (),
    }
    values.update(fields)
    return Workspace(**values)
