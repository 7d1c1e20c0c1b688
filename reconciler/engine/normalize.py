"""The one table of canonical forms: how the service stores what we send.

Plan, drift and export compare values only through these functions, so a
value the service rewrites (an email's case, a date without a time, a "true"
flag) never shows as a perpetual difference. README documents the table.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

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


ISO_DATETIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[Tt ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:[.,][0-9]+)?)?"
    r"(?P<zone>[Zz]|(?P<sign>[+-])(?P<zh>[0-9]{2})(?::?(?P<zm>[0-9]{2}))?)?)?"
)
"""ISO 8601's extended form: a date, or a date, 'T' (or a blank, as RFC 3339 allows), a time
and an optional offset.

Our own pattern rather than `datetime.fromisoformat`, whose accepted forms
change between Python versions (3.11 added week dates and the basic form,
which the service is not known to take): the same spec must plan the same
everywhere.
"""


def utc_timestamp(value: str) -> str:
    """ISO 8601 -> UTC 'YYYY-MM-DDTHH:MM:SSZ' (no offset means UTC; fractions are cut off)."""
    found = ISO_DATETIME.fullmatch(value.strip())
    if found is None:
        raise BadValue(f"'{value}' is not an ISO 8601 date or datetime")
    try:
        parsed = _parsed(found)
    except ValueError:
        raise BadValue(f"'{value}' is not an ISO 8601 date or datetime") from None
    try:
        utc = parsed.astimezone(timezone.utc)
    except OverflowError:
        raise BadValue(f"'{value}' must fall in the years 1900 to 9999") from None
    if not 1900 <= utc.year <= 9999:
        raise BadValue(f"'{value}' must fall in the years 1900 to 9999")
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parsed(found: re.Match[str]) -> datetime:
    """The matched parts as an aware datetime; ValueError for a day or time that does not exist."""
    day = date.fromisoformat(found["date"])
    offset = timedelta(0)
    if found["sign"]:
        offset = timedelta(hours=int(found["zh"]), minutes=int(found["zm"] or 0))
        if offset >= timedelta(hours=24):
            raise ValueError("offset out of range")
        offset = -offset if found["sign"] == "-" else offset
    return datetime(
        day.year,
        day.month,
        day.day,
        int(found["hour"] or 0),
        int(found["minute"] or 0),
        int(found["second"] or 0),
        tzinfo=timezone(offset),
    )


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
