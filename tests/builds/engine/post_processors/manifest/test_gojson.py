"""Tests of Go-compatible JSON writing and field lookup for the manifest."""

import json

import pytest

from builds.engine.post_processors.manifest import gojson


@pytest.mark.parametrize("text, expected", [
    ("plain", '"plain"'),
    ('q"b\\', '"q\\"b\\\\"'),
    ("<a>&", '"\\u003ca\\u003e\\u0026"'),
    ("\n\r\t\b\f", '"\\n\\r\\t\\b\\f"'),
    ("\x01\x1f\x7f", '"\\u0001\\u001f\x7f"'),
    ("é漢\u2028\u2029", '"é漢\\u2028\\u2029"'),
    (b"bad\xff".decode("utf-8", "surrogateescape"), '"bad\\ufffd"'),
])
def test_strings_are_quoted_as_go_quotes_them(text, expected):
    assert gojson.quote(text) == expected


def test_marshal_indent_lays_out_nesting_empties_and_nulls_as_go_does():
    value = {"a": [], "b": {}, "c": None, "d": [1, {"e": True}], "f": 2.0, "g": 0.5}
    assert gojson.marshal_indent(value) == (
        '{\n  "a": [],\n  "b": {},\n  "c": null,\n  "d": [\n    1,\n    {\n      "e": true\n    }\n  ],\n'
        '  "f": 2,\n  "g": 0.5\n}')


def test_marshal_indent_output_is_json_python_reads_back():
    value = {"builds": [{"name": "x<y", "files": [{"name": "a", "size": 3}]}], "last_run_uuid": ""}
    assert json.loads(gojson.marshal_indent(value)) == value


def test_marshal_indent_refuses_values_json_cannot_hold():
    with pytest.raises(TypeError, match="cannot write set as JSON"):
        gojson.marshal_indent({"a": {1}})


def test_field_lookup_ignores_case_and_the_last_match_wins():
    assert gojson.field({"Name": "a", "NAME": "b"}, "name") == (True, "b")
    assert gojson.field({"name": None}, "name") == (True, None)
    assert gojson.field({"other": 1}, "name") == (False, None)
