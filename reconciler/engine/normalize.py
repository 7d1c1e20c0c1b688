"""The one table of canonical forms: how the service stores what we send.

Plan, drift and export compare values only through these functions, so a
value the service rewrites (an email's case, a date without a time, a "true"
flag) never shows as a perpetual difference. README documents the table.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
BOOLEANS = {"true": "1", "1": "1", "false": "0", "0": "0"}


class BadValue(ValueError):
    """A value that does not fit its field type; the message says why."""


def schema_value(field_type: str, value: str | None) -> str | None:
    """The form the service stores a FieldValue in; raises BadValue when it cannot take it.

    string: as written; datetime: ISO 8601 (a date alone too) -> UTC YYYY-MM-DDTHH:MM:SSZ;
    number: a decimal, as written; boolean: true/false/1/0 -> "1"/"0"; null stays null.
    """
    if value is None:
        return None
    if field_type == "datetime":
        return utc_timestamp(value)
    if field_type == "number":
        if not NUMBER.fullmatch(value.strip()):
            raise BadValue(f"'{value}' is not a number")
        return value.strip()
    if field_type == "boolean":
        flag = BOOLEANS.get(value.strip().lower())
        if flag is None:
            raise BadValue(f"'{value}' is not a boolean (true, false, 1 or 0)")
        return flag
    return value


def utc_timestamp(value: str) -> str:
    """ISO 8601 -> UTC 'YYYY-MM-DDTHH:MM:SSZ' (no offset means UTC)."""
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        utc = parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise BadValue(f"'{value}' is not an ISO 8601 date or datetime") from None
    if not 1900 <= utc.year <= 9999:
        raise BadValue(f"'{value}' must fall in the years 1900 to 9999")
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def generated_id(prefix: str | None, name: str) -> str:
    """The id a PrefixWithName type generates: prefix, '.', the Name's alphanumerics lower-cased.

    BadValue for a Name without letters or digits: the service cannot make an id of it.
    """
    # Not identity.fold: this is the service's id-making rule, and it keeps no blanks at all.
    alphanumerics = re.sub(r"[^a-z0-9]", "", name.lower())
    if not alphanumerics:
        raise BadValue(f"'{name}' has no letters or digits to generate the WorkspaceId from")
    dotted = prefix or ""
    if dotted and not dotted.endswith("."):
        dotted += "."
    return dotted + alphanumerics
