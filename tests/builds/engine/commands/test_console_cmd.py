"""``imagehub console``: expressions read line by line, printed as packer console prints values."""

import io

import pytest

from builds.engine.commands import console

TEMPLATE = """variable "region" {
  default = "eu-west-1"
}
variable "zones" {
  default = ["a", "b"]
}
locals {
  name = "img-${var.region}"
  tags = { Name = local.name, Count = 2, Ratio = 2.5, Empty = null }
  ami  = data.amazon-ami.base.id
}
data "amazon-ami" "base" {
  owners = ["self"]
}
"""


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.pkr.hcl").write_text(TEMPLATE)
    return tmp_path


def run(args: list[str], lines: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = console.run(args, stdout, stderr, stdin=io.StringIO(lines))
    return status, stdout.getvalue(), stderr.getvalue()


def test_values_of_variables_locals_and_functions(workdir):
    status, out, err = run(["t.pkr.hcl"], 'var.region\nlocal.name\nupper("x")\nvar.zones\nlocal.tags\n')
    assert (status, err) == (0, "")
    assert out == (
        "eu-west-1\n"
        "img-eu-west-1\n"
        "X\n"
        '[\n  "a",\n  "b",\n]\n'
        '{\n  "Count" = 2\n  "Name" = "img-eu-west-1"\n  "Ratio" = 2.5\n}\n'
    )


def test_numbers_bools_nulls_and_unknowns(workdir):
    status, out, _ = run(["t.pkr.hcl"], "10 / 4\n2 * 3\n1 == 1\nnull\nlocal.ami\n[1, null]\n1/3\n1e21\n")
    assert status == 0
    assert out == "2.5\n6\ntrue\nnull\n<unknown>\n[\n  1,\n  null,\n]\n0.3333333333333333\n1e+21\n"


def test_strings_inside_collections_are_quoted_and_escaped(workdir):
    _, out, _ = run([], '["a\\"b", "tab\\there", "line\\nbreak"]\n')
    assert out == '[\n  "a\\"b",\n  "tab\\there",\n  "line\\nbreak",\n]\n'


def test_blank_lines_are_skipped_and_exit_stops_reading(workdir):
    status, out, _ = run([], '\n  \n"first"\nexit\n"never"\n')
    assert (status, out) == (0, "first\n")


def test_errors_are_printed_with_the_input_line_and_make_the_status_one(workdir):
    status, out, _ = run(["t.pkr.hcl"], 'nope(1)\nvar.missing\n1 +\n"still works"\n')
    assert status == 1
    assert out == (
        "Error: Call to unknown function\n\n"
        "  on <console-input> line 1:\n"
        "   1: nope(1)\n\n"
        'There is no function named "nope".\n\n'
        "Error: Reference to undeclared input variable\n\n"
        "  on <console-input> line 1:\n"
        "   1: var.missing\n\n"
        'An input variable with the name "missing" has not been declared. This variable\n'
        'can be declared with a variable "missing" {} block.\n\n'
        "Error: Missing expression\n\n"
        "  on <console-input> line 1:\n"
        "   1: 1 +\n\n"
        "Expected the start of an expression, but found the end of the file.\n\n"
        "still works\n"
    )


def test_without_a_template_only_functions_and_literals_are_known(workdir):
    status, out, _ = run([], 'join("-", ["a", "b"])\nvar.region\n')
    assert status == 1
    assert out.startswith("a-b\nError: Reference to undeclared input variable\n")


def test_variables_from_the_command_line(workdir):
    status, out, _ = run(["-var", "region=us-east-1", "t.pkr.hcl"], "local.name\n")
    assert (status, out) == (0, "img-us-east-1\n")


def test_template_with_syntax_errors_is_not_opened(workdir):
    (workdir / "bad.pkr.hcl").write_text("a = \n")
    status, out, _ = run(["bad.pkr.hcl"], "1\n")
    assert status == 1
    assert out.startswith("Error: Invalid expression\n")


def test_env_is_refused_in_the_console(workdir):
    status, out, _ = run([], 'env("HOME")\n')
    assert status == 1
    assert out.startswith("Error: Call to unavailable function\n")


def test_too_many_arguments_prints_the_usage(workdir):
    status, out, _ = run(["a.pkr.hcl", "b.pkr.hcl"], "")
    assert status == 1
    assert out.startswith("Usage: imagehub console")


SENSITIVE = """variable "pw" {
  type      = string
  default   = "hunter2"
  sensitive = true
}
variable "keys" {
  default   = { a = "key-one", n = 4242 }
  sensitive = true
}
variable "name" {
  default = "bob"
}
locals {
  login = "${var.name}:${var.pw}"
}
local "token" {
  expression = "tok-${var.name}"
  sensitive  = true
}
"""


def test_values_of_sensitive_variables_and_locals_are_printed_as_sensitive(workdir):
    (workdir / "s.pkr.hcl").write_text(SENSITIVE)
    status, out, _ = run(["s.pkr.hcl"], "var.pw\nlocal.login\nvar.keys\nlocal.token\n[var.pw]\n")
    assert status == 0
    # packer 1.6.6 masks the text of the output: numbers are not masked
    assert out == (
        "<sensitive>\n"
        "bob:<sensitive>\n"
        '{\n  "a" = "<sensitive>"\n  "n" = 4242\n}\n'
        "<sensitive>\n"
        '[\n  "<sensitive>",\n]\n'
    )


def test_a_value_derived_from_a_sensitive_variable_prints_as_packer_prints_it(workdir):
    (workdir / "s.pkr.hcl").write_text(SENSITIVE)
    status, out, _ = run(["s.pkr.hcl"], "upper(var.pw)\nlength(var.pw)\n")
    assert (status, out) == (0, "HUNTER2\n7\n")


def test_the_value_given_on_the_command_line_is_the_one_masked(workdir):
    (workdir / "s.pkr.hcl").write_text(SENSITIVE)
    status, out, _ = run(["-var", "pw=zzz9", "s.pkr.hcl"], 'var.pw\n"hunter2 zzz9"\n')
    assert (status, out) == (0, "<sensitive>\nhunter2 <sensitive>\n")


def test_sensitive_values_are_masked_in_diagnostics(workdir):
    (workdir / "s.pkr.hcl").write_text(SENSITIVE)
    status, out, _ = run(["s.pkr.hcl"], "tonumber(var.pw)\n")
    assert status == 1
    assert "hunter2" not in out
    assert 'cannot convert "<sensitive>" to number' in out
