"""Checks of request bodies against the API document's rules; each failure is a 422 naming it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from reconciler.emulator.errors import Unprocessable
from reconciler.emulator.fixtures import FieldDefinition, TenantConfig, WorkspaceTypeConfig

WORKSPACE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
BOOLEANS = {"true": "1", "1": "1", "false": "0", "0": "0"}
SHAREPOINT_GROUPS = ("Managers", "Members", "Visitors")
TEAMS_GROUPS = ("Owners", "Members")


def require_object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Unprocessable(f"The request body must be a JSON object ({what}).")
    return body


def require_string(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise Unprocessable(f"{name} must be provided.")
    if not isinstance(value, str) or not value.strip():
        raise Unprocessable(f"{name} must be a non-empty string.")
    return value


def person(tenant: TenantConfig, body: dict[str, Any], name: str) -> dict[str, str]:
    """A Manager or Deputy: Email required and known to the directory; Name filled in if missing."""
    raw = body.get(name)
    if not isinstance(raw, dict):
        raise Unprocessable(f"{name} must be an object with an Email.")
    email = raw.get("Email")
    if not isinstance(email, str) or not email.strip():
        raise Unprocessable(f"{name}.Email must be provided.")
    account = tenant.accounts.get(email.strip().lower())
    if account is None:
        raise Unprocessable(f"{name}.Email '{email}' is not an account of this tenant.")
    given = raw.get("Name")
    if given is not None and not isinstance(given, str):
        raise Unprocessable(f"{name}.Name must be a string.")
    return {"Email": account["Email"], "Name": given or account["Name"]}


def life_cycle(body: dict[str, Any]) -> int:
    value = body.get("LifeCycle", 0)
    if value is None:
        return 0
    if isinstance(value, bool) or value not in (0, 1):
        raise Unprocessable("LifeCycle must be 0 (active) or 1 (closed).")
    return int(value)


def workspace_id(value: Any, workspace_type: WorkspaceTypeConfig) -> str:
    """The WorkspaceId a None or PrefixWithId type requires in a POST."""
    if value is None:
        raise Unprocessable("WorkspaceId must be provided for this workspace type.")
    if not isinstance(value, str) or not WORKSPACE_ID.fullmatch(value):
        raise Unprocessable(
            "WorkspaceId must be 1-128 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit."
        )
    prefix = workspace_type.prefix or ""
    prefixed = value.lower().startswith(prefix.lower()) and len(value) > len(prefix)
    if workspace_type.generator == 1 and not prefixed:
        raise Unprocessable(f"WorkspaceId must start with the prefix '{prefix}' of this type.")
    return value


def field_value(definition: FieldDefinition, value: Any) -> str | None:
    """Check one FieldValue against its FieldType and ValidValues; return the stored form."""
    where = f"Schema field '{definition.name}'"
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unprocessable(f"{where}: FieldValue must be a string or null.")
    stored = value
    if definition.type == "datetime":
        stored = _utc_timestamp(value, where)
    elif definition.type == "number":
        if not NUMBER.fullmatch(value.strip()):
            raise Unprocessable(f"{where}: '{value}' is not a number.")
        stored = value.strip()
    elif definition.type == "boolean":
        if value.strip().lower() not in BOOLEANS:
            raise Unprocessable(f"{where}: '{value}' is not a boolean (true/false/1/0).")
        stored = BOOLEANS[value.strip().lower()]
    if definition.valid_values is not None and stored not in definition.valid_values:
        allowed = ", ".join(definition.valid_values)
        raise Unprocessable(f"{where}: '{value}' is not one of the ValidValues ({allowed}).")
    return stored


_ACCEPTED_FORMS = (
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
)
"""The extended ISO 8601 forms the document's samples use (a blank may stand for the T)."""


