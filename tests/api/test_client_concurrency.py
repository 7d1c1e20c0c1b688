"""Worker threads sharing one client stay under the rate limit: no 429 in a normal run."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from reconciler.api import SeamlessClient
from tests.api.conftest import api_calls
from tests.conftest import RunningEmulator

LIMIT, WINDOW = 20, 3
REQUESTS, THREADS = 60, 8


def test_concurrent_reads_get_no_429(client: SeamlessClient, emulator: RunningEmulator) -> None:
    emulator.configure(rate_limit={"limit": LIMIT, "window": WINDOW})
    ids = ["example" if i % 2 else f"missing.{i}" for i in range(REQUESTS)]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        found = list(pool.map(client.get_workspace, ids))
    assert sum(w is not None for w in found) == REQUESTS // 2
    log = api_calls(emulator, "GET")
    assert len(log) == REQUESTS
    assert [r["status"] for r in log if r["status"] == 429] == []
    # Three windows are needed; the emulator aligns them to the clock, so the first may be
    # short, but the run still spans every window between the first and the last.
    assert log[-1]["time"] - log[0]["time"] >= (REQUESTS // LIMIT - 2) * WINDOW
