"""`.reconciler-ignore.yaml`: acknowledged drift is read, checked, and always expires."""

from __future__ import annotations

import datetime
import json
import os
import threading
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from reconciler.model.diagnostics import Diagnostic
from reconciler.spec import (
    IGNORE_FILE_NAME,
    Acknowledgement,
    find_ignore_files,
    load_acknowledgements,
    load_documents,
)
from reconciler.spec.ignore import ignore_validator

from .conftest import REPO

SCHEMA = REPO / "schemas" / "reconciler-ignore.schema.json"

VALID = """\
# Acknowledged drift of the project rooms.
acknowledgements:
  - workspace: contoso/pr.01
    path: team.Members
    member: ana@xyz.com
    reason: Ana covers for Bob until the project ends
    owner: it-ops@contoso.com
    expires: 2026-12-31

  -
    workspace: pr.02
    path: schema.Phase
    reason: |
      The PMO sets the phase by hand
      during the audit.
    owner: pmo@contoso.com
    expires: 2027-01-15
  - {workspace: finance, path: workspace, reason: Archived early, owner: Marko, expires: 2026-06-30}
"""

ENTRY = """\
acknowledgements:
  - workspace: contoso/pr.01
    path: name
    reason: Renamed by the sponsor
    owner: it-ops@contoso.com
    expires: 2026-12-31
"""


def write(folder: Path, text: str, name: str = IGNORE_FILE_NAME) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(folder: Path, text: str) -> tuple[list[Acknowledgement], list[Diagnostic], str]:
    path = write(folder, text)
    entries, problems = load_acknowledgements([path])
    return entries, problems, str(path)


def entry_with(line: str, replaces: str | None = None) -> str:
    """ENTRY with the line of key `replaces` replaced in place (removed for ""), or one added."""
    lines = ENTRY.splitlines()
    if replaces is None:
        return "\n".join([*lines, line]) + "\n"
    at = next(i for i, x in enumerate(lines) if x.lstrip(" -").startswith(f"{replaces}:"))
    lines[at : at + 1] = [line] if line else []
    return "\n".join(lines) + "\n"


# --- valid files -----------------------------------------------------------------


def test_a_valid_file_gives_every_entry_exactly(tmp_path: Path) -> None:
    entries, problems, file = load(tmp_path, VALID)
    assert problems == []
    assert entries == [
        Acknowledgement(
            workspace="contoso/pr.01",
            path="team.Members",
            member="ana@xyz.com",
            reason="Ana covers for Bob until the project ends",
            owner="it-ops@contoso.com",
            expires=datetime.date(2026, 12, 31),
            file=file,
            line=3,
        ),
        Acknowledgement(
            workspace="pr.02",
            path="schema.Phase",
            member=None,
            # A block scalar's final newline is dropped; the lines inside are kept.
            reason="The PMO sets the phase by hand\nduring the audit.",
            owner="pmo@contoso.com",
            expires=datetime.date(2027, 1, 15),
            file=file,
            line=11,  # the first key, on the line after the lone '-'
        ),
        Acknowledgement(
            workspace="finance",
            path="workspace",
            member=None,
            reason="Archived early",
            owner="Marko",
            expires=datetime.date(2026, 6, 30),
            file=file,
            line=18,
        ),
    ]


def test_to_dict_is_json_with_the_date_as_iso_text(tmp_path: Path) -> None:
    entries, _, file = load(tmp_path, VALID)
    assert entries[0].to_dict() == {
        "workspace": "contoso/pr.01",
        "path": "team.Members",
        "member": "ana@xyz.com",
        "reason": "Ana covers for Bob until the project ends",
        "owner": "it-ops@contoso.com",
        "expires": "2026-12-31",
        "file": file,
        "line": 3,
    }
    json.dumps([entry.to_dict() for entry in entries])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# nothing acknowledged yet\n",
        "---\n",
        "acknowledgements: []\n",
        "acknowledgements:\n",
        "acknowledgements:\n# - workspace: pr.01 (commented out)\n",
    ],
    ids=["empty", "comments-only", "lone-separator", "empty-list", "null", "all-commented"],
)
def test_no_entries_is_valid(tmp_path: Path, text: str) -> None:
    assert load(tmp_path, text)[:2] == ([], [])


