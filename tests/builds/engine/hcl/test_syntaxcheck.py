"""The yes/no syntax check agrees with the parser: "yes" only where the parser reports no error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from builds.engine.hcl.lexer import scan_spans
from builds.engine.hcl.parser import MAX_NESTING, parse
from builds.engine.hcl.syntaxcheck import well_formed
from tests.builds.engine.hcl.strategies import mutated
from tests.builds.engine.hcl.test_robustness import SOURCES, require_corpus


def check(text: str) -> bool:
    return well_formed(text, scan_spans(text))


def parser_errors(text: str) -> list[str]:
    return [d.summary for d in parse(text, "t.pkr.hcl")[1].errors]


WELL_FORMED = [
    "",
    "# only a comment",
    'source "amazon-ebs" "web" {\n  ami_name = "x-${local.ts}"\n  tags = { Name = "a", "b" = 2 }\n}\n',
    'a = [for k, v in var.m : "${k}=${v}" if v != null]\nb = {for x in l : x => x...}\n',
    "a = x.*.id\nb = y[*].z[0]\nc = z.0.1\nd = f(x...)\ne = p::q(1)\n",
    'a = <<-EOT\n  %{ if x }yes%{ else }no%{ endif }\n  %{ for i in l }${i}%{ endfor }\n  EOT\n',
    'a = "tab\\t \\u00e9 $${literal}"\nb = 1.5e3\nc = !true ? -1 : (2 * 3)\n',
    "block { a = 1 }\nother {}\n",
    'a = "x" /* note */ + "y"\n',
    "a = (\n  1 +\n  2\n)\n",
    'a = { b = "x", "c" : 1 }\nd = ["x", y, 2]\ne = f("x", 1)\n',
    "a = [x\n.y, z\n+ 1]\n",  # inside brackets a value goes on after a line break
]

BROKEN = [
    "a = 1\na = 2\n",  # redefined
    'a = "\\q"\n',  # bad escape
    'a = "\\ud800"\n',  # a surrogate cannot be encoded
    "a = 1 & 2\n",
    "a = 'x'\n",
    "a = x.1e5\n",
    "a = x.*.*\n",
    'a = <<EOT\n%{ if x }\nEOT\n',  # unterminated if
    'a = "%{ endfor }"\n',
    'block "${x}" {\n}\n',  # template in a label
    "block {\n",
    "block { a = 1, b = 2 }\n",
    "a = x\n  .y\n",
    'a = "x" /* c */ .y\n',
    "a = [1 2]\n",
    "a = {b = 1 c = 2}\n",
    "a = f(1 2)\n",
    "a = [for x in l]\n",
    "a =\n",
    'a = { b = "x" = 1 }\n',
    'a = ["x" "y"]\n',
    "a = {\n  b = c\n  .d\n}\n",
    "a = (" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1) + "\n",
]


@pytest.mark.parametrize("text", WELL_FORMED)
def test_text_the_parser_accepts_is_well_formed(text):
    assert parser_errors(text) == []
    assert check(text)


@pytest.mark.parametrize("text", BROKEN)
def test_text_the_parser_reports_is_not_well_formed(text):
    assert parser_errors(text) != []
    assert not check(text)


def test_nesting_up_to_the_limit_is_well_formed():
    depth = MAX_NESTING - 1
    text = "a = " + "[" * depth + "1" + "]" * depth + "\n"
    assert parser_errors(text) == []
    assert check(text)


@pytest.mark.corpus
def test_every_corpus_template_gets_the_parsers_answer():
    require_corpus()
    for name, data in SOURCES:
        text = data.decode("utf-8")
        assert check(text) == (parser_errors(text) == []), name


@pytest.mark.corpus
@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=mutated(SOURCES) if SOURCES else mutated([("empty", b"")]))
def test_damaged_template_is_well_formed_only_when_the_parser_reports_nothing(case):
    require_corpus()
    name, data, edits = case
    text = data.decode("utf-8", "replace")
    if check(text):
        assert parser_errors(text) == [], f"{name} after {edits}"
