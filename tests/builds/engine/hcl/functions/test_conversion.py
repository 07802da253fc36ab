"""Tests for the type conversion functions and the convert helper."""

import pytest

from builds.engine.hcl.functions import FunctionError, convert_value
from builds.engine.hcl.types import NUMBER, List, Object


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("tobool", "true", True),
        ("tobool", False, False),
        ("tobool", None, None),
        ("tonumber", "1", 1),
        ("tonumber", "1.5e1", 15),
        ("tonumber", None, None),
        ("tostring", 1, "1"),
        ("tostring", True, "true"),
        ("tostring", "hello", "hello"),
        ("tolist", ["a", "b", 3], ["a", "b", "3"]),
        ("toset", ["c", "b", "b"], ["b", "c"]),
        ("tomap", {"a": 1, "b": "x"}, {"a": "1", "b": "x"}),
    ],
)
def test_to_functions_convert(call, name, value, expected):
    assert call(name, value) == expected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("tobool", "yes", 'cannot convert "yes" to bool; only the strings "true" or "false" are allowed'),
        ("tobool", 1, "cannot convert number to bool"),
        ("tonumber", "no", 'cannot convert "no" to number; given string must be a decimal representation of a number'),
        ("tostring", [1], "cannot convert tuple to string"),
        ("tolist", ["a", [1]], "cannot convert tuple to list of any single type"),
        ("tomap", "x", "cannot convert string to map of any single type"),
    ],
)
def test_to_functions_explain_impossible_conversions(call_error, name, value, message):
    assert call_error(name, value) == (f'Invalid value for "v" parameter: {message}.', 0)


def test_convert_value_converts_to_a_type_object():
    assert convert_value(["1", 2], List(NUMBER)) == [1, 2]


def test_convert_value_fails_on_the_value_argument():
    with pytest.raises(FunctionError) as info:
        convert_value({"a": 1}, Object({"b": NUMBER}))
    assert info.value.detail == 'Invalid value for "value" parameter: attribute "b" is required.'
    assert info.value.arg_index == 0
