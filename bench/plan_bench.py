"""Benchmark: a plan, and a drift check, of N in-sync workspaces against the emulator.

Generates a fixture of N workspaces and N matching specs, half of which list a
team group. Then, for each command (`plan`, `drift`; both unless --command
says one), starts `reconciler emulator serve` as its own process (so CPU time
measured here is the reconciler's alone) seeded with that fixture, and runs
the command's engine once over the specs (`make_plan`, `check_drift`: reads
and comparison, as the CLI runs them; loading the specs and rendering are not
timed). Reports HTTP requests per workspace (target, for both commands: 1,
plus 1 where the spec lists a team group; plus the catalog once: units and
the types of each unit), wall time and CPU time per workspace.

Every workspace is in sync by construction, so the plan must change nothing
and drift must find every workspace in sync (outcome in-sync: exit 0);
anything else fails the benchmark. So does a request lost or repeated: the
emulator's request log must hold each expected GET exactly once and nothing
else.

With --rate-limit (default off) it also shows the wall time against the bound
the limit sets (goal: at most 1.05 times it), and the 429s the emulator
answered (target: none). Each N and command runs in a process of its own, so
its peak RSS (goal: flat, under 200 MB at 10,000) is its own. A table of all
the runs, in markdown, ends the output.

    .venv/bin/python bench/plan_bench.py --workspaces 100 1000
    .venv/bin/python bench/plan_bench.py --workspaces 2000 10000
    .venv/bin/python bench/plan_bench.py --workspaces 120 --rate-limit 100/60
    .venv/bin/python bench/plan_bench.py --workspaces 2000 --rate-limit 1000/5 --command drift
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests
import yaml

from reconciler.api import SeamlessClient
from reconciler.engine.drift import DriftOptions, check_drift
from reconciler.engine.planner import PlanOptions, make_plan
from reconciler.engine.state import State
from reconciler.model.drift import Verdict
from reconciler.settings import ConnectionSettings, Secret
from reconciler.spec import WorkspaceSpec, load_specs

COMMANDS = ("plan", "drift")
TENANT = "bench"
UNIT = "E555522C-6856-4B50-BC00-3D5C17129077"
TYPE = "6FF11D16-2F92-47EF-9EEA-06442125C38E"


def demo_tenant() -> dict[str, Any]:
    """The demo fixture's tenant: its units, types and directory serve the bench tenant."""
    demo = yaml.safe_load(
        (Path(__file__).parents[1] / "reconciler/emulator/fixtures/demo.yaml").read_text()
    )
    return dict(demo["tenants"]["contoso"])


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
    tenant = {**demo_tenant(), "workspaces": workspaces, "tokens": ["bench-token"]}
    return {"tenants": {TENANT: tenant}}


def specs(count: int, folder: Path) -> None:
    documents = []
    for i in range(count):
        doc: dict[str, Any] = {
            "kind": "Workspace",
            "tenant": TENANT,
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


def start_emulator(
    fixture_file: Path, state_dir: Path, rate_limit: str
) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    info_file = state_dir / "info.json"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "reconciler", "emulator", "serve", "--port", "0"),
            *("--fixture", str(fixture_file), "--rate-limit", rate_limit),
            *("--state-dir", str(state_dir), "--info-file", str(info_file)),
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


def check(
    command: str, loaded: Sequence[WorkspaceSpec], client: SeamlessClient, state: State, url: str
) -> tuple[str, bool]:
    """Run the command's engine once: what it found, and whether that is "all in sync"."""
    clients = {TENANT: client}
    now = datetime.now(timezone.utc)
    if command == "plan":
        plan = make_plan(loaded, clients, state, PlanOptions(url, now.isoformat()))
        counts = plan.counts()
        found = f"{counts['no-op']} unchanged, {counts['update']} to update"
        found += f", {counts['create']} to create, {counts['error']} errors"
        return found, counts["no-op"] == len(loaded)
    report = check_drift(loaded, clients, state, DriftOptions(url, now)).report
    found = f"outcome {report.outcome.value} (exit 0 only if in-sync): "
    found += ", ".join(f"{n} {verdict}" for verdict, n in report.counts().items())
    in_sync = report.outcome is Verdict.IN_SYNC and report.count(Verdict.IN_SYNC) == len(loaded)
    return found, in_sync and report.sweep.checked == len(loaded)


def expected_requests(
    loaded: Sequence[WorkspaceSpec], units: Sequence[str]
) -> tuple[Counter[tuple[str, str]], int]:
    """Each GET the command needs, once; and how many of them are the tenant's catalog."""
    expected: Counter[tuple[str, str]] = Counter()
    expected["GET", f"/{TENANT}/organizationUnits"] = 1
    for unit in units:
        expected["GET", f"/{TENANT}/organizationUnits/{unit}/availableWsTypes"] = 1
    catalog = len(expected)
    for spec in loaded:
        expected["GET", f"/{TENANT}/workspaces/{spec.workspace_id}"] = 1
        if spec.team:
            expected["GET", f"/{TENANT}/workspaces/{spec.workspace_id}/team"] = 1
    return expected, catalog


