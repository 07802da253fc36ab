"""Tests for the encoding functions: base64, gzip, CSV, JSON, YAML, URL and text encodings."""

import base64
import gzip

import pytest

from builds.engine.hcl.values import UNKNOWN


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("base64encode", ("Hello World",), "SGVsbG8gV29ybGQ="),
        ("base64decode", ("SGVsbG8gV29ybGQ=",), "Hello World"),
        ("base64decode", ("SGVs\nbG8=",), "Hello"),
        ("urlencode", ("Hello World!",), "Hello+World%21"),
        ("urlencode", ("☃",), "%E2%98%83"),
        ("urlencode", ("foo:bar@localhost?foo=bar&bar=baz",), "foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz"),
        ("urlencode", ("a-b_c.d~e",), "a-b_c.d~e"),
        ("csvdecode", ("a,b,c\n1,2,3\n4,5,6",), [{"a": "1", "b": "2", "c": "3"}, {"a": "4", "b": "5", "c": "6"}]),
        ("csvdecode", ('a,b\n"x, y","say ""hi"""\n\n',), [{"a": "x, y", "b": 'say "hi"'}]),
        ("csvdecode", ("a,b\n",), []),
        ("jsonencode", ({"hello": "world"},), '{"hello":"world"}'),
        ("jsonencode", ({"b": [1, 2.5, True, None], "a": "<&>"},), '{"a":"\\u003c\\u0026\\u003e","b":[1,2.5,true,null]}'),
        ("jsonencode", (None,), "null"),
        ("jsonencode", (1e21,), "1000000000000000000000"),
        ("jsonencode", ("tab\there\x01",), '"tab\\there\\u0001"'),
        ("jsondecode", ('{"hello": "world"}',), {"hello": "world"}),
        ("jsondecode", ("true",), True),
        ("jsondecode", ('[1, 2.5, 1e3, null, "x"]',), [1, 2.5, 1000, None, "x"]),
        ("jsondecode", ("123456789012345678901234567890",), 123456789012345678901234567890),
        ("yamldecode", ("hello: world",), {"hello": "world"}),
        ("yamldecode", ("true",), True),
        ("yamldecode", ("{a: &a [1, 2], b: *a}",), {"a": [1, 2], "b": [1, 2]}),
        ("yamldecode", ("- yes\n- 'yes'\n- 0x1F\n- 0o17\n- 1e3\n- ~\n- 2006-01-02\n- 1_000",),
         [True, "yes", 31, 15, 1000, None, "2006-01-02T00:00:00Z", "1_000"]),
        ("yamldecode", ("y: 1\nn: 2",), {"true": 1, "false": 2}),
        ("yamldecode", ("base: &b {u: 1, v: 2}\nd:\n  <<: *b\n  v: 3",), {"base": {"u": 1, "v": 2}, "d": {"u": 1, "v": 3}}),
        ("yamlencode", ({"a": "b", "c": [1, 2]},), '"a": "b"\n"c":\n- 1\n- 2\n'),
        ("yamlencode", ("x",), '"x"\n'),
        ("yamlencode", (None,), "null\n...\n"),
        ("textencodebase64", ("Hello World", "UTF-16LE"), "SABlAGwAbABvACAAVwBvAHIAbABkAA=="),
        ("textencodebase64", ("é", "ISO-8859-1"), "6Q=="),
        ("textencodebase64", ("a", "UTF-16"), "/v8AYQ=="),
        ("textdecodebase64", ("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE"), "Hello World"),
        ("textdecodebase64", ("6Q==", "windows-1252"), "é"),
    ],
)
def test_encoding_functions_compute_as_documented(call, name, args, expected):
    assert call(name, *args) == expected


def test_base64gzip_is_gzip_of_the_utf8_bytes(call):
    data = base64.b64decode(call("base64gzip", "test ☃"))
    assert data[:4] == b"\x1f\x8b\x08\x00"
    assert gzip.decompress(data) == "test ☃".encode()


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("base64decode", ("x",), ("Call to function \"base64decode\" failed: failed to decode base64 data 'x'.", None)),
        ("base64decode", ("/w==",), (
            'Call to function "base64decode" failed: the result of decoding the the provided string is not valid UTF-8.',
            None,
        )),
        ("csvdecode", ("",), ('Call to function "csvdecode" failed: missing header line.', None)),
        ("csvdecode", ("a,b\n1",), ('Call to function "csvdecode" failed: CSV parse error on line 2: wrong number of fields.', None)),
        ("csvdecode", ("a,a\n1,2",), ('Call to function "csvdecode" failed: duplicate column name "a".', None)),
        ("jsondecode", ("x",), ("Call to function \"jsondecode\" failed: invalid character 'x' looking for beginning of value.", None)),
        ("jsondecode", ("{",), ('Call to function "jsondecode" failed: unexpected end of JSON input.', None)),
        ("jsondecode", ("1 2",), ("Call to function \"jsondecode\" failed: invalid character '2' after top-level value.", None)),
        ("jsondecode", ('{"a":1,"a":2}',), ('Call to function "jsondecode" failed: duplicate "a" property in JSON object.', None)),
        ("jsonencode", (float("inf"),), ('Call to function "jsonencode" failed: cannot serialize infinity as JSON.', None)),
        ("yamldecode", ("",), ('Call to function "yamldecode" failed: on line 2, column 1: missing start of document.', None)),
        ("yamldecode", ("a: b\n---\nc: d",), (
            'Call to function "yamldecode" failed: on line 2, column 1: unexpected extra content after value.', None
        )),
        ("yamldecode", ("a: *b",), ('Call to function "yamldecode" failed: on line 1, column 4: reference to undefined anchor "b".', None)),
        ("yamldecode", ("x: .nan",), ('Call to function "yamldecode" failed: on line 1, column 4: floating point NaN is not supported.', None)),
        ("yamldecode", ("[1]: x",), ('Call to function "yamldecode" failed: on line 1, column 1: only strings are allowed as mapping keys.', None)),
        ("textencodebase64", ("a", "nope"), ('Invalid value for "encoding" parameter: "nope" is not a supported IANA encoding name or alias.', 1)),
        ("textencodebase64", ("☃", "ISO-8859-1"), (
            'Invalid value for "string" parameter: the given string contains characters that cannot be represented in ISO-8859-1.',
            0,
        )),
        ("textdecodebase64", ("!!", "UTF-8"), ('Invalid value for "source" parameter: the given value is has an invalid base64 symbol at offset 0.', 0)),
        ("textdecodebase64", ("/w==", "UTF-8"), (
            'Invalid value for "source" parameter: the given string contains symbols that are not defined for UTF-8.', 0
        )),
    ],
)
def test_encoding_function_errors_match_packer(call_error, name, args, expected):
    assert call_error(name, *args) == expected


def test_encoders_of_unknown_values_are_unknown(call):
    assert call("jsonencode", {"a": UNKNOWN}) is UNKNOWN
    assert call("yamlencode", [UNKNOWN]) is UNKNOWN
