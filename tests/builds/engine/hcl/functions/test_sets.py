"""Tests for the set functions: results are sets, deduplicated and ordered as cty orders them."""

import pytest


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("setintersection", (["a", "b"], ["b", "c"], ["b", "d"]), ["b"]),
        ("setintersection", (["a"],), ["a"]),
        ("setsubtract", (["a", "b", "c"], ["a", "c"]), ["b"]),
        ("setsubtract", (["a", "b", "c"], []), ["a", "b", "c"]),
        ("setunion", (["a", "b"], ["b", "c"], ["d"]), ["a", "b", "c", "d"]),
        ("setunion", (["b", "a"], ["a"]), ["a", "b"]),
        ("setunion", ([3, 1], [2]), [1, 2, 3]),
        ("setunion", ([1], ["a"]), ["1", "a"]),
        ("setunion", ([], ["x"]), ["x"]),
        ("setproduct", (["development", "staging", "production"], ["app1", "app2"]), [
            ["development", "app1"], ["development", "app2"], ["staging", "app1"], ["staging", "app2"],
            ["production", "app1"], ["production", "app2"],
        ]),
        ("setproduct", (["a"], []), []),
        ("setproduct", (["a", 1], [True]), [["a", True], ["1", True]]),
    ],
)
def test_set_functions_compute_as_documented(call, name, args, expected):
    assert call(name, *args) == expected


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("setunion", ([1], [[1]]),
         ('Call to function "setunion" failed: given sets must all have compatible element types.', None)),
        ("setunion", ("x",), ('Invalid value for "first_set" parameter: set of any single type required.', 0)),
        ("setunion", ([1, [1]],), ('Invalid value for "first_set" parameter: all set elements must have the same type.', 0)),
        ("setproduct", ([1],), ('Call to function "setproduct" failed: at least two arguments are required.', None)),
        ("setproduct", ([1], "x"), ('Invalid value for "sets" parameter: a set or a list is required.', 1)),
        ("setproduct", ([1, [2]], [1]), ('Invalid value for "sets" parameter: all elements must be of the same type.', 0)),
    ],
)
def test_set_function_errors_match_cty(call_error, name, args, expected):
    assert call_error(name, *args) == expected
