"""Tests of the checksum post-processor: Packer's file names and line format, appending, and the new artifact."""

import hashlib

import pytest

from builds.engine.artifact import Artifact
from builds.engine.plugins import PostProcessError
from builds.engine.post_processors.checksum.post_processor import BUILDER_ID, ChecksumPostProcessor


def checksum(context, **config):
    plugin = ChecksumPostProcessor(config, context)
    assert plugin.prepare() == []
    return plugin


@pytest.fixture
def artifact(workdir):
    (workdir / "out").mkdir()
    (workdir / "out" / "a.img").write_bytes(b"alpha" * 1000)
    (workdir / "out" / "b.img").write_bytes(b"")
    return Artifact("packer.file", files=["out/a.img", "out/b.img"])


def digest(kind, data):
    return hashlib.new(kind, data).hexdigest()


def test_default_is_md5_in_packers_file_name_with_one_line_per_file(context, ui, cancel, artifact, workdir):
    checksum(context).post_process(ui, artifact, cancel)
    text = (workdir / "packer_web_file_md5.checksum").read_text()
    assert text == f"{digest('md5', b'alpha' * 1000)}\ta.img\n{digest('md5', b'')}\tb.img\n"


def test_each_type_gets_its_own_file_and_the_artifact_lists_inputs_then_checksum_files(
        context, ui, cancel, artifact, workdir):
    kinds = ["sha1", "sha224", "sha256", "sha384", "sha512"]
    result = checksum(context, checksum_types=kinds, output="sums/{{.ChecksumType}}.txt").post_process(
        ui, artifact, cancel)
    for kind in kinds:
        lines = (workdir / "sums" / f"{kind}.txt").read_text().splitlines()
        assert lines == [f"{digest(kind, b'alpha' * 1000)}\ta.img", f"{digest(kind, b'')}\tb.img"]
    assert result.artifact.builder_id == BUILDER_ID
    assert result.artifact.files == ["out/a.img", "out/b.img"] + [f"sums/{k}.txt" for k in kinds]
    assert result.artifact.string() == "Created artifact from files: " + ", ".join(result.artifact.files)
    assert result.keep_input and result.force_keep_input


def test_an_existing_checksum_file_grows_and_is_not_listed_again(context, ui, cancel, artifact, workdir):
    (workdir / "sums.txt").write_text("earlier\n")
    result = checksum(context, output="sums.txt").post_process(ui, artifact, cancel)
    assert (workdir / "sums.txt").read_text().splitlines()[0] == "earlier"
    assert len((workdir / "sums.txt").read_text().splitlines()) == 3
    assert result.artifact.files == ["out/a.img", "out/b.img"]


def test_types_sharing_one_output_write_to_the_same_file_in_type_order(context, ui, cancel, artifact, workdir):
    result = checksum(context, checksum_types=["md5", "sha1"], output="all.sum").post_process(ui, artifact, cancel)
    lines = (workdir / "all.sum").read_text().splitlines()
    assert [len(line.split("\t")[0]) for line in lines] == [32, 32, 40, 40]
    assert result.artifact.files.count("all.sum") == 1


def test_output_sees_the_builds_generated_data(context, ui, cancel, workdir):
    (workdir / "x").write_text("x")
    artifact = Artifact("b", files=["x"], state={"generated_data": {"ID": "i-42"}})
    checksum(context, output="{{.ID}}_{{.BuildName}}_{{.BuilderType}}.{{.ChecksumType}}").post_process(
        ui, artifact, cancel)
    assert (workdir / "i-42_web_file.md5").exists()


def test_an_empty_type_list_writes_nothing(context, ui, cancel, artifact, workdir):
    result = checksum(context, checksum_types=[]).post_process(ui, artifact, cancel)
    assert result.artifact.files == ["out/a.img", "out/b.img"]
    assert sorted(p.name for p in workdir.iterdir()) == ["out"]


def test_prepare_names_each_unknown_type_and_a_bad_output_template(context):
    plugin = ChecksumPostProcessor({"checksum_types": ["md5", "crc32", "SHA256"], "output": "{{.X"}, context)
    assert plugin.prepare() == ["Unrecognized checksum type: crc32", "Unrecognized checksum type: SHA256",
                                'Error parsing target template: template: unclosed action in "{{.X"']


def test_a_missing_input_file_fails(context, ui, cancel, workdir):
    with pytest.raises(PostProcessError, match="unable to open file gone: open gone: no such file or directory"):
        checksum(context).post_process(ui, Artifact("b", files=["gone"]), cancel)


def test_a_directory_cannot_be_hashed(context, ui, cancel, workdir):
    (workdir / "d").mkdir()
    with pytest.raises(PostProcessError, match="unable to compute md5 hash for d"):
        checksum(context).post_process(ui, Artifact("b", files=["d"]), cancel)


def test_destroying_the_checksum_artifact_removes_the_inputs_too_as_in_packer(context, ui, cancel, artifact, workdir):
    result = checksum(context).post_process(ui, artifact, cancel)
    result.artifact.destroy()
    assert sorted(p.name for p in workdir.iterdir()) == ["out"]
    assert list((workdir / "out").iterdir()) == []
