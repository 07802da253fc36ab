"""Tests for JSON written and read as cty does."""

import math

import pytest

from builds.engine.hcl.functions.gojson import JSONEncodeError, decode, encode, encode_string


def test_encode_sorts_keys_and_writes_compactly():
    assert encode({"b": [1, {"d": None, "c": False}], "a": "x"}) == '{"a":"x","b":[1,{"c":false,"d":null}]}'


def test_encode_writes_numbers_as_plain_decimals():
    assert encode([1e21, 0.5, -3, 1.5e-7]) == "[1000000000000000000000,0.5,-3,0.00000015]"


def test_encode_string_escapes_like_go():
    assert encode_string('<a href="x">&\u2028\x1f\b\f') == '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u2028\\u001f\\b\\f"'


def test_infinity_cannot_be_encoded():
    with pytest.raises(JSONEncodeError):
        encode(math.inf)


def test_decode_keeps_big_integers_exact():
    assert decode("[12345678901234567890123, 0.1]") == [12345678901234567890123, 0.1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "unexpected end of JSON input"),
        ("[1,", "unexpected end of JSON input"),
        ("tru", "invalid character 't' looking for beginning of value"),
        ('{"a" 1}', "invalid character '1' after object key"),
        ("[1 2]", "invalid character '2' after array element"),
        ("{1:2}", "invalid character '1' looking for beginning of object key string"),
        ("Infinity", "invalid character 'I' looking for beginning of value"),
    ],
)
def test_decode_errors_use_go_wording(text, message):
    with pytest.raises(ValueError) as info:
        decode(text)
    assert str(info.value) == message
