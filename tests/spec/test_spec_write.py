"""spec.write: the YAML text export writes, read back by the project's own loader.

Pinned: which scalars are written plain and which are quoted (every YAML
1.1 and 1.2 trap of README's table), the block style of specs/*.yaml, long
lists one item a line, comments (wrapped, never breaking the file), and the
file names made from WorkspaceIds.
"""

from __future__ import annotations

import pytest

from reconciler.spec.write import Flow, scalar, spec_file_name, write_document, write_documents
from reconciler.spec.yamlfile import parse_documents


def read_back(text: str) -> list[object]:
    documents, problems = parse_documents(text, "written.yaml")
    assert problems == [], [str(p) for p in problems]
    return [d.data for d in documents]


@pytest.mark.parametrize(
    "value",
    ["Migros", "Project01", "Star Unit", "marko@xyz.com", "AD_XYZ", "it's", "Zürich AG", "a-b.c"],
)
def test_plain_text_stays_plain(value: str) -> None:
    assert scalar(value) == value


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("NO", '"NO"'),  # YAML 1.1 boolean
        ("yes", '"yes"'),
        ("on", '"on"'),
        ("y", '"y"'),  # a YAML 1.1 boolean PyYAML itself does not resolve
        ("true", '"true"'),  # YAML 1.2 boolean
        ("null", '"null"'),
        ("~", '"~"'),
        ("", '""'),
        ("4711", '"4711"'),
        ("0123", '"0123"'),  # YAML 1.1 octal
        ("1_000", '"1_000"'),
        ("1.50", '"1.50"'),
        ("1:20", '"1:20"'),  # sexagesimal
        ("2025-03-01", '"2025-03-01"'),  # YAML 1.1 date
        ("2025-01-15T08:00:00Z", '"2025-01-15T08:00:00Z"'),
        (" padded", '" padded"'),
        ("padded ", '"padded "'),
        ("a: b", '"a: b"'),
        ("a #b", '"a #b"'),
        ("#x", '"#x"'),
        ("- item", '"- item"'),
        ("*alias", '"*alias"'),
        ("&anchor", '"&anchor"'),
        ("!tag", '"!tag"'),
        ("[1, 2]", '"[1, 2]"'),
        ("{a: b}", '"{a: b}"'),
        ("a, b", '"a, b"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("two\nlines", '"two\\nlines"'),
        ("tab\there", '"tab\\there"'),
        ("bell\x07", '"bell\\u0007"'),
        ("next\x85line", '"next\\u0085line"'),
        ("sep\u2028x", '"sep\\u2028x"'),
        ("bom\ufeff", '"bom\\ufeff"'),
        ("@home", '"@home"'),
        ("%percent", '"%percent"'),
        ("|pipe", '"|pipe"'),
        (">fold", '">fold"'),
        ("'single'", "\"'single'\""),
    ],
)
def test_every_trap_is_quoted_and_read_back(value: str, written: str) -> None:
    assert scalar(value) == written
    assert read_back(f"v: {written}\n") == [{"v": value}]


def test_none_and_booleans() -> None:
    assert [scalar(None), scalar(True), scalar(False)] == ["null", "true", "false"]


def test_a_document_in_the_style_of_the_examples() -> None:
    data = {
        "kind": "Workspace",
        "tenant": "contoso",
        "workspaceId": "pr.02",
        "name": "Project02",
        "manager": Flow(email="maria@xyz.com", name="Maria: PM"),
        "deputy": None,
        "schema": {"Customer": "NO", "Start Date": "2025-03-01T00:00:00Z"},
        "team": {"Managers": [], "Members": ["anita@xyz.com", "AD_Finance"]},
        "empty": {},
    }
    text = write_document(data, {"": ["Top note."], "team/Members": ["Above Members."]})
    assert text == (
        "# Top note.\n"
        "kind: Workspace\n"
        "tenant: contoso\n"
        "workspaceId: pr.02\n"
        "name: Project02\n"
        'manager: {email: maria@xyz.com, name: "Maria: PM"}\n'
        "deputy: null\n"
        "schema:\n"
        '  Customer: "NO"\n'
        '  Start Date: "2025-03-01T00:00:00Z"\n'
        "team:\n"
        "  Managers: []\n"
        "  # Above Members.\n"
        "  Members: [anita@xyz.com, AD_Finance]\n"
        "empty: {}\n"
    )
    assert read_back(text) == [{**data, "manager": dict(data["manager"])}]  # type: ignore[arg-type]


def test_a_long_list_is_written_one_item_a_line() -> None:
    members = [f"member{n}@example.com" for n in range(6)]
    text = write_document({"team": {"Visitors": members}})
    assert text.splitlines()[:3] == ["team:", "  Visitors:", "    - member0@example.com"]
    assert read_back(text) == [{"team": {"Visitors": members}}]


def test_comments_are_wrapped_and_cannot_break_the_file() -> None:
    note = "word " * 40 + "line\nbreak\x00and a control character"
    text = write_document({"kind": "Workspace"}, {"kind": [note]})
    lines = text.splitlines()
    assert all(len(line) <= 100 and line.startswith("# ") for line in lines[:-1])
    assert "\ufffd" in text and "\x00" not in text
    assert read_back(text) == [{"kind": "Workspace"}]


def test_documents_are_separated() -> None:
    text = write_documents([write_document({"a": "1"}), write_document({"b": "2"})])
    assert read_back(text) == [{"a": "1"}, {"b": "2"}]


@pytest.mark.parametrize(
    ("workspace_id", "name"),
    [
        ("pr.02", "pr.02.yaml"),
        ("org.bu.00001", "org.bu.00001.yaml"),
        ("Team Room/1", "Team_Room_1.yaml"),
        ("..", "__.yaml"),
        (".hidden", "_hidden.yaml"),  # spec discovery skips hidden files
        ("a\\b:c*d", "a_b_c_d.yaml"),
        ("con", "_con.yaml"),  # a Windows device name
        ("LPT1.x", "_LPT1.x.yaml"),
        ("", "_.yaml"),
        ("ü", "_.yaml"),
        ("x" * 300, "x" * 200 + ".yaml"),
    ],
)
def test_file_names_are_safe_and_predictable(workspace_id: str, name: str) -> None:
    assert spec_file_name(workspace_id) == name
