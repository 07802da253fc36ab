"""Tests for the date and time functions; the clock is fixed at 2026-11-21T15:04:05.123456Z."""

import re

import pytest

from builds.engine.hcl.functions import FUNCTIONS, FunctionContext
from builds.engine.hcl.functions.dates import strftime_layout


def test_timestamp_is_rfc3339_in_utc(call):
    assert call("timestamp") == "2026-11-21T15:04:05Z"


def test_timestamp_without_a_clock_uses_the_current_time(tmp_path):
    value = FUNCTIONS["timestamp"].call(FunctionContext(cwd=tmp_path), [])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value)


@pytest.mark.parametrize(
    ("spec", "stamp", "expected"),
    [
        ("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z", "02 Jan 2018 23:12 UTC"),
        ("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z", "Tuesday, 02-Jan-18 23:12:01 UTC"),
        ("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00", "Tue, 02 Jan 2018 23:12:01 -0800"),
        ("MMM DD, YYYY", "2018-01-02T23:12:01Z", "Jan 02, 2018"),
        ("HH:mmaa", "2018-01-02T23:12:01Z", "11:12pm"),
        ("h:m:s AA", "2018-01-02T03:04:05Z", "3:4:5 AM"),
        ("M/D MMMM", "2018-01-02T03:04:05Z", "1/2 January"),
        ("Z ZZZZ ZZZZZ", "2018-01-02T03:04:05+05:30", "+05:30 +0530 +05:30"),
        ("Z", "2018-01-02T03:04:05Z", "Z"),
        ("h 'o''clock'", "2018-01-02T11:00:00Z", "11 o'clock"),
        ("'literal: YYYY'", "2018-01-02T11:00:00Z", "literal: YYYY"),
        ("''", "2018-01-02T11:00:00Z", "'"),
        ("YYYY-MM-DD", "2018-01-02T11:00:00.5Z", "2018-01-02"),
    ],
)
def test_formatdate_spec_letters(call, spec, stamp, expected):
    assert call("formatdate", spec, stamp) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("YYY", 'invalid date format verb "YYY": year must either be "YY" or "YYYY"'),
        ("MMMMM", 'invalid date format verb "MMMMM": month must be "M", "MM", "MMM", or "MMMM"'),
        ("A", 'invalid date format verb "A": must be "AA"'),
        ("ZZ", 'invalid date format verb "ZZ": timezone must be Z, ZZZZ, or ZZZZZ'),
        ("x", 'invalid date format verb "x"'),
        ("'open", "unterminated literal '"),
    ],
)
def test_formatdate_rejects_bad_specs(call_error, spec, message):
    assert call_error("formatdate", spec, "2018-01-02T23:12:01Z") == (
        f'Invalid value for "format" parameter: {message}.', 0
    )


@pytest.mark.parametrize(
    ("stamp", "message"),
    [
        ("2018-01-02", "missing required time introducer 'T'"),
        ("2018-01-02T23:12", 'end of string where ":" is expected'),
        ("2018-01-02T23:12:01", "end of string before UTC offset"),
        ("2018-13-02T23:12:01Z", 'cannot use "-02T23:12:01Z" as month'),
        ("2018-02-30T23:12:01Z", "day out of range"),
        ("2018-01-02T25:12:01Z", "hour must be between 0 and 23 inclusive"),
        ("2018-01-02T23:1:01Z", "minute must have exactly two digits"),
        ("18-01-02T23:12:01Z", 'cannot use "18-01-02T23:12:01Z" as year'),
        ("2018/01/02T23:12:01Z", 'found "/01/02T23:12:01Z" where "-" is expected'),
        ("2018-01-02T2:12:01Z", "hour must have exactly two digits"),
    ],
)
def test_formatdate_rejects_bad_timestamps(call_error, stamp, message):
    assert call_error("formatdate", "YYYY", stamp) == (
        f'Invalid value for "time" parameter: not a valid RFC3339 timestamp: {message}.', 1
    )


