"""Tests for YAML encoding and decoding: output byte for byte as go-cty-yaml (checked against Terraform)."""

import math

import pytest

from builds.engine.hcl.functions.yamlcodec import YAMLError, decode, encode, resolve_scalar

LONG = "this is a rather long string with spaces that should go past the eighty column limit of the emitter for sure"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (
            {"a": "b", "c": [1, 2], "d": {"e": True, "f": None}, "g": [], "h": {}, "i": "line1\nline2\n",
             "j": "line1\nline2", "k": [{"x": 1, "y": [3]}, [4, 5]], "l": "x: y # z", "m": "é\x01\t", "n": 1.5e30,
             "o": ["a\nb"]},
            '"a": "b"\n"c":\n- 1\n- 2\n"d":\n  "e": true\n  "f": null\n"g": []\n"h": {}\n"i": |\n  line1\n  line2\n'
            '"j": |-\n  line1\n  line2\n"k":\n- "x": 1\n  "y":\n  - 3\n- - 4\n  - 5\n"l": "x: y # z"\n'
            '"m": "é\\x01\\t"\n"n": 1500000000000000000000000000000\n"o":\n- |-\n  a\n  b\n',
        ),
        (LONG, '"this is a rather long string with spaces that should go past the eighty column limit\n'
               '  of the emitter for sure"\n'),
        (["  lead", "trail  \n", "\nlead newline", "a\n\nb\n\n", " x\ny", "a\tb\nc", "é\n", "a\r\nb"],
         '- "  lead"\n- "trail  \\n"\n- |2-\n\n  lead newline\n- |+\n  a\n\n  b\n\n- |2-\n   x\n  y\n'
         '- "a\\tb\\nc"\n- |\n  é\n- "a\\r\\nb"\n'),
        ({"a b": "c", "1": 2, "": 3, "k\nz": 4}, '"": 3\n"1": 2\n"a b": "c"\n? |-\n  k\n  z\n: 4\n'),
        ([[], {}, [[1]], ["true", "a'b", 'a"b']], '- []\n- {}\n- - - 1\n- - "true"\n  - "a\'b"\n  - "a\\"b"\n'),
        (1, "1\n...\n"),
        (True, "true\n...\n"),
        ("a\n\n", "|+\n  a\n\n"),
        ("\U0001F600 \x85 \xa0 \ufeff", '"\\U0001F600 \\N \xa0 \\uFEFF"\n'),
        ({"a": {"b": {"c": LONG + " and then some more words to wrap twice or more"}}},
         '"a":\n  "b":\n    "c": "this is a rather long string with spaces that should go past the eighty\n'
         '      column limit of the emitter for sure and then some more words to wrap twice\n      or more"\n'),
    ],
)
def test_encode_matches_go_cty_yaml(value, text):
    assert encode(value) == text


@pytest.mark.parametrize(
    ("text", "style_plain", "value"),
    [
        ("yes", True, True),
        ("Off", True, False),
        ("yes", False, "yes"),
        ("-.inf", True, -math.inf),
        ("+12", True, 12),
        ("0777", True, 777),
        ("12e3", True, 12000),
        ("2001-12-14t21:59:43.10-05:00", True, "2001-12-14T21:59:43-05:00"),
        ("2001-12-14 21:59:43.10", True, "2001-12-14T21:59:43Z"),
        ("hello", True, "hello"),
    ],
)
def test_plain_scalars_resolve_as_yaml_1_1(text, style_plain, value):
    assert resolve_scalar("", text, style_plain) == value


def test_explicit_tags_override_resolution_but_quotes_keep_strings():
    assert decode('- !!str 1\n- !!int "2"\n- !!float 3') == ["1", "2", 3]


def test_bad_explicit_tag_value_is_reported():
    with pytest.raises(YAMLError) as info:
        decode("!!bool maybe")
    assert str(info.value) == 'on line 1, column 1: cannot parse "maybe" as tag:yaml.org,2002:bool'


def test_anchor_used_inside_itself_is_rejected():
    with pytest.raises(YAMLError) as info:
        decode("a: &x [*x]")
    assert "cannot refer to anchor" in str(info.value)
