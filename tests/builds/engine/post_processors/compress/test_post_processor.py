"""Tests of the compress post-processor: formats from the output name, Packer's messages, errors and cleanup."""

import bz2
import gzip
import io
import lzma
import os
import shutil
import subprocess
import tarfile
import zipfile

import pytest

from builds.engine.artifact import Artifact
from builds.engine.cancel import Cancelled
from builds.engine.plugins import PostProcessError
from builds.engine.post_processors.compress import formats
from builds.engine.post_processors.compress import post_processor as compress_module
from builds.engine.post_processors.compress.post_processor import BUILDER_ID, CompressPostProcessor
from builds.engine.ui import SAY


def compress(context, **config):
    plugin = CompressPostProcessor(config, context)
    assert plugin.prepare() == []
    return plugin


@pytest.fixture
def artifact(workdir):
    (workdir / "out").mkdir()
    (workdir / "out" / "disk.img").write_bytes(b"disk " * 50_000)
    (workdir / "out" / "meta.json").write_text("{}")
    return Artifact("packer.file", files=["out/disk.img", "out/meta.json"])


@pytest.fixture
def single(workdir):
    (workdir / "disk.img").write_bytes(b"only " * 50_000)
    return Artifact("packer.file", files=["disk.img"])


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    monkeypatch.setattr(compress_module, "_cores", lambda: 2)


def tar_members(data):
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers()}


def test_default_output_is_a_gzipped_tar_named_after_the_build(context, ui, sink, cancel, artifact, workdir):
    result = compress(context).post_process(ui, artifact, cancel)
    target = "packer_web_file"
    assert tar_members(gzip.decompress((workdir / target).read_bytes())) == {
        "disk.img": b"disk " * 50_000, "meta.json": b"{}"}
    assert sink.texts(SAY) == [f"Using pgzip compression with 2 cores for {target}",
                               f"Tarring {target} with pgzip", f"Archive {target} completed"]
    assert result.artifact.builder_id == BUILDER_ID
    assert result.artifact.files == [target]
    assert result.artifact.string() == f"compressed artifacts in: {target}"
    assert not result.keep_input and not result.force_keep_input


@pytest.mark.parametrize("output, unpack, messages", [
    ("a.tar.gz", lambda d: tar_members(gzip.decompress(d)),
     ["Using pgzip compression with 2 cores for a.tar.gz", "Tarring a.tar.gz with pgzip"]),
    ("a.tar", tar_members, ["Tarring a.tar with no compression"]),
    ("a.tar.xz", lambda d: tar_members(lzma.decompress(d)),
     ["Using xz compression with 1 core for a.tar.xz (library does not support MT)", "Tarring a.tar.xz with xz"]),
    ("a.tar.bzip2", lambda d: tar_members(bz2.decompress(d)),
     ["Using bzip2 compression with 1 core for a.tar.bzip2 (library does not support MT)",
      "Tarring a.tar.bzip2 with bzip2"]),
    ("a.tar.bgzf", lambda d: tar_members(gzip.decompress(d)),
     ["Using bgzf compression with 2 cores for a.tar.bgzf", "Tarring a.tar.bgzf with bgzf"]),
    ("a.zip", lambda d: {n: zipfile.ZipFile(io.BytesIO(d)).read(n) for n in zipfile.ZipFile(io.BytesIO(d)).namelist()},
     ["Zipping a.zip"]),
])
def test_archives_follow_the_output_extension(context, ui, sink, cancel, artifact, workdir, output, unpack, messages):
    compress(context, output=output).post_process(ui, artifact, cancel)
    contents = unpack((workdir / output).read_bytes())
    assert sorted(contents.values()) == sorted([b"disk " * 50_000, b"{}"])
    assert sink.texts(SAY) == messages + [f"Archive {output} completed"]


def test_format_argument_adds_an_extension_to_read(context, ui, cancel, artifact, workdir):
    compress(context, output="bundle", format="zip").post_process(ui, artifact, cancel)
    assert zipfile.ZipFile(workdir / "bundle").namelist() == ["out/disk.img", "out/meta.json"]


