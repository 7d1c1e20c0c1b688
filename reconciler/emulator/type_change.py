"""PUT workspaces/{id}/workspaceType: which type a workspace may change to, and why not.

The document's rules: the new type is available in the workspace's unit and
active, has the same set of (FieldName, FieldType), and for PrefixWithId and
Full types the WorkspaceId starts with its prefix. One reading is ours (see
README): the ProvisioningType stays the same. This module only judges;
`backend` checks the workspace is ready and open, and writes the change.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.errors import Unprocessable
from reconciler.emulator.fixtures import GENERATORS, TenantConfig, WorkspaceTypeConfig


def target(
    tenant: TenantConfig,
    doc: dict[str, Any],
    current: WorkspaceTypeConfig,
    type_id: str,
) -> WorkspaceTypeConfig:
    """The type `type_id` names, if the workspace `doc` (now of `current`) may change to it."""
    unit = tenant.units[doc["UnitId"]]
    if type_id not in unit.type_ids:
        raise Unprocessable(
            f"Id '{type_id}' is not an available workspace type of the workspace's "
            "organization unit."
        )
    new = tenant.types[type_id]
    if not new.is_active:
        raise Unprocessable(f"Workspace type '{new.name}' is not active.")
    if {(f.name, f.type) for f in new.fields} != {(f.name, f.type) for f in current.fields}:
        raise Unprocessable(
            f"Workspace type '{new.name}' does not have a schema matching '{current.name}'."
        )
    if new.provisioning_type != current.provisioning_type:
        raise Unprocessable(f"Workspace type '{new.name}' has another ProvisioningType.")
    prefix = new.prefix or ""
    # The id stays as it is, so a type that would have prefixed it must find its prefix there.
    needs_prefix = new.generator in (GENERATORS["PrefixWithId"], GENERATORS["Full"])
    if needs_prefix and not doc["WorkspaceId"].lower().startswith(prefix.lower()):
        raise Unprocessable(
            f"WorkspaceId '{doc['WorkspaceId']}' does not start with the prefix "
            f"'{prefix}' of workspace type '{new.name}'."
        )
    return new
