"""Tests of what the core post-processors share: build data, template checks, errors and file artifacts."""

import errno

import pytest

from builds.engine.artifact import Artifact
from builds.engine.plugins import PluginContext
from builds.engine.post_processors.common import (
    FilesArtifact,
    generated_data,
    os_error_text,
    packer_build_name,
    template_context,
    template_problem,
)


def test_the_build_name_is_the_sources_name():
    assert packer_build_name(PluginContext("my.null.web", "null", source_name="web")) == "web"


def test_generated_data_is_a_copy_and_empty_when_missing():
    data = {"ID": "i-1"}
    artifact = Artifact("b", state={"generated_data": data})
    copied = generated_data(artifact)
    copied["X"] = "y"
    assert data == {"ID": "i-1"}
    assert generated_data(Artifact("b")) == {}


def test_template_context_carries_the_build_and_its_data(context):
    ctx = template_context(context, {"ID": "i-1"})
    assert (ctx.build_name, ctx.build_type, ctx.generated) == ("web", "file", {"ID": "i-1"})


@pytest.mark.parametrize("text, problem", [
    ("plain", None),
    ('{{ build "ID" }}-{{timestamp}}-{{.Anything}}', None),
    ("{{ .A", 'template: unclosed action in "{{ .A"'),
    ("{{ nothing }}", 'template: function "nothing" not defined in "{{ nothing }}"'),
])
def test_template_problems_are_found_without_build_data(context, text, problem):
    assert template_problem(text, context) == problem


def test_os_errors_read_as_go_words_them():
    error = OSError(errno.ENOENT, "No such file or directory", "a.json")
    assert os_error_text(error, "open") == "open a.json: no such file or directory"
    assert os_error_text(error, "write", "b.json") == "write b.json: no such file or directory"


def test_files_artifact_describes_itself_with_its_text_even_without_files():
    assert FilesArtifact("x", description="Created artifact from files: ").string() == "Created artifact from files: "


def test_files_artifact_destroy_removes_files_and_trees_and_skips_missing_ones(tmp_path):
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "sub" / "f").write_text("x")
    (tmp_path / "file").write_text("x")
    paths = [str(tmp_path / "tree"), str(tmp_path / "file"), str(tmp_path / "gone")]
    FilesArtifact("x", files=paths).destroy()
    assert list(tmp_path.iterdir()) == []
