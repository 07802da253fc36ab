"""Tests of the compress archives: Go's tar layout, zip entry names, errors and cancellation."""

import io
import os
import tarfile
import zipfile

import pytest

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.post_processors.compress import archives


def test_tar_uses_gnu_headers_base_names_zero_times_and_no_record_padding(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"hello world\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.bin").write_bytes(b"x" * 513)
    os.chmod(tmp_path / "a.txt", 0o640)
    buffer = io.BytesIO()
    archives.write_tar([str(tmp_path / "a.txt"), str(tmp_path / "sub" / "b.bin")], buffer, CancelToken())
    data = buffer.getvalue()
    assert len(data) == 512 + 512 + 512 + 1024 + 1024
    assert data[257:265] == b"ustar  \x00"
    assert data[329:345] == b"0000000\x000000000\x00"
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        members = archive.getmembers()
        assert [m.name for m in members] == ["a.txt", "b.bin"]
        assert [m.mtime for m in members] == [0, 0]
        assert members[0].mode == 0o640
        assert archive.extractfile("b.bin").read() == b"x" * 513
        assert all(m.chksum == tarfile.calc_chksums(data[i:i + 512])[0] for m, i in zip(members, (0, 1024), strict=True))


def test_tar_keeps_names_longer_than_a_header_holds(tmp_path):
    name = "n" * 150 + ".img"
    (tmp_path / name).write_bytes(b"data")
    buffer = io.BytesIO()
    archives.write_tar([str(tmp_path / name)], buffer, CancelToken())
    with tarfile.open(fileobj=io.BytesIO(buffer.getvalue())) as archive:
        assert archive.getnames() == [name]
        assert archive.extractfile(name).read() == b"data"


def test_tar_refuses_directories_and_missing_files(tmp_path):
    with pytest.raises(archives.ArchiveError, match="read .*: is a directory"):
        archives.write_tar([str(tmp_path)], io.BytesIO(), CancelToken())
    with pytest.raises(archives.ArchiveError, match="Unable to read file .*gone: open .*gone: no such file"):
        archives.write_tar([str(tmp_path / "gone")], io.BytesIO(), CancelToken())


def test_zip_names_entries_by_the_path_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_bytes(b"alpha")
    (tmp_path / "b.txt").write_bytes(b"")
    buffer = io.BytesIO()
    archives.write_zip(["d/a.txt", "b.txt"], buffer, CancelToken())
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert archive.namelist() == ["d/a.txt", "b.txt"]
        assert archive.read("d/a.txt") == b"alpha"
        assert archive.testzip() is None


def test_writers_stop_when_the_build_is_cancelled(tmp_path):
    (tmp_path / "a").write_bytes(b"a" * 10)
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        archives.write_tar([str(tmp_path / "a")], io.BytesIO(), cancel)
    with pytest.raises(Cancelled):
        archives.copy_file(str(tmp_path / "a"), io.BytesIO(), cancel)
