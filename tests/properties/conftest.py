"""Property tests (hypothesis): one deterministic settings profile for the whole folder.

`derandomize=True` draws the same examples on every run and every machine, and
`database=None` keeps no example database between runs (nor a `.hypothesis/`
folder in the checkout), so CI runs exactly what a developer ran. Each test
sets its own `max_examples`, sized to keep this folder under a minute on two
cores; tests that talk to the emulator also set `deadline=None` (a request's
time is the server's, not the property's).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import settings

# No example database (database=None below), and Hypothesis's other caches (the constants it
# collects from the source) go to the temp folder, not to a `.hypothesis/` in the checkout.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "reconciler-hypothesis")
)

settings.register_profile(
    "reconciler-properties",
    derandomize=True,
    database=None,
    print_blob=False,
    # Pure tests keep a deadline, generous for a slow CI machine: the loader refuses
    # hostile input quickly by design (size, depth, anchors), and a deadline notices if not.
    deadline=2000,
)

PROFILE = settings.get_profile("reconciler-properties")
"""The parent of every test's settings here: `@settings(PROFILE, max_examples=...)`."""
