"""Tests of loading a template from file texts held in memory."""

from pathlib import Path

from builds.engine.commands.inspect import summarize
from builds.engine.hcl.config import load_config, load_config_from_texts

VARIABLES = 'variable "region" {\n  type    = string\n  default = "eu-west-1"\n}\n'
SOURCES = 'source "null" "one" {\n  communicator = "none"\n}\n'
BUILD = 'build {\n  sources = ["source.null.one"]\n}\n'


def test_texts_load_like_the_same_files_in_a_directory(tmp_path):
    files = {"variables.pkr.hcl": VARIABLES, "sources.pkr.hcl": SOURCES, "build.pkr.hcl": BUILD}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    from_disk = load_config(tmp_path, env={})
    from_texts = load_config_from_texts(files, root=tmp_path, env={})
    assert from_texts.ok
    assert summarize(from_texts) == summarize(from_disk)
    assert from_texts.texts == files


def test_auto_variables_files_apply_and_named_ones_only_when_asked(tmp_path):
    files = {
        "main.pkr.hcl": VARIABLES + SOURCES + BUILD,
        "a.auto.pkrvars.hcl": 'region = "us-east-1"\n',
        "prod.pkrvars.hcl": 'region = "ap-south-1"\n',
    }
    plain = load_config_from_texts(files, root=tmp_path, env={})
    assert plain.context.variables["region"].value == "us-east-1"
    with_preset = load_config_from_texts(files, root=tmp_path, env={}, var_files=["prod.pkrvars.hcl"])
    assert with_preset.context.variables["region"].value == "ap-south-1"


def test_a_variables_file_that_is_not_among_the_texts_is_a_diagnostic(tmp_path):
    config = load_config_from_texts({"main.pkr.hcl": BUILD}, root=tmp_path, var_files=["gone.pkrvars.hcl"])
    assert [d.summary for d in config.diagnostics.errors] == ["Failed to read variables file"]
    assert "gone.pkrvars.hcl" in config.diagnostics.errors[0].detail


def test_texts_without_a_template_file_are_a_diagnostic(tmp_path):
    config = load_config_from_texts({"values.pkrvars.hcl": 'a = "b"\n'}, root=tmp_path)
    assert config.template is None
    assert config.diagnostics.errors[0].summary == "No template file"


def test_syntax_errors_name_the_file_and_position(tmp_path):
    config = load_config_from_texts({"broken.pkr.hcl": 'source "null" "x" {\n  a = \n'}, root=tmp_path)
    assert config.template is None
    subject = config.diagnostics.errors[0].subject
    assert subject.filename == "broken.pkr.hcl"
    assert subject.start.line >= 2


def test_path_root_is_the_given_root():
    files = {"main.pkr.hcl": 'locals {\n  where = path.root\n}\n' + SOURCES + BUILD}
    config = load_config_from_texts(files, root=Path("/srv/templates/x"), env={})
    assert config.context.local_value("where") == "/srv/templates/x"
