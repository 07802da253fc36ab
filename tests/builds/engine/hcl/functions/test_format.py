"""Tests for format and formatlist, checked against Terraform's cty implementation."""

import math

import pytest

from builds.engine.hcl.values import UNKNOWN


@pytest.mark.parametrize(
    ("spec", "args", "expected"),
    [
        ("Hello, %s!", ("Ander",), "Hello, Ander!"),
        ("There are %d lights", (4,), "There are 4 lights"),
        ("%v|%v|%v|%v|%v", (123456789, 1000000, 100000, 0.0001, 0.00001),
         "1.23456789e+08|1e+06|100000|0.0001|1e-05"),
        ("%g|%e|%f|%.2g|%G", (0.5, 1234.5678, 1e21, 1234.0, 1e-7),
         "0.5|1.234568e+03|1000000000000000000000.000000|1.2e+03|1E-07"),
        ("%10.3f|%-10.1e|", (3.14159, 31415.9), "     3.142|3.1e+04   |"),
        ("%+d|% d|%05d|%x|%o|%b", (5, 5, -42, -255, 8, 5), "+5| 5|-0042|-ff|10|101"),
        ("%#x|%#o|%X|%.3d", (255, 8, 3054, 7), "0xff|010|BEE|007"),
        ("%#v|%#v|%v|%q", ("a", 1, True, "x\ny<&>"), '"a"|1|true|"x\\ny\\u003c\\u0026\\u003e"'),
        ("%.3s|%5s|%-5s|%05s|%v", ("héllo", "ab", "ab", "ab", 1.5), "hél|   ab|ab   |000ab|1.5"),
        ("%.0f|%.1f|%5.1f%%|%e|%g|%g", (2.5, 0.05, 99.44, 0, 100000, 1000000), "2|0.1| 99.4%|0.000000e+00|100000|1e+06"),
        ("%[2]s %[1]s %s", ("a", "b"), "b a b"),
        ("%t %t", (True, "false"), "true false"),
        ("%v", ({"b": 1, "a": [True, None]},), '{"a":[true,null],"b":1}'),
        ("%v", (None,), "null"),
        ("%s", (1e21,), "1000000000000000000000"),
        ("%d", ("12",), "12"),
        ("%08.3f", (-3.14159,), "-003.142"),
        ("%f", (math.inf,), "+Inf"),
        ("100%%", (), "100%"),
    ],
)
def test_format_matches_cty(call, spec, args, expected):
    assert call("format", spec, *args) == expected


@pytest.mark.parametrize(
    ("spec", "args", "message", "index"),
    [
        ("%d", (1.5,), 'unsupported value for "%d" at 0: an integer is required', None),
        ("%s", ([1],), 'unsupported value for "%s" at 0: string required', None),
        ("%z", (1,), "unsupported format verb 'z' in \"%z\" at offset 0", None),
        ("%", (1,), "invalid format string starting at offset 1", None),
        ("%!", (), "unrecognized format character '!' at offset 1", None),
        ("%d %d", (1,), 'not enough arguments for "%d" at 3: need index 2 but have 1 total', None),
        ("%s", (None,), 'unsupported value for "%s" at 0: null value cannot be formatted', None),
        ("%t", ("yes",), 'unsupported value for "%t" at 0: a bool is required', None),
    ],
)
def test_format_failures_say_where(call_error, spec, args, message, index):
    assert call_error("format", spec, *args) == (f'Call to function "format" failed: {message}.', index)


def test_surplus_format_arguments_point_at_the_first_unused(call_error):
    assert call_error("format", "abc", 1) == (
        'Invalid value for "args" parameter: too many arguments; no verbs in format string.', 1
    )
    assert call_error("format", "%s", 1, 2) == (
        'Invalid value for "args" parameter: too many arguments; only 1 used by format string.', 2
    )


def test_format_with_unknown_argument_is_unknown(call):
    assert call("format", "%s", UNKNOWN) is UNKNOWN


def test_formatlist_iterates_over_list_arguments(call):
    assert call("formatlist", "Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"]) == [
        "Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!",
    ]
    assert call("formatlist", "%s, %s!", "Salutations", ["Valentina", "Ander"]) == [
        "Salutations, Valentina!", "Salutations, Ander!",
    ]


def test_formatlist_without_lists_formats_once(call):
    assert call("formatlist", "%s", "a") == ["a"]
    assert call("formatlist", "x") == ["x"]


def test_formatlist_with_an_empty_list_is_empty(call):
    assert call("formatlist", "%s", []) == []


def test_formatlist_lists_must_have_one_length(call_error):
    assert call_error("formatlist", "%s %s", ["a"], ["b", "c"]) == (
        'Invalid value for "args" parameter: argument 2 has length 2, which is inconsistent with '
        "argument 1 of length 1.",
        2,
    )


def test_formatlist_error_names_the_iteration(call_error):
    assert call_error("formatlist", "%d", [1, "x"]) == (
        'Call to function "formatlist" failed: error on format iteration 1: unsupported value for "%d" '
        "at 0: a number is required.",
        None,
    )
