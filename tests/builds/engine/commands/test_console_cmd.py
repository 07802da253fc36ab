"""``imagehub console``: expressions read line by line, printed as packer console prints values."""

import io
import os

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


def test_empty_lines_print_empty_values_and_exit_stops_reading(workdir):
    status, out, _ = run([], '\n"first"\nexit\n"never"\n')
    assert (status, out) == (0, "\nfirst\n")


def test_errors_are_printed_without_the_input_line_and_leave_the_status_zero_without_a_pipe(workdir):
    # packer 1.6.6 reads a terminal or a redirected file (``< file``) line by line: each line's
    # diagnostics, then its value (empty after an error); the status stays 0
    status, out, _ = run(["t.pkr.hcl"], 'nope(1)\nvar.missing\n"still works"\n')
    assert status == 0
    assert out == (
        "Error: Call to unknown function\n\n"
        "  on <console-input> line 1:\n"
        "  (source code not available)\n\n"
        'There is no function named "nope".\n\n\n\n'
        "Error: Reference to undeclared input variable\n\n"
        "  on <console-input> line 1:\n"
        "  (source code not available)\n\n"
        'An input variable with the name "missing" has not been declared. This variable\n'
        'can be declared with a variable "missing" {} block.\n\n\n\n'
        "still works\n"
    )


def piped(args: list[str], text: str) -> tuple[int, str]:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as writer:
        writer.write(text)
    with os.fdopen(read_end) as reader:
        stdout = io.StringIO()
        status = console.run(args, stdout, io.StringIO(), stdin=reader)
    return status, stdout.getvalue()


def test_from_a_pipe_only_the_last_value_is_printed_after_the_diagnostics(workdir):
    status, out = piped(["t.pkr.hcl"], '  var.region  \nnope(1)\nexit\n"last"\n')
    assert status == 1  # the error of an earlier line
    assert out == (
        "Error: Call to unknown function\n\n"
        "  on <console-input> line 1:\n"
        "  (source code not available)\n\n"
        'There is no function named "nope".\n\n\n'
        "last\n"
    )


def test_from_a_pipe_a_failing_last_line_prints_an_empty_value(workdir):
    assert piped(["t.pkr.hcl"], 'var.region\nnope(1)\n')[1].endswith('"nope".\n\n\n\n')
    assert piped(["t.pkr.hcl"], "var.region\n") == (0, "eu-west-1\n")
    assert piped(["t.pkr.hcl"], "") == (0, "\n")


def test_source_outside_a_build_is_unknown(workdir):
    status, out, _ = run(["t.pkr.hcl"], 'source.name\nsource.type\n"a-${source.name}"\nsource.foo\n')
    assert status == 0
    assert out.startswith("<unknown>\n<unknown>\n<unknown>\nError: Unsupported attribute\n")


def test_without_a_template_only_functions_and_literals_are_known(workdir):
    status, out, _ = run([], 'join("-", ["a", "b"])\nvar.region\n')
    assert status == 0
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
    assert status == 0
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
    assert "hunter2" not in out
    assert 'cannot convert "<sensitive>" to number' in out


SECRET_TEMPLATE = """variable "password" {
  type      = string
  default   = "hunter22"
  sensitive = true
}
variable "unset" {
  type = string
}
variable "greeting" {
  default = "tab\\there \\"quoted\\" é"
}
locals {
  login = "admin:${var.password}"
}
"""


def test_variables_prints_every_variable_and_local_sorted_quoted_and_masked(workdir):
    (workdir / "s.pkr.hcl").write_text(SECRET_TEMPLATE)

    status, out, _ = run(["s.pkr.hcl"], "variables\n")

    assert status == 0
    assert out == (  # byte for byte what packer 1.6.6's console prints for this template
        "> input-variables:\n\n"
        'var.greeting: "tab\\there \\"quoted\\" é"\n'
        'var.password: "<sensitive>"\n'
        'var.unset: "<unknown>"\n'
        "\n> local-variables:\n\n"
        'local.login: "admin:<sensitive>"\n'
        "\n"
    )


def test_variables_hides_a_sensitive_number_whole_and_leaves_out_a_local_in_error(workdir):
    (workdir / "n.pkr.hcl").write_text('variable "pin" {\n  default   = 1234\n  sensitive = true\n}\n'
                                       'locals {\n  broken = file("missing.txt")\n  pinned = var.pin\n}\n')

    _, out, _ = run(["n.pkr.hcl"], "variables\n")

    assert out == ('> input-variables:\n\nvar.pin: "<sensitive>"\n\n> local-variables:\n\n'
                   'local.pinned: "1234"\n\n')  # a number made from it shows, as in Packer (masking is by text)


def test_variables_of_collections_and_of_no_template(workdir):
    _, out, _ = run(["t.pkr.hcl"], "variables\n")
    assert 'var.zones: "[\\n  \\"a\\",\\n  \\"b\\",\\n]"\n' in out
    assert 'local.ami: "<unknown>"\n' in out and 'local.name: "img-eu-west-1"\n' in out

    assert run([], "variables\n") == (0, "> input-variables:\n\n\n> local-variables:\n\n\n", "")


def test_help_explains_the_console_and_only_the_exact_word_asks_for_it(workdir):
    _, out, _ = run(["t.pkr.hcl"], "help\n")
    assert out.startswith("Packer console HCL2 Mode.\n") and out.endswith("with in HCL2 mode.\n")
    assert '"variables" will dump all available variables and their values.' in out

    typed = io.StringIO("  help\nhelp\n")  # a redirected file, not a pipe: lines are taken as typed
    stdout = io.StringIO()
    console.repl(_context(workdir), typed, stdout)
    assert stdout.getvalue().startswith("Error: Unknown variable")
    assert stdout.getvalue().count("Packer console HCL2 Mode.") == 1


def _context(workdir):
    from builds.engine.hcl.config import load_config

    return load_config(str(workdir / "t.pkr.hcl")).context
