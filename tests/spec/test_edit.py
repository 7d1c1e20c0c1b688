"""The round-trip editor: each edit touches its own lines, every other byte stays as written."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from reconciler.spec.edit import (
    AddMember,
    DocumentEdits,
    Edit,
    RemoveMember,
    SetValue,
    edit_file,
    edit_text,
    needs_quotes,
    round_trip,
)
from reconciler.spec.yamlfile import parse_documents

SPECS = Path(__file__).resolve().parents[2] / "specs"

DOC = """\
# yaml-language-server: $schema=../schemas/workspace.schema.json
kind: Workspace                   # a comment
tenant: contoso
workspaceId: pr.51
name: "Project pr.51"
organizationUnit: Star Unit
workspaceType: Project
manager: maria@xyz.com
deputy: {email: ana@xyz.com, name: Ana}
schema:
  Customer: 'Migros'
  Phase: Execution                # the phase
  EndDate: ~
team:
  Members: [anita@xyz.com, AD_XYZ]
  Visitors:
    - lucas@xyz.com   # Lucas
    - bob@xyz.com
    # a comment about tom
    - tom@xyz.com
"""


def edited(text: str, *edits: Edit, line: int = 2) -> str:
    result = edit_text(text, [DocumentEdits(line, edits)])
    assert dict(result.refused) == {}
    return result.text


def changes(before: str, after: str) -> list[str]:
    """The changed lines, as a unified diff without context shows them."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")]


def read(text: str) -> object:
    documents, problems = parse_documents(text, "f.yaml")
    assert problems == []
    return [d.data for d in documents]


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_ruamel_writes_the_example_specs_back_byte_for_byte(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert round_trip(text) == text
    documents, _ = parse_documents(text, path.name)
    no_edits = [DocumentEdits(d.start.line, ()) for d in documents]
    assert edit_text(text, no_edits).text == text


def test_scalars_other_readers_would_retype_are_written_back_as_written() -> None:
    text = (
        "kind: Workspace\nschema:\n  A: 2025-1-5\n  B: 2025-01-15 08:00:00\n  C: 0o17\n"
        "  D: 1_000\n  E: .5\n  F: NULL\n  G: ~\n  H:\n  I: yes\n  J: 'x'\n  K: \"y\"\n"
    )
    assert round_trip(text) == text


def test_a_member_joins_a_flow_list_on_its_line() -> None:
    after = edited(DOC, AddMember("Members", "tom@xyz.com"))
    assert changes(DOC, after) == [
        "-  Members: [anita@xyz.com, AD_XYZ]",
        "+  Members: [anita@xyz.com, AD_XYZ, tom@xyz.com]",
    ]
    empty = DOC.replace("[anita@xyz.com, AD_XYZ]", "[]")
    assert "  Members: [tom@xyz.com]\n" in edited(empty, AddMember("Members", "tom@xyz.com"))


def test_a_member_listed_already_in_another_case_is_not_added_twice() -> None:
    assert edited(DOC, AddMember("Members", "ANITA@xyz.com")) == DOC


@pytest.mark.parametrize("indented", ["  - ", "    - ", "      - "])
def test_a_member_joins_a_block_list_indented_as_its_items(indented: str) -> None:
    text = DOC.replace("    - ", indented).replace("    # a comment", indented[:-2] + "# a comment")
    after = edited(text, AddMember("Visitors", "michael@xyz.com"))
    assert changes(text, after) == [f"+{indented}michael@xyz.com"]


def test_a_member_leaves_a_block_list_and_the_comments_below_it_stay() -> None:
    after = edited(DOC, RemoveMember("Visitors", "BOB@xyz.com"))
    assert changes(DOC, after) == ["-    - bob@xyz.com"]
    after = edited(DOC, RemoveMember("Visitors", "lucas@xyz.com"))
    assert changes(DOC, after) == ["-    - lucas@xyz.com   # Lucas"]


def test_the_last_member_leaving_a_block_list_leaves_an_empty_group() -> None:
    text = DOC.split("  Visitors:")[0] + "  Visitors:\n    - lucas@xyz.com\n"
    after = edited(text, RemoveMember("Visitors", "lucas@xyz.com"))
    assert changes(text, after) == ["-  Visitors:", "-    - lucas@xyz.com", "+  Visitors: []"]


def test_a_member_the_list_does_not_hold_cannot_be_removed() -> None:
    result = edit_text(DOC, [DocumentEdits(2, (RemoveMember("Members", "maria@xyz.com"),))])
    assert result.text == DOC
    assert dict(result.refused) == {2: "team.Members does not list maria@xyz.com"}


def test_a_group_not_listed_yet_is_added_in_the_style_of_the_others() -> None:
    after = edited(DOC, AddMember("Managers", "tom@xyz.com"))
    assert changes(DOC, after) == ["+  Managers: [tom@xyz.com]"]
    block = DOC.replace("  Members: [anita@xyz.com, AD_XYZ]\n", "")
    after = edited(block, AddMember("Managers", "tom@xyz.com"))
    assert changes(block, after) == ["+  Managers:", "+    - tom@xyz.com"]


def test_a_team_is_added_when_the_document_has_none() -> None:
    text = DOC.split("team:")[0]
    after = edited(text, AddMember("Members", "tom@xyz.com"))
    assert changes(text, after) == ["+team:", "+  Members: [tom@xyz.com]"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Closure", "Closure"),
        ("0815", '"0815"'),
        ("1.5", '"1.5"'),
        ("yes", '"yes"'),
        ("off", '"off"'),
        ("true", '"true"'),
        ("2025-03-01", '"2025-03-01"'),
        ("2025-01-15T08:00:00Z", '"2025-01-15T08:00:00Z"'),
        ("null", '"null"'),
        ("~", '"~"'),
        ("", '""'),
        ("a: b", "'a: b'"),  # ruamel quotes what YAML cannot write plain
    ],
)
def test_schema_values_are_quoted_when_any_yaml_reader_would_not_read_text(
    value: str, written: str
) -> None:
    after = edited(DOC, SetValue(("schema", "Phase"), value))
    assert changes(DOC, after) == [
        "-  Phase: Execution                # the phase",
        f"+  Phase: {written}".ljust(34) + " # the phase"
        if len(written) < 24
        else f"+  Phase: {written} # the phase",
    ]
    assert read(after)[0]["schema"]["Phase"] == value  # type: ignore[index]


