"""Validate documents against schemas/workspace.schema.json and word each error for people.

The JSON Schema is the single source of the spec format; this module adds no
rules of its own. It only turns each jsonschema error into a `Diagnostic`:
positioned at the offending key or value through the document's pointer map,
and phrased as a sentence with a hint where one helps ("did you mean",
"quote it"). Every error is reported, not just the first.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

# No type stubs for jsonschema in the dev set; its objects are used through a few attributes.
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from reconciler.errors import ReconcilerError
from reconciler.model.diagnostics import Diagnostic
from reconciler.spec.yamlfile import Document, escape_pointer_token, pointer

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "workspace.schema.json"
"""The package's copy of schemas/workspace.schema.json (a link in a checkout, a file in a wheel).

The schema's home is the repository's top level, where editors and other tools
find it; the link lets an installed package carry it too.
"""

# Words YAML 1.1 reads as booleans and YAML 1.2 (our loader) reads as text.
_YAML11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})

_YAML_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "a boolean",
    "null": "null",
}


@cache
def workspace_validator() -> Draft7Validator:
    """The compiled validator for one workspace document (read once per process)."""
    return load_validator(SCHEMA_PATH, "spec")


def load_validator(path: Path, what: str) -> Draft7Validator:
    """The compiled validator of the draft-07 schema at `path`; `what` names it in errors."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReconcilerError(f"cannot load the {what} schema {path}: {exc}") from exc
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def schema_diagnostics(
    document: Document, validator: Draft7Validator | None = None
) -> list[Diagnostic]:
    """Every violation in `document` of `validator`'s schema (by default the workspace's)."""
    found: list[Diagnostic] = []
    for error in (validator or workspace_validator()).iter_errors(document.data):
        found.extend(_describe(error, document))
    return found


def _describe(error: ValidationError, document: Document) -> Iterator[Diagnostic]:
    ptr = pointer(error.absolute_path)
    handler = _HANDLERS.get(str(error.validator))
    if handler is not None:
        yield from handler(error, document, ptr)
        return
    yield Diagnostic.at(document.where(ptr), _prefixed(ptr, error.message))


def _label(ptr: str) -> str:
    """A pointer as people write paths: /team/Members/0 -> team.Members[0]."""
    label = ""
    for token in ptr.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        label += f"[{token}]" if token.isdigit() else f".{token}"
    return label.lstrip(".")


def _prefixed(ptr: str, text: str) -> str:
    return f"{_label(ptr)}: {text}" if ptr else text


def _show(value: object) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value)


def _additional_properties(
    error: ValidationError, document: Document, ptr: str
) -> Iterator[Diagnostic]:
    allowed = sorted(_schema(error).get("properties", {}))
    instance = error.instance if isinstance(error.instance, dict) else {}
    where = f" in {_label(ptr)}" if ptr else ""
    for key in instance:
        if key in allowed:
            continue
        message = f"unknown key '{key}'{where}"
        guess = _closest(key, allowed)
        message += f" — did you mean '{guess}'?" if guess else f"; allowed: {', '.join(allowed)}"
        yield Diagnostic.at(document.key_where(f"{ptr}/{escape_pointer_token(key)}"), message)


def _rule(error: ValidationError) -> Any:
    """The schema's value for the failed keyword (the stubs allow an 'unset' we never see)."""
    return error.validator_value


def _schema(error: ValidationError) -> Mapping[str, Any]:
    return error.schema if isinstance(error.schema, Mapping) else {}


def _closest(word: str, choices: list[str]) -> str | None:
    """The choice a typo most likely meant, compared without case ('lifecycle' -> 'lifeCycle')."""
    by_lower = {choice.lower(): choice for choice in choices}
    # 0.75 keeps real typos ('manger', 'Member') and drops far guesses ('archived' -> 'active').
    matches = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.75)
    return by_lower[matches[0]] if matches else None


def _required(error: ValidationError, document: Document, ptr: str) -> Iterator[Diagnostic]:
    # jsonschema reports one error per missing key and names it only in its message.
    instance = error.instance if isinstance(error.instance, dict) else {}
    absent = [key for key in _rule(error) if key not in instance]
    missing = next((key for key in absent if repr(key) in error.message), error.message)
    yield Diagnostic.at(
        document.key_where(ptr), _prefixed(ptr, f"missing required key '{missing}'")
    )


