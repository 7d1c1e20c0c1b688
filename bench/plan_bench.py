"""Benchmark: a plan of N in-sync workspaces against the emulator.

Starts `reconciler emulator serve` as its own process (so CPU time measured
here is the reconciler's alone) with a generated fixture of N workspaces and
writes N matching specs, half of which list a team group. Then plans them and
reports HTTP requests per workspace (target: 1, plus 1 where the spec lists a
team group), wall time and CPU time per workspace.

With --rate-limit (default off) it also shows the wall time against the bound
the limit sets, and the 429s the emulator answered (target: none). Each N
runs in a process of its own, so its peak RSS (goal: flat, under 200 MB at
10,000) is its own; and the request log is checked: every workspace read
exactly once, no request lost or repeated.

    .venv/bin/python bench/plan_bench.py --workspaces 100 1000
    .venv/bin/python bench/plan_bench.py --workspaces 2000 10000
    .venv/bin/python bench/plan_bench.py --workspaces 120 --rate-limit 100/60
    .venv/bin/python bench/plan_bench.py --workspaces 2000 --rate-limit 1000/5
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests
import yaml

from reconciler.api import SeamlessClient
from reconciler.engine.planner import PlanOptions, make_plan
from reconciler.engine.state import State
from reconciler.settings import ConnectionSettings, Secret
from reconciler.spec import load_specs

UNIT = "E555522C-6856-4B50-BC00-3D5C17129077"
TYPE = "6FF11D16-2F92-47EF-9EEA-06442125C38E"


def fixture(count: int) -> dict[str, Any]:
    workspaces = [
        {
            "WorkspaceId": f"ws.{i:05d}",
            "Name": f"Workspace {i}",
            "OrganizationUnit": UNIT,
            "WorkspaceType": TYPE,
            "Manager": "marko@xyz.com",
            "Schema": {"Customer": f"Customer {i}"},
        }
        for i in range(count)
    ]
    demo = yaml.safe_load(
        (Path(__file__).parents[1] / "reconciler/emulator/fixtures/demo.yaml").read_text()
    )
    tenant = demo["tenants"]["contoso"]
    tenant["workspaces"] = workspaces
    return {"tenants": {"bench": {**tenant, "tokens": ["bench-token"]}}}


def specs(count: int, folder: Path) -> None:
    documents = []
    for i in range(count):
        doc: dict[str, Any] = {
            "kind": "Workspace",
            "tenant": "bench",
            "workspaceId": f"ws.{i:05d}",
            "name": f"Workspace {i}",
            "organizationUnit": "Star Unit",
            "workspaceType": "Project",
            "manager": "marko@xyz.com",
            "schema": {"Customer": f"Customer {i}"},
        }
        if i % 2 == 0:
            doc["team"] = {"Managers": []}
        documents.append(doc)
    folder.mkdir(parents=True)
    # 500 documents a file, as a real repository spreads them: a spec file is at most 1 MiB.
    for start in range(0, count, 500):
        chunk = documents[start : start + 500]
        (folder / f"bench-{start:05d}.yaml").write_text(yaml.safe_dump_all(chunk, sort_keys=False))


def start_emulator(workdir: Path, rate_limit: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    info_file = workdir / "info.json"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "reconciler", "emulator", "serve", "--port", "0"),
            *("--fixture", str(workdir / "fixture.yaml"), "--rate-limit", rate_limit),
            *("--state-dir", str(workdir), "--info-file", str(info_file)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not info_file.exists():  # the emulator writes it once it listens
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the emulator did not start")
        time.sleep(0.05)
    return process, json.loads(info_file.read_text())


def run(count: int, rate_limit: str) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-plan-"))
    (workdir / "fixture.yaml").write_text(yaml.safe_dump(fixture(count)))
    specs(count, workdir / "specs")
    process, info = start_emulator(workdir, rate_limit)
    try:
        settings = ConnectionSettings(
            api_url=info["url"],
            tenant="bench",
            token=Secret("bench-token"),
            ca_bundle=info["ca_bundle"],
        )
        loaded = load_specs([workdir / "specs"], None)
        options = PlanOptions(
            api_url=info["url"], created_at=datetime.now(timezone.utc).isoformat()
        )
        with SeamlessClient(settings) as client:
            wall, cpu, epoch = time.perf_counter(), time.process_time(), time.time()
            plan = make_plan(loaded, {"bench": client}, State(workdir / "state.json"), options)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        log = requests.get(f"{info['url']}/_emulator/requests", verify=info["ca_bundle"]).json()
    finally:
        process.terminate()
        process.wait(timeout=30)
    entries = log["requests"]
    teams = sum(1 for s in loaded if s.team)
    counts = plan.counts()
    print(f"N = {count} workspaces ({teams} list a team group), rate limit {rate_limit}")
    print(
        f"  plan: {counts['no-op']} unchanged, {counts['update']} to update,"
        f" {counts['error']} errors"
    )
    catalog = 1 + 2  # units, and the types of each of the fixture's two units
    per_ws = (len(entries) - catalog) / count
    print(
        f"  requests: {len(entries)} = {catalog} catalog + {len(entries) - catalog} for workspaces"
        f" ({per_ws:.2f} per workspace; target {1 + teams / count:.2f})"
    )
    print(f"  429 answers: {sum(1 for e in entries if e['status'] == 429)}")
    reads: dict[str, int] = {}
    for entry in entries:
        if entry["method"] == "GET" and entry["status"] == 200 and "/workspaces/" in entry["path"]:
            reads[entry["path"]] = reads.get(entry["path"], 0) + 1
    repeated = sum(1 for n in reads.values() if n > 1)
    workspace_reads = sum(1 for path in reads if path.count("/") == 3)
    print(
        f"  every workspace read once: {workspace_reads == count and repeated == 0}"
        f" ({workspace_reads} of {count} read, {repeated} read more than once)"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of the planning process: {peak:.0f} MB")
    print(
        f"  wall {wall:.2f} s ({wall / count * 1000:.1f} ms per workspace), "
        f"CPU {cpu:.2f} s ({cpu / count * 1000:.2f} ms per workspace)"
    )
    if rate_limit != "off":
        limit, window = (int(x) for x in rate_limit.split("/"))
        windows = math.ceil(len(entries) / limit)
        left = (math.floor(epoch / window) + 1) * window - epoch
        bound = left + (windows - 2) * window if windows > 1 else 0.0
        print(
            f"  bound the limit sets: {bound:.2f} s ({windows} windows; {left:.2f} s left of the"
            f" first); wall is {100 * (wall - bound) / max(bound, 1e-9):+.1f} % over it"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rate-limit", default="off")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.pop("REQUESTS_CA_BUNDLE", None)
    if args.one:
        run(args.workspaces[0], args.rate_limit)
        return
    for count in args.workspaces:  # a process each: its peak RSS is its own
        command = [sys.executable, __file__, "--one", "--workspaces", str(count)]
        subprocess.run([*command, "--rate-limit", args.rate_limit], check=True)


if __name__ == "__main__":
    main()
