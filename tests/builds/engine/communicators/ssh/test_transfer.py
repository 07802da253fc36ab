"""Tests for file transfer over SSH with sftp and scp against a real sshd: files, trees, modes, large files."""

import hashlib
import io
import os
import stat

import pytest

from builds.engine.communicators.base import CommunicatorError
from builds.engine.communicators.ssh.transfer import remote_quote

METHODS = ["sftp", "scp"]


@pytest.fixture(params=METHODS)
def method(request) -> str:
    return request.param


@pytest.fixture
def comm(make_communicator, method):
    return make_communicator(ssh_file_transfer_method=method)


def _mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _owner(path: str) -> str:
    import pwd

    return pwd.getpwuid(os.stat(path).st_uid).pw_name


class _Unseekable(io.RawIOBase):
    """A stream that can only be read forward, like a pipe."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_upload_writes_the_file_as_the_user_with_the_given_mode(comm, remote_dir):
    target = f"{remote_dir}/script.sh"

    comm.upload(target, io.BytesIO(b"#!/bin/sh\necho hi\n"), mode=0o755)

    with open(target, "rb") as handle:
        assert handle.read() == b"#!/bin/sh\necho hi\n"
    assert _mode(target) == 0o755
    assert _owner(target) == "imagehub-test"


def test_upload_replaces_an_existing_file(comm, remote_dir):
    target = f"{remote_dir}/file"
    comm.upload(target, io.BytesIO(b"a much longer first version\n"), mode=0o600)

    comm.upload(target, io.BytesIO(b"second\n"), mode=0o600)

    with open(target, "rb") as handle:
        assert handle.read() == b"second\n"


def test_upload_without_mode_makes_a_0644_file(comm, remote_dir):
    target = f"{remote_dir}/plain.txt"

    comm.upload(target, io.BytesIO(b"x"))

    assert _mode(target) == 0o644


def test_upload_from_an_unseekable_stream(comm, remote_dir):
    target = f"{remote_dir}/streamed"

    comm.upload(target, io.BufferedReader(_Unseekable(b"line\n" * 1000)), mode=0o644)

    with open(target, "rb") as handle:
        assert handle.read() == b"line\n" * 1000


def test_upload_to_a_path_with_spaces_and_quotes(comm, remote_dir):
    os.makedirs(f"{remote_dir}/a dir", exist_ok=True)
    os.chown(f"{remote_dir}/a dir", os.stat(remote_dir).st_uid, -1)
    target = f"{remote_dir}/a dir/it's here.txt"

    comm.upload(target, io.BytesIO(b"ok"), mode=0o644)

    with open(target, "rb") as handle:
        assert handle.read() == b"ok"


def test_upload_to_a_forbidden_place_says_where_and_why(comm):
    with pytest.raises(CommunicatorError) as raised:
        comm.upload("/root/forbidden.txt", io.BytesIO(b"x"), mode=0o644)

    message = str(raised.value)
    assert "/root" in message
    assert "ermission denied" in message


def test_download_copies_the_file(comm, remote_dir):
    source = f"{remote_dir}/data.bin"
    payload = bytes(range(256)) * 100
    with open(source, "wb") as handle:
        handle.write(payload)
    sink = io.BytesIO()

    comm.download(source, sink)

    assert sink.getvalue() == payload


def test_download_of_a_missing_file_names_it(comm, remote_dir):
    with pytest.raises(CommunicatorError) as raised:
        comm.download(f"{remote_dir}/missing.txt", io.BytesIO())

    assert f"{remote_dir}/missing.txt" in str(raised.value)


def _make_tree(root: str) -> None:
    os.makedirs(f"{root}/tree/sub/deeper")
    os.makedirs(f"{root}/tree/private")
    files = {"tree/run.sh": (b"#!/bin/sh\n", 0o755), "tree/secret": (b"s3cret\n", 0o600),
             "tree/sub/readme.txt": (b"hello\n", 0o644), "tree/sub/deeper/data.bin": (b"\0\1\2" * 10, 0o640),
             "tree/private/skip.log": (b"log\n", 0o644), "tree/sub/notes.log": (b"log\n", 0o644)}
    for relative, (data, mode) in files.items():
        with open(f"{root}/{relative}", "wb") as handle:
            handle.write(data)
        os.chmod(f"{root}/{relative}", mode)
    os.chmod(f"{root}/tree/private", 0o700)


def _give_to_user(root: str, owner_of: str) -> None:
    """Make everything below ``root`` belong to the owner of ``owner_of`` (the test user)."""
    uid, gid = os.stat(owner_of).st_uid, os.stat(owner_of).st_gid
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(directory, name), uid, gid)


def _listing(root: str) -> dict[str, tuple[int, bytes | None]]:
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            data = None
            if os.path.isfile(path):
                with open(path, "rb") as handle:
                    data = handle.read()
            found[os.path.relpath(path, root)] = (_mode(path), data)
    return found


def test_upload_dir_copies_the_directory_into_the_target_keeping_modes(comm, remote_dir, tmp_path):
    _make_tree(str(tmp_path))

    comm.upload_dir(f"{remote_dir}/dest", str(tmp_path / "tree"))

    assert _listing(f"{remote_dir}/dest/tree") == _listing(str(tmp_path / "tree"))
    assert _owner(f"{remote_dir}/dest/tree/run.sh") == "imagehub-test"


def test_upload_dir_with_a_trailing_slash_copies_the_contents_only(comm, remote_dir, tmp_path):
    _make_tree(str(tmp_path))

    comm.upload_dir(remote_dir, str(tmp_path / "tree") + "/")

    assert _listing(remote_dir) == _listing(str(tmp_path / "tree"))


def test_upload_dir_leaves_out_excluded_entries(comm, remote_dir, tmp_path):
    _make_tree(str(tmp_path))

    comm.upload_dir(remote_dir, str(tmp_path / "tree") + "/", exclude=["*.log", "private"])

    assert set(_listing(remote_dir)) == {"run.sh", "secret", "sub", "sub/readme.txt", "sub/deeper",
                                         "sub/deeper/data.bin"}


def test_upload_dir_of_a_missing_directory_says_so(comm, remote_dir, tmp_path):
    with pytest.raises(CommunicatorError, match="not a directory"):
        comm.upload_dir(remote_dir, str(tmp_path / "nope"))


def test_download_dir_recreates_the_tree_under_its_name_keeping_modes(comm, remote_dir, tmp_path):
    _make_tree(remote_dir)
    _give_to_user(remote_dir, remote_dir)
    local = tmp_path / "out"

    comm.download_dir(f"{remote_dir}/tree", str(local))

    assert _listing(str(local / "tree")) == _listing(f"{remote_dir}/tree")


def test_download_dir_leaves_out_excluded_entries(comm, remote_dir, tmp_path):
    _make_tree(remote_dir)
    _give_to_user(remote_dir, remote_dir)

    comm.download_dir(f"{remote_dir}/tree", str(tmp_path), exclude=["*.log", "sub/deeper"])

    assert set(_listing(str(tmp_path / "tree"))) == {"run.sh", "secret", "sub", "sub/readme.txt", "private"}


def test_download_dir_of_a_missing_directory_names_it(comm, remote_dir, tmp_path):
    with pytest.raises(CommunicatorError) as raised:
        comm.download_dir(f"{remote_dir}/absent", str(tmp_path))

    assert f"{remote_dir}/absent" in str(raised.value)


def test_ten_megabytes_round_trip_intact(comm, remote_dir):
    payload = os.urandom(10 * 1024 * 1024)
    target = f"{remote_dir}/big.bin"

    comm.upload(target, io.BytesIO(payload), mode=0o644)
    with open(target, "rb") as handle:
        assert hashlib.sha256(handle.read()).digest() == hashlib.sha256(payload).digest()
    sink = io.BytesIO()
    comm.download(target, sink)

    assert hashlib.sha256(sink.getvalue()).digest() == hashlib.sha256(payload).digest()


def test_transfers_and_commands_share_the_connection(sshd, comm, remote_dir, tmp_path):
    accepted = sshd.connections_accepted()
    _make_tree(str(tmp_path))

    for index in range(5):
        comm.upload(f"{remote_dir}/f{index}", io.BytesIO(b"x"), mode=0o644)
    comm.upload_dir(remote_dir, str(tmp_path / "tree"))
    comm.download(f"{remote_dir}/f0", io.BytesIO())

    assert sshd.connections_accepted() == accepted


@pytest.mark.parametrize(("path", "quoted"), [
    ("/tmp/plain", "/tmp/plain"),
    ("/tmp/with space", "'/tmp/with space'"),
    ("~/in home", "~/'in home'"),
    ("~", "~"),
])
def test_remote_paths_are_quoted_for_the_shell_keeping_home(path, quoted):
    assert remote_quote(path) == quoted