def _split_offset(text: str, value: str, where: str) -> tuple[str, timezone]:
    """'…+02:00', '…+0200' or '…+02' -> the local part and its zone; no sign: UTC."""
    for width, hours_at, minutes_at in ((6, 1, 4), (5, 1, 3), (3, 1, None)):
        sign, tail = text[-width], text[-width + 1 :]
        if sign not in "+-" or (width == 6 and tail[2] != ":"):
            continue
        digits = tail.replace(":", "")
        if not digits.isdigit():
            continue
        hours = int(tail[hours_at - 1 : hours_at + 1])
        minutes = int(tail[minutes_at - 1 :]) if minutes_at else 0
        if hours > 23 or minutes > 59:
            raise Unprocessable(f"{where}: '{value}' is not an ISO 8601 datetime.")
        offset = timedelta(hours=hours, minutes=minutes)
        return text[:-width], timezone(-offset if sign == "-" else offset)
    return text, timezone.utc


def _utc_timestamp(value: str, where: str) -> str:
    text = value.strip()
    zone = timezone.utc
    if text[-1:] in ("Z", "z") and "T" in text.upper():
        text = text[:-1]
    elif len(text) > 13 and "T" in text.upper():
        text, zone = _split_offset(text, value, where)
    if len(text) > 10 and text[10] in " t":
        text = text[:10] + "T" + text[11:]
    if len(text) > 20 and text[19] == ",":
        text = text[:19] + "." + text[20:]
    if len(text) > 26 and text[19] == ".":
        text = text[:26]  # strptime's %f takes six digits at most; the rest is cut anyway
    parsed = None
    for form in _ACCEPTED_FORMS:
        try:
            parsed = datetime.strptime(text, form)
            break
        except ValueError:
            continue
    if parsed is None or not text[:4].isdigit() or len(text.split("T")[0]) != 10:
        raise Unprocessable(f"{where}: '{value}' is not an ISO 8601 datetime.")
    try:
        utc = parsed.replace(tzinfo=zone).astimezone(timezone.utc)
    except OverflowError:
        raise Unprocessable(f"{where}: '{value}' is out of the range of dates.") from None
    if not 1900 <= utc.year <= 9999:
        raise Unprocessable(f"{where}: '{value}' must fall in the years 1900 to 9999.")
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def schema_entries(body: Any, workspace_type: WorkspaceTypeConfig) -> dict[str, str | None]:
    """FieldName -> stored value for a list of {FieldName, FieldValue}; unknown or repeated: 422."""
    if not isinstance(body, list):
        raise Unprocessable("Schema must be an array of {FieldName, FieldValue}.")
    values: dict[str, str | None] = {}
    for entry in body:
        if not isinstance(entry, dict) or not isinstance(entry.get("FieldName"), str):
            raise Unprocessable("Each Schema entry needs a FieldName.")
        name = entry["FieldName"]
        if "FieldValue" not in entry:
            raise Unprocessable(f"Schema field '{name}': FieldValue must be provided.")
        definition = workspace_type.field(name)
        if definition is None:
            raise Unprocessable(
                f"Schema field '{name}' is not defined by workspace type '{workspace_type.name}'."
            )
        if name in values:
            raise Unprocessable(f"Schema field '{name}' is listed more than once.")
        values[name] = field_value(definition, entry["FieldValue"])
    return values


def required_fields_set(values: dict[str, str | None], workspace_type: WorkspaceTypeConfig) -> None:
    for definition in workspace_type.fields:
        if definition.required and not (values.get(definition.name) or "").strip():
            raise Unprocessable(f"Schema field '{definition.name}' is required.")


def team_sections(body: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The Added and Removed collections, each entry with a Group and a list of Members."""
    body = require_object(body, "Team")
    sections = []
    for name in ("Added", "Removed"):
        items = body.get(name) or []
        if not isinstance(items, list):
            raise Unprocessable(f"{name} must be an array.")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("Group"), str):
                raise Unprocessable(f"Each {name} entry needs a Group.")
            members = item.get("Members")
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                raise Unprocessable(f"{name} group '{item['Group']}': Members must be strings.")
        sections.append(items)
    return sections[0], sections[1]


def allowed_groups(workspace_type: WorkspaceTypeConfig) -> tuple[str, ...]:
    return TEAMS_GROUPS if workspace_type.is_teams else SHAREPOINT_GROUPS