def test_needs_quotes() -> None:
    assert not needs_quotes("Migros")
    assert not needs_quotes("NO ONE")
    assert needs_quotes("NO")  # YAML 1.1's false
    assert needs_quotes("1:20")  # YAML 1.1's sexagesimal 80
    assert needs_quotes(" padded")


def test_a_quoted_value_keeps_its_quotes() -> None:
    after = edited(DOC, SetValue(("schema", "Customer"), "Coop"), SetValue(("name",), "New"))
    assert changes(DOC, after) == [
        '-name: "Project pr.51"',
        '+name: "New"',
        "-  Customer: 'Migros'",
        "+  Customer: 'Coop'",
    ]


def test_a_null_keeps_its_spelling_and_can_be_replaced() -> None:
    assert edited(DOC, SetValue(("schema", "Phase"), None)).count("EndDate: ~\n") == 1
    after = edited(DOC, SetValue(("schema", "EndDate"), "2026-01-01"))
    assert changes(DOC, after) == ["-  EndDate: ~", '+  EndDate: "2026-01-01"']
    after = edited(DOC, SetValue(("schema", "Customer"), None))
    assert changes(DOC, after) == ["-  Customer: 'Migros'", "+  Customer: null"]


def test_people_keep_their_form() -> None:
    after = edited(DOC, SetValue(("manager",), "tom@xyz.com"), SetValue(("deputy",), "bob@xyz.com"))
    assert changes(DOC, after) == [
        "-manager: maria@xyz.com",
        "-deputy: {email: ana@xyz.com, name: Ana}",
        "+manager: tom@xyz.com",
        "+deputy: {email: bob@xyz.com, name: Ana}",
    ]
    after = edited(DOC, SetValue(("deputy", "name"), "Ana B."), SetValue(("manager", "name"), "M"))
    assert changes(DOC, after) == [
        "-manager: maria@xyz.com",
        "-deputy: {email: ana@xyz.com, name: Ana}",
        "+manager: {email: maria@xyz.com, name: M}",
        "+deputy: {email: ana@xyz.com, name: Ana B.}",
    ]
    after = edited(DOC, SetValue(("deputy", "name"), None))
    assert changes(DOC, after) == [
        "-deputy: {email: ana@xyz.com, name: Ana}",
        "+deputy: {email: ana@xyz.com}",
    ]
    no_deputy = edited(DOC, SetValue(("deputy",), None), SetValue(("deputy", "name"), None))
    assert changes(DOC, no_deputy) == ["-deputy: {email: ana@xyz.com, name: Ana}", "+deputy: null"]
    assert changes(no_deputy, edited(no_deputy, SetValue(("deputy",), "bob@xyz.com"))) == [
        "-deputy: null",
        "+deputy: bob@xyz.com",
    ]


def test_a_key_the_document_lacks_goes_where_the_format_documents_it() -> None:
    after = edited(DOC, SetValue(("lifeCycle",), "closed"))
    assert changes(DOC, after) == ["+lifeCycle: closed"]
    assert after.index("lifeCycle") > after.index("workspaceType")
    assert after.index("lifeCycle") < after.index("manager")


def test_other_documents_stay_byte_for_byte_even_where_ruamel_would_rewrite_them() -> None:
    odd = "kind:   Workspace\nworkspaceId:    pr.52\nname: 'x'\nmanager:  {email:  a@b.cd}\n"
    text = DOC + "---\n" + odd + "...\n"
    after = edited(text, SetValue(("schema", "Phase"), "Closure"))
    assert after.endswith("---\n" + odd + "...\n")
    assert changes(text, after) == [
        "-  Phase: Execution                # the phase",
        "+  Phase: Closure                  # the phase",
    ]


