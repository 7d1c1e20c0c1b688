"""`reconciler export` against the emulator: live workspaces -> spec files that plan as no change.

The round trip is the contract (design.md, "Export and import"): for every
workspace the demo fixture seeds, and one of every other kind made by hand
(tests/fixtures/workspaces.py), export -> validate (exit 0, nothing said) ->
plan --detailed-exitcode (exit 0); then one value edited in each file, and
plan shows exactly that change. The exported text of a SharePoint, a Teams
and a generated-id workspace is pinned word for word.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import STAR_UNIT, TEAM_ROOM_TYPE
from tests.fixtures.specs import customer_case, department, example, project, team_room
from tests.fixtures.workspaces import make_every_kind
from tests.scenarios.conftest import Workspace

EXAMPLE = """\
kind: Workspace
tenant: contoso
workspaceId: example
name: Project01
organizationUnit: Star Unit
workspaceType: Project
manager: marko@xyz.com
deputy: ana@xyz.com
schema:
  Customer: Migros
  Phase: Execution
# Groups left out, which the API cannot change on SharePoint workspaces: Excel Services Viewers,
# Owners.
team:
  Managers: [tom@xyz.com, AD_XYZ]
  Members: [imp@xyz.com]
  Visitors: [michael@xyz.com, AD_Visitors]
"""

TEAM_ROOM = """\
kind: Workspace
tenant: contoso
workspaceId: tr.support
name: Support
organizationUnit: Star Unit
workspaceType: Team Room
manager: ana@xyz.com
schema:
  Topic: Support
  Confidential: "1"
team:
  Owners: [maria@xyz.com]
  Members: [tom@xyz.com]
"""

CUSTOMER_CASE = """\
# The service chose WorkspaceId org.bu.00001 (Full type); the state file records it under this key.
kind: Workspace
tenant: contoso
key: claim-migros-1
name: "Claim: Migros #1"
organizationUnit: Butterfly
workspaceType: Customer Case
manager: ana@xyz.com
deputy: tom@xyz.com
schema:
  Customer: Migros
  Opened: "2025-01-15T08:30:00Z"
# Groups left out, which the API cannot change on SharePoint workspaces: Excel Services Viewers,
# Owners.
team:
  Managers: []
  Members: []
  Visitors: []
