"""`audit --access --live`: what the service actually holds, read over HTTPS from the emulator."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.audit.conftest import REPO, Tree
from tests.conftest import TOKEN, RunningEmulator


def live_report(tree: Tree, emulator: RunningEmulator, *more: str) -> dict[str, Any]:
    env = {
        "SEAMLESS_API_URL": emulator.url,
        "SEAMLESS_CA_BUNDLE": emulator.ca_bundle,
        "SEAMLESS_TOKEN": TOKEN,
    }
    result = tree.run(
        "--access",
        "--live",
        "--format",
        "json",
        "--state",
        "state.json",
        *more,
        "specs",
        env=env,
    )
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def people(data: dict[str, Any], address: str) -> list[tuple[str, str, str]]:
    workspace = next(w for w in data["workspaces"] if w["address"] == address)
    return [(p["group"], p["account"], p["via"]) for p in workspace["people"]]


def test_live_lists_what_the_service_holds(tree: Tree, emulator: RunningEmulator) -> None:
    shutil.copytree(REPO / "specs", tree.specs, ignore=shutil.ignore_patterns(".*"))
    # A hand change the specs know nothing of.
    answer = emulator.api(
        "PUT",
        "/workspaces/example/team",
        {"Added": [{"Group": "Members", "Members": ["anita@xyz.com"]}]},
    )
    assert answer.status_code == 200, answer.text
    data = live_report(tree, emulator)
    assert (data["source"], data["api_url"]) == ("live", emulator.url)
    assert people(data, "contoso/example") == [
        ("deputy", "ana@xyz.com", "role"),
        ("Members", "anita@xyz.com", "live"),
        ("Members", "imp@xyz.com", "live"),
        ("Managers", "marko@xyz.com", "implied by the manager"),
        ("Members", "marko@xyz.com", "implied by the manager"),
        ("manager", "marko@xyz.com", "role"),
        ("Visitors", "michael@xyz.com", "live"),
        ("Managers", "tom@xyz.com", "live"),
        ("Members", "tom@xyz.com", "implied by Managers"),
        ("Visitors", "AD_Visitors", "live"),
        ("Managers", "AD_XYZ", "live"),
        ("Members", "AD_XYZ", "implied by Managers"),
        ("Owners", "System Account", "live"),
    ]
    # lucas@xyz.com is in the spec's Visitors, not in the service's.
    assert ("Visitors", "lucas@xyz.com", "live") not in people(data, "contoso/example")
    example = next(w for w in data["workspaces"] if w["address"] == "contoso/example")
    assert (example["provisioning"], example["manager"], example["error"]) == (
        "SharePoint",
        "marko@xyz.com",
        None,
    )
    errors = {w["address"]: w["error"] for w in data["workspaces"] if w["error"]}
    assert errors == {
        "contoso/key=finance": "not created yet: the state records no WorkspaceId for key "
        "'finance'",
        "contoso/bu.webshop": "not found: the service has no workspace 'bu.webshop'",
        "contoso/pr.02": "not found: the service has no workspace 'pr.02'",
        "contoso/tr.onboarding": "not found: the service has no workspace 'tr.onboarding'",
    }
    reads = [e["path"] for e in emulator.requests_log() if e["method"] == "GET"]
    assert "/contoso/workspaces/example/team" in reads
    assert not [e for e in emulator.requests_log() if e["method"] in ("POST", "PUT")][1:]


def test_live_reads_keyed_workspaces_through_the_state(
    tree: Tree, emulator: RunningEmulator
) -> None:
    tree.write(
        "a.yaml",
        "kind: Workspace\ntenant: contoso\nkey: proj\nname: Project01\n"
        "organizationUnit: Star Unit\nworkspaceType: Project\nmanager: marko@xyz.com\n",
    )
    state = {
        "version": 1,
        "tenants": {"contoso": {"keys": {"proj": "example"}, "managed": [], "pending": {}}},
    }
    Path("state.json").write_text(json.dumps(state), encoding="utf-8")
    data = live_report(tree, emulator)
    assert data["workspaces"][0]["address"] == "contoso/example"
    assert ("Owners", "System Account", "live") in people(data, "contoso/example")
