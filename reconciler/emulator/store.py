"""SQLite persistence for workspaces: in memory by default, or a file that survives restarts.

One connection, one lock: every request's reads and writes run in one
transaction, so concurrent requests never see or leave a half-written
workspace. Workspaces are stored as JSON documents keyed by tenant and the
lower-cased WorkspaceId (the service treats ids case-insensitively, as
SharePoint URLs are).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS workspaces (
    tenant TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (tenant, key));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    """Workspace documents, id counters and a 'seeded' flag, behind one lock."""

    def __init__(self, path: Path | None = None) -> None:
        target = str(path) if path else ":memory:"
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block atomically: all its writes land, or none do."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def get(self, tenant: str, workspace_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM workspaces WHERE tenant = ? AND key = ?",
                (tenant, workspace_id.lower()),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, tenant: str, doc: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO workspaces (tenant, key, doc) VALUES (?, ?, ?)",
                (tenant, str(doc["WorkspaceId"]).lower(), json.dumps(doc)),
            )

    def all(self) -> list[tuple[str, dict[str, Any]]]:
        """Every stored workspace as (tenant, document)."""
        with self._lock:
            rows = self._db.execute("SELECT tenant, doc FROM workspaces").fetchall()
        return [(tenant, json.loads(doc)) for tenant, doc in rows]

    def next_value(self, name: str) -> int:
        """Increment and return a named counter (workspace Id, generated ids)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (name,),
            )
            row = self._db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0])

    def is_seeded(self) -> bool:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE name = 'seeded'").fetchone()
        return row is not None

    def mark_seeded(self) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('seeded', '1')")

    def clear(self) -> None:
        """Forget every workspace and counter (the control path's reset)."""
        with self.transaction():
            for table in ("workspaces", "counters", "meta"):
                self._db.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._db.close()
