"""Locals and the references a template's top level can make: chains, cycles, data, path, packer, templatefile."""

from builds.engine.hcl.config import load_config
from builds.engine.hcl.values import UNKNOWN

BUILD = 'source "null" "x" {\n  communicator = "none"\n}\nbuild {\n  sources = ["null.x"]\n}\n'


def load(tmp_path, text: str, extra: dict[str, str] | None = None, **kwargs):
    (tmp_path / "main.pkr.hcl").write_text(text + BUILD)
    for name, content in (extra or {}).items():
        (tmp_path / name).write_text(content)
    kwargs.setdefault("env", {})
    return load_config(".", cwd=tmp_path, **kwargs)


def found(config) -> list[tuple[str, int, int, str]]:
    return [(d.summary, d.subject.start.line, d.subject.start.column, d.context) for d in config.diagnostics]


def test_locals_see_variables_and_each_other_in_any_order(tmp_path):
    text = """
variable "region" { default = "eu-west-1" }
locals {
  l1 = "${local.l2}!"
  l2 = upper(local.l3)
  l3 = "${local.l4}-${local.l5}"
  l4 = local.l6
  l5 = length(local.l7)
  l6 = local.l8
  l7 = [for i in range(local.l8_count) : i]
  l8 = "img-${var.region}"
  l8_count = 3
}
"""
    config = load(tmp_path, text)
    assert not config.diagnostics
    assert config.context.local_value("l1") == "IMG-EU-WEST-1-3!"
    assert config.context.local_values["l7"] == [0, 1, 2]


def test_local_blocks_with_expression_and_sensitive(tmp_path):
    text = 'local "token" {\n  expression = "abc"\n  sensitive  = true\n}\nlocals {\n  shown = local.token\n}\n'
    config = load(tmp_path, text)
    assert not config.diagnostics
    assert config.template.locals["token"].sensitive is True
    assert config.context.local_values["shown"] == "abc"


def test_two_locals_referring_to_each_other_are_one_cycle_error(tmp_path):
    config = load(tmp_path, "locals {\n  a = local.b\n  b = local.a\n}\n")
    assert found(config) == [("Cycle detected", 3, 7, "locals")]
    assert config.diagnostics.items[0].detail == ("Local values refer to each other in a cycle: "
                                                  "local.a -> local.b -> local.a.")


def test_longer_cycle_and_self_reference(tmp_path):
    config = load(tmp_path, "locals {\n  c1 = local.c2\n  c2 = local.c3\n  c3 = local.c1\n  me = local.me\n}\n")
    assert [(d.detail, d.subject.start.line) for d in config.diagnostics] == [
        ("Local values refer to each other in a cycle: local.c1 -> local.c2 -> local.c3 -> local.c1.", 4),
        ("Local values refer to each other in a cycle: local.me -> local.me.", 5),
    ]


def test_a_local_using_a_cycle_is_not_reported_twice(tmp_path):
    config = load(tmp_path, "locals {\n  user = local.a\n  a = local.b\n  b = local.a\n}\n")
    assert [d.summary for d in config.diagnostics] == ["Cycle detected"]


def test_undeclared_local_and_variable(tmp_path):
    text = 'locals {\n  a = local.nope\n  b = "${var.missing}-x"\n}\nlocal "c" {\n  expression = local.gone\n}\n'
    config = load(tmp_path, text)
    assert found(config) == [
        ("Reference to undeclared local value", 2, 7, "locals"),
        ("Reference to undeclared input variable", 3, 10, "locals"),
        ("Reference to undeclared local value", 6, 16, 'local "c"'),
    ]
    assert config.diagnostics.items[0].detail == 'A local value with the name "nope" has not been declared.'
    assert config.diagnostics.items[1].detail == ('An input variable with the name "missing" has not been declared. '
                                                  'This variable can be declared with a variable "missing" {} '
                                                  "block.")


def test_error_in_a_local_is_reported_once_where_it_is_defined(tmp_path):
    config = load(tmp_path, "locals {\n  bad = nofunc()\n  user1 = local.bad\n  user2 = local.bad\n}\n")
    assert found(config) == [("Call to unknown function", 2, 9, "locals")]


def test_local_object_cannot_be_used_whole(tmp_path):
    config = load(tmp_path, "locals {\n  all = local\n}\n")
    assert found(config) == [("Invalid reference", 2, 9, "locals")]
    assert config.diagnostics.items[0].detail == ('The "local" object cannot be accessed directly. Instead, access '
                                                  "one of its attributes.")


def test_duplicate_locals_across_blocks(tmp_path):
    text = 'locals {\n  x = 1\n}\nlocal "x" {\n  expression = 2\n}\nlocals {\n  x = 3\n}\n'
    config = load(tmp_path, text)
    assert [(d.summary, d.subject.start.line) for d in config.diagnostics] == [
        ("Duplicate local definition", 4), ("Duplicate local definition", 8)]
    assert config.diagnostics.items[0].detail.startswith('Duplicate "x" local definition found; the first was at '
                                                         "main.pkr.hcl:2,3")
    assert config.context.local_values["x"] == 1


def test_local_block_without_expression(tmp_path):
    config = load(tmp_path, 'local "x" {\n  sensitive = true\n}\n')
    assert found(config) == [("Missing required argument", 1, 1, 'local "x"')]


def test_env_is_not_available_in_locals(tmp_path):
    config = load(tmp_path, 'locals {\n  home = env("HOME")\n}\n')
    assert found(config) == [("Call to unavailable function", 2, 10, "locals")]


