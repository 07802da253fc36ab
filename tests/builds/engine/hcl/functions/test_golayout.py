"""Tests for Go reference-time layouts, RFC 3339 parsing and Go durations."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from builds.engine.hcl.functions.golayout import (
    TimestampError,
    go_format,
    parse_duration,
    parse_rfc3339,
    rfc3339,
)

MOMENT = datetime(2009, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("2006-01-02T15:04:05Z07:00", "2009-02-03T04:05:06Z"),
        ("Mon Jan _2 15:04:05 MST 2006", "Tue Feb  3 04:05:06 UTC 2009"),
        ("Monday, January 2, 2006 3:4:5 PM", "Tuesday, February 3, 2009 4:5:6 AM"),
        ("02/01/06 03pm", "03/02/09 04am"),
        ("002 __2", "034  34"),
        ("15:04:05.000", "04:05:06.789"),
        ("15:04:05.999999", "04:05:06.789"),
        ("15:04:05,000000", "04:05:06,789000"),
        ("-0700 -07:00 -07 Z0700", "+0000 +00:00 +00 Z"),
        ("_2006", "_2009"),
        ("literal text", "literal text"),
    ],
)
def test_go_format_reads_reference_layouts(layout, expected):
    assert go_format(MOMENT, layout) == expected


def test_go_format_prints_offsets_of_other_zones():
    moment = datetime(2009, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-8)))
    assert go_format(moment, "Z07:00 -0700 MST") == "-08:00 -0800 -0800"


def test_parse_rfc3339_keeps_the_offset():
    moment = parse_rfc3339("2018-01-02T23:12:01.25+05:30")
    assert moment.utcoffset() == timedelta(hours=5, minutes=30)
    assert rfc3339(moment) == "2018-01-02T23:12:01+05:30"


def test_parse_rfc3339_wants_a_colon_in_the_offset():
    with pytest.raises(TimestampError):
        parse_rfc3339("2018-01-02T23:12:01+0530")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1h30m", 5400), ("-10s", -10), ("1.5h", 5400), ("300ms", 0.3), ("2h45m30.5s", 9930.5), ("1us", 1e-6), ("0", 0)],
)
def test_parse_duration_reads_go_durations(text, seconds):
    assert parse_duration(text).total_seconds() == pytest.approx(seconds)
