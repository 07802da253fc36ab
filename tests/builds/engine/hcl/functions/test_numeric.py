"""Tests for the numeric functions, with the examples of Packer's documentation."""

import math

import pytest


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("abs", (23,), 23),
        ("abs", (0,), 0),
        ("abs", (-12.4,), 12.4),
        ("ceil", (5,), 5),
        ("ceil", (5.1,), 6),
        ("floor", (5,), 5),
        ("floor", (4.9,), 4),
        ("floor", (-4.1,), -5),
        ("log", (50, 10), pytest.approx(1.6989700043360185)),
        ("log", (16, 2), 4),
        ("log", (1, 10), 0),
        ("max", (12, 54, 3), 54),
        ("max", (1, "7.5"), 7.5),
        ("min", (12, 54, 3), 3),
        ("parseint", ("100", 10), 100),
        ("parseint", ("FF", 16), 255),
        ("parseint", ("-10", 16), -16),
        ("parseint", ("1011111011101111", 2), 48879),
        ("parseint", ("aA", 62), 10 * 62 + 36),
        ("parseint", ("+7", 8), 7),
        ("pow", (3, 2), 9),
        ("pow", (4, 0), 1),
        ("pow", (2, 0.5), pytest.approx(math.sqrt(2))),
        ("signum", (-13,), -1),
        ("signum", (0,), 0),
        ("signum", (344,), 1),
        ("sum", ([10, 13, 6, 4.5],), 33.5),
        ("sum", (["1", 2],), 3),
    ],
)
def test_numeric_functions_compute_as_documented(call, name, args, expected):
    assert call(name, *args) == expected


def test_ceil_and_floor_keep_infinity(call):
    assert call("ceil", math.inf) == math.inf
    assert call("floor", -math.inf) == -math.inf


def test_log_of_zero_is_negative_infinity(call):
    assert call("log", 0, 10) == -math.inf


def test_log_of_negative_number_is_an_error(call_error):
    assert call_error("log", -1, 10) == ('Call to function "log" failed: the logarithm is not a number (NaN).', None)


def test_pow_overflow_is_infinite(call):
    assert call("pow", 10.0, 400) == math.inf


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("12", 1), ('Invalid value for "base" parameter: base must be a whole number between 2 and 62 inclusive.', 1)),
        (("12", 63), ('Invalid value for "base" parameter: base must be a whole number between 2 and 62 inclusive.', 1)),
        (("FG", 16), ('Invalid value for "number" parameter: cannot parse "FG" as a base 16 integer.', 0)),
        (("", 10), ('Invalid value for "number" parameter: cannot parse "" as a base 10 integer.', 0)),
        ((12, 10), ('Invalid value for "number" parameter: first argument must be a string, not number.', 0)),
    ],
)
def test_parseint_errors_name_the_argument(call_error, args, expected):
    assert call_error("parseint", *args) == expected


def test_max_needs_a_number(call_error):
    assert call_error("max") == ('Call to function "max" failed: must pass at least one number.', None)
    assert call_error("min") == ('Call to function "min" failed: must pass at least one number.', None)


def test_signum_wants_a_whole_number(call_error):
    detail, index = call_error("signum", 0.5)
    assert detail.startswith('Call to function "signum" failed: value must be a whole number, between ')
    assert index is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "cannot sum an empty list"),
        ("abc", "cannot sum noniterable"),
        ({"a": 1}, "argument must be list, set, or tuple. Received object"),
        ([1, "x"], "argument must be list, set, or tuple of number values"),
        ([1, None], "argument must be list, set, or tuple of number values"),
    ],
)
def test_sum_rejects_what_it_cannot_add(call_error, value, message):
    assert call_error("sum", value) == (f'Invalid value for "list" parameter: {message}.', 0)


def test_sum_of_opposing_infinities_fails(call_error):
    assert call_error("sum", [math.inf, -math.inf]) == (
        'Call to function "sum" failed: can\'t compute sum of opposing infinities.', None
    )
