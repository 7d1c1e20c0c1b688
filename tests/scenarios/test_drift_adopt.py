"""`reconciler drift --adopt` on the emulator: a hand change accepted into the spec file.

For each kind of hand change: apply, change the workspace through the API as a
person would, `drift --adopt`, then the file validates, plan shows no change,
drift finds nothing, and the file's diff is exactly the drifted lines (the
comments, quoting, flow lists and the other document untouched).
"""

from __future__ import annotations

import difflib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PROJECT_PLUS_TYPE, PROJECT_TYPE, RunningEmulator
from tests.fixtures.specs import department, project
from tests.scenarios.conftest import Workspace
from tests.scenarios.test_drift import PROPERTIES, drift, put, schema_with

SPEC = """\
# yaml-language-server: $schema=../schemas/workspace.schema.json
# pr.51 is changed by hand in each test; pr.52 never drifts.
kind: Workspace
tenant: contoso
workspaceId: pr.51
name: "Project pr.51"             # quoted on purpose
organizationUnit: Star Unit
workspaceType: Project
manager: {email: maria@xyz.com, name: Maria}
deputy: ana@xyz.com               # the deputy
schema:
  Customer: 'Migros'
  Phase: Execution                # the current phase
team:
  Members: [anita@xyz.com]        # a flow list
  Visitors:
    - lucas@xyz.com               # a block list
---
kind: Workspace
tenant: contoso
workspaceId: pr.52
name: Project pr.52
organizationUnit: SU
workspaceType: Project
manager: bob@xyz.com
team: {Members: [imp@xyz.com]}
"""


