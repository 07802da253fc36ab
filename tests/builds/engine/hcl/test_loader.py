"""Finding, reading and decoding a template's files: directories, auto var files, encodings, syntax errors."""

from pathlib import Path

from builds.engine.hcl.config import load_config
from builds.engine.hcl.diagnostics import Diagnostics
from builds.engine.hcl.loader import display_name, read_source, template_files

NULL = 'source "null" "x" {\n  communicator = "none"\n}\nbuild {\n  sources = ["null.x"]\n}\n'


def write(directory: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def test_directory_gives_templates_and_auto_var_files_in_lexical_order(tmp_path):
    write(tmp_path, {"b.pkr.hcl": "", "a.pkr.hcl": "", "c.pkr.json": "{}", "z.auto.pkrvars.hcl": "",
                     "y.auto.pkrvars.json": "{}", "manual.pkrvars.hcl": "", "notes.hcl": "", "sub/d.pkr.hcl": ""})
    files, auto, diags = template_files(tmp_path)
    assert not diags
    assert [p.name for p in files] == ["a.pkr.hcl", "b.pkr.hcl", "c.pkr.json"]
    assert [p.name for p in auto] == ["y.auto.pkrvars.json", "z.auto.pkrvars.hcl"]


def test_directory_without_templates(tmp_path):
    write(tmp_path, {"vars.pkrvars.hcl": ""})
    files, _, diags = template_files(tmp_path)
    assert files == []
    (diag,) = diags
    assert diag.summary == f"Could not find any config file in {tmp_path}"
    assert diag.detail.startswith("A config file must be suffixed with `.pkr.hcl` or `.pkr.json`.")


def test_a_json_file_that_is_not_pkr_json_is_a_legacy_template_imagehub_does_not_read(tmp_path):
    write(tmp_path, {"build.json": '{"builders": [{"type": "null", "communicator": "none"}]}',
                     "hcl.pkr.json": '{"source": {"null": {"a": {"communicator": "none"}}}}'})

    files, _, diags = template_files(tmp_path / "build.json")

    assert files == []
    (diag,) = diags
    assert diag.summary == "Legacy JSON template"
    assert "packer hcl2_upgrade build.json" in diag.detail and ".pkr.json" in diag.detail
    assert template_files(tmp_path / "hcl.pkr.json")[0] == [tmp_path / "hcl.pkr.json"]


def test_a_variables_file_is_not_a_template(tmp_path):
    write(tmp_path, {"x.pkrvars.hcl": ""})
    (diag,) = template_files(tmp_path / "x.pkrvars.hcl")[2]
    assert diag.summary == f"{tmp_path / 'x.pkrvars.hcl'} is a variables file"


def test_missing_template_path(tmp_path):
    config = load_config(tmp_path / "absent.pkr.hcl", cwd=tmp_path, env={})
    (diag,) = config.diagnostics
    assert diag.summary == "Failed to read template"
    assert config.template is None


def test_a_single_file_does_not_load_its_neighbours(tmp_path):
    write(tmp_path, {"main.pkr.hcl": NULL, "other.pkr.hcl": "broken {", "x.auto.pkrvars.hcl": "y = 1\n"})
    config = load_config("main.pkr.hcl", cwd=tmp_path, env={})
    assert not config.diagnostics
    assert list(config.texts) == ["main.pkr.hcl"]


def test_files_of_a_directory_are_named_by_the_directory_as_given(tmp_path):
    write(tmp_path, {"tpl/main.pkr.hcl": 'locals {\n  a = var.nope\n}\n' + NULL, "tpl/v.auto.pkrvars.hcl": ""})
    for given, name in [("tpl", "tpl/main.pkr.hcl"), ("./tpl/", "tpl/main.pkr.hcl"),
                        (str(tmp_path / "tpl") + "/", str(tmp_path / "tpl" / "main.pkr.hcl"))]:
        config = load_config(given, cwd=tmp_path, env={})
        (diag,) = config.diagnostics
        assert diag.subject.filename == name
        assert list(config.texts) == [name, name.replace("main.pkr.hcl", "v.auto.pkrvars.hcl")]


def test_files_given_are_named_as_given_like_packer(tmp_path, monkeypatch):
    # packer 1.6.6 names a template file and a -var-file as written on the command line, absolute or not
    write(tmp_path, {"tpl/main.pkr.hcl": 'locals {\n  a = var.nope\n}\n' + NULL, "v.pkrvars.hcl": ""})
    monkeypatch.chdir(tmp_path / "tpl")
    for given in [str(tmp_path / "tpl" / "main.pkr.hcl"), "./main.pkr.hcl", "../tpl/main.pkr.hcl"]:
        config = load_config(given, var_files=["../v.pkrvars.hcl"], env={})
        (diag,) = config.diagnostics
        assert diag.subject.filename == given
        assert list(config.texts) == [given, "../v.pkrvars.hcl"]
    assert display_name("/x/./y/", "a.pkr.hcl") == "/x/y/a.pkr.hcl"
    assert display_name(".", "a.pkr.hcl") == "a.pkr.hcl"


def test_syntax_errors_in_two_files_are_all_reported_and_nothing_is_evaluated(tmp_path):
    write(tmp_path, {
        "a.pkr.hcl": 'source "null" "x" {\n  communicator = "none"\n',
        "b.pkr.hcl": "locals {\n  a = 1 2\n  b = \n}\n",
        "c.pkr.hcl": NULL.replace('"null.x"', '"null.y"'),
        "v.auto.pkrvars.hcl": "x = = 1\n",
    })
    config = load_config(".", cwd=tmp_path, env={})
    assert [(d.summary, d.subject.filename, d.subject.start.line, d.subject.start.column)
            for d in config.diagnostics] == [
        ("Unclosed configuration block", "a.pkr.hcl", 1, 19),
        ("Missing newline after argument", "b.pkr.hcl", 2, 9),
        ("Invalid expression", "b.pkr.hcl", 3, 7),
        ("Invalid expression", "v.auto.pkrvars.hcl", 1, 5),
    ]
    assert config.template is None and config.context is None
    assert set(config.texts) == {"a.pkr.hcl", "b.pkr.hcl", "c.pkr.hcl", "v.auto.pkrvars.hcl"}


def test_invalid_utf8_is_reported_at_the_first_bad_byte(tmp_path):
    write(tmp_path, {"main.pkr.hcl": b'locals {\n  a = "caf\xe9"\n}\n'})
    config = load_config(".", cwd=tmp_path, env={})
    (diag,) = config.diagnostics
    assert diag.summary == "Invalid character encoding"
    assert diag.detail.startswith("All input files must be UTF-8 encoded.")
    assert (diag.subject.filename, diag.subject.start.line, diag.subject.start.column) == ("main.pkr.hcl", 2, 11)


def test_unreadable_file(tmp_path):
    diags = Diagnostics()
    assert read_source(tmp_path / "absent.pkr.hcl", "absent.pkr.hcl", diags) is None
    (diag,) = diags
    assert diag.summary == "Failed to read file"
    assert "absent.pkr.hcl could not be read" in diag.detail


def test_syntax_only_loading_decodes_blocks_but_evaluates_nothing(tmp_path):
    write(tmp_path, {"main.pkr.hcl": 'locals {\n  a = var.nope\n}\n' + NULL})
    config = load_config(tmp_path, cwd=tmp_path, env={}, syntax_only=True)
    assert not config.diagnostics
    assert config.context is None
    assert list(config.template.locals) == ["a"]


def test_top_level_argument_is_not_expected(tmp_path):
    write(tmp_path, {"main.pkr.hcl": 'region = "x"\n' + NULL})
    (diag,) = load_config(".", cwd=tmp_path, env={}).diagnostics
    assert (diag.summary, diag.detail) == ("Unsupported argument", 'An argument named "region" is not expected here.')
    assert (diag.subject.start.line, diag.subject.start.column) == (1, 1)


def test_path_root_is_the_template_directory_for_a_file_or_a_directory(tmp_path):
    write(tmp_path, {"tpl/main.pkr.hcl": NULL})
    assert load_config(tmp_path / "tpl", cwd=tmp_path, env={}).template.root == tmp_path / "tpl"
    assert load_config(tmp_path / "tpl/main.pkr.hcl", cwd=tmp_path, env={}).template.root == tmp_path / "tpl"


def test_blocks_from_several_files_make_one_template(tmp_path):
    write(tmp_path, {
        "variables.pkr.hcl": 'variable "name" {\n  default = "web"\n}\n',
        "sources.pkr.hcl": 'source "null" "x" {\n  communicator = "none"\n}\n',
        "build.pkr.hcl": 'build {\n  name = var.name\n  sources = ["null.x"]\n}\n',
    })
    config = load_config(".", cwd=tmp_path, env={})
    assert not config.diagnostics
    assert config.template.builds[0].name == "web"
    assert sorted(config.template.files) == ["build.pkr.hcl", "sources.pkr.hcl", "variables.pkr.hcl"]
