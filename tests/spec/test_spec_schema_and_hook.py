"""The schema file and the pre-commit hook definition are well-formed and say what we rely on."""

from __future__ import annotations

import json

import yaml
from jsonschema import Draft7Validator

from reconciler.spec.schema import SCHEMA_PATH

from .conftest import REPO


def test_schema_is_valid_draft_07() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]["team"]["properties"]) == {
        "Managers",
        "Members",
        "Visitors",
        "Owners",
    }


def test_example_specs_carry_the_editor_modeline() -> None:
    for path in sorted((REPO / "specs").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/workspace.schema.json", path


def test_pre_commit_hook_definition() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "reconciler-validate"
    assert hook["language"] == "python"
    assert hook["entry"] == "reconciler validate"
    assert hook["types_or"] == ["yaml"]
    # The whole tree is validated, so cross-file duplicates are found.
    assert hook["pass_filenames"] is False