@pytest.mark.parametrize(
    "path",
    [
        "name",
        "manager",
        "deputy",
        "lifeCycle",
        "workspaceType",
        "workspace",
        "schema.Phase",
        "schema.Cost Center",
        "team.Managers",
        "team.Members",
        "team.Visitors",
        "team.Owners",
    ],
)
def test_every_path_form_is_accepted(tmp_path: Path, path: str) -> None:
    entries, problems, _ = load(tmp_path, entry_with(f"    path: {path}", replaces="path"))
    assert problems == []
    assert [entry.path for entry in entries] == [path]


@pytest.mark.parametrize("group", ["Managers", "Members", "Visitors", "Owners"])
def test_member_goes_with_every_team_group(tmp_path: Path, group: str) -> None:
    text = entry_with(f"    path: team.{group}\n    member: Finance Team", replaces="path")
    (entry,), problems, _ = load(tmp_path, text)
    assert problems == []
    assert (entry.path, entry.member) == (f"team.{group}", "Finance Team")


@pytest.mark.parametrize("workspace", ["contoso/pr.01", "PR.01", "finance", "contoso/FIN-2024"])
def test_workspace_forms(tmp_path: Path, workspace: str) -> None:
    text = entry_with(f"  - workspace: {workspace}", replaces="workspace")
    entries, problems, _ = load(tmp_path, text)
    assert problems == []
    assert [entry.workspace for entry in entries] == [workspace]


def test_a_leap_day_is_a_date(tmp_path: Path) -> None:
    (entry,), problems, _ = load(tmp_path, entry_with("    expires: 2028-02-29", "expires"))
    assert problems == []
    assert entry.expires == datetime.date(2028, 2, 29)


def test_a_quoted_date_is_a_date_too(tmp_path: Path) -> None:
    (entry,), problems, _ = load(tmp_path, entry_with('    expires: "2026-12-31"', "expires"))
    assert problems == [] and entry.expires == datetime.date(2026, 12, 31)


# --- errors: each with its file, its line, and how to fix it ----------------------------


