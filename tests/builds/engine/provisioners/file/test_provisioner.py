"""Tests of the file provisioner against a real sshd: uploads, downloads, directories, content, errors."""

import os
import stat
from pathlib import Path

import pytest

from builds.engine.cancel import CancelToken
from builds.engine.communicators.ssh.communicator import SSHCommunicator
from builds.engine.communicators.ssh.config import SSHConfig
from builds.engine.plugins import ProvisionError
from builds.engine.provisioners.file.provisioner import FileProvisioner
from builds.engine.ui import ERROR, SAY


def provisioner(context, **config):
    prov = FileProvisioner(config, context)
    assert prov.prepare() == []
    return prov


def tree(root):
    """Every file under ``root`` as a relative path mapped to its text."""
    found = {}
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            found[os.path.relpath(path, root)] = Path(path).read_text()
    return found


@pytest.fixture
def local_dir(tmp_path):
    """A local directory ``conf`` with a file and a subdirectory."""
    root = tmp_path / "conf"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("A")
    (root / "sub" / "b.txt").write_text("B")
    return root


def test_a_file_is_uploaded_to_the_destination_path_with_its_mode(context, ui, sink, cancel, ssh, remote_dir,
                                                                  tmp_path):
    source = tmp_path / "app.sh"
    source.write_text("#!/bin/sh\n")
    source.chmod(0o750)
    destination = f"{remote_dir}/installed.sh"
    provisioner(context, source=str(source), destination=destination).provision(ui, ssh, {}, cancel)
    assert Path(destination).read_text() == "#!/bin/sh\n"
    assert stat.S_IMODE(os.stat(destination).st_mode) == 0o750
    assert sink.texts(SAY) == [f"Uploading {source} => {destination}"]


