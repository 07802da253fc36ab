"""Tests for doublestar-style path patterns."""

import pytest

from builds.engine.hcl.functions.globbing import expand_braces, segment_regex


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("a", ["a"]),
        ("{a,b}", ["a", "b"]),
        ("x{a,b}y{1,2}", ["xay1", "xay2", "xby1", "xby2"]),
        ("{a,{b,c}}", ["a", "b", "c"]),
        ("{a\\,b,c}", ["a\\,b", "c"]),
        ("{}", [""]),
    ],
)
def test_braces_expand_to_alternatives(pattern, expected):
    assert expand_braces(pattern) == expected


@pytest.mark.parametrize(
    ("segment", "name", "matches"),
    [
        ("*.txt", "a.txt", True),
        ("*.txt", ".txt", True),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("[a-c]x", "bx", True),
        ("[!a-c]x", "bx", False),
        ("[^a-c]x", "dx", True),
        ("\\*", "*", True),
        ("\\*", "a", False),
    ],
)
def test_segment_patterns_match_names(segment, name, matches):
    assert bool(segment_regex(segment).fullmatch(name)) is matches


def test_unclosed_class_is_a_syntax_error():
    with pytest.raises(ValueError):
        segment_regex("[abc")