ERRORS = [
    pytest.param(
        entry_with("", replaces="reason"),
        2,
        "acknowledgements[0]: missing required key 'reason'",
        id="missing-reason",
    ),
    pytest.param(
        entry_with("", replaces="expires"),
        2,
        "acknowledgements[0]: missing required key 'expires'",
        id="missing-expires",
    ),
    pytest.param(
        entry_with('    owner: "   "', replaces="owner"),
        5,
        "acknowledgements[0].owner: '   ' is blank: name who answers for this acknowledgement",
        id="blank-owner",
    ),
    pytest.param(
        entry_with("    reason: ''", replaces="reason"),
        4,
        "acknowledgements[0].reason: '' is blank: say why the difference is acceptable",
        id="empty-reason",
    ),
    pytest.param(
        entry_with("    reason:", replaces="reason"),
        4,
        "acknowledgements[0].reason: expected a string, got null (an empty value)",
        id="null-reason",
    ),
    pytest.param(
        entry_with("    expires: 2026-02-30", replaces="expires"),
        6,
        "acknowledgements[0].expires: '2026-02-30' is not a date: 2026-02 has days 01 to 28",
        id="february-30",
    ),
    pytest.param(
        entry_with("    expires: 2026-13-01", replaces="expires"),
        6,
        "'2026-13-01' is not a date: there is no month 13 (01 to 12)",
        id="month-13",
    ),
    pytest.param(
        entry_with("    expires: 0000-01-01", replaces="expires"),
        6,
        "'0000-01-01' is not a date: years start at 0001",
        id="year-0",
    ),
    pytest.param(
        entry_with("    expires: 20261231", replaces="expires"),
        6,
        "acknowledgements[0].expires: expected a string, got the number 20261231"
        " — 20261231 is not a date written YYYY-MM-DD (like 2026-12-31)",
        id="date-as-number",
    ),
    pytest.param(
        entry_with("    expires: 31.12.2026", replaces="expires"),
        6,
        "acknowledgements[0].expires: '31.12.2026' is not a date written YYYY-MM-DD",
        id="date-in-another-order",
    ),
    pytest.param(
        entry_with("    expires: 2026-12-31T23:59:00Z", replaces="expires"),
        6,
        "is not a date written YYYY-MM-DD (like 2026-12-31)",
        id="timestamp",
    ),
    pytest.param(
        entry_with("    expires: never", replaces="expires"),
        6,
        "'never' is not a date written YYYY-MM-DD",
        id="never",
    ),
    pytest.param(
        entry_with("    reasn: typo"),
        7,
        "unknown key 'reasn' in acknowledgements[0] — did you mean 'reason'?",
        id="unknown-key-typo",
    ),
    pytest.param(
        entry_with("    colour: blue"),
        7,
        "unknown key 'colour' in acknowledgements[0]; allowed: expires, member, owner, path,"
        " reason, workspace",
        id="unknown-key",
    ),
    pytest.param(
        entry_with("    member: ana@xyz.com"),
        3,
        "acknowledgements[0].path: 'name' is not a team.<Group> path, and only those take a "
        "'member' (one account of the group); write the group's path (like team.Members) or "
        "remove 'member'",
        id="member-without-team-path",
    ),
    pytest.param(
        entry_with("    path: team", replaces="path"),
        3,
        "acknowledgements[0].path: 'team' is not a field path: write name, manager, deputy, "
        "lifeCycle, workspaceType, schema.<Field>, team.<Group> (Managers, Members, Visitors "
        "or Owners) or workspace",
        id="team-alone",
    ),
    pytest.param(
        entry_with("    path: colour", replaces="path"),
        3,
        "acknowledgements[0].path: 'colour' is not a field path",
        id="unknown-path",
    ),
    pytest.param(
        entry_with("    path: team.Guests", replaces="path"),
        3,
        "'team.Guests' is not a field path",
        id="unknown-group",
    ),
    pytest.param(
        entry_with("    path: schema.", replaces="path"),
        3,
        "'schema.' is not a field path",
        id="schema-without-field",
    ),
    pytest.param(
        entry_with("  - workspace: contoso/pr/01", replaces="workspace"),
        2,
        "acknowledgements[0].workspace: 'contoso/pr/01' is not a workspace: write its address "
        "tenant/workspaceId (like contoso/pr.01), its workspaceId, or its spec key",
        id="bad-workspace",
    ),
    pytest.param(
        "- workspace: contoso/pr.01\n  path: name\n",
        1,
        "the file must be a mapping with one key, 'acknowledgements:' (a list of entries), "
        "not a list",
        id="top-level-list",
    ),
    pytest.param(
        "just text\n",
        1,
        "the file must be a mapping with one key, 'acknowledgements:' (a list of entries), "
        "not the value 'just text'",
        id="top-level-scalar",
    ),
    pytest.param(
        ENTRY.replace("acknowledgements:", "acknowledgments:"),
        1,
        "unknown key 'acknowledgments' — did you mean 'acknowledgements'?",
        id="top-level-typo",
    ),
    pytest.param(
        "ignore: []\n",
        1,
        "missing required key 'acknowledgements'",
        id="top-level-without-acknowledgements",
    ),
    pytest.param(
        "acknowledgements: pr.01\n",
        1,
        "acknowledgements: expected a list or null, got the string 'pr.01'",
        id="acknowledgements-not-a-list",
    ),
    pytest.param(
        "acknowledgements:\n  - pr.01\n",
        2,
        "acknowledgements[0]: expected a mapping, got the string 'pr.01'",
        id="entry-not-a-mapping",
    ),
    pytest.param(
        ENTRY + "    reason: twice\n",
        7,
        "duplicate key 'reason' (first defined at line 4)",
        id="duplicate-key",
    ),
    pytest.param(
        ENTRY + "---\n" + ENTRY,
        8,
        "more than one YAML document: merge them into one 'acknowledgements:' list",
        id="two-documents",
    ),
    pytest.param(
        ENTRY + "  - &a {workspace: x}\n",
        7,
        "anchors (&a) and aliases are not allowed",
        id="anchor",
    ),
    pytest.param(
        "acknowledgements: [\n",
        2,
        "invalid YAML",
        id="yaml-syntax",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), ERRORS)
