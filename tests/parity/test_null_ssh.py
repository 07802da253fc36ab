"""Parity of a null build over SSH: provisioners' effects on the target, manifest, checksums and archive."""

from __future__ import annotations

import hashlib
import json
import tarfile
import time
from pathlib import Path

import pytest

from tests.parity.conftest import TEMPLATES, BuildRun, manifest_shape, tree

TEMPLATE = "null_ssh"
FILES = TEMPLATES / TEMPLATE / "files"


@pytest.fixture(scope="module")
def runs(parity) -> dict[str, BuildRun]:
    return parity.run_tools(TEMPLATE)


@pytest.fixture(scope="module")
def imagehub_run(runs) -> BuildRun:
    run = runs["imagehub"]
    assert run.returncode == 0, run.describe()
    return run


def local_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_provisioners_leave_the_expected_files_modes_and_contents_on_the_target(imagehub_run):
    remote = tree(imagehub_run.remote_dir)
    assert sorted(remote) == [
        "etc", "etc/conf.d", "etc/conf.d/app.conf", "etc/conf.d/nested", "etc/conf.d/nested/hello.sh",
        "etc/configured", "etc/env", "etc/greeting", "etc/motd", "report.txt",
    ]  # no uploaded shell script is left in remote_folder
    assert remote["etc/greeting"] == ("file", 0o644, b"hello parity\n")
    assert remote["etc/configured"] == ("file", 0o640, b"configured by null\n")
    assert remote["etc/env"][2] == (b"GREETING=hello parity\nPACKER_BUILDER_TYPE=null\n"
                                    b"PACKER_BUILD_NAME=target\n")
    for relative, local in [("etc/motd", FILES / "motd.txt"),
                            ("etc/conf.d/app.conf", FILES / "conf.d/app.conf"),
                            ("etc/conf.d/nested/hello.sh", FILES / "conf.d/nested/hello.sh")]:
        assert remote[relative] == ("file", local_mode(local), local.read_bytes()), relative
    assert remote["etc/conf.d/nested/hello.sh"][1] & 0o111, "the executable bit survives the upload"
    assert remote["report.txt"][2] == (b"greeting: hello parity\nmotd: Welcome to the parity target.\n"
                                       b"hello: hello from the target\nuser: imagehub-test\n")


def test_download_and_shell_local_write_the_local_files(imagehub_run):
    out = imagehub_run.out_dir
    assert (out / "report.txt").read_bytes() == (imagehub_run.remote_dir / "report.txt").read_bytes()
    assert (out / "local.txt").read_text() == "local side of target\n"


def test_manifest_records_the_null_artifact_and_the_compressed_archive(imagehub_run):
    out = imagehub_run.out_dir
    document = json.loads((out / "manifest.json").read_text())
    builds = document["builds"]
    assert len(builds) == 2
    run_uuid = document["last_run_uuid"]
    assert len(run_uuid) == 36 and run_uuid.count("-") == 4
    for entry in builds:
        assert list(entry) == ["name", "builder_type", "build_time", "files", "artifact_id",
                               "packer_run_uuid", "custom_data"]
        assert (entry["name"], entry["builder_type"], entry["packer_run_uuid"]) == ("target", "null", run_uuid)
        assert abs(entry["build_time"] - time.time()) < 300
    assert builds[0]["artifact_id"] == "Null"
    assert builds[0]["files"] is None
    assert builds[0]["custom_data"] == {"purpose": "parity"}
    archive = out / "files.tar.gz"
    assert builds[1]["files"] == [{"name": str(archive), "size": archive.stat().st_size}]
    assert builds[1]["artifact_id"] == ""
    assert builds[1]["custom_data"] is None


def test_checksum_files_list_each_artifact_file_with_its_real_digest(imagehub_run):
    out = imagehub_run.out_dir
    for kind in ("sha256", "md5"):
        lines = (out / f"files.{kind}").read_text().splitlines()
        expected = [f"{hashlib.new(kind, (out / name).read_bytes()).hexdigest()}\t{name}"
                    for name in ("report.txt", "local.txt")]
        assert lines == expected, kind


def test_compressed_archive_holds_the_artifact_files(imagehub_run):
    out = imagehub_run.out_dir
    with tarfile.open(out / "files.tar.gz", "r:gz") as archive:
        members = archive.getmembers()
        assert [m.name for m in members] == ["report.txt", "local.txt"]
        for member in members:
            assert member.isfile()
            assert archive.extractfile(member).read() == (out / member.name).read_bytes()


def summary(run: BuildRun) -> list[str]:
    """The artifact lines after "Builds finished", with the run's local directory written as <out>."""
    text = run.stdout.split("==> Builds finished. The artifacts of successful builds are:\n")[1]
    return text.replace(str(run.out_dir), "<out>").splitlines()


def test_summary_lists_the_artifact_of_every_chain_step(imagehub_run):
    out = "<out>"  # artifice and compress keep their input, so each chain step's artifact is listed
    assert summary(imagehub_run) == [
        "--> null.target: Did not export anything. This is the null builder",
        "--> null.target: Did not export anything. This is the null builder",
        f"--> null.target: Created artifact from files: {out}/report.txt, {out}/local.txt",
        f"--> null.target: Created artifact from files: {out}/report.txt, {out}/local.txt, "
        f"{out}/files.sha256, {out}/files.md5",
        f"--> null.target: Created artifact from files: {out}/report.txt, {out}/local.txt",
        f"--> null.target: compressed artifacts in: {out}/files.tar.gz",
        f"--> null.target: compressed artifacts in: {out}/files.tar.gz",
    ]


def archive_entries(path: Path) -> list[tuple[str, int, bytes]]:
    with tarfile.open(path, "r:gz") as archive:
        return [(m.name, m.mode, archive.extractfile(m).read()) for m in archive.getmembers()]


@pytest.mark.packer
def test_packer_and_imagehub_leave_the_same_target_manifest_checksums_and_archive(
        packer, runs, imagehub_run):
    packer_run = runs["packer"]
    assert packer_run.returncode == 0, packer_run.describe()
    assert tree(imagehub_run.remote_dir) == tree(packer_run.remote_dir)
    assert (manifest_shape(imagehub_run.out_dir / "manifest.json", imagehub_run.out_dir)
            == manifest_shape(packer_run.out_dir / "manifest.json", packer_run.out_dir))
    for name in ("report.txt", "local.txt", "files.sha256", "files.md5"):
        assert (imagehub_run.out_dir / name).read_bytes() == (packer_run.out_dir / name).read_bytes(), name
    assert (archive_entries(imagehub_run.out_dir / "files.tar.gz")
            == archive_entries(packer_run.out_dir / "files.tar.gz"))
    assert summary(imagehub_run) == summary(packer_run)
