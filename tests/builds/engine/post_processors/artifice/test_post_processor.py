"""Tests of the artifice post-processor: Go's glob rules, Packer's messages and the new artifact."""

import pytest

from builds.engine.artifact import Artifact
from builds.engine.plugins import PostProcessError
from builds.engine.post_processors.artifice.post_processor import (
    BUILDER_ID,
    ArtificePostProcessor,
    go_glob,
)
from builds.engine.ui import SAY


@pytest.fixture
def tree(workdir):
    for name in ["a1.txt", "a2.txt", "b.txt", ".hidden", "x*y", "d1/f.img", "d2/f.img", "d2/g.img"]:
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    return workdir


@pytest.mark.parametrize("pattern, expected", [
    ("a*", ["a1.txt", "a2.txt"]),
    ("./a*", ["a1.txt", "a2.txt"]),
    ("a?.txt", ["a1.txt", "a2.txt"]),
    ("[ab]*.txt", ["a1.txt", "a2.txt", "b.txt"]),
    ("[^a]*.txt", ["b.txt"]),
    ("[a-a]2.txt", ["a2.txt"]),
    ("*hidden", [".hidden"]),
    ("x\\*y", ["x*y"]),
    ("d*/f.img", ["d1/f.img", "d2/f.img"]),
    ("d2/*", ["d2/f.img", "d2/g.img"]),
    ("b.txt", ["b.txt"]),
    ("nothere.txt", []),
    ("z*", []),
    ("**/g.img", ["d2/g.img"]),
])
def test_patterns_match_as_gos_filepath_glob(tree, pattern, expected):
    assert go_glob(pattern) == expected


def test_absolute_patterns_give_absolute_paths(tree):
    assert go_glob(str(tree / "d?" / "g.img")) == [str(tree / "d2" / "g.img")]


@pytest.mark.parametrize("pattern", ["[", "a[", "[]a]", "[b-a]", "x\\"])
def test_malformed_patterns_are_refused(tree, pattern):
    with pytest.raises(ValueError, match="syntax error in pattern"):
        go_glob(pattern)


def test_the_new_artifact_holds_the_listed_files_and_the_input_is_kept(context, ui, sink, cancel, tree):
    plugin = ArtificePostProcessor({"files": ["b.txt", "a*", "missing"]}, context)
    assert plugin.prepare() == []
    result = plugin.post_process(ui, Artifact("packer.file", files=["in.img"]), cancel)
    assert result.artifact.builder_id == BUILDER_ID
    assert result.artifact.files == ["b.txt", "a1.txt", "a2.txt"]
    assert result.artifact.string() == "Created artifact from files: b.txt, a1.txt, a2.txt"
    assert result.keep_input and not result.force_keep_input
    assert sink.texts(SAY) == ["Discarding files from artifact: in.img",
                               "Using these artifact files: b.txt, a1.txt, a2.txt"]


def test_an_input_without_files_is_not_said_to_be_discarded(context, ui, sink, cancel, tree):
    ArtificePostProcessor({"files": ["b.txt"]}, context).post_process(ui, Artifact("x", id="ami-1"), cancel)
    assert sink.texts(SAY) == ["Using these artifact files: b.txt"]


def test_file_patterns_are_templates(context, ui, cancel, tree):
    (tree / "web.out").write_text("x")
    plugin = ArtificePostProcessor({"files": ["{{build_name}}.out"]}, context)
    assert plugin.post_process(ui, Artifact("x"), cancel).artifact.files == ["web.out"]


def test_a_malformed_pattern_fails_the_post_processor(context, ui, cancel, tree):
    with pytest.raises(PostProcessError, match="syntax error in pattern"):
        ArtificePostProcessor({"files": ["a["]}, context).post_process(ui, Artifact("x"), cancel)


def test_prepare_requires_files(context):
    assert ArtificePostProcessor({}, context).prepare() == ["No files specified in artifice configuration"]
    assert ArtificePostProcessor({"files": []}, context).prepare() == ["No files specified in artifice configuration"]


def test_destroying_the_artifact_removes_its_files_and_trees(context, ui, cancel, tree):
    result = ArtificePostProcessor({"files": ["d2", "b.txt"]}, context).post_process(ui, Artifact("x"), cancel)
    result.artifact.destroy()
    assert not (tree / "d2").exists() and not (tree / "b.txt").exists()
    assert (tree / "d1" / "f.img").exists()
