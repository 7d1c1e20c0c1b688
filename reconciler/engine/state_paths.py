"""Where the state file is: the default beside the specs, and the refusals that keep a run from
using the wrong one (a subset of the specs given, or a stray state file inside them).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from reconciler.errors import StateError

DEFAULT_NAME = Path(".reconciler") / "state.json"


def default_state_path(spec_paths: list[Path]) -> Path:
    """`.reconciler/state.json` in the specs' folder: the deepest folder holding every path.

    So `plan a/ b/` and `plan b/ a/` find the same file. Without paths (the
    state commands): `specs/` when it exists here, else the current folder.
    """
    if not spec_paths:
        return (Path("specs") if Path("specs").is_dir() else Path(".")) / DEFAULT_NAME
    folders = [str((p if p.is_dir() else p.parent).resolve()) for p in spec_paths]
    return Path(os.path.commonpath(folders)) / DEFAULT_NAME


def refuse_missed_state(default: Path, spec_paths: Iterable[Path] = ()) -> None:
    """Refuse when the state these specs need is probably another file than `default`.

    A state file inside the spec folders (an export into a subfolder wrote
    it there) holds keys a plan of the whole folder would not see: it would
    create those workspaces again. And with no state file here but one in a
    folder above, a subset of the specs was given.
    """
    for path in spec_paths:
        for stray in _states_below(path):
            if stray.resolve() != default.resolve():
                raise StateError(
                    f"there is a state file at {stray}, inside these specs, but this run uses "
                    f"{default}: keys recorded there would be missed and their workspaces "
                    f"created again. Merge it into {default} (or pass --state {stray} if that "
                    "is the one), then remove it."
                )
    if default.exists():
        return
    for folder in default.parent.parent.resolve().parents:
        candidate = folder / DEFAULT_NAME
        if candidate.exists():
            raise StateError(
                f"no state file at {default}, but there is one at {candidate}: these specs are "
                f"probably part of a larger set. Pass --state {candidate} (or run on the folder "
                "that holds all the specs), so nothing is created twice."
            )


def _states_below(path: Path) -> Iterable[Path]:
    """`.reconciler/state.json` files in the folders under `path` (not `.git`)."""
    if not path.is_dir():
        return
    for folder, names, _ in os.walk(path):
        names[:] = [n for n in names if n != ".git"]
        candidate = Path(folder) / DEFAULT_NAME
        if Path(folder) != path and candidate.is_file():
            yield candidate
