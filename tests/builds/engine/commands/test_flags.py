"""Tests for the Go-style flag parser the engine's commands share."""

import io

import pytest

from builds.engine.commands.flags import FlagError, FlagSet, HelpRequested

USAGE = "\nUsage: imagehub demo [options] TEMPLATE\n\n  Does a demo.\n\n"


def key_value(text: str) -> None:
    if "=" not in text:
        raise ValueError(f"No '=' value in arg: {text}")


@pytest.fixture
def flags() -> FlagSet:
    flags = FlagSet("demo", USAGE)
    flags.bool("check", False, "check only")
    flags.bool("write", True, "write files")
    flags.string("on-error", "cleanup", "what to do on error")
    flags.int("parallel-builds", 0, "how many builds at once")
    flags.list("var", "a variable", check=key_value)
    flags.list("only", "builds to run", comma=True)
    return flags


def parse_error(flags: FlagSet, args: list[str]) -> str:
    with pytest.raises(FlagError) as caught:
        flags.parse(args)
    return str(caught.value)


def test_defaults_apply_when_no_flag_is_given(flags):
    values, positional = flags.parse(["t.pkr.hcl"])
    assert values == {
        "check": False,
        "write": True,
        "on-error": "cleanup",
        "parallel-builds": 0,
        "var": [],
        "only": [],
    }
    assert positional == ["t.pkr.hcl"]


def test_one_and_two_dashes_name_the_same_flag(flags):
    assert flags.parse(["-check"])[0]["check"] is True
    assert flags.parse(["--check"])[0]["check"] is True
    assert flags.parse(["--on-error=abort"])[0]["on-error"] == "abort"


@pytest.mark.parametrize("text", ["1", "t", "T", "true", "TRUE", "True"])
def test_bool_flag_accepts_go_true_spellings(flags, text):
    assert flags.parse([f"-write={text}"])[0]["write"] is True


@pytest.mark.parametrize("text", ["0", "f", "F", "false", "FALSE", "False"])
def test_bool_flag_accepts_go_false_spellings(flags, text):
    assert flags.parse([f"-write={text}"])[0]["write"] is False


def test_bool_flag_does_not_consume_the_next_argument(flags):
    values, positional = flags.parse(["-check", "false"])
    assert values["check"] is True
    assert positional == ["false"]


@pytest.mark.parametrize(("text", "quoted"), [("yes", '"yes"'), ("", '""'), ('a"b', '"a\\"b"')])
def test_bad_bool_value_is_reported_like_go(flags, text, quoted):
    assert (
        parse_error(flags, [f"-check={text}"])
        == f"invalid boolean value {quoted} for -check: parse error"
    )


def test_string_flag_takes_value_after_equals_or_as_next_argument(flags):
    assert flags.parse(["-on-error=ask"])[0]["on-error"] == "ask"
    assert flags.parse(["-on-error", "abort", "t"]) == (
        {**flags.defaults(), "on-error": "abort"},
        ["t"],
    )


def test_string_flag_value_may_contain_equals_and_start_with_dash(flags):
    assert flags.parse(["-on-error=a=b"])[0]["on-error"] == "a=b"
    assert flags.parse(["-on-error", "-check"])[0]["on-error"] == "-check"


def test_last_string_value_wins(flags):
    assert flags.parse(["-on-error=a", "-on-error=b"])[0]["on-error"] == "b"


def test_flag_without_its_value_is_an_error(flags):
    assert parse_error(flags, ["-on-error"]) == "flag needs an argument: -on-error"
    assert parse_error(flags, ["-var"]) == "flag needs an argument: -var"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4", 4),
        ("-2", -2),
        ("+3", 3),
        ("0x10", 16),
        ("0o17", 15),
        ("017", 15),
        ("0b101", 5),
        ("1_000", 1000),
        ("0", 0),
    ],
)
def test_int_flag_reads_go_integer_syntax(flags, text, value):
    assert flags.parse([f"-parallel-builds={text}"])[0]["parallel-builds"] == value