def changed_lines(before: str, after: str) -> list[str]:
    """The unified diff's removed and added lines, without context or headers."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")]


def assert_converged(workspace: Workspace) -> None:
    """The adopted files validate, plan shows no change, and drift finds none."""
    validate = workspace.run("validate", str(workspace.specs))
    assert validate.exit_code == 0, validate.output
    plan = workspace.run("plan", str(workspace.specs), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    assert drift(workspace).exit_code == 0


HandChange = Callable[[RunningEmulator], None]
HAND_CHANGES: dict[str, tuple[HandChange, list[str]]] = {
    "member added to a flow list": (
        lambda e: put(e, "/team", {"Added": [{"Group": "Members", "Members": ["tom@xyz.com"]}]}),
        [
            "-  Members: [anita@xyz.com]        # a flow list",
            "+  Members: [anita@xyz.com, tom@xyz.com] # a flow list",
        ],
    ),
    "member removed from a block list": (
        lambda e: put(
            e, "/team", {"Removed": [{"Group": "Visitors", "Members": ["lucas@xyz.com"]}]}
        ),
        ["-  Visitors:", "-    - lucas@xyz.com               # a block list", "+  Visitors: []"],
    ),
    "schema value edited": (
        lambda e: put(e, "/schema", schema_with(e, Phase="Closure")),
        [
            "-  Phase: Execution                # the current phase",
            "+  Phase: Closure                  # the current phase",
        ],
    ),
    "schema value that looks like a number": (
        lambda e: put(e, "/schema", schema_with(e, Customer="0815")),
        ["-  Customer: 'Migros'", "+  Customer: '0815'"],
    ),
    "renamed": (
        lambda e: put(e, "", {**PROPERTIES, "Name": "Renamed by hand"}),
        [
            '-name: "Project pr.51"             # quoted on purpose',
            '+name: "Renamed by hand"           # quoted on purpose',
        ],
    ),
    "deputy changed": (
        lambda e: put(e, "", {**PROPERTIES, "Deputy": {"Email": "lucas@xyz.com"}}),
        [
            "-deputy: ana@xyz.com               # the deputy",
            "+deputy: lucas@xyz.com             # the deputy",
        ],
    ),
    "deputy removed": (
        lambda e: put(e, "", {k: v for k, v in PROPERTIES.items() if k != "Deputy"}),
        [
            "-deputy: ana@xyz.com               # the deputy",
            "+deputy: null                      # the deputy",
        ],
    ),
    "closed": (
        lambda e: put(e, "", {**PROPERTIES, "LifeCycle": 1}),
        ["+lifeCycle: closed"],
    ),
    "type changed": (
        lambda e: put(e, "/workspaceType", {"Id": PROJECT_PLUS_TYPE}),
        ["-workspaceType: Project", "+workspaceType: Project Plus"],
    ),
    # The service moves the owner group with the manager and leaves the old manager in
    # Members: a second round adopts that, which the first comparison could not see.
    "manager changed": (
        lambda e: put(e, "", {**PROPERTIES, "Manager": {"Email": "tom@xyz.com"}}),
        [
            "-manager: {email: maria@xyz.com, name: Maria}",
            "+manager: {email: tom@xyz.com, name: Tom}",
            "-  Members: [anita@xyz.com]        # a flow list",
            "+  Members: [anita@xyz.com, maria@xyz.com] # a flow list",
        ],
    ),
}


@pytest.mark.parametrize("change", list(HAND_CHANGES))
def test_each_hand_change_is_adopted_on_its_own_lines(workspace: Workspace, change: str) -> None:
    make, expected = HAND_CHANGES[change]
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    make(workspace.emulator)
    adopted = drift(workspace, "--adopt")
    assert adopted.exit_code == 2  # the exit code says what was found, as without --adopt
    after = (workspace.specs / "a.yaml").read_text()
    assert changed_lines(SPEC, after) == expected
    assert "change(s) into the spec files; review them, then commit:" in adopted.stdout
    assert "Not adopted" not in adopted.stdout
    assert_converged(workspace)


def test_both_documents_of_a_file_adopted_and_said_per_file_and_workspace(
    workspace: Workspace,
) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.apply()
    put(workspace.emulator, "/team", {"Added": [{"Group": "Members", "Members": ["tom@xyz.com"]}]})
    put(workspace.emulator, "/schema", schema_with(workspace.emulator, Phase="Closure"))
    added = {"Added": [{"Group": "Members", "Members": ["lucas@xyz.com"]}]}
    assert workspace.emulator.api("PUT", "/workspaces/pr.52/team", added).status_code == 200
    file = workspace.specs / "a.yaml"
    adopted = drift(workspace, "--adopt", "--format", "json")
    assert adopted.exit_code == 2
    assert adopted.report["outcome"] == "drift"  # stdout holds the JSON report alone
    assert adopted.stderr.splitlines()[-4:] == [
        "Adopted 3 change(s) into the spec files; review them, then commit:",
        f'{file}: contoso/pr.51: schema.Phase = "Closure"',
        f"{file}: contoso/pr.51: team.Members += tom@xyz.com",
        f"{file}: contoso/pr.52: team.Members += lucas@xyz.com",
    ]
    assert changed_lines(SPEC, file.read_text()) == [
        "-  Phase: Execution                # the current phase",
        "+  Phase: Closure                  # the current phase",
        "-  Members: [anita@xyz.com]        # a flow list",
        "+  Members: [anita@xyz.com, tom@xyz.com] # a flow list",
        "-team: {Members: [imp@xyz.com]}",
        "+team: {Members: [imp@xyz.com, lucas@xyz.com]}",
    ]
    assert_converged(workspace)


def test_a_type_named_by_id_is_adopted_as_an_id(workspace: Workspace) -> None:
    spec = project("pr.51").replace("workspaceType: Project", f"workspaceType: {PROJECT_TYPE}")
    workspace.write("a.yaml", spec)
    workspace.apply()
    put(workspace.emulator, "/workspaceType", {"Id": PROJECT_PLUS_TYPE})
    assert drift(workspace, "--adopt").exit_code == 2
    after = (workspace.specs / "a.yaml").read_text()
    assert changed_lines(spec, after) == [
        f"-workspaceType: {PROJECT_TYPE}",
        f"+workspaceType: {PROJECT_PLUS_TYPE}",
    ]
    assert_converged(workspace)


def test_a_keyed_workspace_number_field_is_adopted_quoted(workspace: Workspace) -> None:
    """A key (the service made the id) finds the document; a number-like value is quoted."""
    spec = department(cost_center='"4711"   # a number field')
    workspace.write("d.yaml", spec)
    workspace.apply()
    (workspace_id,) = workspace.state()["tenants"]["contoso"]["keys"].values()
    body = [{"FieldName": "CostCenter", "FieldValue": "4712"}]
    response = workspace.emulator.api("PUT", f"/workspaces/{workspace_id}/schema", body)
    assert response.status_code == 200, response.text
    assert drift(workspace, "--adopt").exit_code == 2
    after = (workspace.specs / "d.yaml").read_text()
    assert changed_lines(spec, after) == [
        '-  CostCenter: "4711"   # a number field',
        '+  CostCenter: "4712"   # a number field',
    ]
    assert_converged(workspace)


def test_what_cannot_be_adopted_is_said_and_leaves_the_files_alone(
    workspace: Workspace,
) -> None:
    workspace.write("a.yaml", SPEC)
    workspace.write("c.yaml", project("pr.54"))
    workspace.apply()
    (workspace.specs / "c.yaml").unlink()  # pr.54: an orphan, still open
    workspace.write("b.yaml", project("pr.53"))  # never created: missing
    # The manager out of Members: the service implies it, a definition cannot leave it out.
    put(
        workspace.emulator,
        "/team",
        {"Removed": [{"Group": "Members", "Members": ["maria@xyz.com"]}]},
    )
    # Acknowledged: accepted for a while, so adopt leaves it.
    put(workspace.emulator, "/schema", schema_with(workspace.emulator, Phase="Closure"))
    (workspace.specs / ".reconciler-ignore.yaml").write_text(
        "acknowledgements:\n"
        "  - {workspace: pr.51, path: schema.Phase, reason: Closing early, "
        "owner: it@xyz.com, expires: 2999-12-31}\n"
    )
    before = {p.name: p.read_text() for p in workspace.specs.glob("*.yaml")}
    adopted = drift(workspace, "--adopt")
    assert adopted.exit_code == 2
    assert {p.name: p.read_text() for p in workspace.specs.glob("*.yaml")} == before
    said = adopted.stdout.split("\n\n")[-1]
    a, b = workspace.specs / "a.yaml", workspace.specs / "b.yaml"
    assert said.splitlines() == [
        "Nothing adopted: no spec file was changed.",
        "Not adopted (4):",
        f"{a}: contoso/pr.51: schema.Phase: acknowledged until 2999-12-31, so left as it is "
        "(remove the acknowledgement to adopt it)",
        f"{a}: contoso/pr.51: team.Members maria@xyz.com: not listed in the definition, the "
        "service puts the manager there; a definition cannot leave it out (apply puts it back)",
        f"{b}: contoso/pr.53: workspace: the service has no such workspace, so there is "
        "nothing live to adopt; apply creates it (or remove the document to stop managing it)",
        "contoso/pr.54: workspace: no definition holds it, so there is no file to write "
        "into; `reconciler export` writes one, or close it",
    ]


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_a_file_with_edits_not_committed_is_left_alone(workspace: Workspace) -> None:
    """An edit not applied yet looks like drift: adopt must not write the live value over it."""
    workspace.write("a.yaml", SPEC)
    workspace.write("b.yaml", project("pr.53", team={"Members": ["anita@xyz.com"]}))
    workspace.apply()
    git(workspace.root, "init", "-q")
    git(workspace.root, "add", "specs")
    git(workspace.root, "-c", "user.name=T", "-c", "user.email=t@x.yz", "commit", "-qm", "specs")
    mine = SPEC.replace("deputy: ana@xyz.com ", "deputy: bob@xyz.com ")  # not applied yet
    (workspace.specs / "a.yaml").write_text(mine)
    put(workspace.emulator, "/schema", schema_with(workspace.emulator, Phase="Closure"))
    changed = {"Added": [{"Group": "Members", "Members": ["tom@xyz.com"]}]}
    assert workspace.emulator.api("PUT", "/workspaces/pr.53/team", changed).status_code == 200
    adopted = drift(workspace, "--adopt")
    assert adopted.exit_code == 2
    assert (workspace.specs / "a.yaml").read_text() == mine
    a, b = workspace.specs / "a.yaml", workspace.specs / "b.yaml"
    assert "  Members: [anita@xyz.com, tom@xyz.com]\n" in b.read_text()  # committed: adopted
    said = adopted.stdout.split("\n\n")[-1].splitlines()
    assert said[:2] == [
        "Adopted 1 change(s) into the spec files; review them, then commit:",
        f"{b}: contoso/pr.53: team.Members += tom@xyz.com",
    ]
    assert said[2] == "Not adopted (1):"
    assert said[3].startswith(f"{a}: contoso/pr.51: ")
    assert 'deputy = "ana@xyz.com"' in said[3] and 'schema.Phase = "Closure"' in said[3]
    assert said[3].endswith(
        ": not written: the file has changes not committed to git, which may be edits not "
        "applied yet (adopt would write the live values over them); commit or stash them, or "
        "apply them, then adopt again"
    )
    assert "git work tree" not in adopted.stderr


def test_outside_git_adopt_warns_once_that_it_cannot_tell(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(workspace.root.parent))
    workspace.write("a.yaml", SPEC)
    workspace.write("b.yaml", project("pr.53", team={"Members": ["anita@xyz.com"]}))
    workspace.apply()
    put(workspace.emulator, "/schema", schema_with(workspace.emulator, Phase="Closure"))
    changed = {"Added": [{"Group": "Members", "Members": ["tom@xyz.com"]}]}
    assert workspace.emulator.api("PUT", "/workspaces/pr.53/team", changed).status_code == 200
    adopted = drift(workspace, "--adopt")
    assert adopted.exit_code == 2
    assert "Adopted 2 change(s)" in adopted.stdout
    warnings = [line for line in adopted.stderr.splitlines() if "no git work tree" in line]
    assert len(warnings) == 1
    assert "adopt cannot tell an edit not applied yet from drift" in warnings[0]
    assert_converged(workspace)
