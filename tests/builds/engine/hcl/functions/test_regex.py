"""Tests for regex, regexall and regex_replace: RE2 patterns and Go's replacement syntax."""

import pytest


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("[a-z]+", "53453453.345345aaabbbccc23454", "aaabbbccc"),
        (r"(\d\d\d\d)-(\d\d)-(\d\d)", "2019-02-01", ["2019", "02", "01"]),
        (r"^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/",
         {"authority": "terraform.io", "scheme": "https"}),
        ("(?<year>[0-9]{4})", "in 2024", {"year": "2024"}),
        ("a(b)?c", "ac", [None]),
        (r"x\z", "ax", "x"),
        ("a$", "a\n", None),
        (r"\p{Greek}+", "abc αβγ", "αβγ"),
        ("[[:digit:]]+", "ab12", "12"),
    ],
)
def test_regex_returns_match_or_captures(call, call_error, pattern, text, expected):
    if expected is None:
        assert call_error("regex", pattern, text)[0].endswith("pattern did not match any part of the given string.")
    else:
        assert call("regex", pattern, text) == expected


def test_regexall_returns_every_match(call):
    assert call("regexall", "[a-z]+", "1234abcd5678efgh9") == ["abcd", "efgh"]
    assert len(call("regexall", "[a-z]+", "123456789")) == 0
    assert call("regexall", "(a)(b)?", "a ab") == [["a", None], ["a", "b"]]


def test_regex_no_match_is_an_error(call_error):
    assert call_error("regex", "[a-z]+", "53453453") == (
        'Call to function "regex" failed: pattern did not match any part of the given string.', None
    )


def test_mixed_capture_groups_are_rejected(call_error):
    assert call_error("regex", "(?P<a>x)(y)", "xy") == (
        'Invalid value for "pattern" parameter: invalid regexp pattern: cannot mix both named and unnamed '
        "capture groups.",
        0,
    )


def test_invalid_pattern_names_the_pattern_argument(call_error):
    detail, index = call_error("regexall", "(ab", "ab")
    assert detail.startswith('Invalid value for "pattern" parameter: invalid regexp pattern:')
    assert index == 0


@pytest.mark.parametrize(
    ("text", "pattern", "replacement", "expected"),
    [
        ("hello", "l+", "$0-", "hell-o"),
        ("hello world", "o(.)", "0${1}$1x", "hell0 w0rld"),
        ("2019-02-01", r"(?P<y>\d+)-(?P<m>\d+)-(?P<d>\d+)", "$d/$m/$y", "01/02/2019"),
        ("price", "p", "$$", "$rice"),
        ("abc", "b", "[${9}]", "a[]c"),
        ("abc", "x", "y", "abc"),
    ],
)
def test_regex_replace_expands_like_go(call, text, pattern, replacement, expected):
    assert call("regex_replace", text, pattern, replacement) == expected


def test_regex_replace_reports_bad_patterns(call_error):
    detail, index = call_error("regex_replace", "a", "(", "b")
    assert detail.startswith('Call to function "regex_replace" failed: error parsing regexp:')
    assert index is None


PORTABLE_CASES = [
    ("[- TZ:]", "2026-11-21T15:04:05Z", "_"),
    ("a*", "baaac", "<$0>"),
    ("(a|b)+c?$", "xxabac", "[$1]"),
    ("^x.", "xyz\nxw", "-"),
    ("[^0-9]{2,3}", "ab1cdef", "#"),
    (r"\.|\*", "a.b*c", "$$"),
    ("a(b", "ab", ""),
]


@pytest.mark.parametrize(("pattern", "text", "replacement"), PORTABLE_CASES)
def test_patterns_compiled_by_the_standard_library_answer_as_the_regex_module_does(
    call, call_error, monkeypatch, pattern, text, replacement
):
    from builds.engine.hcl.functions import regex as functions_regex

    def answers():
        try:
            return ("ok", call("regex_replace", text, pattern, replacement),
                    call("regexall", pattern, text) if pattern != "a*" else None)
        except Exception:
            return ("error", call_error("regex_replace", text, pattern, replacement))

    portable = answers()
    monkeypatch.setattr(functions_regex, "_NOT_PORTABLE", functions_regex.re.compile(""))
    assert answers() == portable


def test_timestamp_stripping_pattern_does_not_load_the_regex_module():
    import subprocess
    import sys

    program = (
        "import sys\n"
        "from builds.engine.hcl.functions import FUNCTIONS, FunctionContext\n"
        "result = FUNCTIONS['regex_replace'].call(FunctionContext(cwd='.'), ['2026-11-21T15:04:05Z', '[- TZ:]', ''])\n"
        "assert result == '20261121150405', result\n"
        "print('regex' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