def _type(error: ValidationError, document: Document, ptr: str) -> Iterator[Diagnostic]:
    expected = _rule(error)
    names = [expected] if isinstance(expected, str) else list(expected)
    wanted = _or_list([_YAML_TYPES.get(name, name) for name in names])
    written = document.plain.get(ptr)
    got = _describe_value(error.instance, written)
    message = f"expected {wanted}, got {got}"
    if "string" in names and written is not None and error.instance is not None:
        message += _as_text_hint(_schema(error), written)
    elif "array" in names and error.instance is None:
        message += " — write [] for an empty group"
    yield Diagnostic.at(document.where(ptr), _prefixed(ptr, message))


def _as_text_hint(schema: Mapping[str, Any], written: str) -> str:
    """Say to quote a bare value only when the quoted text would pass the field's pattern.

    `expires: 20261231` quoted is still no date: saying what the text must look
    like is the fix there.
    """
    rule, explanation = schema.get("pattern"), schema.get("errorMessage")
    if isinstance(rule, str) and explanation and not re.search(rule, written):
        return f" — {written} {explanation}"
    return f" — quote it to keep it as text: '{written}'"


def _or_list(words: list[str]) -> str:
    """["a string", "a number", "null"] -> "a string, a number or null"."""
    return " or ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else words[0]


def _describe_value(value: object, written: str | None) -> str:
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return f"the boolean {written or value}"
    if isinstance(value, (int, float)):
        return f"the number {written or value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the string {value!r}"


def _enum(error: ValidationError, document: Document, ptr: str) -> Iterator[Diagnostic]:
    choices = [str(choice) for choice in _rule(error)]
    message = f"{_show(error.instance)} is not one of: {', '.join(choices)}"
    guess = _closest(str(error.instance), choices) if isinstance(error.instance, str) else None
    if guess:
        message += f" — did you mean '{guess}'?"
    elif str(error.instance).lower() in _YAML11_BOOLEANS:
        message += f" (specs are YAML 1.2: {error.instance} is text here, not a boolean)"
    yield Diagnostic.at(document.where(ptr), _prefixed(ptr, message))


def _const(error: ValidationError, document: Document, ptr: str) -> Iterator[Diagnostic]:
    message = f"must be {_show(_rule(error))}, got {_show(error.instance)}"
    yield Diagnostic.at(document.where(ptr), _prefixed(ptr, message))


def _pattern(error: ValidationError, document: Document, ptr: str) -> Iterator[Diagnostic]:
    # The schema words its own patterns (`errorMessage`, as editors show them).
    explanation = _schema(error).get("errorMessage") or f"does not match {_rule(error)}"
    message = f"{_show(error.instance)} {explanation}"
    yield Diagnostic.at(document.where(ptr), _prefixed(ptr, message))


def _unique_items(error: ValidationError, document: Document, ptr: str) -> Iterator[Diagnostic]:
    items = error.instance if isinstance(error.instance, list) else []
    repeated = sorted({str(item) for item in items if items.count(item) > 1})
    message = f"lists {', '.join(repr(item) for item in repeated)} more than once"
    yield Diagnostic.at(document.where(ptr), _prefixed(ptr, message))


def _one_of(error: ValidationError, document: Document, ptr: str) -> Iterator[Diagnostic]:
    # The only oneOf in the schema is the identity rule: exactly one of several keys.
    branches = _rule(error)
    keys = [key for branch in branches for key in branch.get("required", [])]
    if len(keys) != len(branches) or not isinstance(error.instance, dict):
        yield Diagnostic.at(document.where(ptr), _prefixed(ptr, error.message))
        return
    given = [key for key in keys if key in error.instance]
    choice = " or ".join(f"'{key}'" for key in keys)
    if given:
        where = document.key_where(f"{ptr}/{escape_pointer_token(given[-1])}")
        message = f"give either {choice}, not both"
    else:
        where = document.where(ptr)
        message = f"missing {choice}: a workspace is identified by exactly one of them"
    yield Diagnostic.at(where, _prefixed(ptr, message))


_Handler = Callable[[ValidationError, Document, str], Iterator[Diagnostic]]
_HANDLERS: dict[str, _Handler] = {
    "additionalProperties": _additional_properties,
    "required": _required,
    "type": _type,
    "enum": _enum,
    "const": _const,
    "pattern": _pattern,
    "uniqueItems": _unique_items,
    "oneOf": _one_of,
}

__all__ = ["SCHEMA_PATH", "load_validator", "schema_diagnostics", "workspace_validator"]
