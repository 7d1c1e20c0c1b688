"""normalize.py on plain values: the exact stored form of every field type, and every refusal.

The machine runs in UTC, where a naive datetime read as local time looks
right; the datetime tests also run with TZ set to Asia/Kolkata (+05:30) so
that mistake shows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from reconciler.engine.normalize import BadValue, generated_id, schema_value, utc_timestamp

ZONES = {"UTC": "+0000", "Asia/Kolkata": "+0530"}


@pytest.fixture(params=list(ZONES), ids=[f"TZ={zone}" for zone in ZONES])
def process_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """The process time zone for one test, restored (and re-read by the C library) after it."""
    zone: str = request.param
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", zone)
        time.tzset()
        try:
            # A missing zone file would silently mean UTC: prove the zone is in effect.
            assert time.strftime("%z", time.localtime(0)) == ZONES[zone]
            yield zone
        finally:
            patch.undo()
            time.tzset()


# --- datetime -----------------------------------------------------------------

DATETIMES = [
    pytest.param("2024-03-01", "2024-03-01T00:00:00Z", id="date-only-is-midnight-utc"),
    pytest.param("2024-03-01T10:15:30Z", "2024-03-01T10:15:30Z", id="Z-suffix"),
    pytest.param("2024-03-01T10:15:30z", "2024-03-01T10:15:30Z", id="lowercase-z-suffix"),
    pytest.param("2024-03-01T10:15:30+00:00", "2024-03-01T10:15:30Z", id="explicit-+00:00"),
    pytest.param("2024-03-01T10:15:30", "2024-03-01T10:15:30Z", id="naive-is-utc"),
    pytest.param("2024-03-01 10:15:30", "2024-03-01T10:15:30Z", id="naive-space-separator"),
    pytest.param("2024-03-01T10:15:30+02:00", "2024-03-01T08:15:30Z", id="+02:00-subtracted"),
    pytest.param("2024-03-01T10:15:30-05:30", "2024-03-01T15:45:30Z", id="-05:30-added"),
    pytest.param("2024-03-01T01:00:00+02:00", "2024-02-29T23:00:00Z", id="+02:00-to-leap-day"),
    pytest.param("2024-12-31T20:00:00-05:30", "2025-01-01T01:30:00Z", id="-05:30-into-new-year"),
    pytest.param("2024-03-01T10:15:30.999Z", "2024-03-01T10:15:30Z", id="fraction-truncated"),
    pytest.param("2024-03-01T10:15:30.5Z", "2024-03-01T10:15:30Z", id="one-digit-fraction"),
    pytest.param("2024-03-01T10:15Z", "2024-03-01T10:15:00Z", id="no-seconds"),
    pytest.param("  2024-03-01T10:15:30Z \n", "2024-03-01T10:15:30Z", id="blanks-stripped"),
    pytest.param("1900-01-01", "1900-01-01T00:00:00Z", id="first-day-of-1900"),
    pytest.param("1899-12-31T23:00:00-01:00", "1900-01-01T00:00:00Z", id="1899-local-is-1900-utc"),
    pytest.param("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z", id="last-second-of-9999"),
    pytest.param("9999-12-31T23:59:59+01:00", "9999-12-31T22:59:59Z", id="9999-with-offset"),
]


@pytest.mark.parametrize(("written", "stored"), DATETIMES)
def test_datetime_is_stored_in_utc(process_zone: str, written: str, stored: str) -> None:
    assert schema_value("datetime", written) == stored
    assert utc_timestamp(written) == stored


BAD_DATETIMES = [
    pytest.param("tomorrow", "is not an ISO 8601 date or datetime", id="words"),
    pytest.param("", "is not an ISO 8601 date or datetime", id="empty"),
    pytest.param("Z", "is not an ISO 8601 date or datetime", id="only-Z"),
    pytest.param(
        "2024-03-01T10:15:30+02:00Z", "is not an ISO 8601 date or datetime", id="offset-and-Z"
    ),
    pytest.param("2024-02-30", "is not an ISO 8601 date or datetime", id="no-such-day"),
    pytest.param("2024-13-01", "is not an ISO 8601 date or datetime", id="month-13"),
    pytest.param("01.03.2024", "is not an ISO 8601 date or datetime", id="european-format"),
    pytest.param("2024-03-01T25:00:00Z", "is not an ISO 8601 date or datetime", id="hour-25"),
    pytest.param("2024-03-01Z", "is not an ISO 8601 date or datetime", id="date-with-Z"),
    pytest.param("20240301T101530Z", "is not an ISO 8601 date or datetime", id="basic-form"),
    pytest.param("2024-W10-5", "is not an ISO 8601 date or datetime", id="week-date"),
    pytest.param("2024-061", "is not an ISO 8601 date or datetime", id="ordinal-date"),
    pytest.param("2024-03-01T10:00+2400", "is not an ISO 8601 date or datetime", id="offset-24h"),
    pytest.param("1899-12-31", "must fall in the years 1900 to 9999", id="year-1899"),
    pytest.param("0001-01-01", "must fall in the years 1900 to 9999", id="year-1"),
    pytest.param(
        "1900-01-01T00:30:00+01:00", "must fall in the years 1900 to 9999", id="1900-local-is-1899"
    ),
]


@pytest.mark.parametrize(("written", "why"), BAD_DATETIMES)
def test_datetime_refusals(process_zone: str, written: str, why: str) -> None:
    with pytest.raises(BadValue) as raised:
        schema_value("datetime", written)
    assert str(raised.value) == f"'{written}' {why}"


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("9999-12-31T23:00:00-05:00", id="9999-local-is-10000-utc"),
        pytest.param("0001-01-01T00:30:00+01:00", id="year-1-local-is-year-0-utc"),
    ],
)
def test_datetime_past_the_calendar_is_refused(process_zone: str, written: str) -> None:
    # Valid ISO 8601 that only leaves the calendar on the shift to UTC: said as the range.
    with pytest.raises(BadValue) as raised:
        schema_value("datetime", written)
    assert str(raised.value) == f"'{written}' must fall in the years 1900 to 9999"


def test_bad_value_is_a_value_error() -> None:
    assert issubclass(BadValue, ValueError)


# --- number ---------------------------------------------------------------------

NUMBERS = [
    pytest.param("42", "42", id="integer"),
    pytest.param("-7", "-7", id="negative"),
    pytest.param("1.50", "1.50", id="trailing-zero-kept"),
    pytest.param("0123", "0123", id="leading-zero-kept"),
    pytest.param("  42 ", "42", id="blanks-trimmed"),
    pytest.param("\t-0.25\n", "-0.25", id="tab-newline-trimmed"),
    pytest.param("0", "0", id="zero"),
]


@pytest.mark.parametrize(("written", "stored"), NUMBERS)
def test_number_is_stored_as_written_trimmed(written: str, stored: str) -> None:
    assert schema_value("number", written) == stored


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("", id="empty"),
        pytest.param("1e3", id="exponent"),
        pytest.param("1.", id="bare-dot-after"),
        pytest.param(".5", id="bare-dot-before"),
        pytest.param("+1", id="plus-sign"),
        pytest.param("1_000", id="underscore"),
        pytest.param("1,5", id="decimal-comma"),
        pytest.param("1 000", id="inner-blank"),
        pytest.param("0x1F", id="hex"),
        pytest.param("\u0663", id="arabic-indic-digit"),
        pytest.param("NaN", id="nan"),
        pytest.param("--1", id="double-minus"),
    ],
)
def test_number_refusals(written: str) -> None:
    with pytest.raises(BadValue) as raised:
        schema_value("number", written)
    assert str(raised.value) == f"'{written}' is not a number"


# --- boolean --------------------------------------------------------------------

BOOLEANS = [
    pytest.param("true", "1", id="true"),
    pytest.param("True", "1", id="True"),
    pytest.param("TRUE", "1", id="TRUE"),
    pytest.param("tRuE", "1", id="tRuE"),
    pytest.param(" true\n", "1", id="true-with-blanks"),
    pytest.param("1", "1", id="one"),
    pytest.param("false", "0", id="false"),
    pytest.param("False", "0", id="False"),
    pytest.param("FALSE", "0", id="FALSE"),
    pytest.param("0", "0", id="zero"),
    pytest.param(" 0 ", "0", id="zero-with-blanks"),
]


@pytest.mark.parametrize(("written", "stored"), BOOLEANS)
def test_boolean_is_stored_as_1_or_0(written: str, stored: str) -> None:
    assert schema_value("boolean", written) == stored


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("yes", id="yes"),
        pytest.param("no", id="no"),
        pytest.param("on", id="on"),
        pytest.param("off", id="off"),
        pytest.param("2", id="two"),
        pytest.param("-1", id="minus-one"),
        pytest.param("", id="empty"),
        pytest.param("t", id="t"),
        pytest.param("01", id="zero-one"),
    ],
)
def test_boolean_refusals(written: str) -> None:
    with pytest.raises(BadValue) as raised:
        schema_value("boolean", written)
    assert str(raised.value) == f"'{written}' is not a boolean (true, false, 1 or 0)"


# --- string, other types, null ----------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "written"),
    [
        pytest.param("string", "Migros", id="string"),
        pytest.param("string", "  Migros AG  ", id="string-blanks-kept"),
        pytest.param("string", "", id="string-empty"),
        pytest.param("string", "TRUE", id="string-flag-like-text-kept"),
        pytest.param("string", "2024-03-01", id="string-date-like-text-kept"),
        pytest.param("string", "0123", id="string-number-like-text-kept"),
        pytest.param("choice", "Whatever", id="unknown-type-as-written"),
    ],
)
def test_strings_are_stored_exactly(field_type: str, written: str) -> None:
    assert schema_value(field_type, written) == written


@pytest.mark.parametrize("field_type", ["string", "datetime", "number", "boolean", "choice"])
def test_null_stays_null(field_type: str) -> None:
    assert schema_value(field_type, None) is None


# --- PrefixWithName ids -------------------------------------------------------------

GENERATED_IDS = [
    pytest.param("dep", "Finance", "dep.finance", id="prefix-gets-a-dot"),
    pytest.param("dep.", "Finance", "dep.finance", id="dotted-prefix-no-second-dot"),
    pytest.param("dep", "Finance 2024", "dep.finance2024", id="digits-kept"),
    pytest.param("dep", "Project 007", "dep.project007", id="leading-zero-digits-kept"),
    pytest.param("dep", "R&D-42 / Team_B", "dep.rd42teamb", id="punctuation-dropped"),
    pytest.param("dep", "Müller Söhne", "dep.mllershne", id="non-ascii-letters-dropped"),
    pytest.param("dep", "Straße 9", "dep.strae9", id="eszett-dropped-not-ss"),
    pytest.param("dep", "WEB Shop", "dep.webshop", id="upper-case-lowered"),
    pytest.param("DEP", "Web", "DEP.web", id="prefix-kept-as-given"),
    pytest.param("org.bu", "Case 1", "org.bu.case1", id="prefix-with-inner-dot"),
    pytest.param(None, "Finance 2024", "finance2024", id="no-prefix"),
    pytest.param("", "Finance", "finance", id="empty-prefix"),
]


@pytest.mark.parametrize(("prefix", "name", "expected"), GENERATED_IDS)
def test_generated_id(prefix: str | None, name: str, expected: str) -> None:
    assert generated_id(prefix, name) == expected


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("!!!", id="punctuation-only"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blanks-only"),
        pytest.param("ÄÖÜ éè", id="non-ascii-letters-only"),
        pytest.param("ß", id="eszett-only"),
    ],
)
def test_generated_id_refuses_a_name_without_alphanumerics(name: str) -> None:
    with pytest.raises(BadValue) as raised:
        generated_id("dep", name)
    why = "has no letters or digits to generate the WorkspaceId from"
    assert str(raised.value) == f"'{name}' {why}"
