"""Packer's own `null` data source: its input comes back as `output`, in validation and in builds."""

from __future__ import annotations

import io
import os
from pathlib import Path

from builds.engine.cli import main

TEMPLATE = """
data "null" "greeting" {
  input = "hello from data"
}

locals {
  said = data.null.greeting.output
}

source "null" "a" {
  communicator = "none"
}

build {
  sources = ["source.null.a"]

  provisioner "shell-local" {
    inline = ["echo ${local.said} > said.txt"]
  }
}
"""


def _cli(tmp_path: Path, text: str, *args: str) -> tuple[int, str]:
    (tmp_path / "t.pkr.hcl").write_text(text)
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main([*args, "t.pkr.hcl"], out, out)
    finally:
        os.chdir(cwd)
    return code, " ".join(out.getvalue().split())


def test_a_build_uses_the_input_as_the_output(tmp_path):
    code, shown = _cli(tmp_path, TEMPLATE, "build", "-color=false")

    assert code == 0, shown
    assert (tmp_path / "said.txt").read_text() == "hello from data\n"


def test_it_is_known_to_validate_and_checked_when_evaluated(tmp_path):
    assert _cli(tmp_path, TEMPLATE, "validate") == (0, "The configuration is valid.")  # no "unknown type" warning
    assert _cli(tmp_path, TEMPLATE, "validate", "-evaluate-datasources") == (0, "The configuration is valid.")

    empty = TEMPLATE.replace('input = "hello from data"', "")
    code, shown = _cli(tmp_path, empty, "validate", "-evaluate-datasources")

    assert code == 1
    assert 'Error: Invalid data source configuration on t.pkr.hcl line 2, in data "null" "greeting"' in shown
    assert "The `input` must be specified" in shown


def test_a_value_only_the_data_gives_is_checked_once_evaluated(tmp_path):
    """Packer's own fixture (command/test-fixtures/hcl/local-ds-validate.pkr.hcl): a file provisioner's
    direction comes from the data, and validates once the data is evaluated."""
    text = """
data "null" "dep" {
  input = "upload"
}

source "null" "test" {
  communicator = "none"
}

build {
  sources = ["sources.null.test"]

  provisioner "file" {
    source      = "t.pkr.hcl"
    destination = "dest"
    direction   = "${data.null.dep.output}"
  }
}
"""
    assert _cli(tmp_path, text, "validate", "--evaluate-datasources") == (0, "The configuration is valid.")

    code, shown = _cli(tmp_path, text.replace('"upload"', '"sideways"'), "validate", "--evaluate-datasources")
    assert code == 1 and "Direction must be one of: download, upload." in shown