@pytest.mark.parametrize(
    ("stamp", "duration", "expected"),
    [
        ("2017-11-22T00:00:00Z", "10m", "2017-11-22T00:10:00Z"),
        ("2017-11-22T00:00:00Z", "-1h30m", "2017-11-21T22:30:00Z"),
        ("2017-11-22T00:00:00+01:00", "1.5h", "2017-11-22T01:30:00+01:00"),
        ("2017-11-22T00:00:00Z", "300ms", "2017-11-22T00:00:00Z"),
        ("2017-11-22T00:00:00Z", "0", "2017-11-22T00:00:00Z"),
    ],
)
def test_timeadd_adds_go_durations(call, stamp, duration, expected):
    assert call("timeadd", stamp, duration) == expected


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        ("1d", 'time: unknown unit "d" in duration "1d"'),
        ("10", 'time: missing unit in duration "10"'),
        ("x", 'time: invalid duration "x"'),
        ("", 'time: invalid duration ""'),
    ],
)
def test_timeadd_rejects_bad_durations(call_error, duration, message):
    assert call_error("timeadd", "2017-11-22T00:00:00Z", duration) == (
        f'Call to function "timeadd" failed: {message}.', None
    )


def test_rfc3339_parse_splits_a_timestamp(call):
    assert call("rfc3339_parse", "2023-07-25T23:43:16-04:00") == {
        "day": 25, "hour": 23, "iso_week": 30, "iso_year": 2023, "minute": 43, "month": 7, "month_name": "July",
        "second": 16, "unix": 1690342996, "weekday": 2, "weekday_name": "Tuesday", "year": 2023,
        "year_day": 206,
    }


def test_rfc3339_parse_accepts_a_space_separator(call):
    assert call("rfc3339_parse", "2023-07-25 23:43:16.5Z")["unix"] == 1690328596


def test_rfc3339_parse_rejects_other_text(call_error):
    assert call_error("rfc3339_parse", "yesterday") == (
        'Invalid value for "timestamp" parameter: "yesterday" is not a valid RFC3339 timestamp.', 0
    )


def test_unix_timestamp_parse_gives_utc_parts(call):
    parts = call("unix_timestamp_parse", 1690328596)
    assert parts["rfc3339"] == "2023-07-25T23:43:16Z"
    assert (parts["year"], parts["month"], parts["day"], parts["weekday_name"]) == (2023, 7, 25, "Tuesday")


def test_unix_timestamp_parse_wants_whole_seconds(call_error):
    detail, index = call_error("unix_timestamp_parse", 1.5)
    assert detail.startswith(
        'Invalid value for "unix_timestamp" parameter: unix_timestamp must be a whole number of seconds'
    )
    assert index == 0


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ((), "2026-11-21T15:04:05Z"),
        (("2006-01-02",), "2026-11-21"),
        (("Mon Jan 2 15:04:05 MST 2006",), "Sat Nov 21 15:04:05 UTC 2026"),
        (("01/02/06 03:04PM .000",), "11/21/26 03:04PM .123"),
    ],
)
def test_legacy_isotime_formats_with_go_layouts(call, layout, expected):
    assert call("legacy_isotime", *layout) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("%Y-%m-%d %H:%M:%S", "2026-11-21 15:04:05"),
        ("%A %B %d %I%p %Z %z", "Saturday November 21 03PM UTC +0000"),
        ("abc%Y", "Satbc2026"),
        ("%q", "%q"),
    ],
)
def test_legacy_strftime_translates_through_go_layouts(call, spec, expected):
    assert call("legacy_strftime", spec) == expected


def test_strftime_layout_keeps_unknown_directives():
    assert strftime_layout("%Y/%Q") == "2006/%Q"


def test_legacy_functions_take_one_format_at_most(call_error):
    assert call_error("legacy_isotime", "a", "b") == (
        'Call to function "legacy_isotime" failed: too many values, 1 needed: [cty.StringVal("a") cty.StringVal("b")].',
        None,
    )