def test_a_line_ruamel_would_rewrite_stays_unless_the_edit_replaces_it() -> None:
    text = DOC.replace("workspaceType: Project", "workspaceType:    Project")
    after = edited(text, SetValue(("schema", "Phase"), "Closure"))
    assert changes(text, after) == [
        "-  Phase: Execution                # the phase",
        "+  Phase: Closure                  # the phase",
    ]
    after = edited(text, SetValue(("workspaceType",), "Project Plus"))
    assert changes(text, after) == ["-workspaceType:    Project", "+workspaceType: Project Plus"]


def test_an_edit_next_to_lines_ruamel_would_rewrite_is_refused() -> None:
    text = DOC.replace("name: ", "name:   ").replace("organizationUnit: ", "organizationUnit:  ")
    result = edit_text(text, [DocumentEdits(2, (SetValue(("name",), "New"),))])
    assert result.text == text
    assert "cannot keep the lines near line 5 as they are written" in result.refused[2]


def test_line_endings_byte_order_mark_and_a_missing_last_newline_are_kept() -> None:
    crlf = "\ufeff" + DOC.replace("\n", "\r\n")
    after = edited(crlf, SetValue(("schema", "Phase"), "Closure"))
    assert after == "\ufeff" + edited(DOC, SetValue(("schema", "Phase"), "Closure")).replace(
        "\n", "\r\n"
    )
    unended = DOC.rstrip("\n")
    assert edited(unended, AddMember("Visitors", "x@y.zz")).endswith("- tom@xyz.com\n    - x@y.zz")


def test_a_long_line_is_not_wrapped() -> None:
    name = "A name " * 30
    after = edited(DOC, SetValue(("name",), name.strip()))
    assert changes(DOC, after) == ['-name: "Project pr.51"', f'+name: "{name.strip()}"']


def test_documents_that_cannot_be_found_or_changed_since_are_refused() -> None:
    moved = edit_text(DOC, [DocumentEdits(2, (SetValue(("name",), "x"),), ("workspaceId", "pr.9"))])
    assert moved.refused == {2: "the document at line 2 no longer says workspaceId: pr.9"}
    on_marker = "--- kind: Workspace\n"
    result = edit_text(on_marker, [DocumentEdits(1, (SetValue(("name",), "x"),))])
    assert result.refused == {
        1: "a document that starts on its --- line at line 1; edit it by hand"
    }
    assert edit_text(DOC, [DocumentEdits(99, ())]).refused == {
        99: "no document at line 99; edit it by hand"
    }


def test_an_edit_that_would_lose_a_comment_is_refused() -> None:
    text = DOC.replace("[anita@xyz.com, AD_XYZ]", "[anita@xyz.com,   # Anita\n    AD_XYZ]")
    result = edit_text(text, [DocumentEdits(2, (AddMember("Members", "bob@xyz.com"),))])
    assert result.text == text
    assert result.refused == {
        2: "the change would drop the comment '# Anita' on line 15; make this change by hand"
    }


def test_an_edit_that_would_not_validate_is_refused() -> None:
    result = edit_text(DOC, [DocumentEdits(2, (SetValue(("manager",), "not an email"),))])
    assert result.text == DOC
    assert "would not validate" in result.refused[2]


def test_edit_file_writes_in_place_keeping_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(DOC + "---\n" + DOC, encoding="utf-8")
    path.chmod(0o640)
    second = len(DOC.splitlines()) + 3
    result = edit_file(path, [DocumentEdits(second, (SetValue(("name",), "B"),))], "a.yaml")
    assert dict(result.refused) == {}
    assert path.read_text(encoding="utf-8") == DOC + "---\n" + DOC.replace('"Project pr.51"', '"B"')
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]  # no temporary file left


@pytest.mark.parametrize(
    "lines",
    [
        ["anita@xyz.com,", "imp@xyz.com,  # imp", "AD_XYZ,"],
        ["anita@xyz.com,", "'imp@xyz.com' ,  # imp", "AD_XYZ"],
        ["anita@xyz.com,", "AD_XYZ,", "imp@xyz.com # imp"],  # the last, without a comma
    ],
)
def test_a_member_leaving_a_flow_list_over_lines_takes_its_own_comment(lines: list[str]) -> None:
    text = DOC.replace(
        "  Members: [anita@xyz.com, AD_XYZ]",
        "  Members: [\n" + "".join(f"    {line}\n" for line in lines) + "  ]",
    )
    edits = (RemoveMember("Members", "IMP@xyz.com"), SetValue(("schema", "Phase"), "Closure"))
    result = edit_text(text, [DocumentEdits(2, edits)])
    assert dict(result.refused) == {}
    assert "# imp" not in result.text and "Phase: Closure" in result.text
    assert read(result.text)[0]["team"]["Members"] == ["anita@xyz.com", "AD_XYZ"]  # type: ignore[index]
    other = text.replace("    anita@xyz.com,\n", "    anita@xyz.com,  # Anita\n")
    refused = edit_text(other, [DocumentEdits(2, edits)]).refused
    assert "would drop the comment '# Anita'" in refused[2]  # another member's comment stays
