"""The fault tests' fixtures: `workspace` (the emulator, a specs folder, SEAMLESS_STATE)."""

from __future__ import annotations

from tests.scenarios.conftest import workspace

__all__ = ["workspace"]
