"""Benchmark: how many GETs a second the emulator serves over HTTPS with keep-alive.

The emulator must be fast enough that benchmarks of the reconciler measure the
reconciler. Starts it in-process with the rate limit off and sends GET
workspace from one keep-alive session, then from several threads each with its
own session. Prints requests per second for each.

    .venv/bin/python bench/emulator_throughput.py [--requests 2000 --threads 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from reconciler.emulator.server import EmulatorServer


def run(server: EmulatorServer, count: int) -> None:
    """Send `count` GETs over one keep-alive session; fail loudly on any non-200."""
    with requests.Session() as session:
        session.headers["Authorization"] = "Basic demo-token-contoso"
        for _ in range(count):
            answer = session.get(
                f"{server.url}/contoso/workspaces/example", verify=str(server.ca_bundle)
            )
            if answer.status_code != 200:
                raise SystemExit(f"unexpected answer {answer.status_code}")


def measure(server: EmulatorServer, total: int, threads: int) -> float:
    """Requests per second for `total` GETs spread over `threads` sessions."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda _: run(server, total // threads), range(threads)))
    return total / (time.perf_counter() - started)


def main() -> None:
    """Run the benchmark once and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="bench-emulator-"))
    server = EmulatorServer(rate_limit=None, state_dir=state).start()
    try:
        run(server, 50)  # warm up: first TLS handshakes, imports
        single = measure(server, args.requests, 1)
        several = measure(server, args.requests, args.threads)
    finally:
        server.stop()
    print(f"GET workspace, HTTPS keep-alive, rate limit off, {args.requests} requests each run")
    print(f"1 client session        {single:7.0f} requests/s")
    print(f"{args.threads} client sessions       {several:7.0f} requests/s")


if __name__ == "__main__":
    main()
