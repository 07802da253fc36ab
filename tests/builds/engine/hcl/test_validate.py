"""``validate``: every problem in a template against the language and the plugins' schemas, with positions."""

from builds.engine.hcl.config import load_config
from builds.engine.hcl.validate import validate

NULL = 'source "null" "x" {\n  communicator = "none"\n}\n'


def check(tmp_path, files: dict[str, str], only=(), except_=(), **kwargs):
    """Write ``files``, load the directory and validate it; return the diagnostics."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    kwargs.setdefault("env", {})
    config = load_config(".", cwd=tmp_path, **kwargs)
    return validate(config, only, except_)


def brief(diags) -> list[tuple]:
    """(severity, summary, file, line, column, context) of each diagnostic."""
    out = []
    for d in diags:
        s = d.subject
        out.append((d.severity, d.summary, s.filename if s else None, s.start.line if s else None,
                    s.start.column if s else None, d.context))
    return out


def test_a_valid_template_gives_no_diagnostics(tmp_path):
    text = NULL + ('build {\n  sources = ["source.null.x"]\n  provisioner "shell-local" {\n'
                   '    inline = ["echo hi"]\n  }\n  post-processor "manifest" {}\n}\n')
    assert not check(tmp_path, {"t.pkr.hcl": text})


def test_unknown_top_level_block_suggests_the_close_one(tmp_path):
    diags = check(tmp_path, {"t.pkr.hcl": 'varible "x" {\n}\nthing {\n}\n' + NULL + 'build {\n  sources = ["null.x"]\n}\n'})
    assert brief(diags) == [
        ("error", "Unsupported block type", "t.pkr.hcl", 1, 1, ""),
        ("error", "Unsupported block type", "t.pkr.hcl", 3, 1, ""),
    ]
    assert diags.items[0].detail == 'Blocks of type "varible" are not expected here. Did you mean "variable"?'
    assert diags.items[1].detail == 'Blocks of type "thing" are not expected here.'


def test_unknown_top_level_argument(tmp_path):
    diags = check(tmp_path, {"t.pkr.hcl": 'region = "x"\n' + NULL + 'build {\n  sources = ["null.x"]\n}\n'})
    assert brief(diags) == [("error", "Unsupported argument", "t.pkr.hcl", 1, 1, "")]


def test_unknown_arguments_in_source_build_and_provisioner_suggest_names(tmp_path):
    text = """source "file" "f" {
  content = "x"
  targt   = "out.txt"
}
build {
  sourcess = []
  sources  = ["source.file.f"]
  provisioner "shell-local" {
    inlin = ["echo"]
  }
}
"""
    diags = check(tmp_path, {"t.pkr.hcl": text})
    assert [(d.summary, d.detail, d.subject.start.line, d.subject.start.column, d.context) for d in diags] == [
        ("Unsupported argument", 'An argument named "sourcess" is not expected here. Did you mean "sources"?', 6, 3,
         "build"),
        ("Unsupported argument", 'An argument named "targt" is not expected here. Did you mean "target"?', 3, 3,
         'source "file" "f"'),
        ("Missing required argument", 'The argument "target" is required, but no definition was found.', 1, 1,
         'source "file" "f"'),
        ("Unsupported argument", 'An argument named "inlin" is not expected here. Did you mean "inline"?', 9, 5,
         'provisioner "shell-local"'),
    ]


def test_missing_required_argument_points_at_the_block_header(tmp_path):
    text = '\nsource "file" "f" {\n  content = "x"\n}\nbuild {\n  sources = ["file.f"]\n}\n'
    diags = check(tmp_path, {"t.pkr.hcl": text})
    assert brief(diags) == [("error", "Missing required argument", "t.pkr.hcl", 2, 1, 'source "file" "f"')]
    rng = diags.items[0].subject
    assert (rng.end.line, rng.end.column) == (2, 18)


def test_unsupported_nested_block_and_block_used_as_argument(tmp_path):
    text = ('source "null" "x" {\n  communicator = "none"\n  extras {\n  }\n}\n'
            'source "amazon-ebs" "web" {\n  ami_name = "x"\n  tags {\n  }\n}\n'
            'build {\n  sources = ["null.x", "amazon-ebs.web"]\n}\n')
    diags = check(tmp_path, {"t.pkr.hcl": text})
    assert [(d.summary, d.detail, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ("Unsupported block type", 'Blocks of type "extras" are not expected here.', 3, 3),
        ("Unsupported block type", 'Blocks of type "tags" are not expected here. Did you mean to define argument '
         '"tags"? If so, use the equals sign to assign it a value.', 8, 3),
    ]


def test_duplicate_single_nested_block(tmp_path):
    text = """source "amazon-ebs" "web" {
  ami_name = "x"
  source_ami_filter {
    owners = ["self"]
  }
  source_ami_filter {
    owners = ["amazon"]
  }
}
build {
  sources = ["amazon-ebs.web"]
}
"""
    (diag,) = check(tmp_path, {"t.pkr.hcl": text})
    assert diag.summary == "Duplicate source_ami_filter block"
    assert diag.detail == "Only one source_ami_filter block is allowed. Another was defined at t.pkr.hcl:3,3-20."
    assert (diag.subject.start.line, diag.subject.start.column) == (6, 3)


def test_wrong_argument_type_in_a_plugin(tmp_path):
    text = NULL + 'build {\n  sources = ["null.x"]\n  provisioner "shell" {\n    inline = "echo"\n  }\n}\n'
    (diag,) = check(tmp_path, {"t.pkr.hcl": text})
    assert diag.summary == "Incorrect attribute value type"
    assert diag.detail == 'Inappropriate value for attribute "inline": list of string required.'
    assert (diag.subject.start.line, diag.subject.start.column) == (7, 14)
    assert diag.context == 'provisioner "shell"'


def test_language_errors_inside_sources_and_provisioners_first_error_per_expression(tmp_path):
    text = """source "null" "x" {
  communicator = var.missing
}
build {
  sources = ["null.x"]
  provisioner "shell-local" {
    inline = [local.nope, nofunc(), max(1, "a")]
  }
}
"""
    diags = check(tmp_path, {"t.pkr.hcl": text})
    assert brief(diags) == [
        ("error", "Reference to undeclared input variable", "t.pkr.hcl", 2, 18, 'source "null" "x"'),
        ("error", "Reference to undeclared local value", "t.pkr.hcl", 7, 15, 'provisioner "shell-local"'),
    ]


def test_language_errors_in_several_arguments_of_one_provisioner_are_all_reported(tmp_path):
    text = NULL + ('build {\n  sources = ["null.x"]\n  provisioner "shell-local" {\n'
                   '    inline = ["a"]\n    env = { A = nofunc() }\n    execute_command = [max(1, "a")]\n  }\n}\n')
    diags = check(tmp_path, {"t.pkr.hcl": text})
    assert [(d.summary, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ("Call to unknown function", 8, 17),
        ("Invalid function argument", 9, 31),
    ]


def test_undeclared_data_source_reference(tmp_path):
    text = 'source "null" "x" {\n  communicator = data.amazon-ami.base.id\n}\nbuild {\n  sources = ["null.x"]\n}\n'
    (diag,) = check(tmp_path, {"t.pkr.hcl": text})
    assert (diag.summary, diag.detail) == ("Reference to undeclared data source",
                                           'A data source "amazon-ami" "base" has not been declared.')
    assert (diag.subject.start.line, diag.subject.start.column) == (2, 18)


def test_unknown_source_in_a_build(tmp_path):
    text = NULL + 'build {\n  sources = ["source.null.x", "source.null.y"]\n}\nbuild {\n  source "null.z" {\n  }\n}\n'
    diags = check(tmp_path, {"t.pkr.hcl": text})
    assert brief(diags) == [
        ("error", "Unknown source", "t.pkr.hcl", 5, 31, "build"),
        ("error", "Unknown source", "t.pkr.hcl", 8, 3, "build"),
    ]
    assert diags.items[0].detail == ("Unknown source null.y. Make sure you are using an identifier that is defined "
                                     "in a source block: source.null.x.")


def test_duplicate_sources_and_data_sources(tmp_path):
    data = 'data "amazon-ami" "base" {\n  owners = ["self"]\n}\n'
    text = NULL + NULL + data + data + 'build {\n  sources = ["null.x"]\n}\n'
    diags = check(tmp_path, {"t.pkr.hcl": text})
    assert brief(diags) == [
        ("error", "Duplicate source block", "t.pkr.hcl", 4, 1, ""),
        ("error", "Duplicate data block", "t.pkr.hcl", 10, 1, ""),
    ]
    assert diags.items[0].detail == ("This source block has the same builder type and name as a previous block at "
                                     "t.pkr.hcl:1,1-18; each source must have a unique name per builder type.")


def test_label_count_errors(tmp_path):
    text = ('source "null" {\n}\ndata "amazon-ami" {\n}\nlocals "x" {\n}\n' + NULL
            + 'build "named" {\n  sources = ["null.x"]\n}\n'
            + 'build {\n  sources = ["null.x"]\n  provisioner {\n  }\n  post-processor "a" "b" {\n  }\n}\n')
    diags = check(tmp_path, {"t.pkr.hcl": text})
    assert [(d.summary, d.detail, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ("Missing name for source", "All source blocks must have 2 labels (type, name).", 1, 1),
        ("Missing name for data", "All data blocks must have 2 labels (type, name).", 3, 1),
        ("Extraneous label for locals", "No labels are expected for locals blocks.", 5, 8),
        ("Extraneous label for build", "No labels are expected for build blocks.", 10, 7),
        ("Missing type for provisioner", "All provisioner blocks must have 1 label (type).", 15, 3),
        ("Extraneous label for post-processor", "Only 1 label (type) is expected for post-processor blocks.", 17,
         22),
    ]


def test_build_without_sources(tmp_path):
    (diag,) = check(tmp_path, {"t.pkr.hcl": NULL + 'build {\n  name = "empty"\n}\n'})
    assert diag.summary == "Missing sources"
    assert (diag.subject.start.line, diag.context) == (4, 'build "empty"')


def test_unsatisfied_required_version(tmp_path):
    text = 'packer {\n  required_version = ">= 99.0.0"\n}\n' + NULL + 'build {\n  sources = ["null.x"]\n}\n'
    (diag,) = check(tmp_path, {"t.pkr.hcl": text})
    assert diag.summary == "Unsupported Packer Core version"
    assert 'required_version is ">= 99.0.0"' in diag.detail
    assert (diag.subject.start.line, diag.subject.start.column, diag.context) == (2, 22, "packer")


def test_satisfied_and_malformed_required_version(tmp_path):
    text = 'packer {\n  required_version = ">= 1.7.0, < 2.0.0"\n}\n' + NULL + 'build {\n  sources = ["null.x"]\n}\n'
    assert not check(tmp_path, {"t.pkr.hcl": text})
    text = 'packer {\n  required_version = "about one"\n}\n' + NULL + 'build {\n  sources = ["null.x"]\n}\n'
    (diag,) = check(tmp_path, {"t.pkr.hcl": text})
    assert diag.summary == "Invalid version constraint"
    assert (diag.subject.start.line, diag.subject.start.column) == (2, 22)


def test_unknown_argument_in_the_packer_block(tmp_path):
    text = 'packer {\n  required_versions = "1"\n}\n' + NULL + 'build {\n  sources = ["null.x"]\n}\n'
    (diag,) = check(tmp_path, {"t.pkr.hcl": text})
    assert (diag.summary, diag.context) == ("Unsupported argument", "packer")
    assert diag.detail.endswith('Did you mean "required_version"?')


def test_build_and_source_references_inside_provisioners_are_unknown_not_errors(tmp_path):
    text = NULL + """build {
  name    = "main"
  sources = ["null.x"]
  provisioner "shell-local" {
    inline = ["echo ${source.name} ${source.type} ${build.ID} ${build.name} ${build.PackerRunUUID}"]
  }
  post-processor "manifest" {
    output = "${build.name}-${source.name}.json"
  }
}
"""
    assert not check(tmp_path, {"t.pkr.hcl": text})


def test_unknown_build_attribute_is_an_error(tmp_path):
    text = NULL + 'build {\n  sources = ["null.x"]\n  provisioner "shell-local" {\n    inline = ["${build.Nope}"]\n  }\n}\n'
    (diag,) = check(tmp_path, {"t.pkr.hcl": text})
    assert (diag.summary, diag.detail) == ("Unsupported attribute",
                                           'This object does not have an attribute named "Nope".')
    assert (diag.subject.start.line, diag.subject.start.column) == (7, 18)


def test_go_template_strings_are_accepted_unchanged(tmp_path):
    text = NULL + """build {
  sources = ["null.x"]
  provisioner "shell-local" {
    execute_command = ["sh", "-c", "chmod +x {{ .Path }}; {{ .Vars }} {{ .Path }}"]
    inline = ["echo packer-{{timestamp}}"]
  }
}
"""
    assert not check(tmp_path, {"t.pkr.hcl": text})


def test_plugins_not_implemented_warn_once_per_type_and_still_get_language_checks(tmp_path):
    text = """source "azure-arm" "one" {
  location = var.missing
}
source "azure-arm" "two" {
  location = "westeurope"
}
build {
  sources = ["azure-arm.one", "azure-arm.two"]
  provisioner "powershell" {
    inline = [upper("a", "b")]
  }
  provisioner "powershell" {
    inline = ["ok"]
  }
}
"""
    diags = check(tmp_path, {"t.pkr.hcl": text})
    assert brief(diags) == [
        ("warning", 'Unknown builder type "azure-arm"', "t.pkr.hcl", 1, 1, 'source "azure-arm" "one"'),
        ("error", "Reference to undeclared input variable", "t.pkr.hcl", 2, 14, 'source "azure-arm" "one"'),
        ("warning", 'Unknown provisioner type "powershell"', "t.pkr.hcl", 9, 3, 'provisioner "powershell"'),
        ("error", "Too many function arguments", "t.pkr.hcl", 10, 26, 'provisioner "powershell"'),
    ]
    assert diags.items[0].detail.startswith('ImageHub does not implement the "azure-arm" builder plugin')


def test_only_and_except_select_which_builds_are_checked(tmp_path):
    text = """source "null" "a" {
  communicator = "none"
  bad_a = 1
}
source "null" "b" {
  communicator = "none"
  bad_b = 1
}
build {
  name    = "one"
  sources = ["null.a"]
}
build {
  name    = "two"
  sources = ["null.b"]
}
"""
    files = {"t.pkr.hcl": text}
    lines = lambda diags: [d.subject.start.line for d in diags]  # noqa: E731
    assert lines(check(tmp_path, files)) == [3, 7]
    assert lines(check(tmp_path, files, only=["one.*"])) == [3]
    assert lines(check(tmp_path, files, only=["null.b"])) == [7]
    assert lines(check(tmp_path, files, except_=["one.null.a"])) == [7]
    assert lines(check(tmp_path, files, only=["nothing.*"])) == []


def test_provisioner_filter_that_matches_no_source_warns(tmp_path):
    text = NULL + ('build {\n  sources = ["null.x"]\n  provisioner "shell-local" {\n    inline = ["x"]\n'
                   '    only   = ["docker.*"]\n  }\n}\n')
    (diag,) = check(tmp_path, {"t.pkr.hcl": text})
    assert (diag.severity, diag.summary) == ("warning", "Filter matches no source")
    assert diag.detail == '"docker.*" matches none of this build\'s sources (null.x).'
    assert (diag.subject.start.line, diag.subject.start.column) == (8, 14)


def test_source_override_in_a_build_is_checked_against_the_builder(tmp_path):
    text = NULL + 'build {\n  source "null.x" {\n    name = "renamed"\n    bogus = 1\n  }\n}\n'
    (diag,) = check(tmp_path, {"t.pkr.hcl": text})
    assert (diag.summary, diag.subject.start.line, diag.context) == ("Unsupported argument", 7, "build")


def test_dynamic_block_in_a_source_is_expanded_and_its_content_checked(tmp_path):
    text = """variable "sizes" { default = [10, 20] }
