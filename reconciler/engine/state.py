"""The state file: key -> generated WorkspaceId for the workspaces this tool created.

Needed because the API cannot list or search workspaces: a type whose service
generates the id (Full, PrefixWithName) is found again only through this
record. JSON, human-readable, versioned, written atomically (temp file, fsync,
rename). Locking and the rest of `reconciler state` build on this.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import StateError

STATE_VERSION = 1
DEFAULT_NAME = Path(".reconciler") / "state.json"


def default_state_path(spec_paths: list[Path]) -> Path:
    """`.reconciler/state.json` beside the specs: in the first path given, or its folder."""
    first = spec_paths[0] if spec_paths else Path(".")
    base = first if first.is_dir() else first.parent
    return base / DEFAULT_NAME


@dataclass
class State:
    """Keys of generated-id workspaces, per tenant."""

    path: Path
    keys: dict[str, dict[str, str]] = field(default_factory=dict)

    def workspace_id(self, tenant: str, key: str) -> str | None:
        return self.keys.get(tenant, {}).get(key)

    def record(self, tenant: str, key: str, workspace_id: str) -> None:
        """Remember a created workspace's id and write the file at once."""
        self.keys.setdefault(tenant, {})[key] = workspace_id
        self.save()

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "tenants": {t: {"keys": dict(sorted(k.items()))} for t, k in sorted(self.keys.items())},
        }

    def save(self) -> None:
        """Write atomically: readers see the old file or the new one, never half of one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_dict(), indent=2) + "\n"
        handle, temp = tempfile.mkstemp(prefix=".state-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except OSError as exc:
            Path(temp).unlink(missing_ok=True)
            raise StateError(f"cannot write the state file {self.path}: {exc}") from exc


def load_state(path: Path) -> State:
    """Read the state file; a missing file is an empty state, a broken one an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return State(path)
    except OSError as exc:
        raise StateError(f"cannot read the state file {path}: {exc}") from exc
    try:
        data = json.loads(text)
        if data.get("version") != STATE_VERSION:
            raise StateError(
                f"the state file {path} has version {data.get('version')!r}; "
                f"this reconciler reads version {STATE_VERSION}"
            )
        keys = {
            str(tenant): {str(k): str(v) for k, v in body.get("keys", {}).items()}
            for tenant, body in data.get("tenants", {}).items()
        }
    except (ValueError, AttributeError, TypeError) as exc:
        raise StateError(
            f"the state file {path} is not valid ({exc}); it was left as it is: "
            "restore it from version control or a backup"
        ) from exc
    return State(path, keys)
