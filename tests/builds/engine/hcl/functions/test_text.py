"""Tests for the text helpers: grapheme clusters and Go's case and space rules."""

import pytest

from builds.engine.hcl.functions.text import go_title, go_trim_space, grapheme_count, graphemes


def test_graphemes_keep_combining_marks_and_emoji_together():
    assert graphemes("e\u0301a") == ["e\u0301", "a"]
    assert graphemes("👩‍👩‍👧x") == ["👩‍👩‍👧", "x"]
    assert graphemes("a\r\nb") == ["a", "\r\n", "b"]
    assert grapheme_count("🇫🇷🇩🇪") == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [("hello world", "Hello World"), ("o'neil_x-y", "O'Neil_x-Y"), ("élan vital", "Élan Vital"), ("1st", "1st")],
)
def test_go_title_capitalises_after_separators(text, expected):
    assert go_title(text) == expected


def test_go_trim_space_uses_go_white_space():
    assert go_trim_space("\u2003\t x \x85") == "x"
    assert go_trim_space("\x1fx") == "\x1fx"
