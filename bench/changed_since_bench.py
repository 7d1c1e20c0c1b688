"""Benchmark: a pull request's plan (`--changed-since`) against the full plan, 3 changed of 1,000.

Makes a git repository of N in-sync workspace specs (bench/plan_bench.py's
fixture), commits it, edits the names of 3 documents in 3 different files,
and plans against the emulator twice: with the changes since the commit
(what a pull-request job runs) and in full. Prints the requests each made
and what they cost at the API's default limit of 100 requests a minute.
Fails (exit 1) when the pull-request plan reads anything but the 3 changed
workspaces and the per-tenant catalog, or does not find exactly the 3
renames.

    .venv/bin/python bench/changed_since_bench.py --workspaces 1000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml
from plan_bench import TENANT, fixture, specs, start_emulator  # type: ignore[import-not-found]

from reconciler.api import SeamlessClient
from reconciler.engine.planner import PlanOptions, make_plan
from reconciler.engine.state import State
from reconciler.settings import ConnectionSettings, Secret
from reconciler.spec import load_specs
from reconciler.spec.revision import changes_since

CHANGED = (7, 512, 998)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def rename(folder: Path, index: int) -> None:
    """Edit one document's name in place, as a pull request would."""
    for path in sorted(folder.glob("*.yaml")):
        text = path.read_text()
        old = f"name: Workspace {index}\n"
        if old in text:
            path.write_text(text.replace(old, f"name: Workspace {index} renamed\n", 1))
            return
    raise SystemExit(f"no document of workspace {index}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=1000)
    count = parser.parse_args().workspaces
    with tempfile.TemporaryDirectory(prefix="changed-since-bench-") as temp:
        work = Path(temp)
        folder = work / "repo" / "specs"
        specs(count, folder)
        (work / "fixture.yaml").write_text(yaml.safe_dump(fixture(count), sort_keys=False))
        repo = folder.parent
        git(repo, "init", "-q", "-b", "main")
        git(repo, "-c", "user.email=b@example.com", "-c", "user.name=B", "add", "-A")
        git(repo, "-c", "user.email=b@example.com", "-c", "user.name=B", "commit", "-qm", "base")
        for index in CHANGED:
            rename(folder, index)
        loaded = load_specs([folder], None)
        (work / "emulator").mkdir()
        process, info = start_emulator(work / "fixture.yaml", work / "emulator", "off")
        log_url = f"{info['url']}/_emulator/requests"
        try:
            settings = ConnectionSettings(
                api_url=info["url"],
                tenant=TENANT,
                token=Secret("bench-token"),
                ca_bundle=info["ca_bundle"],
            )
            figures = {}
            with SeamlessClient(settings) as client:
                for label, since in (("pull request", "main"), ("full", None)):
                    requests.delete(log_url, verify=info["ca_bundle"], timeout=30)
                    started = time.perf_counter()
                    changes = changes_since(since, [folder], None) if since else None
                    options = PlanOptions(api_url=info["url"], created_at="now", changes=changes)
                    plan = make_plan(loaded, {TENANT: client}, State(work / "s.json"), options)
                    wall = time.perf_counter() - started
                    log = requests.get(log_url, verify=info["ca_bundle"], timeout=30).json()
                    updated = sorted(w.address for w in plan.workspaces if w.calls)
                    figures[label] = (len(log["requests"]), wall, updated)
        finally:
            process.terminate()
            process.wait(timeout=30)
    wanted = sorted(f"{TENANT}/ws.{i:05d}" for i in CHANGED)
    # GET workspace for each, GET team where the spec lists a group (even indexes), the catalog.
    reads = sum(1 if i % 2 else 2 for i in CHANGED)
    for label, (made, wall, updated) in figures.items():
        print(
            f"{label} plan: {made} requests, {wall:.2f} s here; at 100 requests/minute "
            f"about {made / 100:.1f} min; workspaces to update: {len(updated)}"
        )
    made, _, updated = figures["pull request"]
    full = figures["full"][0]
    print(
        f"--changed-since: {len(CHANGED)} changed of {count}: {made} requests "
        f"({reads} reads of the changed + 3 catalog) against {full} for the full plan "
        f"({full / made:.0f}x fewer)"
    )
    if updated != wanted or made != reads + 3 or figures["full"][2] != wanted:
        print(f"FAILED: expected {wanted} and {reads + 3} requests", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