def test_a_destination_ending_in_a_slash_keeps_the_file_name(context, ui, cancel, ssh, remote_dir, tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("n")
    provisioner(context, source=str(source), destination=f"{remote_dir}/").provision(ui, ssh, {}, cancel)
    assert Path(f"{remote_dir}/notes.txt").read_text() == "n"


def test_sources_are_all_uploaded_in_order(context, ui, sink, cancel, ssh, remote_dir, tmp_path):
    first, second = tmp_path / "1.txt", tmp_path / "2.txt"
    first.write_text("one")
    second.write_text("two")
    provisioner(context, sources=[str(first), str(second)], destination=f"{remote_dir}/").provision(
        ui, ssh, {}, cancel)
    assert tree(remote_dir) == {"1.txt": "one", "2.txt": "two"}
    assert sink.texts(SAY) == [f"Uploading {first} => {remote_dir}/", f"Uploading {second} => {remote_dir}/"]


@pytest.fixture(scope="module")
def sftp(sshd):
    """An SSH communicator that moves files with sftp instead of scp (``ssh`` uses scp)."""
    communicator = SSHCommunicator(SSHConfig.from_arguments(sshd.arguments(ssh_file_transfer_method="sftp")))
    communicator.connect(CancelToken())
    yield communicator
    communicator.disconnect()


BOTH_TRANSFERS = pytest.mark.parametrize("transfer", ["ssh", "sftp"])


@BOTH_TRANSFERS
def test_a_directory_without_a_trailing_slash_is_uploaded_as_a_directory(context, ui, cancel, request, transfer,
                                                                        remote_dir, local_dir):
    communicator = request.getfixturevalue(transfer)
    provisioner(context, source=str(local_dir), destination=remote_dir).provision(ui, communicator, {}, cancel)
    assert tree(remote_dir) == {"conf/a.txt": "A", "conf/sub/b.txt": "B"}


@BOTH_TRANSFERS
def test_a_directory_with_a_trailing_slash_has_its_contents_uploaded(context, ui, cancel, request, transfer,
                                                                     remote_dir, local_dir):
    communicator = request.getfixturevalue(transfer)
    provisioner(context, source=f"{local_dir}/", destination=f"{remote_dir}/etc").provision(
        ui, communicator, {}, cancel)
    assert tree(remote_dir) == {"etc/a.txt": "A", "etc/sub/b.txt": "B"}


def test_content_is_written_to_the_destination_with_generated_data(context, ui, sink, cancel, ssh, remote_dir):
    prov = provisioner(context, content="host={{ .Host }}\nname={{ build_name }}\n",
                       destination=f"{remote_dir}/{{{{ .ID }}}}.conf")
    prov.provision(ui, ssh, {"Host": "10.0.0.5", "ID": "i-42"}, cancel)
    assert tree(remote_dir) == {"i-42.conf": "host=10.0.0.5\nname=test\n"}
    [said] = sink.texts(SAY)
    assert said.startswith("Uploading /") and "pkr-file-content" in said
    assert said.endswith(f" => {remote_dir}/i-42.conf")
    assert not os.path.exists(said.split(" ")[1])  # the local temporary file is gone


def test_a_file_is_downloaded_to_a_local_path_creating_its_directory(context, ui, sink, cancel, ssh,
                                                                    remote_dir, tmp_path):
    Path(f"{remote_dir}/report.txt").write_text("report")
    destination = tmp_path / "out" / "deep" / "r.txt"
    provisioner(context, source=f"{remote_dir}/report.txt", destination=str(destination),
                direction="download").provision(ui, ssh, {}, cancel)
    assert destination.read_text() == "report"
    assert sink.texts(SAY) == [f"Downloading {remote_dir}/report.txt => {destination}"]


def test_a_download_into_a_directory_keeps_the_file_name(context, ui, sink, cancel, ssh, remote_dir, tmp_path):
    Path(f"{remote_dir}/log.txt").write_text("log")
    provisioner(context, source=f"{remote_dir}/log.txt", destination=f"{tmp_path}/logs/",
                direction="download").provision(ui, ssh, {}, cancel)
    assert (tmp_path / "logs" / "log.txt").read_text() == "log"
    assert sink.texts(SAY) == [f"Downloading {remote_dir}/log.txt => {tmp_path}/logs/log.txt"]


def test_a_directory_is_downloaded(context, ui, cancel, ssh, remote_dir, tmp_path):
    os.makedirs(f"{remote_dir}/results/sub")
    Path(f"{remote_dir}/results/x.txt").write_text("x")
    Path(f"{remote_dir}/results/sub/y.txt").write_text("y")
    provisioner(context, source=f"{remote_dir}/results/", destination=f"{tmp_path}/got/",
                direction="download").provision(ui, ssh, {}, cancel)
    assert tree(tmp_path / "got") == {"results/x.txt": "x", "results/sub/y.txt": "y"}


def test_a_generated_source_is_not_checked_before_the_build_but_is_uploaded(context, ui, cancel, ssh,
                                                                            remote_dir, tmp_path):
    source = tmp_path / "made-later.txt"
    prov = provisioner(context, source=str(source), destination=f"{remote_dir}/x", generated=True)
    source.write_text("made")
    prov.provision(ui, ssh, {}, cancel)
    assert Path(f"{remote_dir}/x").read_text() == "made"


def test_a_generated_source_still_missing_at_run_time_fails_clearly(context, ui, cancel, ssh, tmp_path):
    prov = provisioner(context, source=str(tmp_path / "never"), destination="/tmp/x", generated=True)
    with pytest.raises(ProvisionError, match=f"stat {tmp_path}/never: .*No such file or directory"):
        prov.provision(ui, ssh, {}, cancel)


def test_a_failed_upload_is_reported_and_raised(context, ui, sink, cancel, ssh, tmp_path):
    source = tmp_path / "f.txt"
    source.write_text("f")
    with pytest.raises(ProvisionError, match="^Upload failed: .*/no/such/dir/f.txt"):
        provisioner(context, source=str(source), destination="/no/such/dir/f.txt").provision(ui, ssh, {}, cancel)
    assert sink.texts(ERROR)[0].startswith("Upload failed: ")


def test_a_failed_download_is_reported_and_raised(context, ui, sink, cancel, ssh, tmp_path):
    with pytest.raises(ProvisionError, match="^Download failed: .*/no/such/file"):
        provisioner(context, source="/no/such/file", destination=str(tmp_path / "f"),
                    direction="download").provision(ui, ssh, {}, cancel)
    assert sink.texts(ERROR)[0].startswith("Download failed: ")


@pytest.mark.parametrize(("config", "problem"), [
    ({"destination": "/x", "direction": "sideways"}, "Direction must be one of: download, upload."),
    ({"destination": "/x", "source": "/no/such"}, "Bad source '/no/such': stat /no/such: no such file or "
                                                  "directory"),
    ({"destination": "/x", "sources": ["/etc/hostname"], "content": "c"}, "source(s) conflicts with content."),
    ({"destination": "", "content": "c"}, "Destination must be specified."),
])
def test_prepare_reports_packers_problems(context, config, problem):
    assert problem in FileProvisioner(config, context).prepare()


def test_a_download_source_need_not_exist_locally(context):
    assert FileProvisioner({"source": "/remote/only", "destination": "/x", "direction": "download"},
                           context).prepare() == []
