"""Tests for Go-style durations: parsing what Packer's arguments accept and printing what Go prints."""

import pytest

from builds.engine.durations import format_duration, parse_duration


@pytest.mark.parametrize(("text", "seconds"), [
    ("0", 0.0),
    ("-0", 0.0),
    ("5s", 5.0),
    ("+5s", 5.0),
    ("250ms", 0.25),
    ("1h30m", 5400.0),
    ("1.5h", 5400.0),
    ("1m30.5s", 90.5),
    ("2h45m10s", 9910.0),
    (".5s", 0.5),
    ("5.s", 5.0),
    ("-1m", -60.0),
    ("1us", 1e-6),
    ("1µs", 1e-6),
    ("1μs", 1e-6),
    ("100ns", 1e-7),
    ("1h1h", 7200.0),
    ("10m0s", 600.0),
])
def test_parse_duration_accepts_what_go_accepts(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "-", "s", "5x", "1d", "1e3s", "abc", "5 s", "--5s", "5s-"])
def test_parse_duration_rejects_invalid_durations_quoting_them(text):
    with pytest.raises(ValueError, match=f'invalid duration "{text}"'):
        parse_duration(text)


@pytest.mark.parametrize("text", ["5", "1m5", "00", "1.5"])
def test_parse_duration_reports_a_missing_unit(text):
    with pytest.raises(ValueError, match=f'missing unit in duration "{text}"'):
        parse_duration(text)


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"),
    (1, "1s"),
    (1.5, "1.5s"),
    (12.3456789, "12.3456789s"),
    (60, "1m0s"),
    (90, "1m30s"),
    (3600, "1h0m0s"),
    (5400.5, "1h30m0.5s"),
    (100000, "27h46m40s"),
    (0.25, "250ms"),
    (0.0015, "1.5ms"),
    (0.0000015, "1.5µs"),
    (0.000001, "1µs"),
    (5e-7, "500ns"),
    (-90, "-1m30s"),
    (-0.25, "-250ms"),
])
def test_format_duration_prints_what_go_prints(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("text", ["1h30m0s", "5m0s", "1.5s", "250ms", "2h0m0.001s", "1.5µs"])
def test_formatting_a_parsed_duration_gives_back_gos_canonical_text(text):
    assert format_duration(parse_duration(text)) == text
