"""``imagehub validate``: exit codes, Packer's output shape, -syntax-only, -only/-except and variables."""

import io
import os
import subprocess
import sys

import pytest

from builds.engine.cli import main

VALID = 'source "null" "x" {\n  communicator = "none"\n}\nbuild {\n  sources = ["null.x"]\n}\n'
BOGUS = 'source "null" "x" {\n  communicator = "none"\n  bogus = 1\n}\nbuild {\n  sources = ["null.x"]\n}\n'


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory for the command, so files are named relative to it as Packer names them."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("PKR_VAR_"):
            monkeypatch.delenv(name)
    return tmp_path


def validate(*args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(["validate", *args], stdout, stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def test_valid_template_exits_zero_and_says_so(workdir):
    (workdir / "t.pkr.hcl").write_text(VALID)
    assert validate("t.pkr.hcl") == (0, "The configuration is valid.\n", "")


def test_error_is_printed_in_packers_shape_and_exits_one(workdir):
    (workdir / "t.pkr.hcl").write_text(BOGUS)
    assert validate("t.pkr.hcl") == (1, (
        "Error: Unsupported argument\n"
        "\n"
        '  on t.pkr.hcl line 3, in source "null" "x":\n'
        "   3:   bogus = 1\n"
        "\n"
        'An argument named "bogus" is not expected here.\n'
        "\n"
    ), "")


def test_warnings_are_printed_and_the_template_is_still_valid(workdir):
    (workdir / "t.pkr.hcl").write_text('source "qemu" "vm" {\n  iso_url = "x"\n}\nbuild {\n  sources = ["qemu.vm"]\n}\n')
    status, out, _ = validate("t.pkr.hcl")
    assert status == 0
    assert out.startswith('Warning: Unknown builder type "qemu"\n\n  on t.pkr.hcl line 1, in source "qemu" "vm":\n'
                          '   1: source "qemu" "vm" {\n\n')
    assert out.endswith("A build that uses it will fail.\n\nThe configuration is valid.\n")


def test_long_details_are_wrapped_at_78_columns(workdir):
    (workdir / "t.pkr.hcl").write_text(VALID + 'locals {\n  a = var.a_rather_long_variable_name_here\n}\n')
    status, out, _ = validate("t.pkr.hcl")
    assert status == 1
    assert out == (
        "Error: Reference to undeclared input variable\n"
        "\n"
        "  on t.pkr.hcl line 8, in locals:\n"
        "   8:   a = var.a_rather_long_variable_name_here\n"
        "\n"
        'An input variable with the name "a_rather_long_variable_name_here" has not\n'
        'been declared. This variable can be declared with a variable\n'
        '"a_rather_long_variable_name_here" {} block.\n'
        "\n"
    )


def test_every_error_of_every_file_is_printed(workdir):
    (workdir / "tpl").mkdir()
    (workdir / "tpl" / "a.pkr.hcl").write_text(BOGUS)
    (workdir / "tpl" / "b.pkr.hcl").write_text('locals {\n  x = nofunc()\n}\n')
    status, out, _ = validate("tpl")
    assert status == 1
    assert out.count("Error: ") == 2
    assert '  on tpl/a.pkr.hcl line 3, in source "null" "x":\n' in out
    assert "  on tpl/b.pkr.hcl line 2, in locals:\n   2:   x = nofunc()\n" in out


def test_syntax_errors_in_two_files_are_printed_together(workdir):
    (workdir / "a.pkr.hcl").write_text("a = \n")
    (workdir / "b.pkr.hcl").write_text("b {\n")
    status, out, _ = validate(".")
    assert status == 1
    assert "Error: Invalid expression\n\n  on a.pkr.hcl line 1:\n   1: a = \n" in out
    assert "Error: Unclosed configuration block\n\n  on b.pkr.hcl line 1:\n   1: b {\n" in out


def test_syntax_only_ignores_semantic_errors(workdir):
    (workdir / "t.pkr.hcl").write_text(BOGUS)
    assert validate("-syntax-only", "t.pkr.hcl") == (0, "Syntax-only check passed. Everything looks okay.\n", "")


def test_syntax_only_reports_syntax_errors(workdir):
    (workdir / "t.pkr.hcl").write_text("a = 1\nb 2\n")
    status, out, _ = validate("-syntax-only", "t.pkr.hcl")
    assert status == 1
    assert out.startswith("Error: Argument or block definition required\n\n  on t.pkr.hcl line 2:\n   2: b 2\n")
    assert "Syntax-only check passed" not in out


def test_only_and_except_choose_the_builds_checked(workdir):
    text = BOGUS + 'source "null" "y" {\n  communicator = "none"\n}\nbuild {\n  name = "good"\n  sources = ["null.y"]\n}\n'
    (workdir / "t.pkr.hcl").write_text(text)
    assert validate("-only=good.*", "t.pkr.hcl")[0] == 0
    assert validate("-except=null.x", "t.pkr.hcl")[0] == 0
    assert validate("-only", "null.x,good.null.y", "t.pkr.hcl")[0] == 1


def test_variables_from_flags_and_files(workdir):
    text = ('variable "size" {\n  type = number\n  default = 1\n  validation {\n    condition = var.size < 10\n'
            '    error_message = "The size must be below 10."\n  }\n}\n' + VALID)
    (workdir / "t.pkr.hcl").write_text(text)
    (workdir / "big.pkrvars.hcl").write_text("size = 50\n")
    assert validate("-var", "size=5", "t.pkr.hcl")[0] == 0
    status, out, _ = validate("-var-file=big.pkrvars.hcl", "t.pkr.hcl")
    assert status == 1
    assert out.startswith('Error: Invalid value for variable\n\n  on big.pkrvars.hcl line 1, in variable "size":\n'
                          "   1: size = 50\n\nThe size must be below 10.\n\n")
    assert validate("-var-file=big.pkrvars.hcl", "-var", "size=2", "t.pkr.hcl")[0] == 0


def test_environment_values_are_used(workdir, monkeypatch):
    (workdir / "t.pkr.hcl").write_text('variable "n" {\n  type = number\n}\n' + VALID)
    assert validate("t.pkr.hcl")[0] == 1
    monkeypatch.setenv("PKR_VAR_n", "3")
    assert validate("t.pkr.hcl")[0] == 0


def test_undeclared_cli_variable_has_no_source_snippet(workdir):
    (workdir / "t.pkr.hcl").write_text(VALID)
    assert validate("-var", "nope=1", "t.pkr.hcl") == (1, (
        "Error: Undefined -var variable\n"
        "\n"
        'A "nope" variable was passed in with -var but was not declared in the\n'
        'template. To declare it, add a variable "nope" {} block to one of your\n'
        ".pkr.hcl files.\n"
        "\n"
    ), "")


def test_undeclared_var_file_entries_warn_unless_told_not_to(workdir):
    (workdir / "t.pkr.hcl").write_text(VALID)
    (workdir / "x.pkrvars.hcl").write_text("stray = 1\n")
    status, out, _ = validate("-var-file=x.pkrvars.hcl", "t.pkr.hcl")
    assert status == 0
    assert out.startswith("Warning: Undefined variable\n\n  on x.pkrvars.hcl line 1:\n")
    assert validate("-no-warn-undeclared-var", "-var-file=x.pkrvars.hcl", "t.pkr.hcl") == (
        0, "The configuration is valid.\n", "")


def test_unknown_flag_and_missing_template(workdir):
    status, out, err = validate("-bogus", "t.pkr.hcl")
    assert (status, err) == (1, "flag provided but not defined: -bogus\n")
    assert out.startswith("Usage: imagehub validate [options] TEMPLATE")
    status, out, err = validate()
    assert status == 1
    assert out.startswith("Usage: imagehub validate")


def test_template_that_does_not_exist(workdir):
    status, out, _ = validate("absent.pkr.hcl")
    assert status == 1
    assert out.startswith("Error: Failed to read template\n")


AMAZON = """\
source "amazon-ebs" "web" {
  ami_name      = "web-{{timestamp}}"
  region        = "us-east-1"
  instance_type = "t3.micro"
  source_ami    = "ami-1e749f67"
  ssh_username  = "ubuntu"
}
build {
  sources = ["amazon-ebs.web"]
}
"""

LIST_MODULES_AFTER_MAIN = """\
import runpy, sys
try:
    runpy.run_module("builds.engine", run_name="__main__", alter_sys=True)
except SystemExit:
    print("\\n".join(sorted(sys.modules)), file=sys.stderr)
    raise
"""


def modules_after_validating(workdir, template: str) -> set[str]:
    """Validate ``template`` in a new process; return the modules that process had imported."""
    (workdir / "t.pkr.hcl").write_text(template)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))))
    done = subprocess.run([sys.executable, "-c", LIST_MODULES_AFTER_MAIN, "validate", "t.pkr.hcl"],
                          env={**os.environ, "PYTHONPATH": repo}, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "The configuration is valid.\n"
    return set(done.stderr.split())


def test_an_amazon_template_is_validated_without_loading_the_aws_sdks_clients(workdir):
    imported = modules_after_validating(workdir, AMAZON)
    assert "builds.engine.builders.amazon.ebs.builder" in imported
    assert not imported & {"boto3", "botocore.exceptions", "botocore.session", "botocore.client", "urllib3",
                            "django", "builds.engine.builders.amazon.ebs.recipe"}


def test_validating_ssh_settings_and_a_timestamp_pattern_loads_no_key_or_regex_library(workdir):
    template = AMAZON.replace('build {', 'locals {\n  stamp = regex_replace(timestamp(), "[- TZ:]", "")\n}\nbuild {', 1)
    imported = modules_after_validating(workdir, template)
    assert not {name.split(".")[0] for name in imported} & {"cryptography", "regex"}


def test_a_deprecated_argument_warns_once_though_validation_and_prepare_both_read_it(workdir):
    (workdir / "t.pkr.hcl").write_text(
        'source "null" "x" {\n  communicator = "ssh"\n  ssh_host = "127.0.0.1"\n  ssh_username = "u"\n'
        '  ssh_password = "p"\n  ssh_wait_timeout = "5m"\n}\nbuild {\n  sources = ["source.null.x"]\n}\n')

    status, out, _ = validate("t.pkr.hcl")

    assert status == 0
    assert out.count("Warning: Deprecated argument") == 1
    assert 'The argument "ssh_wait_timeout" is deprecated' in out
    assert out.endswith("The configuration is valid.\n")
