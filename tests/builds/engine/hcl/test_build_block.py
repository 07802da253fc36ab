"""Decoding ``build`` blocks: source lists and overrides, dynamic blocks, provisioners and post-processor chains."""

from builds.engine.hcl.config import load_config

SOURCES = 'source "null" "x" {\n  communicator = "none"\n}\nsource "null" "y" {\n  communicator = "none"\n}\n'


def load(tmp_path, text: str, **kwargs):
    (tmp_path / "t.pkr.hcl").write_text(SOURCES + text)
    kwargs.setdefault("env", {})
    return load_config(tmp_path, cwd=tmp_path, **kwargs)


def found(config) -> list[tuple[str, int, int]]:
    """(summary, line, column) of each diagnostic; lines count from the start of ``text`` (after SOURCES)."""
    return [(d.summary, d.subject.start.line - 6, d.subject.start.column) for d in config.diagnostics]


def test_sources_may_be_written_in_every_accepted_form(tmp_path):
    text = 'variable "src" { default = "source.null.y" }\nbuild {\n  sources = [source.null.x, var.src, "null.x"]\n}\n'
    config = load(tmp_path, text)
    assert not config.diagnostics
    (build,) = config.template.builds
    assert [(s.type, s.name) for s in build.sources] == [("null", "x"), ("null", "y"), ("null", "x")]
    assert [(s.range.start.line - 6, s.range.start.column) for s in build.sources] == [(3, 14), (3, 29), (3, 38)]


def test_malformed_source_references(tmp_path):
    config = load(tmp_path, 'build {\n  sources = ["x", "a.b.c.d"]\n}\nbuild {\n  source "x" {\n  }\n}\n')
    assert found(config) == [
        ("Invalid source reference", 2, 14),
        ("Invalid source reference", 2, 19),
        ("Invalid source reference", 5, 10),
    ]
    assert config.diagnostics.items[0].detail == ('"x" is not a source reference; use the form "source.TYPE.NAME", '
                                                  'e.g. "source.amazon-ebs.example".')


def test_sources_given_as_something_other_than_a_list_of_strings(tmp_path):
    config = load(tmp_path, 'build {\n  sources = "null.x"\n}\n')
    (diag,) = config.diagnostics
    assert diag.summary == "Incorrect attribute value type"
    assert diag.detail == 'Inappropriate value for attribute "sources": list of string required.'


def test_named_build_and_nested_source_with_a_local_name(tmp_path):
    text = ('variable "env" { default = "prod" }\nbuild {\n  name = "img-${var.env}"\n  description = "The image."\n'
            '  source "source.null.x" {\n    name = "renamed"\n  }\n}\n')
    config = load(tmp_path, text)
    assert not config.diagnostics
    (build,) = config.template.builds
    assert (build.name, build.description) == ("img-prod", "The image.")
    (use,) = build.sources
    assert (use.ref, use.local_name, use.display_name, build.full_name(use)) == (
        "null.x", "renamed", "null.renamed", "img-prod.null.renamed")


def test_dynamic_source_blocks_make_one_source_each(tmp_path):
    text = """variable "names" { default = ["a", "b"] }
build {
  dynamic "source" {
    for_each = var.names
    labels   = ["source.null.x"]
    content {
      name = "n-${source.value}"
    }
  }
}
"""
    config = load(tmp_path, text)
    assert not config.diagnostics
    (build,) = config.template.builds
    assert [s.display_name for s in build.sources] == ["null.n-a", "null.n-b"]
    assert [s.names["source"]["key"] for s in build.sources] == [0, 1]
    assert [b.full_name(s) for b, s in config.selected_sources(only=["null.n-b"])] == ["null.n-b"]


def test_dynamic_provisioners_in_order_with_their_iterator(tmp_path):
    text = """locals {
  scripts = { second = "echo 2", first = "echo 1" }
}
build {
  sources = ["null.x"]
  provisioner "shell-local" {
    inline = ["before"]
  }
  dynamic "provisioner" {
    for_each = local.scripts
    iterator = s
    labels   = ["shell-local"]
    content {
      name   = s.key
      inline = [s.value]
    }
  }
}
"""
    config = load(tmp_path, text)
    assert not config.diagnostics
    (build,) = config.template.builds
    assert [(p.type, p.name) for p in build.provisioners] == [
        ("shell-local", ""), ("shell-local", "first"), ("shell-local", "second")]
    assert build.provisioners[1].names == {"s": {"key": "first", "value": "echo 1"}}


def test_dynamic_block_mistakes(tmp_path):
    text = """build {
  sources = ["null.x"]
  dynamic "provisioner" {
    labels = ["shell-local"]
    content {}
  }
  dynamic "provisioner" {
    for_each = 5
    labels   = ["shell-local"]
    content {}
  }
  dynamic "provisioner" {
    for_each = [1]
  }
  dynamic "provisioner" {
    for_each = [1]
    iterator = "it"
    content {}
  }
}
"""
    config = load(tmp_path, text)
    assert found(config) == [
        ("Missing required argument", 3, 3),
        ("Invalid dynamic for_each value", 8, 16),
        ("Invalid dynamic block", 12, 3),
        ("Invalid dynamic iterator name", 17, 16),
    ]
    assert config.diagnostics.items[1].detail == ("Cannot use a value of this type in for_each: a collection is "
                                                  "required.")


