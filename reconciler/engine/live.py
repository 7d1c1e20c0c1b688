"""Live state, read with the fewest calls the specs need.

Per tenant, once: the organization units and each unit's available types (the
catalog). Per workspace: GET workspace (its schema comes with it), and GET team
only where the spec lists a team group. Workspaces are read concurrently; the
client keeps every thread within the rate limit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from reconciler.api import SeamlessClient
from reconciler.api.errors import ApiError, RunFailure, is_run_wide
from reconciler.api.models import OrganizationUnit, TeamGroup, Workspace, WorkspaceType
from reconciler.identity import same_catalog_id

READ_WORKERS = 8


class AmbiguousReference(LookupError):
    """A name that matches more than one unit or type."""


@dataclass(frozen=True)
class Catalog:
    """A tenant's organization units and the workspace types available in each."""

    tenant: str
    units: tuple[OrganizationUnit, ...]
    types_by_unit: Mapping[str, tuple[WorkspaceType, ...]]

    def find_unit(self, reference: str) -> OrganizationUnit | None:
        """By Id (any case), Name or ShortName; AmbiguousReference if several match."""
        matches = [
            u
            for u in self.units
            if same_catalog_id(reference, u.id) or reference in (u.name, u.short_name)
        ]
        if len(matches) > 1:
            raise AmbiguousReference(
                f"'{reference}' names {len(matches)} organization units; use the unit's Id"
            )
        return matches[0] if matches else None

    def find_type(self, unit: OrganizationUnit, reference: str) -> WorkspaceType | None:
        """By Id (any case) or Name, among the types available in the unit."""
        types = self.types_by_unit.get(unit.id, ())
        matches = [t for t in types if same_catalog_id(reference, t.id) or reference == t.name]
        if len(matches) > 1:
            raise AmbiguousReference(f"'{reference}' names {len(matches)} types; use the Id")
        return matches[0] if matches else None

    def pair(self, unit_type_id: int | None) -> tuple[OrganizationUnit, WorkspaceType] | None:
        """The (unit, type) a workspace's UnitTypeId stands for."""
        for unit in self.units:
            for wtype in self.types_by_unit.get(unit.id, ()):
                if unit_type_id is not None and wtype.unit_type_id == unit_type_id:
                    return unit, wtype
        return None

    def unit_names(self) -> list[str]:
        return [u.name or u.id for u in self.units]


def read_catalog(client: SeamlessClient, tenant: str) -> Catalog:
    """One GET for the units, one per unit for its types; RunFailure for auth or connection."""
    try:
        units = client.list_organization_units()
        types = {u.id: client.list_available_workspace_types(u.id) for u in units}
    except ApiError as exc:
        if is_run_wide(exc):
            raise RunFailure(exc) from exc
        raise
    return Catalog(tenant, units, types)


@dataclass(frozen=True)
class LiveWorkspace:
    """What the service says about one workspace, or why it could not be read."""

    workspace: Workspace | None
    team: tuple[TeamGroup, ...] | None
    error: str | None = None

    @property
    def digest(self) -> str:
        """A fingerprint of everything read, to tell later whether it has moved."""
        data = {
            "workspace": asdict(self.workspace) if self.workspace else None,
            "team": [asdict(g) for g in self.team] if self.team is not None else None,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class LiveRead:
    """One workspace to read: on which tenant's client, by which id, with its team or not."""

    tenant: str
    workspace_id: str
    with_team: bool


def read_workspace(client: SeamlessClient, read: LiveRead) -> LiveWorkspace:
    try:
        workspace = client.get_workspace(read.workspace_id)
        team = None
        if workspace is not None and read.with_team:
            team = client.get_team(read.workspace_id, workspace.name)
    except ApiError as exc:
        if is_run_wide(exc):  # every other read would fail alike: one error, not N
            raise RunFailure(exc) from exc
        return LiveWorkspace(None, None, error=str(exc))
    return LiveWorkspace(workspace, team)


def read_live(
    clients: Mapping[str, SeamlessClient],
    reads: Sequence[LiveRead],
    on_progress: Callable[[int, int], None] | None = None,
) -> list[LiveWorkspace]:
    """Read every workspace concurrently; results in the order of `reads`."""
    results = read_while(clients, reads, lambda: True, on_progress)
    return [r for r in results if r is not None]


def read_while(
    clients: Mapping[str, SeamlessClient],
    reads: Sequence[LiveRead],
    keep_going: Callable[[], bool],
    on_progress: Callable[[int, int], None] | None = None,
) -> list[LiveWorkspace | None]:
    """Read concurrently, starting a read only while `keep_going()`; None for those not started.

    A drift sweep with a time budget stops starting reads when the time is
    spent; the reads already started finish (their answer is worth having).
    """

    def read(r: LiveRead) -> LiveWorkspace | None:
        return read_workspace(clients[r.tenant], r) if keep_going() else None

    results: list[LiveWorkspace | None] = []
    pool = ThreadPoolExecutor(max_workers=READ_WORKERS)
    try:
        futures = [pool.submit(read, r) for r in reads]
        for done, future in enumerate(futures, start=1):
            results.append(future.result())
            if on_progress:
                on_progress(done, len(reads))
    except BaseException:
        # A signal, or a failure every read would share (the service gone, auth):
        # start nothing more; the reads in flight finish on their own.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results
