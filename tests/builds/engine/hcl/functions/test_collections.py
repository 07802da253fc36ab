"""Tests for the collection functions, with the examples of Packer's documentation."""

import pytest

from builds.engine.hcl.values import UNKNOWN


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("alltrue", (["true", True],), True),
        ("alltrue", ([True, False],), False),
        ("alltrue", ([],), True),
        ("anytrue", (["true"],), True),
        ("anytrue", ([True, False],), True),
        ("anytrue", ([],), False),
        ("chunklist", (["a", "b", "c", "d", "e"], 2), [["a", "b"], ["c", "d"], ["e"]]),
        ("chunklist", (["a", "b", "c", "d", "e"], 1), [["a"], ["b"], ["c"], ["d"], ["e"]]),
        ("chunklist", (["a", "b"], 0), [["a", "b"]]),
        ("chunklist", ([], 3), []),
        ("coalesce", ("a", "b"), "a"),
        ("coalesce", ("", "b"), "b"),
        ("coalesce", (1, 2), 1),
        ("coalesce", (None, 1, "a"), "1"),
        ("coalescelist", (["a", "b"], ["c", "d"]), ["a", "b"]),
        ("coalescelist", ([], ["c", "d"]), ["c", "d"]),
        ("coalescelist", (None, ["c"]), ["c"]),
        ("compact", (["a", "", "b", None, "c"],), ["a", "b", "c"]),
        ("concat", (["a", ""], ["b", "c"]), ["a", "", "b", "c"]),
        ("contains", (["a", "b", "c"], "a"), True),
        ("contains", (["a", "b", "c"], "d"), False),
        ("contains", ([1, 2], "1"), False),
        ("contains", ([[1], {"a": True}], {"a": True}), True),
        ("distinct", (["a", "b", "a", "c", "d", "b"],), ["a", "b", "c", "d"]),
        ("distinct", ([1, "1"],), ["1"]),
        ("element", (["a", "b", "c"], 1), "b"),
        ("element", (["a", "b", "c"], 3), "a"),
        ("element", (["a", "b", "c"], 2.0), "c"),
        ("flatten", ([["a", "b"], [], ["c"]],), ["a", "b", "c"]),
        ("flatten", ([[["a", "b"], []], ["c"]],), ["a", "b", "c"]),
        ("flatten", ([None, [None]],), [None, None]),
        ("index", (["a", "b", "c"], "b"), 1),
        ("index", ([1, 2], 2.0), 1),
        ("keys", ({"a": 1, "c": 2, "d": 3},), ["a", "c", "d"]),
        ("keys", ({},), []),
        ("length", ([],), 0),
        ("length", (["a", "b"],), 2),
        ("length", ({"a": "b"},), 1),
        ("length", ("hello",), 5),
        ("length", ("👾🕹️",), 2),
        ("lookup", ({"a": "ay", "b": "bee"}, "a", "what?"), "ay"),
        ("lookup", ({"a": "ay", "b": "bee"}, "c", "what?"), "what?"),
        ("merge", ({"a": "b", "c": "d"}, {"e": "f", "c": "z"}), {"a": "b", "c": "z", "e": "f"}),
        ("merge", ({"a": "b"}, {"a": [1, 2], "c": "z"}, {"d": 3}), {"a": [1, 2], "c": "z", "d": 3}),
        ("merge", ({"a": 1}, None), {"a": 1}),
        ("merge", (), {}),
        ("one", ([],), None),
        ("one", (["hello"],), "hello"),
        ("range", (3,), [0, 1, 2]),
        ("range", (1, 4), [1, 2, 3]),
        ("range", (1, 8, 2), [1, 3, 5, 7]),
        ("range", (1, 4, 0.5), [1, 1.5, 2, 2.5, 3, 3.5]),
        ("range", (4, 1), [4, 3, 2]),
        ("range", (10, 5, -2), [10, 8, 6]),
        ("range", (-3,), [0, -1, -2]),
        ("range", (1, 0.5, -0.1), [1, 0.9, 0.8, 0.7, 0.6]),
        ("range", (0,), []),
        ("reverse", ([1, 2, 3],), [3, 2, 1]),
        ("slice", (["a", "b", "c", "d"], 1, 3), ["b", "c"]),
        ("slice", (["a"], 1, 1), []),
        ("transpose", ({"a": ["1", "2"], "b": ["2", "3"]},), {"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
        ("values", ({"a": 3, "c": 2, "d": 1},), [3, 2, 1]),
        ("zipmap", (["a", "b"], [1, 2]), {"a": 1, "b": 2}),
        ("zipmap", (["a", "b"], [[1], {"x": 2}]), {"a": [1], "b": {"x": 2}}),
    ],
)
def test_collection_functions_compute_as_documented(call, name, args, expected):
    assert call(name, *args) == expected


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("chunklist", ([1], -1), ('Call to function "chunklist" failed: the size argument must be positive.', None)),
        ("coalesce", (None, None),
         ('Call to function "coalesce" failed: no non-null, non-empty-string arguments.', None)),
        ("coalesce", ([1], "a"), ('Call to function "coalesce" failed: all arguments must have the same type.', None)),
        ("coalescelist", ("x",),
         ('Call to function "coalescelist" failed: coalescelist arguments must be lists or tuples.', None)),
        ("coalescelist", ([], []), ('Call to function "coalescelist" failed: no non-null arguments.', None)),
        ("coalescelist", (), ('Call to function "coalescelist" failed: at least one argument is required.', None)),
        ("concat", (["a"], "b"),
         ('Invalid value for "seqs" parameter: all arguments must be lists or tuples; got string.', 1)),
        ("concat", (), ('Call to function "concat" failed: at least one argument is required.', None)),
        ("contains", ("abc", "a"), ('Call to function "contains" failed: argument must be list, tuple, or set.', None)),
        ("element", (["a"], -1),
         ('Call to function "element" failed: cannot use element function with a negative index.', None)),
        ("element", ("abc", 1), ('Call to function "element" failed: cannot read elements from string.', None)),
        ("element", ({"a": 1}, 0), ('Call to function "element" failed: cannot read elements from object.', None)),
        ("element", ([], 0),
         ('Call to function "element" failed: cannot use element function with an empty list.', None)),
        ("flatten", ("x",), ('Call to function "flatten" failed: can only flatten lists, sets and tuples.', None)),
        ("index", (["a"], "z"), ('Call to function "index" failed: item not found.', None)),
        ("index", ([], "z"), ('Call to function "index" failed: cannot search an empty list.', None)),
        ("index", ({"a": 1}, 1), ('Call to function "index" failed: argument must be a list or tuple.', None)),
        ("keys", ("a",), ('Invalid value for "inputMap" parameter: must have map or object type.', 0)),
        ("length", (5,), (
            'Call to function "length" failed: argument must be a string, a collection type, or a structural type.',
            None,
        )),
        ("lookup", ([1], "a", 1),
         ('Invalid value for "inputMap" parameter: lookup() requires a map as the first argument.', 0)),
        ("merge", ({"a": 1}, "x"),
         ('Call to function "merge" failed: arguments must be maps or objects, got "string".', None)),
        ("one", (["a", "b"],), (
            'Invalid value for "list" parameter: must be a list, set, or tuple value with either zero or one elements.',
            0,
        )),
        ("range", (0, 2000), (
            'Call to function "range" failed: more than 1024 values were generated; either decrease the '
            "difference between start and end or use a smaller step.",
            None,
        )),
        ("range", (1, 0, 1),
         ('Invalid value for "params" parameter: end must be greater than start when step is positive.', 1)),
        ("range", (0, 1, -1),
         ('Invalid value for "params" parameter: end must be less than start when step is negative.', 1)),
        ("range", (1, 2, 0), ('Invalid value for "params" parameter: step must not be zero.', 2)),
        ("range", (), ('Call to function "range" failed: must have one, two, or three arguments.', None)),
        ("reverse", ("x",),
         ('Invalid value for "list" parameter: can only reverse list or tuple values, not string.', 0)),
        ("slice", (["a"], 2, 3), (
            'Invalid value for "start_index" parameter: start index must not be greater than the length of the list.',
            1,
        )),
        ("slice", (["a"], 1, 0),
         ('Invalid value for "start_index" parameter: start index must not be greater than end index.', 1)),
        ("slice", (["a"], 0, 2), (
            'Invalid value for "end_index" parameter: end index must not be greater than the length of the list.', 2
        )),
        ("slice", (["a"], -1, 0),
         ('Invalid value for "start_index" parameter: start index must not be less than zero.', 1)),
        ("slice", ("a", 0, 0), ('Invalid value for "list" parameter: must be a list or tuple value.', 0)),
        ("values", ([1],), ('Call to function "values" failed: values() requires a map as the first argument.', None)),
        ("zipmap", (["a", "b"], [1]),
         ('Call to function "zipmap" failed: number of keys (2) does not match number of values (1).', None)),
        ("zipmap", (["a"], "x"), ('Call to function "zipmap" failed: values argument must be a list or tuple value.', None)),
        ("zipmap", ([None], [1]), ('Call to function "zipmap" failed: keys list has null value at index 0.', None)),
        ("transpose", ({"a": [None]},), ('Call to function "transpose" failed: input must not contain null string.', None)),
        ("alltrue", (["maybe"],), ('Invalid value for "list" parameter: a bool is required.', 0)),
    ],
)
def test_collection_function_errors_match_cty(call_error, name, args, expected):
    assert call_error(name, *args) == expected


def test_anytrue_with_unknown_and_no_true_is_unknown(call):
    assert call("anytrue", [False, UNKNOWN]) is UNKNOWN
    assert call("anytrue", [True, UNKNOWN]) is True


def test_alltrue_with_unknown_is_unknown(call):
    assert call("alltrue", [True, UNKNOWN]) is UNKNOWN


def test_coalesce_with_unknown_first_is_unknown(call):
    assert call("coalesce", UNKNOWN, "a") is UNKNOWN


def test_length_counts_elements_even_when_some_are_unknown(call):
    assert call("length", [UNKNOWN, 1]) == 2
    assert call("length", UNKNOWN) is UNKNOWN