"""

# One edit per exported file (old text, new text), and the one change plan must show for it.
EDITS = {
    "example": ("Phase: Execution", "Phase: Closure"),
    "pr.closed": ("lifeCycle: closed", "lifeCycle: active"),
    "tr.support": ("Members: [tom@xyz.com]", "Members: [tom@xyz.com, imp@xyz.com]"),
    "dep.finance": ('CostCenter: "4711"', 'CostCenter: "4712"'),
    "org.bu.00001": ('Opened: "2025-01-15T08:30:00Z"', "Opened: 2025-01-16"),
}
EXPECTED_CHANGES = {
    "contoso/example": (["schema", "Phase"], "change", "Execution", "Closure"),
    "contoso/pr.closed": (["lifeCycle"], "change", "closed", "active"),
    "contoso/tr.support": (["team", "Members"], "add", None, "imp@xyz.com"),
    "contoso/key=finance": (["schema", "CostCenter"], "change", "4711", "4712"),
    "contoso/key=claim-migros-1": (
        ["schema", "Opened"],
        "change",
        "2025-01-15T08:30:00Z",
        "2025-01-16T00:00:00Z",
    ),
}


def export(workspace: Workspace, *args: str) -> Any:
    return workspace.run(
        "export", "--tenant", "contoso", "--output-dir", str(workspace.specs), *args
    )


def changes(plan: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    return {
        w["address"]: [(c["path"], c["op"], c["before"], c["after"]) for c in w["changes"]]
        for w in plan["workspaces"]
    }


def test_every_kind_of_workspace_round_trips(workspace: Workspace) -> None:
    ids = make_every_kind(workspace.emulator)
    exported = export(workspace, *ids)
    assert exported.exit_code == 0, exported.stderr
    assert "Warning" not in exported.stderr
    assert sorted(p.name for p in workspace.specs.iterdir()) == sorted(f"{i}.yaml" for i in ids)
    assert (workspace.specs / "example.yaml").read_text() == EXAMPLE
    assert (workspace.specs / "tr.support.yaml").read_text() == TEAM_ROOM
    assert (workspace.specs / "org.bu.00001.yaml").read_text() == CUSTOMER_CASE
    keys = workspace.state()["tenants"]["contoso"]
    assert keys == {
        "keys": {"claim-migros-1": "org.bu.00001", "finance": "dep.finance"},
        "managed": [],  # an apply manages them once it finds them in the specs
        "pending": {},
    }

    validated = workspace.run("validate", str(workspace.specs))
    assert (validated.exit_code, validated.stdout) == (0, "OK: 5 workspaces in 5 files\n")
    planned = workspace.run("plan", str(workspace.specs), "--detailed-exitcode")
    assert planned.exit_code == 0, planned.stdout
    plan = workspace.plan_json()
    assert [(w["action"], w["problems"]) for w in plan["workspaces"]] == [("no-op", [])] * 5
    workspace.emulator.control("DELETE", "requests")
    workspace.apply()  # no call: it only records the workspaces as managed (what --prune sees)
    assert workspace.writes() == []
    assert workspace.state()["tenants"]["contoso"]["managed"] == sorted(ids)

    for workspace_id, (old, new) in EDITS.items():
        path = workspace.specs / f"{workspace_id}.yaml"
        text = path.read_text()
        assert text.count(old) == 1, (old, text)
        path.write_text(text.replace(old, new))
    edited = workspace.plan_json()
    assert changes(edited) == {
        address: [(path, op, before, after)]
        for address, (path, op, before, after) in EXPECTED_CHANGES.items()
    }
    reopen = next(w for w in edited["workspaces"] if w["address"] == "contoso/pr.closed")
    manager = reopen["calls"][0]["body"]["Manager"]
    assert manager == {"Email": "maria@xyz.com", "Name": "Maria (PM)"}  # the hand-set name stays


def test_the_other_tenants_seeded_workspaces_round_trip(workspace: Workspace) -> None:
    """tenantname mirrors the API document: testWorkspace's groups lack the implied members."""
    token = workspace.root / "token"
    token.write_text("demo-token-tenantname")
    folder, state = workspace.root / "tenantname", str(workspace.root / "tenantname.json")
    common = ("--token-file", str(token), "--state", state)
    exported = workspace.run(
        "export", "--tenant", "tenantname", "example", "testWorkspace", "--output-dir",
        str(folder), *common,
    )  # fmt: skip
    assert exported.exit_code == 0, exported.stderr
    warnings = [line for line in exported.stderr.splitlines() if line.startswith("Warning")]
    assert warnings == [
        "Warning: tenantname/testWorkspace: Team group Managers left out (not managed): it lacks "
        "seamless@tenantname.onmicrosoft.com (implied by the manager), whom plan would add",
        "Warning: tenantname/testWorkspace: Team group Members left out (not managed): it lacks "
        "seamless@tenantname.onmicrosoft.com (implied by the manager), "
        "first@tenantname.onmicrosoft.com (implied by Managers), john@tenantname.onmicrosoft.com "
        "(implied by Managers), AD_Test (implied by Managers), whom plan would add",
    ]
    validated = workspace.run("validate", str(folder))
    assert (validated.exit_code, validated.stdout) == (0, "OK: 2 workspaces in 2 files\n")
    planned = workspace.run("plan", str(folder), "--detailed-exitcode", *common)
    assert planned.exit_code == 0, planned.stdout

    path = folder / "testWorkspace.yaml"
    path.write_text(path.read_text().replace("lucas@tenantname.onmicrosoft.com, ", ""))
    edited = workspace.run("plan", str(folder), "--json", *common)
    assert changes(json.loads(edited.stdout))["tenantname/testWorkspace"] == [
        (["team", "Visitors"], "remove", "lucas@tenantname.onmicrosoft.com", None)
    ]


def test_unknown_ids_are_reported_and_do_not_stop_the_others(workspace: Workspace) -> None:
    ids_file = workspace.root / "ids.txt"
    ids_file.write_text("# to adopt\n\nnope   # gone?\nEXAMPLE\nexample\n")
    result = export(workspace, "--from-file", str(ids_file))
    assert result.exit_code == 1
    assert "Error: contoso/nope: no such workspace" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert [p.name for p in workspace.specs.iterdir()] == [
        "example.yaml"
    ]  # once, as the service spells it
    assert "Exported 1 of 2 workspaces" in result.stderr


