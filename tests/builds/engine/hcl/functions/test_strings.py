"""Tests for the string functions, with the examples of Packer's documentation."""

import pytest


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("chomp", ("hello\n",), "hello"),
        ("chomp", ("hello\r\n",), "hello"),
        ("chomp", ("hello\n\n",), "hello"),
        ("chomp", ("hello\nworld",), "hello\nworld"),
        ("indent", (2, "[\n  foo,\n  bar,\n]\n"), "[\n    foo,\n    bar,\n  ]\n  "),
        ("join", (", ", ["foo", "bar", "baz"]), "foo, bar, baz"),
        ("join", (", ", ["foo"]), "foo"),
        ("join", ("-", ["a"], ["b", "c"]), "a-b-c"),
        ("join", ("-", []), ""),
        ("lower", ("HELLO",), "hello"),
        ("lower", ("АЛЛО!",), "алло!"),
        ("upper", ("hello",), "HELLO"),
        ("upper", ("алло!",), "АЛЛО!"),
        ("upper", ("straße",), "STRAßE"),
        ("replace", ("1 + 2 + 3", "+", "-"), "1 - 2 - 3"),
        ("replace", ("hello world", "/w.*d/", "everybody"), "hello world"),
        ("replace", ("ab", "", "-"), "-a-b-"),
        ("split", (",", "foo"), ["foo"]),
        ("split", (",", "foo,bar,baz"), ["foo", "bar", "baz"]),
        ("split", (",", ""), [""]),
        ("split", ("", "abc"), ["a", "b", "c"]),
        ("strrev", ("hello",), "olleh"),
        ("strrev", ("a☃",), "☃a"),
        ("strrev", ("e\u0301x",), "xe\u0301"),
        ("substr", ("hello world", 1, 4), "ello"),
        ("substr", ("🤔🤷", 0, 1), "🤔"),
        ("substr", ("hello world", -5, -1), "world"),
        ("substr", ("hello world", 6, 10), "world"),
        ("substr", ("hello", 5, 1), ""),
        ("substr", ("hello", 1, 0), ""),
        ("substr", ("hello", -3, 0), "llo"),
        ("substr", ("hello", -10, 2), "he"),
        ("title", ("hello world",), "Hello World"),
        ("title", ("hello wORLD foo-bar o'neil",), "Hello WORLD Foo-Bar O'Neil"),
        ("trim", ("?!hello?!", "!?"), "hello"),
        ("trim", ("foobar", "far"), "oob"),
        ("trim", ("   hello! world.!  ", "! "), "hello! world."),
        ("trimprefix", ("helloworld", "hello"), "world"),
        ("trimprefix", ("helloworld", "cat"), "helloworld"),
        ("trimsuffix", ("helloworld", "world"), "hello"),
        ("trimspace", ("  hello\n\n",), "hello"),
        ("trimspace", ("\u00a0 x \u3000",), "x"),
        ("trimspace", ("\x1cx",), "\x1cx"),
        ("startswith", ("hello world", "hello"), True),
        ("startswith", ("hello world", "world"), False),
        ("endswith", ("hello world", "world"), True),
        ("endswith", ("hello world", "hello"), False),
        ("strcontains", ("hello world", "wor"), True),
        ("strcontains", ("hello world", "wod"), False),
        ("sort", (["e", "d", "a", "x"],), ["a", "d", "e", "x"]),
        ("sort", ([3, 11, 2],), ["11", "2", "3"]),
    ],
)
def test_string_functions_compute_as_documented(call, name, args, expected):
    assert call(name, *args) == expected


def test_join_names_the_list_holding_a_null(call_error):
    assert call_error("join", "-", ["a", None]) == (
        'Invalid value for "lists" parameter: element 1 is null; cannot concatenate null values.', 1
    )
    assert call_error("join", "-", ["a"], [None]) == (
        'Invalid value for "lists" parameter: element 0 of list 2 is null; cannot concatenate null values.', 2
    )


def test_join_needs_a_list(call_error):
    assert call_error("join", "-") == ('Call to function "join" failed: at least one list is required.', None)


def test_sort_refuses_null_elements(call_error):
    assert call_error("sort", ["a", None]) == (
        'Call to function "sort" failed: given list element 1 is null; a null string cannot be sorted.', None
    )


def test_substr_wants_whole_numbers(call_error):
    detail, _ = call_error("substr", "hello", 1.5, 1)
    assert "value must be a whole number" in detail


def test_indent_refuses_negative_counts(call_error):
    assert call_error("indent", -1, "a\nb")[0] == 'Call to function "indent" failed: negative Repeat count.'


def test_string_parameter_rejects_collections(call_error):
    assert call_error("split", ",", ["a"]) == ('Invalid value for "str" parameter: string required.', 1)