source "amazon-ebs" "web" {
  ami_name = "x"
  dynamic "launch_block_device_mappings" {
    for_each = var.sizes
    iterator = disk
    content {
      device_name = "/dev/sd${disk.key}"
      volume_size = disk.value
      colour      = "red"
    }
  }
  dynamic "nonsense" {
    for_each = [1]
    content {}
  }
}
build {
  sources = ["amazon-ebs.web"]
}
"""
    diags = check(tmp_path, {"t.pkr.hcl": text})
    assert [(d.summary, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ("Unsupported argument", 10, 7),
        ("Unsupported block type", 13, 11),
    ]


def test_errors_in_two_files_are_all_reported(tmp_path):
    files = {
        "a.pkr.hcl": 'source "file" "f" {\n  content = "x"\n}\n',
        "b.pkr.hcl": 'build {\n  sources = ["file.f", "file.g"]\n}\nlocals {\n  x = var.nope\n}\n',
    }
    diags = check(tmp_path, files)
    assert sorted((d.summary, d.subject.filename, d.subject.start.line) for d in diags) == [
        ("Missing required argument", "a.pkr.hcl", 1),
        ("Reference to undeclared input variable", "b.pkr.hcl", 5),
        ("Unknown source", "b.pkr.hcl", 2),
    ]


def test_vagrant_then_compress_in_separate_blocks_warns(tmp_path):
    text = NULL + ('build {\n  sources = ["null.x"]\n  post-processor "vagrant" {}\n'
                   '  post-processor "compress" {}\n}\n')
    (diag,) = check(tmp_path, {"t.pkr.hcl": text})
    assert (diag.severity, diag.summary) == ("warning", "Separate post-processors do not chain")
    assert diag.subject.start.line == 7
