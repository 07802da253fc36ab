"""Damaged and hostile templates never crash or hang the parser, formatter, loader or validator.

Real templates from the shared corpus are mutated (lines deleted, duplicated,
swapped, truncated; stray tokens, NUL bytes, invalid UTF-8 and lone carriage
returns inserted) and pushed through every entry point: the only acceptable
outcome is a set of diagnostics whose positions lie inside the file. Fixed
cases cover a 5 MB template, binary garbage, empty and comment-only files,
nesting 10,000 levels deep, a self-referencing local, ``file()`` of a missing
file and a ``-var`` of the wrong type.
"""

from __future__ import annotations

import gc
import io
import signal
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from builds.engine.cli import main as cli_main
from builds.engine.hcl import ast
from builds.engine.hcl.config import load_config
from builds.engine.hcl.diagnostics import Diagnostic, Pos
from builds.engine.hcl.fmt import format_source
from builds.engine.hcl.parser import MAX_NESTING, parse
from builds.engine.hcl.validate import validate
from tests.builds.engine.hcl.strategies import mutated
from tests.corpus import CORPUS, require_corpus

TEMPLATES = CORPUS / "templates"

SOURCES: list[tuple[str, bytes]] = (
    [(p.name, p.read_bytes()) for p in sorted(TEMPLATES.glob("*.pkr.hcl"))] if TEMPLATES.is_dir() else []
)

# How long one damaged template may take through every entry point before it counts as a hang.
EXAMPLE_SECONDS = 10
FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture
def corpus() -> None:
    """Requested by the tests that mutate corpus templates: checks for the corpus before Hypothesis starts."""
    require_corpus("templates")