def test_provisioner_common_arguments_are_decoded(tmp_path):
    text = """build {
  sources = ["null.x"]
  provisioner "shell-local" {
    inline            = ["x"]
    name              = "setup"
    pause_before      = "1m30s"
    timeout           = "2h"
    max_retries       = 3
    continue_on_error = true
    only              = ["null.x"]
    override = {
      "null.x" = { inline = ["y"] }
    }
  }
}
"""
    config = load(tmp_path, text)
    assert not config.diagnostics
    prov = config.template.builds[0].provisioners[0]
    assert (prov.name, prov.pause_before, prov.timeout, prov.max_retries, prov.continue_on_error, prov.only) == (
        "setup", 90.0, 7200.0, 3, True, ["null.x"])
    assert prov.override == {"null.x": {"inline": ["y"]}}


def test_provisioner_common_argument_errors(tmp_path):
    text = """build {
  sources = ["null.x"]
  provisioner "shell-local" {
    inline       = ["x"]
    pause_before = "5 minutes"
    max_retries  = "two"
    only         = ["null.x"]
    except       = ["null.y"]
  }
}
"""
    config = load(tmp_path, text)
    assert found(config) == [
        ("Invalid provisioner", 3, 3),
        ("Invalid duration", 5, 20),
        ("Incorrect attribute value type", 6, 20),
    ]
    assert config.diagnostics.items[0].detail == "Only one of only or except may be set, not both."
    assert config.diagnostics.items[1].detail.startswith('invalid duration "5 minutes"')
    assert config.diagnostics.items[2].detail == ('Inappropriate value for attribute "max_retries": a number is '
                                                  "required.")


def test_post_processor_chains_and_single_post_processors(tmp_path):
    text = """build {
  sources = ["null.x"]
  post-processors {
    post-processor "manifest" {}
    post-processor "checksum" {
      checksum_types      = ["sha256"]
      keep_input_artifact = true
    }
  }
  post-processor "compress" {
    output = "x.tar.gz"
  }
}
"""
    config = load(tmp_path, text)
    assert not config.diagnostics
    chains = config.template.builds[0].post_processors
    assert [[pp.type for pp in chain] for chain in chains] == [["manifest", "checksum"], ["compress"]]
    assert chains[0][1].keep_input_artifact is True
    assert chains[0][0].keep_input_artifact is None


def test_post_processors_block_holds_only_post_processors(tmp_path):
    text = ('build {\n  sources = ["null.x"]\n  post-processors {\n    foo = 1\n    provisioner "shell" {}\n'
            '    post-processor "manifest" {}\n  }\n}\n')
    config = load(tmp_path, text)
    assert found(config) == [("Unsupported argument", 4, 5), ("Unsupported block type", 5, 5)]
    assert config.diagnostics.items[1].detail == ('Blocks of type "provisioner" are not expected here; a '
                                                  "post-processors block holds post-processor blocks.")
    assert [[pp.type for pp in c] for c in config.template.builds[0].post_processors] == [["manifest"]]


def test_error_cleanup_provisioner_and_its_duplicate(tmp_path):
    text = ('build {\n  sources = ["null.x"]\n  error-cleanup-provisioner "shell-local" {\n    inline = ["a"]\n  }\n'
            '  error-cleanup-provisioner "shell-local" {\n    inline = ["b"]\n  }\n}\n')
    config = load(tmp_path, text)
    assert found(config) == [("Duplicate error-cleanup-provisioner block", 6, 3)]
    assert config.template.builds[0].error_cleanup_provisioner.block.body.attributes["inline"].expr.range.start.line \
        == 10


def test_build_name_and_provisioner_name_must_be_strings(tmp_path):
    config = load(tmp_path, 'build {\n  name = ["x"]\n  sources = ["null.x"]\n}\n')
    (diag,) = config.diagnostics
    assert (diag.summary, diag.detail) == ("Incorrect attribute value type",
                                           'Inappropriate value for attribute "name": string required.')
    assert (diag.subject.start.line - 6, diag.subject.start.column) == (2, 10)


def test_unknown_block_in_a_build_suggests_the_close_one(tmp_path):
    config = load(tmp_path, 'build {\n  sources = ["null.x"]\n  provisoner "shell" {\n  }\n}\n')
    (diag,) = config.diagnostics
    assert diag.detail == 'Blocks of type "provisoner" are not expected here. Did you mean "provisioner"?'
    assert (diag.subject.start.line - 6, diag.subject.start.column, diag.context) == (3, 3, "build")


def test_build_without_sources_after_other_errors_is_not_reported_twice(tmp_path):
    config = load(tmp_path, 'build {\n  sources = ["nonsense"]\n}\nbuild {\n  name = "empty"\n}\n')
    assert found(config) == [("Invalid source reference", 2, 14), ("Missing sources", 4, 1)]
    assert config.diagnostics.items[1].detail.startswith("A build block must use at least one source")


def test_selected_sources_match_full_and_short_names(tmp_path):
    text = 'build {\n  name = "b"\n  sources = ["null.x", "null.y"]\n}\nbuild {\n  sources = ["null.x"]\n}\n'
    config = load(tmp_path, text)
    names = lambda only=(), except_=(): [  # noqa: E731
        b.full_name(s) for b, s in config.selected_sources(only, except_)]
    assert names() == ["b.null.x", "b.null.y", "null.x"]
    assert names(only=["b.*"]) == ["b.null.x", "b.null.y"]
    assert names(only=["null.x"]) == ["b.null.x", "null.x"]
    assert names(except_=["*.y"]) == ["b.null.x", "null.x"]
