"""`reconciler import ADDRESS` against the emulator: one workspace under management in one step.

Where no spec names the workspace, import writes its spec (as export does)
and then records it; where one does (by workspaceId, or by a key), it only
records it. It never records a workspace without a spec (`--prune` would
close it) and refuses an id the state holds under another key. After an
import, plan shows no change and `plan --prune` closes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fixtures.specs import department, example, project
from tests.fixtures.workspaces import make_every_kind
from tests.scenarios.conftest import Workspace


def import_(workspace: Workspace, address: str, *args: str) -> Any:
    return workspace.run("import", address, "--specs", str(workspace.specs), *args)


def assert_in_step(workspace: Workspace) -> None:
    """plan has nothing to do, and --prune has nothing to close."""
    for args in ((), ("--prune",)):
        plan = workspace.plan_json("--detailed-exitcode", *args)
        assert [w["action"] for w in plan["workspaces"]] == ["no-op"] * len(plan["workspaces"])
        assert plan["leaving"] == []


def test_import_writes_the_spec_then_records_it(workspace: Workspace) -> None:
    make_every_kind(workspace.emulator)
    workspace.specs.mkdir()
    result = import_(workspace, "contoso/tr.support")
    assert result.exit_code == 0, result.stderr
    assert (workspace.specs / "tr.support.yaml").read_text().startswith("kind: Workspace\n")
    assert workspace.state()["tenants"]["contoso"]["managed"] == ["tr.support"]
    keyed = import_(workspace, "org.bu.00001", "--tenant", "contoso", "--to", "cases/claim.yaml")
    assert keyed.exit_code == 1  # --to is relative to the current folder: not in the specs
    assert "must be a .yaml file in the specs folder" in keyed.stderr
    keyed = import_(workspace, "contoso/org.bu.00001", "--to", str(workspace.specs / "c/x.yaml"))
    assert keyed.exit_code == 0, keyed.stderr
    assert "key: claim-migros-1\n" in (workspace.specs / "c" / "x.yaml").read_text()
    tenant = workspace.state()["tenants"]["contoso"]
    assert tenant["keys"] == {"claim-migros-1": "org.bu.00001"}
    assert tenant["managed"] == ["org.bu.00001", "tr.support"]
    assert_in_step(workspace)


def test_a_spec_that_names_it_by_id_is_only_recorded(workspace: Workspace) -> None:
    workspace.write("mine.yaml", example())
    result = import_(workspace, "contoso/example")
    assert result.exit_code == 0, result.stderr
    assert f"contoso/example is already in the specs: {workspace.specs / 'mine.yaml'}:1:1" in (
        result.stdout
    )
    assert sorted(p.name for p in workspace.specs.iterdir()) == ["mine.yaml"]
    assert workspace.state()["tenants"]["contoso"]["managed"] == ["example"]
    assert_in_step(workspace)


def test_a_spec_that_names_it_by_key_is_only_recorded(workspace: Workspace) -> None:
    make_every_kind(workspace.emulator)
    workspace.write("finance.yaml", department("fin", cost_center='"4711"'))
    before = workspace.run("plan", str(workspace.specs))
    assert "state has no record of key 'fin'" in before.stdout  # plan's own advice
    result = import_(workspace, "contoso/dep.finance")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in workspace.specs.iterdir()) == ["finance.yaml"]
    tenant = workspace.state()["tenants"]["contoso"]
    assert (tenant["keys"], tenant["managed"]) == ({"fin": "dep.finance"}, ["dep.finance"])
    assert_in_step(workspace)


def test_an_id_managed_under_another_key_is_refused(workspace: Workspace) -> None:
    make_every_kind(workspace.emulator)
    state = {
        "version": 1,
        "tenants": {"contoso": {"keys": {"old": "dep.finance"}, "managed": [], "pending": {}}},
    }
    (workspace.root / "state.json").write_text(json.dumps(state))
    workspace.write("finance.yaml", department("fin", manager="anita@xyz.com"))
    result = import_(workspace, "contoso/dep.finance")
    assert result.exit_code == 1
    assert "names dep.finance by key 'fin', but the state manages it under key 'old'" in (
        result.stderr
    )
    assert json.loads((workspace.root / "state.json").read_text()) == state


def test_nothing_is_recorded_without_a_spec(workspace: Workspace) -> None:
    workspace.write("taken.yaml", project("pr.09"))
    refused = [
        import_(workspace, "contoso/nope"),
        import_(workspace, "contoso/example", "--to", str(workspace.specs / "taken.yaml")),
        import_(workspace, "contoso/example", "--to", str(workspace.root / "outside.yaml")),
        import_(workspace, "contoso/example", "--to", str(workspace.specs / ".hidden.yaml")),
        import_(workspace, "example"),  # no tenant: neither in the address nor --tenant
    ]
    assert [r.exit_code for r in refused] == [1] * 5
    messages = [r.stderr.strip().splitlines()[0] for r in refused]
    assert messages[0] == "Error: contoso/nope: no such workspace"
    assert "taken.yaml exists, and import never overwrites a file" in messages[1]
    assert all("must be a .yaml file in the specs folder" in m for m in messages[2:4])
    assert "is not an address" in messages[4]
    assert not (workspace.root / "state.json").exists()
    assert (workspace.specs / "taken.yaml").read_text() == project("pr.09")


def test_import_refuses_to_guess_with_invalid_specs(workspace: Workspace) -> None:
    workspace.write("broken.yaml", "kind: Workspace\nmanger: x\n")
    result = import_(workspace, "contoso/example")
    assert result.exit_code == 1
    assert "fix them first" in result.stderr
    assert not (workspace.root / "state.json").exists()