@contextmanager
def time_limit(seconds: int, what: str):
    """Fail the test with a clear message if the block runs longer than ``seconds``."""

    def expire(_signum, _frame):
        raise AssertionError(f"{what} did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------- checks


def expected_pos(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of a character offset, counting lines by LF and skipping a leading BOM."""
    line_start = text.rfind("\n", 0, offset) + 1
    if line_start == 0 and text.startswith("\ufeff"):
        line_start = 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def assert_pos_in(text: str, pos: Pos, diag: Diagnostic) -> None:
    assert 0 <= pos.byte <= len(text), f"offset {pos.byte} outside the file ({len(text)} chars): {diag}"
    assert (pos.line, pos.column) == expected_pos(text, pos.byte), f"line/column do not match the offset: {diag}"


def assert_positions_valid(diags, texts: dict[str, str]) -> None:
    """Every diagnostic points into a file it came from, with consistent line, column and offset."""
    for diag in diags:
        assert diag.subject is not None, f"diagnostic without a position: {diag}"
        text = texts.get(diag.subject.filename)
        assert text is not None, f"diagnostic names an unknown file: {diag}"
        assert_pos_in(text, diag.subject.start, diag)
        assert_pos_in(text, diag.subject.end, diag)
        assert diag.subject.start.byte <= diag.subject.end.byte, f"range ends before it starts: {diag}"


def shape(node):
    """The syntax tree without positions, for comparing two parses of the same content."""
    if isinstance(node, list):
        return [shape(item) for item in node]
    if isinstance(node, dict):
        return {key: shape(value) for key, value in node.items()}
    if isinstance(node, ast.Node):
        return (type(node).__name__, *(shape(getattr(node, name)) for name in node.field_names()
                                       if "range" not in name))
    return node


def check_text(text: str) -> None:
    """Parse; if the text parses cleanly, formatting is idempotent and keeps the tree."""
    tree, diags = parse(text, "t.pkr.hcl")
    assert isinstance(tree, ast.File)
    assert_positions_valid(diags, {"t.pkr.hcl": text})
    if diags.has_errors:
        return
    once = format_source(text)
    assert format_source(once) == once, "format_source is not idempotent"
    again, again_diags = parse(once, "t.pkr.hcl")
    assert not again_diags.has_errors, f"formatted text does not parse: {list(again_diags)}"
    assert shape(again.body) == shape(tree.body), "formatting changed the meaning of the template"


def check_file(path: Path, data: bytes) -> None:
    """load_config, validate and inspect the file: diagnostics only, each inside the file."""
    path.write_bytes(data)
    config = load_config(path.name, cwd=path.parent, env={})
    diags = validate(config)
    try:
        texts = {path.name: data.decode("utf-8")}
    except UnicodeDecodeError:
        # The loader reports the first bad byte; its position counts bytes, which is what we check against.
        texts = {path.name: data.decode("latin-1")}
    assert_positions_valid(diags, texts)
    out, err = io.StringIO(), io.StringIO()
    status = cli_main(["inspect", str(path)], out, err)
    assert status in (0, 1)


# --------------------------------------------------------------------------- damaged real templates


@pytest.mark.corpus
@FUZZ
@given(case=mutated(SOURCES) if SOURCES else mutated([("empty", b"")]))
def test_damaged_template_parses_and_formats_without_crashing(corpus, case):
    name, data, edits = case
    with time_limit(EXAMPLE_SECONDS, f"parse/format of {name} after {edits}"):
        check_text(data.decode("utf-8", "replace"))


@pytest.mark.corpus
@FUZZ
@given(case=mutated(SOURCES) if SOURCES else mutated([("empty", b"")]))
def test_damaged_template_loads_validates_and_inspects_with_diagnostics_only(corpus, case, tmp_path):
    name, data, edits = case
    with time_limit(EXAMPLE_SECONDS, f"validate of {name} after {edits}"):
        check_file(tmp_path / "t.pkr.hcl", data)


# --------------------------------------------------------------------------- fixed hostile inputs


def load_and_validate(tmp_path: Path, text: str | bytes, **kwargs):
    path = tmp_path / "t.pkr.hcl"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    config = load_config(path.name, cwd=tmp_path, env={}, **kwargs)
    return config, validate(config)


def summaries(diags) -> list[str]:
    return [d.summary for d in diags]


def test_five_megabyte_template_validates_in_reasonable_time(tmp_path):
    block = ('source "null" "s%d" {\n  communicator = "none"\n}\n\n'
             'build {\n  name    = "b%d"\n  sources = ["source.null.s%d"]\n\n'
             '  provisioner "shell-local" {\n    inline = ["echo ${source.name} %d"]\n  }\n}\n\n')
    count = 5_000_000 // len(block % (0, 0, 0, 0)) + 1
    text = "".join(block % (i, i, i, i) for i in range(count))
    assert len(text) >= 5_000_000
    started = time.process_time()  # CPU time: other processes on a shared CI machine do not count
    with time_limit(300, "validating a 5 MB template"):
        config, diags = load_and_validate(tmp_path, text)
    elapsed = time.process_time() - started
    assert summaries(diags) == []
    assert len(config.template.builds) == count
    # About 10 s on an idle 2-core machine; the bound leaves room for a slow or busy one.
    assert elapsed < 90, f"a 5 MB template took {elapsed:.1f} s of CPU time to validate"
    # The loaded template holds reference cycles; free its millions of objects here, not in a later test.
    del config, diags
    gc.collect()


def test_binary_garbage_is_an_encoding_error_at_the_first_bad_byte(tmp_path):
    garbage = bytes(range(256)) * 64
    config, diags = load_and_validate(tmp_path, garbage)
    assert summaries(diags) == ["Invalid character encoding"]
    assert (diags.items[0].subject.start.line, diags.items[0].subject.start.byte) == (2, 128)
    check_text(garbage.decode("utf-8", "replace"))


def test_control_characters_are_invalid_characters_each_with_its_position(tmp_path):
    text = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r") + "\n"
    config, diags = load_and_validate(tmp_path, text)
    invalid = [d for d in diags if d.summary == "Invalid character"]
    assert [d.subject.start.column for d in invalid] == list(range(1, 29))
    assert_positions_valid(diags, {"t.pkr.hcl": text})


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff", "# only\n// comments\n/* here\n */\n", "/* unclosed"])
def test_files_without_blocks_validate_cleanly_or_with_a_positioned_error(tmp_path, text):
    config, diags = load_and_validate(tmp_path, text)
    if text == "/* unclosed":
        assert diags.has_errors
    else:
        assert summaries(diags) == []
        assert config.template.builds == []
    assert_positions_valid(diags, {"t.pkr.hcl": text})
    check_text(text)


DEEP = 10_000
DEEP_CASES = {
    "tuples": "[" * DEEP + "]" * DEEP,
    "objects": "{a = " * DEEP + "1" + "}" * DEEP,
    "parentheses": "(" * DEEP + "1" + ")" * DEEP,
    "function calls": "max(" * DEEP + "1" + ")" * DEEP,
    "interpolations": '"${' * DEEP + "1" + '}"' * DEEP,
    "conditionals": "true ? 1 : " * DEEP + "1",
    "negations": "!" * DEEP + "true",
    "minus signs": "-" * DEEP + "1",
    "for expressions": "[for a in " * DEEP + "[1]" + " : a]" * DEEP,
    "template ifs": '"' + "%{ if true }" * DEEP + "x" + "%{ endif }" * DEEP + '"',
}


@pytest.mark.parametrize("expr", DEEP_CASES.values(), ids=DEEP_CASES.keys())
def test_ten_thousand_levels_of_nesting_is_a_diagnostic_not_a_crash(tmp_path, expr):
    text = "locals {\n  deep = " + expr + "\n  after = 1\n}\n"
    with time_limit(30, "parsing deep nesting"):
        config, diags = load_and_validate(tmp_path, text)
    assert summaries(diags) == ["Too deeply nested"]
    assert diags.items[0].subject.start.line == 2
    assert_positions_valid(diags, {"t.pkr.hcl": text})
    _, parse_diags = parse(text, "t.pkr.hcl")
    assert summaries(parse_diags) == ["Too deeply nested"]


def test_deeply_nested_blocks_are_a_diagnostic_and_later_blocks_still_parse(tmp_path):
    text = "a {\n" * DEEP + "}\n" * DEEP + 'variable "after" {\n  default = 1\n}\n'
    _, diags = parse(text, "t.pkr.hcl")
    assert summaries(diags) == ["Too deeply nested"]
    assert diags.items[0].subject.start.line == MAX_NESTING + 1
    config, diags = load_and_validate(tmp_path, text)
    assert summaries(diags) == ["Too deeply nested"]


@pytest.mark.parametrize("expr", ["1" + " + 1" * DEEP, "[[1]]" + "[0]" * DEEP, "{}" + ".a" * DEEP],
                         ids=["sum", "indexes", "attributes"])
def test_very_long_operator_chains_are_a_diagnostic_not_a_crash(tmp_path, expr):
    config, diags = load_and_validate(tmp_path, "locals {\n  long = " + expr + "\n}\n")
    assert summaries(diags) == ["Too deeply nested"]
    assert diags.items[0].context == "locals"


def test_nesting_up_to_the_limit_is_accepted(tmp_path):
    depth = MAX_NESTING - 2  # the locals block and the attribute's own expression use two levels
    text = "locals {\n  deep = " + "[" * depth + "7" + "]" * depth + "\n}\n"
    config, diags = load_and_validate(tmp_path, text)
    assert summaries(diags) == []
    value = config.context.local_value("deep")
    for _ in range(depth):
        value = value[0]
    assert value == 7


def test_local_that_references_itself_is_a_cycle_with_a_position(tmp_path):
    config, diags = load_and_validate(tmp_path, "locals {\n  me = \"${local.me}-x\"\n}\n")
    assert summaries(diags) == ["Cycle detected"]
    subject = diags.items[0].subject
    assert (subject.start.line, subject.start.column) == (2, 11)
    assert "local.me -> local.me" in diags.items[0].detail


def test_locals_that_reference_each_other_are_one_cycle(tmp_path):
    config, diags = load_and_validate(tmp_path, "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n}\n")
    assert summaries(diags) == ["Cycle detected"]


def test_file_of_a_missing_file_is_a_positioned_function_error(tmp_path):
    text = 'locals {\n  content = file("${path.root}/missing.txt")\n}\n'
    config, diags = load_and_validate(tmp_path, text)
    assert summaries(diags) == ["Error in function call"]
    diag = diags.items[0]
    assert "missing.txt" in diag.detail
    assert (diag.subject.start.line, diag.subject.start.column) == (2, 13)
    assert diag.context == "locals"


VARIABLES = """
variable "count" {
  type = number
}
variable "names" {
  type = list(string)
}
variable "enabled" {
  type    = bool
  default = false
}
"""


@pytest.mark.parametrize(
    ("name", "value"),
    [("count", "many"), ("names", "5"), ("names", "{a = 1}"), ("enabled", "maybe"), ("names", "[")],
)
def test_variable_of_the_wrong_type_from_the_command_line_is_a_diagnostic(tmp_path, name, value):
    others = {"count": "1", "names": '["a"]', "enabled": "true"}
    others[name] = value
    config, diags = load_and_validate(tmp_path, VARIABLES, cli_vars=list(others.items()))
    assert diags.has_errors
    assert all(d.subject is not None for d in diags.errors)
    out, err = io.StringIO(), io.StringIO()
    args = ["validate"] + [f"-var={k}={v}" for k, v in others.items()] + [str(tmp_path / "t.pkr.hcl")]
    assert cli_main(args, out, err) == 1
    assert "Error:" in out.getvalue()


BIG = "1" + "0" * 400
HOSTILE_EXPRESSIONS = [
    "1e400 - 1e400",
    "1e400 * 0",
    "1e400 % 2",
    '"nan" + 1',
    'file("\\u0000")',
    'fileexists("a\\u0000")',
    'templatefile("\\u0000", {})',
    '"\\ud800"',
    'regex("a{99999999}", "a")',
    'regex_replace("a", "a{5000}", "b")',
    'indent(2147483648, "a\\nb")',
    'format("%2147483648d", 1)',
    'formatlist("%0999999999d", [1])',
    'textencodebase64("abc", "\\u0000")',
    'yamldecode("\\u0000")',
    'yamldecode("' + "[" * 3000 + '")',
    'timeadd("2006-01-02T15:04:05Z", "9999999999999999h")',
    'timeadd("9999-12-31T23:59:59Z", "1h")',
    'cidrsubnets("10.0.0.0/8", -9223372036854775808)',
    'cidrsubnet("10.0.0.0/8", -1, 0)',
    "range(1e400, 1e308)",
    f"log(0, {BIG}) + pow(-1, {BIG}) + ({BIG} * 1.5) - 1e400",
]


@pytest.mark.parametrize("expr", HOSTILE_EXPRESSIONS)
def test_hostile_expressions_are_positioned_errors_not_exceptions(tmp_path, expr):
    text = "locals {\n  x = " + expr + "\n}\n"
    with time_limit(EXAMPLE_SECONDS, f"evaluating {expr[:40]}"):
        config, diags = load_and_validate(tmp_path, text)
    assert diags.has_errors
    assert all(d.subject is not None and d.subject.start.line == 2 for d in diags.errors), list(diags)
    assert_positions_valid(diags, {"t.pkr.hcl": text})