def run(command: str, workdir: Path, rate_limit: str) -> dict[str, Any]:
    """One command over the specs in workdir, against an emulator of its own; its figures."""
    state_dir = workdir / command
    state_dir.mkdir()
    fixture_file = workdir / "fixture.yaml"
    units = [u["Id"] for u in demo_tenant()["organizationUnits"]]
    loaded = load_specs([workdir / "specs"], None)
    count = len(loaded)
    process, info = start_emulator(fixture_file, state_dir, rate_limit)
    try:
        settings = ConnectionSettings(
            api_url=info["url"],
            tenant=TENANT,
            token=Secret("bench-token"),
            ca_bundle=info["ca_bundle"],
        )
        with SeamlessClient(settings) as client:
            state = State(state_dir / "state.json")
            wall, cpu, epoch = time.perf_counter(), time.process_time(), time.time()
            found, in_sync = check(command, loaded, client, state, info["url"])
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        log = requests.get(f"{info['url']}/_emulator/requests", verify=info["ca_bundle"]).json()
    finally:
        process.terminate()
        process.wait(timeout=30)
    entries = log["requests"]
    teams = sum(1 for s in loaded if s.team)
    expected, catalog = expected_requests(loaded, units)
    answered = Counter((e["method"], e["path"]) for e in entries if e["status"] == 200)
    refused = sum(1 for e in entries if e["status"] == 429)
    failed = sum(1 for e in entries if e["status"] not in (200, 429))
    lost = sum((expected - answered).values())
    repeated = sum(n - 1 for key, n in answered.items() if key in expected and n > 1)
    unexpected = sum(n for key, n in answered.items() if key not in expected)
    result: dict[str, Any] = {
        "command": command,
        "count": count,
        "teams": teams,
        "rate_limit": rate_limit,
        "requests": len(entries),
        "catalog": catalog,
        "per_workspace": (len(entries) - catalog) / count,
        "target": (sum(expected.values()) - catalog) / count,
        "refused": refused,
        "exactly_once": lost == 0 and repeated == 0 and unexpected == 0 and failed == 0,
        "in_sync": in_sync,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "wall": wall,
        "cpu": cpu,
        "bound": None,
    }
    print(f"{command}: N = {count} workspaces ({teams} list a team group), rate limit {rate_limit}")
    print(f"  {command} found: {found}; all in sync: {in_sync}")
    print(
        f"  requests: {len(entries)} = {catalog} catalog + {len(entries) - catalog} for workspaces"
        f" ({result['per_workspace']:.2f} per workspace; target {result['target']:.2f})"
    )
    print(f"  429 answers: {refused}")
    print(
        f"  every expected GET answered exactly once: {result['exactly_once']}"
        f" ({lost} lost, {repeated} repeated, {unexpected} unexpected, {failed} failed)"
    )
    print(f"  peak RSS of the {command} process: {result['peak_mb']:.0f} MB")
    print(
        f"  wall {wall:.2f} s ({wall / count * 1000:.1f} ms per workspace), "
        f"CPU {cpu:.2f} s ({cpu / count * 1000:.2f} ms per workspace)"
    )
    if rate_limit != "off":
        limit, window = (int(x) for x in rate_limit.split("/"))
        windows = math.ceil(len(entries) / limit)
        left = (math.floor(epoch / window) + 1) * window - epoch
        bound = left + (windows - 2) * window if windows > 1 else 0.0
        result["bound"] = bound
        print(
            f"  bound the limit sets: {bound:.2f} s ({windows} windows; {left:.2f} s left of the"
            f" first); wall / bound = {wall / max(bound, 1e-9):.3f}"
            f" ({100 * (wall - bound) / max(bound, 1e-9):+.1f} %; goal ≤ 1.05)"
        )
    return result


def passed(result: dict[str, Any]) -> bool:
    """The correctness checks (the performance goals are figures, not checks)."""
    return bool(
        result["in_sync"]
        and result["exactly_once"]
        and math.isclose(result["per_workspace"], result["target"])
    )


def table(results: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| N | rate limit | command | requests per workspace (target) | 429 | each GET once"
        " | in sync | wall | wall / bound | CPU per workspace | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = (
            f"{r['wall'] / max(r['bound'], 1e-9):.3f} ({r['bound']:.2f} s)" if r["bound"] else "-"
        )
        lines.append(
            f"| {r['count']:,} | {r['rate_limit']} | {r['command']}"
            f" | {r['per_workspace']:.2f} ({r['target']:.2f}) | {r['refused']}"
            f" | {'yes' if r['exactly_once'] else 'NO'} | {'yes' if r['in_sync'] else 'NO'}"
            f" | {r['wall']:.2f} s | {ratio} | {r['cpu'] / r['count'] * 1000:.2f} ms"
            f" | {r['peak_mb']:.0f} MB |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rate-limit", default="off")
    parser.add_argument("--command", nargs="+", choices=COMMANDS, default=list(COMMANDS))
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the workdir of one run
    args = parser.parse_args()
    os.environ.pop("REQUESTS_CA_BUNDLE", None)
    if args.one:
        result = run(args.command[0], args.one, args.rate_limit)
        (args.one / f"{args.command[0]}.json").write_text(json.dumps(result))
        return
    results: list[dict[str, Any]] = []
    for count in args.workspaces:
        workdir = Path(tempfile.mkdtemp(prefix="bench-plan-"))
        try:
            (workdir / "fixture.yaml").write_text(yaml.safe_dump(fixture(count)))
            specs(count, workdir / "specs")
            for command in args.command:  # a process each: its peak RSS is its own
                child = [sys.executable, __file__, "--one", str(workdir), "--command", command]
                subprocess.run([*child, "--rate-limit", args.rate_limit], check=True)
                results.append(json.loads((workdir / f"{command}.json").read_text()))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        done = [r for r in results if r["count"] == count]
        if len(done) > 1:
            same = len({r["requests"] for r in done}) == 1
            sent = ", ".join(f"{r['command']} {r['requests']}" for r in done)
            print(f"N = {count}: requests {sent}; the same for each command: {same}")
    print()
    print(table(results))
    failures = [f"{r['command']} at N = {r['count']}" for r in results if not passed(r)]
    if failures:
        raise SystemExit(f"failed (not in sync, or a request lost or repeated): {failures}")


if __name__ == "__main__":
    main()