def test_an_existing_file_is_never_overwritten_without_force(workspace: Workspace) -> None:
    mine = "# mine\n" + project("pr.09")  # of another workspace
    workspace.write("example.yaml", mine)
    refused = export(workspace, "example")
    assert refused.exit_code == 1
    assert "example.yaml exists; pass --force to overwrite it" in refused.stderr
    assert (workspace.specs / "example.yaml").read_text() == mine
    forced = export(workspace, "example", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert (workspace.specs / "example.yaml").read_text() == EXAMPLE


def test_stdout_gets_every_document_and_nothing_is_recorded(workspace: Workspace) -> None:
    make_every_kind(workspace.emulator)
    result = workspace.run(
        "export", "--tenant", "contoso", "example", "org.bu.00001", "--output-dir", "-"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == EXAMPLE + "---\n" + CUSTOMER_CASE
    assert not (workspace.root / "state.json").exists()
    assert "Nothing was recorded in the state" in result.stderr
    assert "reconciler state import --tenant contoso claim-migros-1 org.bu.00001" in result.stderr


def test_a_workspace_not_ready_warns_and_strict_refuses_it(workspace: Workspace) -> None:
    body = {
        "WorkspaceId": "tr.new",
        "Name": "New",
        "OrganizationUnitId": STAR_UNIT,
        "WorkspaceTypeId": TEAM_ROOM_TYPE,
        "Manager": {"Email": "ana@xyz.com"},
        "Schema": [{"FieldName": "Topic", "FieldValue": "New"}],
    }
    assert workspace.emulator.api("POST", "/workspaces", body).status_code == 201
    workspace.emulator.control("POST", "workspaces/contoso/tr.new/stage", {"stage": 1})
    strict = export(workspace, "tr.new", "example", "--strict")
    assert strict.exit_code == 1
    assert "Warning: contoso/tr.new: it is not Ready (Stage: Provisioning)" in strict.stderr
    assert "Error: contoso/tr.new: not exported (--strict" in strict.stderr
    assert [p.name for p in workspace.specs.iterdir()] == ["example.yaml"]
    lenient = export(workspace, "tr.new")
    assert lenient.exit_code == 0
    assert "Warning: contoso/tr.new: it is not Ready" in lenient.stderr
    assert (workspace.specs / "tr.new.yaml").exists()
    assert "(no changes)" not in lenient.stderr  # plan reports the busy workspace: exit 1
    assert "plan " + str(workspace.specs) + "  (an error for tr.new, not Ready;" in lenient.stderr
    assert workspace.run("plan", str(workspace.specs)).exit_code == 1


def test_a_failed_workspace_is_not_said_to_become_ready(workspace: Workspace) -> None:
    make_every_kind(workspace.emulator)
    workspace.emulator.control("POST", "workspaces/contoso/tr.support/stage", {"stage": 3})
    result = export(workspace, "tr.support")
    assert result.exit_code == 0, result.stderr
    assert (
        "Warning: contoso/tr.support: it is not Ready (Stage: Failed): its provisioning failed, "
        "so plan reports an error for it, and it will not become Ready by itself; ask the "
        "service desk" in result.stderr
    )
    assert "busy" not in result.stderr and "(no changes)" not in result.stderr
    planned = workspace.run("plan", str(workspace.specs))
    assert planned.exit_code == 1
    assert "provisioning of this workspace failed" in planned.stdout + planned.stderr


def test_keys_reuse_the_state_and_never_take_another_workspaces(workspace: Workspace) -> None:
    make_every_kind(workspace.emulator)
    state = {
        "version": 1,
        "tenants": {
            "contoso": {
                "keys": {"finance-site": "dep.finance", "claim-migros-1": "org.bu.00099"},
                "managed": [],
                "pending": {},
            }
        },
    }
    Path(workspace.root / "state.json").write_text(json.dumps(state))
    result = export(workspace, "dep.finance", "org.bu.00001")
    assert result.exit_code == 0, result.stderr
    assert "key: finance-site\n" in (workspace.specs / "dep.finance.yaml").read_text()
    assert "key: claim-migros-1-2\n" in (workspace.specs / "org.bu.00001.yaml").read_text()
    assert workspace.state()["tenants"]["contoso"]["keys"] == {
        "claim-migros-1": "org.bu.00099",
        "claim-migros-1-2": "org.bu.00001",
        "finance-site": "dep.finance",
    }
    plan = workspace.plan_json("--detailed-exitcode")
    assert [w["action"] for w in plan["workspaces"]] == ["no-op", "no-op"]


def test_a_tenant_the_token_cannot_read_is_one_clear_error(workspace: Workspace) -> None:
    result = workspace.run("export", "--tenant", "fabrikam", "example", "--output-dir", "-")
    assert result.exit_code == 1
    assert "does not give access to tenant 'fabrikam'" in result.stderr
    assert "Traceback" not in result.stderr
    missing = workspace.run("export", "example", "--output-dir", "-", without=("SEAMLESS_TENANT",))
    assert missing.exit_code == 1
    assert "give the workspaces' tenant with --tenant" in missing.stderr


def test_keys_exported_into_a_subfolder_are_never_missed_by_a_plan_of_the_whole(
    workspace: Workspace,
) -> None:
    """The export's state lands in the subfolder; a plan of the enclosing folder must not create
    those workspaces again without it: it refuses and names the file."""
    make_every_kind(workspace.emulator)
    imported = workspace.specs / "imported"
    result = workspace.run(
        "export", "--tenant", "contoso", "--output-dir", str(imported), "org.bu.00001",
        without=("SEAMLESS_STATE",),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    stray = imported / ".reconciler" / "state.json"
    assert json.loads(stray.read_text())["tenants"]["contoso"]["keys"]
    workspace.emulator.control("DELETE", "requests")
    planned = workspace.run("plan", str(workspace.specs), without=("SEAMLESS_STATE",))
    assert planned.exit_code == 1
    assert f"there is a state file at {stray}, inside these specs" in planned.stderr
    assert workspace.writes() == []


def test_invalid_specs_there_are_refused_before_anything_is_read(workspace: Workspace) -> None:
    """Export must know whether a spec there names a workspace: it cannot with errors."""
    workspace.write("broken.yaml", "kind: Workspace\nmanger: x\n")
    result = export(workspace, "example")
    assert result.exit_code == 1
    assert "have errors; export must know whether one names a workspace, so fix them" in (
        result.stderr
    )
    assert sorted(p.name for p in workspace.specs.iterdir()) == ["broken.yaml"]


def test_keys_the_specs_there_use_are_not_taken(workspace: Workspace) -> None:
    """A document not created yet holds `key: finance`: export must not point it elsewhere."""
    make_every_kind(workspace.emulator)
    workspace.write("new.yaml", customer_case("finance"))
    result = export(workspace, "dep.finance")
    assert result.exit_code == 0, result.stderr
    assert "key: finance-2\n" in (workspace.specs / "dep.finance.yaml").read_text()
    assert workspace.state()["tenants"]["contoso"]["keys"] == {"finance-2": "dep.finance"}
    validated = workspace.run("validate", str(workspace.specs))
    assert validated.exit_code == 0, validated.stdout
    plan = workspace.plan_json()
    assert {w["address"]: w["action"] for w in plan["workspaces"]} == {
        "contoso/key=finance": "create",  # still the new Customer Case
        "contoso/key=finance-2": "no-op",
    }


def test_a_workspace_the_specs_there_name_already_is_skipped(workspace: Workspace) -> None:
    """By workspaceId, or by a key the state maps to it: no second definition, and no error
    (exporting over a folder again is normal); --force rewrites only the file export wrote."""
    make_every_kind(workspace.emulator)
    state = {
        "version": 1,
        "tenants": {"contoso": {"keys": {"fin": "dep.finance"}, "managed": [], "pending": {}}},
    }
    (workspace.root / "state.json").write_text(json.dumps(state))
    workspace.write("hand.yaml", example())
    workspace.write("finance.yaml", department("fin", cost_center='"4711"'))
    result = export(workspace, "example", "dep.finance", "tr.support")
    assert result.exit_code == 0, result.stderr
    hand, finance = workspace.specs / "hand.yaml", workspace.specs / "finance.yaml"
    assert f"Skipped contoso/example: already named by {hand}:1:1; not exported again" in (
        result.stderr
    )
    assert f"Skipped contoso/dep.finance: already named by {finance}:1:1" in result.stderr
    assert "Exported 1 of 3 workspaces to" in result.stderr
    assert "(2 already in the specs there)" in result.stderr
    names = sorted(p.name for p in workspace.specs.iterdir())
    assert names == ["finance.yaml", "hand.yaml", "tr.support.yaml"]
    assert workspace.state()["tenants"]["contoso"]["keys"] == {"fin": "dep.finance"}
    validated = workspace.run("validate", str(workspace.specs))
    assert (validated.exit_code, validated.stdout) == (0, "OK: 3 workspaces in 3 files\n")

    again = export(workspace, "example", "tr.support")  # the same export, run again
    assert again.exit_code == 0, again.stderr
    assert "Skipped contoso/tr.support: already named by" in again.stderr
    (workspace.specs / "tr.support.yaml").write_text(team_room())  # edited by hand since
    forced = export(workspace, "example", "tr.support", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "Skipped contoso/example" in forced.stderr  # hand.yaml is not export's to rewrite
    assert (workspace.specs / "tr.support.yaml").read_text() == TEAM_ROOM
    assert sorted(p.name for p in workspace.specs.iterdir()) == names
    plan = workspace.plan_json("--detailed-exitcode")
    assert [w["action"] for w in plan["workspaces"]] == ["no-op"] * 3