def test_build_only_references_and_foreign_roots_are_errors_in_locals(tmp_path):
    text = "locals {\n  s = source.name\n  c = count.index\n  f = foo.bar\n}\n"
    config = load(tmp_path, text)
    assert [(d.summary, d.detail) for d in config.diagnostics] == [
        ("Invalid reference", '"source" is only available inside a build block, in provisioners and '
                              "post-processors."),
        ("Invalid reference", '"count" is not available in Packer templates.'),
        ("Unknown variable", 'There is no variable named "foo".'),
    ]


def test_data_sources_are_unknown_until_a_build_runs_them(tmp_path):
    text = """
data "amazon-ami" "ubuntu" {
  filters     = { name = "ubuntu/*" }
  owners      = ["099720109477"]
  most_recent = true
}
locals {
  ami     = data.amazon-ami.ubuntu.id
  derived = "${local.ami}-suffix"
}
"""
    config = load(tmp_path, text)
    assert not config.diagnostics
    assert config.context.local_values["ami"] is UNKNOWN
    assert config.context.local_values["derived"] is UNKNOWN


def test_undeclared_and_malformed_data_references(tmp_path):
    config = load(tmp_path, "locals {\n  a = data.amazon-ami.missing.id\n  b = data.amazon-ami\n}\n")
    assert [(d.summary, d.detail, d.subject.start.line, d.subject.start.column) for d in config.diagnostics] == [
        ("Reference to undeclared data source", 'A data source "amazon-ami" "missing" has not been declared.', 2, 7),
        ("Invalid data source reference", "A reference to a data source has the form data.TYPE.NAME.ATTRIBUTE.",
         3, 7),
    ]


def test_path_and_packer_references(tmp_path):
    sub = tmp_path / "tpl"
    sub.mkdir()
    text = ("locals {\n  root = path.root\n  cwd = path.cwd\n  version = packer.version\n"
            "  iteration = packer.iterationID\n}\n")
    (sub / "main.pkr.hcl").write_text(text + BUILD)
    config = load_config(sub / "main.pkr.hcl", cwd=tmp_path, env={})
    assert not config.diagnostics
    values = config.context.local_values
    assert values["root"] == str(sub)
    assert values["cwd"] == str(tmp_path)
    assert values["version"] == "1.16.0"
    assert values["iteration"] is UNKNOWN


def test_unknown_packer_attribute(tmp_path):
    config = load(tmp_path, "locals {\n  v = packer.nope\n}\n")
    assert found(config) == [("Unsupported attribute", 2, 7, "locals")]


USER_DATA = """#cloud-config
hostname: ${name}
packages:
%{ for p in pkgs ~}
  - ${p}
%{ endfor ~}
%{ if admin }admin: yes%{ else }admin: no%{ endif }
"""


def test_templatefile_renders_directives_relative_to_path_root(tmp_path):
    text = ('locals {\n  rendered = templatefile("${path.root}/user-data.tpl", '
            '{ name = "web", pkgs = ["nginx", "curl"], admin = true })\n}\n')
    config = load(tmp_path, text, {"user-data.tpl": USER_DATA})
    assert not config.diagnostics
    assert config.context.local_values["rendered"] == (
        "#cloud-config\nhostname: web\npackages:\n  - nginx\n  - curl\nadmin: yes\n")


def test_templatefile_errors_name_the_template_position(tmp_path):
    text = 'locals {\n  r = templatefile("${path.root}/bad.tpl", { name = "x" })\n}\n'
    config = load(tmp_path, text, {"bad.tpl": "ok ${name}\nthen ${nope}\n"})
    (diag,) = config.diagnostics
    assert diag.summary == "Error in function call"
    assert diag.detail.startswith('Call to function "templatefile" failed: ')
    assert f"{tmp_path}/bad.tpl:2,8" in diag.detail
    assert 'There is no variable named "nope"' in diag.detail
    assert (diag.subject.start.line, diag.subject.start.column) == (2, 7)


def test_templatefile_syntax_error_in_the_template(tmp_path):
    text = 'locals {\n  r = templatefile("${path.root}/bad.tpl", {})\n}\n'
    config = load(tmp_path, text, {"bad.tpl": "%{ if true }never closed\n"})
    (diag,) = config.diagnostics
    assert "bad.tpl:1,1" in diag.detail
    assert "Unterminated template if directive" in diag.detail


def test_templatefile_with_a_missing_file(tmp_path):
    config = load(tmp_path, 'locals {\n  r = templatefile("absent.tpl", {})\n}\n')
    (diag,) = config.diagnostics
    assert diag.summary == "Error in function call"
    assert diag.detail == f'Call to function "templatefile" failed: no file exists at {tmp_path}/absent.tpl.'
    assert (diag.subject.start.line, diag.subject.start.column) == (2, 7)


def test_a_loaded_template_is_freed_without_the_cyclic_collector(tmp_path):
    import gc
    import weakref

    text = 'locals {\n  r = templatefile("${path.root}/user-data.tpl", { name = "x" })\n}\n'
    config = load(tmp_path, text, {"user-data.tpl": "hello ${name}"})
    assert not config.diagnostics
    assert config.context.local_values["r"] == "hello x"
    context = weakref.ref(config.context)
    gc.disable()
    try:
        del config
        assert context() is None
    finally:
        gc.enable()