def test_one_file_is_compressed_without_an_archive(context, ui, sink, cancel, single, workdir):
    compress(context, output="disk.img.gz", compression_level=9).post_process(ui, single, cancel)
    assert gzip.decompress((workdir / "disk.img.gz").read_bytes()) == b"only " * 50_000
    assert sink.texts(SAY)[1] == "Archiving disk.img with pgzip"


@pytest.mark.skipif(shutil.which("lz4") is None, reason="needs the lz4 command")
def test_lz4_output_is_read_by_the_lz4_command(context, ui, sink, cancel, single, workdir):
    pytest.importorskip("lz4.frame")
    compress(context, output="disk.lz4").post_process(ui, single, cancel)
    unpacked = subprocess.run(["lz4", "-dc", str(workdir / "disk.lz4")], capture_output=True, check=True).stdout
    assert unpacked == b"only " * 50_000
    assert sink.texts(SAY)[0] == "Using lz4 compression with 1 core for disk.lz4"


def test_several_files_cannot_be_compressed_without_an_archive(context, ui, cancel, artifact, workdir):
    with pytest.raises(PostProcessError, match=r"Can only have 1 input file when not using tar/zip\. Found 2 "
                                               r"files: \[out/disk.img out/meta.json\]"):
        compress(context, output="x.gz").post_process(ui, artifact, cancel)
    assert not (workdir / "x.gz").exists()


def test_output_template_sees_the_build_and_its_data_and_directories_are_made(context, ui, cancel, workdir):
    (workdir / "f").write_text("f")
    artifact = Artifact("b", files=["f"], state={"generated_data": {"ID": "i-7"}})
    result = compress(context, output="dist/{{.ID}}/{{.BuildName}}-{{.BuilderType}}.tar").post_process(
        ui, artifact, cancel)
    assert result.artifact.files == ["dist/i-7/web-file.tar"]
    assert os.stat(workdir / "dist" / "i-7").st_mode & 0o777 == 0o755


def test_a_missing_input_fails_and_leaves_no_partial_archive(context, ui, cancel, workdir):
    with pytest.raises(PostProcessError, match="Error creating tar: Unable to read file gone: open gone: no such"):
        compress(context, output="x.tar.gz").post_process(ui, Artifact("b", files=["gone"]), cancel)
    assert not (workdir / "x.tar.gz").exists()


def test_a_cancelled_build_leaves_no_partial_archive(context, ui, cancel, artifact, workdir):
    cancel.cancel()
    with pytest.raises(Cancelled):
        compress(context, output="x.tar.gz").post_process(ui, artifact, cancel)
    assert not (workdir / "x.tar.gz").exists()


def test_destroying_the_archive_artifact_removes_the_archive(context, ui, cancel, artifact, workdir):
    result = compress(context, output="x.tar").post_process(ui, artifact, cancel)
    result.artifact.destroy()
    assert not (workdir / "x.tar").exists()
    assert (workdir / "out" / "disk.img").exists()


@pytest.mark.parametrize("config, problem", [
    ({"compression_level": -3}, "Invalid compression level. Expected an integer from -1 to 9."),
    ({"compression_level": 2.5}, "compression_level must be a whole number, not 2.5"),
    ({"output": "{{ .X"}, 'Error parsing target template: template: unclosed action in "{{ .X"'),
])
def test_prepare_reports_bad_levels_and_templates(context, config, problem):
    assert CompressPostProcessor(config, context).prepare() == [problem]


def test_a_level_outside_gzip_is_not_checked(context):
    assert CompressPostProcessor({"output": "a.tar.xz", "compression_level": -3}, context).prepare() == []


def test_lz4_without_its_library_is_reported_by_prepare(context, monkeypatch):
    monkeypatch.setattr(formats, "lz4_available", lambda: False)
    problems = CompressPostProcessor({"output": "a.tar.lz4"}, context).prepare()
    assert problems == ["lz4 compression needs the Python package lz4, which is not installed here; "
                        "install it or choose another extension for output"]
