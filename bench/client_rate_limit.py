"""Benchmark: how close does the client's pacing come to what the rate limit allows?

Starts the emulator in-process (HTTPS on loopback) with a fixed window of
LIMIT requests per WINDOW seconds, then runs REQUESTS GETs of one workspace
from THREADS threads sharing one SeamlessClient. Prints the wall time, the
lower bound the limit allows, and the number of 429 answers (should be 0).

The bound: the emulator's windows are aligned to the clock (they start at
whole multiples of WINDOW), so ceil(REQUESTS / LIMIT) windows are needed and
the last one cannot open before the end of the first (partial) window plus
(windows - 2) * WINDOW. 200 requests at 20 per 3 s: 8 * 3 s plus what was left
of the first window when the run started.

    .venv/bin/python bench/client_rate_limit.py [--requests 200 --limit 20 --window 3 --threads 8]
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from reconciler.api import SeamlessClient
from reconciler.emulator.server import EmulatorServer
from reconciler.settings import ConnectionSettings, Secret


def main() -> None:
    """Run the benchmark once and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--window", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="bench-client-"))
    server = EmulatorServer(rate_limit=(args.limit, args.window), state_dir=state).start()
    try:
        settings = ConnectionSettings(
            api_url=server.url,
            tenant="contoso",
            token=Secret("demo-token-contoso"),
            ca_bundle=str(server.ca_bundle),
        )
        with SeamlessClient(settings) as client:
            started, started_epoch = time.monotonic(), time.time()
            with ThreadPoolExecutor(max_workers=args.threads) as pool:
                results = list(pool.map(client.get_workspace, ["example"] * args.requests))
            wall = time.monotonic() - started
        log = server.app.log.entries()
    finally:
        server.stop()

    windows = math.ceil(args.requests / args.limit)
    first_window_left = (math.floor(started_epoch / args.window) + 1) * args.window - started_epoch
    bound = first_window_left + (windows - 2) * args.window
    statuses = [entry["status"] for entry in log]
    times = sorted(entry["time"] for entry in log)
    gaps = [b - a for a, b in itertools.pairwise(times) if b - a > 0.5]
    print(f"requests           {args.requests} GET from {args.threads} threads, one client")
    print(f"rate limit         {args.limit} per {args.window} s (fixed window)")
    print(f"answered           {sum(r is not None for r in results)} ok, {len(log)} sent")
    print(f"429 answers        {statuses.count(429)}")
    print(f"wall time          {wall:.2f} s")
    print(
        f"bound              {bound:.2f} s  ({first_window_left:.2f} s left of the first window"
        f" + {windows - 2} * {args.window} s)"
    )
    per_window = (wall - bound) / max(windows - 1, 1)
    print(f"overhead           {wall - bound:.2f} s  ({per_window:.2f} s per window)")
    if gaps:
        print(f"waits at resets    {len(gaps)}, median {statistics.median(gaps):.2f} s")


if __name__ == "__main__":
    main()