@pytest.mark.parametrize("text", ["x", "", "08", "1.5", " 1", "_1", "1__0", "0x"])
def test_bad_int_value_is_a_parse_error(flags, text):
    assert parse_error(flags, [f"-parallel-builds={text}"]) == (
        f'invalid value "{text}" for flag -parallel-builds: parse error'
    )


def test_int_beyond_64_bits_is_out_of_range(flags):
    assert parse_error(flags, ["-parallel-builds=9223372036854775808"]).endswith(
        ": value out of range"
    )


def test_list_flag_collects_repeated_values_in_order(flags):
    values, _ = flags.parse(["-var", "a=b", "-var=c=d", "--var", "e="])
    assert values["var"] == ["a=b", "c=d", "e="]


def test_list_check_failure_is_reported_with_its_reason(flags):
    assert (
        parse_error(flags, ["-var", "foo"])
        == "invalid value \"foo\" for flag -var: No '=' value in arg: foo"
    )


def test_comma_list_splits_each_value(flags):
    values, _ = flags.parse(["-only=a,b", "-only", "c"])
    assert values["only"] == ["a", "b", "c"]


def test_parsing_stops_at_first_non_flag(flags):
    values, positional = flags.parse(["-check", "t.pkr.hcl", "-write=false"])
    assert values["check"] is True
    assert values["write"] is True
    assert positional == ["t.pkr.hcl", "-write=false"]


def test_single_dash_is_a_positional_argument(flags):
    assert flags.parse(["-", "-check"])[1] == ["-", "-check"]


def test_double_dash_ends_flags_and_is_dropped(flags):
    values, positional = flags.parse(["-check", "--", "-write=false"])
    assert values["write"] is True
    assert positional == ["-write=false"]


def test_undefined_flag_is_reported_like_go(flags):
    assert parse_error(flags, ["-x"]) == "flag provided but not defined: -x"
    assert parse_error(flags, ["--nope=1"]) == "flag provided but not defined: -nope"


@pytest.mark.parametrize("arg", ["---x", "-=x", "--=x"])
def test_bad_flag_syntax_is_reported_like_go(flags, arg):
    assert parse_error(flags, [arg]) == f"bad flag syntax: {arg}"


@pytest.mark.parametrize("arg", ["-h", "-help", "--help", "-help=1"])
def test_help_flags_request_the_usage(flags, arg):
    with pytest.raises(HelpRequested):
        flags.parse([arg])


def test_declared_h_flag_is_not_a_help_request():
    flags = FlagSet("demo", USAGE)
    flags.bool("h")
    assert flags.parse(["-h"])[0]["h"] is True


def test_parse_does_not_share_list_values_between_calls(flags):
    flags.parse(["-var", "a=b"])
    assert flags.parse([])[0]["var"] == []


def test_fail_prints_message_to_stderr_and_trimmed_usage_to_stdout(flags):
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(FlagError) as caught:
        flags.parse(["-nope"])
    assert flags.fail(caught.value, stdout, stderr) == 1
    assert stderr.getvalue() == "flag provided but not defined: -nope\n"
    assert stdout.getvalue() == "Usage: imagehub demo [options] TEMPLATE\n\n  Does a demo.\n"


def test_fail_on_help_prints_usage_and_succeeds(flags):
    stdout, stderr = io.StringIO(), io.StringIO()
    assert flags.fail(HelpRequested(), stdout, stderr) == 0
    assert stdout.getvalue().startswith("Usage: imagehub demo")
    assert stderr.getvalue() == ""


def test_usage_error_prints_usage_and_returns_one(flags):
    stdout = io.StringIO()
    assert flags.usage_error(stdout) == 1
    assert stdout.getvalue() == "Usage: imagehub demo [options] TEMPLATE\n\n  Does a demo.\n"


@pytest.mark.parametrize("name", ["", "-x", "a=b"])
def test_invalid_flag_names_are_refused(name):
    with pytest.raises(ValueError):
        FlagSet("demo", USAGE).bool(name)


def test_declaring_a_flag_twice_is_refused(flags):
    with pytest.raises(ValueError, match="flag redefined: check"):
        flags.string("check")
