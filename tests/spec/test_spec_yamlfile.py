"""The YAML layer: YAML 1.2 typing, positions, and the constructs spec files refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.spec.yamlfile import (
    MAX_FILE_BYTES,
    Document,
    parse_documents,
    pointer,
    read_spec_text,
)


def parse_one(text: str) -> Document:
    documents, problems = parse_documents(text, "f.yaml")
    assert problems == []
    assert len(documents) == 1
    return documents[0]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("yes", "yes"),
        ("No", "No"),
        ("on", "on"),
        ("OFF", "OFF"),
        ("y", "y"),
        ("true", True),
        ("False", False),
        ("2024-01-01", "2024-01-01"),
        ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
        ("2024-01-01 10:00:00", "2024-01-01 10:00:00"),
        ("0123", 123),
        ("0o17", 15),
        ("0x1F", 31),
        ("1_000", "1_000"),
        ("1:20", "1:20"),
        ("1.50", 1.5),
        ("~", None),
        ("null", None),
        ("", None),
        ("'01'", "01"),
        ("!!str 01", "01"),
    ],
)
def test_scalars_follow_yaml_1_2_core(written: str, value: object) -> None:
    document = parse_one(f"v: {written}\n")
    assert document.data == {"v": value}


@pytest.mark.parametrize("written", ["0123", "1.50", "true", "~", "0x1F"])
def test_non_string_scalars_keep_their_source_text(written: str) -> None:
    assert parse_one(f"v: {written}\n").plain["/v"] == written


def test_strings_are_not_in_the_source_text_map() -> None:
    assert parse_one("v: text\nw: '12'\n").plain == {}


def test_keys_that_yaml_1_1_reads_as_booleans_stay_names() -> None:
    assert parse_one("on: 1\nno: 2\n").data == {"on": 1, "no": 2}


def test_positions_of_values_and_keys_count_from_one() -> None:
    document = parse_one("a:\n  b: [x, y]\n")
    assert (document.where("/a/b/1").line, document.where("/a/b/1").column) == (2, 10)
    assert (document.key_where("/a/b").line, document.key_where("/a/b").column) == (2, 3)


def test_unknown_pointer_falls_back_to_the_nearest_ancestor() -> None:
    document = parse_one("a:\n  b: 1\n")
    assert document.where("/a/b/c/d") == document.where("/a/b")


def test_pointer_escapes_slash_and_tilde() -> None:
    assert pointer(["a/b", "c~d", 0]) == "/a~1b/c~0d/0"
    assert parse_one("'a/b': 1\n").values["/a~1b"].line == 1


def test_duplicate_key_keeps_the_first_and_names_both_lines() -> None:
    documents, problems = parse_documents("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert documents[0].data == {"a": 1, "b": 2}
    assert [str(p) for p in problems] == ["f.yaml:3:1: duplicate key 'a' (first defined at line 1)"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1: x\n", "key 1 is not a string"),
        ("? [a, b]\n: x\n", "a key must be a plain name"),
    ],
)
def test_non_string_keys_are_errors(text: str, message: str) -> None:
    _, problems = parse_documents(text, "f.yaml")
    assert len(problems) == 1
    assert message in problems[0].message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x 1\n", "anchors (&x)"),
        ("a: *x\n", "aliases (*x)"),
        ("a: !!python/object:os.system x\n", "tag !!python/object:os.system is not allowed"),
        ("a: !!python/name:os.system\n", "tag !!python/name:os.system is not allowed"),
        ("a: !custom x\n", "tag !custom is not allowed"),
        ("a: !!binary aGk=\n", "tag !!binary is not allowed"),
        ("a: !!set {x}\n", "tag !!set is not allowed"),
        ("a: " + "[" * 40 + "]" * 40 + "\n", "nesting deeper than"),
    ],
)
def test_refused_constructs(text: str, message: str) -> None:
    documents, problems = parse_documents(text, "f.yaml")
    assert documents == []
    assert len(problems) == 1
    assert message in problems[0].message
    assert problems[0].line == 1


def test_an_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    _, problems = parse_documents("\n".join(lines) + "\n", "bomb.yaml")
    assert "anchors (&a)" in problems[0].message


def test_merge_keys_are_plain_names_here() -> None:
    # Without anchors a merge key could only merge an inline mapping; it is just an unknown key.
    assert parse_one("<<: {a: 1}\n").data == {"<<": {"a": 1}}


def test_empty_documents_are_skipped_and_lines_count_across_documents() -> None:
    documents, problems = parse_documents("---\n---\na: 1\n---\nb: 2\n---\n", "f.yaml")
    assert problems == []
    assert [d.data for d in documents] == [{"a": 1}, {"b": 2}]
    assert [d.start.line for d in documents] == [3, 5]


def test_syntax_error_keeps_earlier_documents() -> None:
    documents, problems = parse_documents("a: 1\n---\nb: [\n", "f.yaml")
    assert [d.data for d in documents] == [{"a": 1}]
    assert problems[0].message.startswith("invalid YAML:")
    assert problems[0].line == 4


def test_control_characters_are_reported_with_their_position() -> None:
    documents, problems = parse_documents("a: 1\nb: x\x00y\n", "f.yaml")
    assert documents == []
    assert (problems[0].line, problems[0].column) == (2, 5)
    assert "#x0000" in problems[0].message


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    text, problem = read_spec_text(path, "bom.yaml")
    assert problem is None and text is not None
    assert parse_one(text).data == {"a": 1}


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nname: Café\n".encode("latin-1"))
    text, problem = read_spec_text(path, "latin1.yaml")
    assert text is None and problem is not None
    assert (problem.line, problem.column) == (2, 10)
    assert "not UTF-8" in problem.message


def test_utf16_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "utf16.yaml"
    path.write_bytes("a: 1\n".encode("utf-16"))
    _, problem = read_spec_text(path, "utf16.yaml")
    assert problem is not None and "not UTF-8" in problem.message


def test_huge_files_are_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    text, problem = read_spec_text(path, "huge.yaml")
    assert text is None and problem is not None
    assert "larger than 1024 KiB" in problem.message


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    body = b"a: 1\n"
    path.write_bytes(body + b"#" * (MAX_FILE_BYTES - len(body)))
    text, problem = read_spec_text(path, "big.yaml")
    assert problem is None and text is not None


def test_unreadable_path_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    _, problem = read_spec_text(tmp_path, "a-directory")
    assert problem is not None and problem.line is None
    assert "cannot read file" in problem.message


def test_an_unpaired_surrogate_escape_is_an_error_not_a_crash_later() -> None:
    """Found by tests/properties: it loaded, then plan crashed encoding it."""
    text = 'kind: Workspace\nname: "Lone \\ud800"\n"\\udfff": x\n'
    _, problems = parse_documents(text, "s.yaml")
    assert [(p.line, p.message) for p in problems] == [
        (
            2,
            "text holds an unpaired surrogate escape (\\ud800 to \\udfff), which no file or "
            "request can carry; write the character itself, or its \\U0001xxxx escape",
        ),
        (
            3,
            "text holds an unpaired surrogate escape (\\ud800 to \\udfff), which no file or "
            "request can carry; write the character itself, or its \\U0001xxxx escape",
        ),
    ]


def test_a_number_too_long_for_python_is_still_a_number() -> None:
    """Found by tests/properties: 4301 digits were taken as text."""
    (document,), problems = parse_documents("name: " + "7" * 4301 + "\n", "s.yaml")
    assert problems == []
    assert document.data == {"name": float("inf")}
    assert document.plain["/name"] == "7" * 4301