def test_each_error_names_file_line_and_fix(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    entries, problems, file = load(tmp_path, text)
    assert entries == []
    assert [(p.file, p.line) for p in problems if message in p.message] == [(file, line)], [
        str(p) for p in problems
    ]
    assert all(p.is_error for p in problems)


def test_valid_entries_beside_invalid_ones_are_kept(tmp_path: Path) -> None:
    text = VALID + "  - {workspace: pr.9, path: colour, reason: r, owner: o, expires: 2026-01-01}\n"
    entries, problems, _ = load(tmp_path, text)
    assert [entry.workspace for entry in entries] == ["contoso/pr.01", "pr.02", "finance"]
    assert [(p.line, "'colour' is not a field path" in p.message) for p in problems] == [(19, True)]


def test_every_problem_of_an_entry_is_reported_in_one_round(tmp_path: Path) -> None:
    text = "acknowledgements:\n  - workspace: pr.01\n    path: team\n    expires: 2026-02-30\n"
    entries, problems, _ = load(tmp_path, text)
    assert entries == []
    assert [(p.line, p.message) for p in problems] == [
        (2, "acknowledgements[0]: missing required key 'owner'"),
        (2, "acknowledgements[0]: missing required key 'reason'"),
        (3, next(p.message for p in problems if "'team' is not a field path" in p.message)),
        (4, "acknowledgements[0].expires: '2026-02-30' is not a date: 2026-02 has days 01 to 28"),
    ]


def test_problems_of_several_files_name_their_own_file(tmp_path: Path) -> None:
    good = write(tmp_path / "a", ENTRY)
    bad = write(tmp_path / "b", entry_with("    expires: 2026-02-30", "expires"))
    entries, problems = load_acknowledgements([good, bad])
    assert [entry.file for entry in entries] == [str(good)]
    assert [(p.file, p.line) for p in problems] == [(str(bad), 6)]


# --- reading is as safe as for spec files ------------------------------------------------


def test_a_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / IGNORE_FILE_NAME
    assert load_acknowledgements([missing]) == (
        [],
        [Diagnostic.in_file(str(missing), "cannot read file: No such file or directory")],
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / IGNORE_FILE_NAME
    os.mkfifo(fifo)
    answers: list[tuple[list[Acknowledgement], list[Diagnostic]]] = []
    reader = threading.Thread(target=lambda: answers.append(load_acknowledgements([fifo])))
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "reading the FIFO blocked"
    entries, problems = answers[0]
    assert entries == []
    assert [p.message for p in problems] == [
        "cannot read file: not a regular file (a FIFO); only regular files are read as specs"
    ]


def test_yaml_1_1_dates_stay_text_so_the_check_is_ours(tmp_path: Path) -> None:
    # PyYAML's own loaders would hand back a date for 2026-02-30 and fail unpositioned.
    _, problems, file = load(tmp_path, entry_with("    expires: 2026-02-30", "expires"))
    assert [str(p) for p in problems] == [
        f"{file}:6:14: acknowledgements[0].expires: '2026-02-30' is not a date: "
        "2026-02 has days 01 to 28"
    ]


# --- expiry --------------------------------------------------------------------------------


def test_the_expiry_day_itself_still_holds_the_next_day_does_not(tmp_path: Path) -> None:
    (entry,), _, _ = load(tmp_path, ENTRY)
    assert entry.expires == datetime.date(2026, 12, 31)
    assert not entry.expired(datetime.date(2026, 12, 30))
    assert not entry.expired(datetime.date(2026, 12, 31))
    assert entry.expired(datetime.date(2027, 1, 1))


# --- finding the files ---------------------------------------------------------------------


def test_a_folder_gives_its_own_ignore_file(tmp_path: Path) -> None:
    ignore = write(tmp_path / "specs", ENTRY)
    assert find_ignore_files([tmp_path / "specs"]) == [ignore]


def test_a_file_gives_its_folders_ignore_file(tmp_path: Path) -> None:
    ignore = write(tmp_path / "specs", ENTRY)
    spec = write(tmp_path / "specs", "kind: Workspace\n", "pr.yaml")
    assert find_ignore_files([spec]) == [ignore]


def test_each_ignore_file_is_found_once_in_the_order_given(tmp_path: Path) -> None:
    first = write(tmp_path / "b", ENTRY)
    second = write(tmp_path / "a", ENTRY)
    spec = write(tmp_path / "b", "kind: Workspace\n", "pr.yaml")
    (tmp_path / "b-link").symlink_to(tmp_path / "b")
    given = [tmp_path / "b", spec, tmp_path / "a", tmp_path / "b-link", tmp_path / "b"]
    assert find_ignore_files(given) == [first, second]


def test_folders_without_one_and_missing_paths_give_nothing(tmp_path: Path) -> None:
    write(tmp_path / "specs", "kind: Workspace\n", "pr.yaml")
    given = [tmp_path / "specs", tmp_path / "specs" / "pr.yaml", tmp_path / "nowhere"]
    assert find_ignore_files(given) == []


def test_a_nested_folders_ignore_file_is_not_the_given_folders(tmp_path: Path) -> None:
    write(tmp_path / "specs" / "team", ENTRY)
    assert find_ignore_files([tmp_path / "specs"]) == []


def test_a_link_to_nothing_is_found_so_loading_reports_it(tmp_path: Path) -> None:
    link = tmp_path / IGNORE_FILE_NAME
    link.symlink_to(tmp_path / "gone.yaml")
    assert find_ignore_files([tmp_path]) == [link]
    entries, (problem,) = load_acknowledgements([link])
    assert entries == [] and problem.file == str(link)


def test_the_spec_loader_never_reads_the_ignore_file(tmp_path: Path) -> None:
    spec = (
        "kind: Workspace\nworkspaceId: pr.01\nname: Project01\norganizationUnit: Star Unit\n"
        "workspaceType: Project\nmanager: marko@xyz.com\n"
    )
    write(tmp_path, spec, "pr.yaml")
    # Not a workspace document, and invalid as one: any read of it would be an error.
    write(tmp_path, VALID)
    result = load_documents([tmp_path], "contoso")
    assert result.diagnostics == ()
    assert result.files == (str(tmp_path / "pr.yaml"),)
    assert [spec.address for spec in result.specs] == ["contoso/pr.01"]


# --- the schema ----------------------------------------------------------------------------


def test_the_schema_is_valid_draft_07() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(schema)
    entry = schema["definitions"]["acknowledgement"]
    assert schema["additionalProperties"] is False and entry["additionalProperties"] is False
    assert set(entry["required"]) == {"workspace", "path", "reason", "owner", "expires"}
    assert set(entry["properties"]) == {*entry["required"], "member"}


def test_the_loader_uses_the_schema_in_schemas() -> None:
    assert ignore_validator().schema == json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_the_schema_and_the_loader_agree_on_a_valid_file(tmp_path: Path) -> None:
    """What an editor checks with the schema alone, the loader reads the same way."""
    entries, problems, _ = load(tmp_path, VALID)
    assert problems == [] and len(entries) == 3
    validator = Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    plain = [
        {k: v for k, v in e.to_dict().items() if k not in ("file", "line") and v is not None}
        for e in entries
    ]
    assert list(validator.iter_errors({"acknowledgements": plain})) == []
