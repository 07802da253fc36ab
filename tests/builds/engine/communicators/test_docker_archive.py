"""Tar streams of the docker communicator: what uploads contain and how downloads are unpacked safely."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from builds.engine.communicators.docker_archive import (
    ArchiveError,
    ChunkReader,
    excluded,
    extract_file,
    extract_tree,
    write_file_archive,
    write_tree_archive,
)


def tar_of(*entries: tuple[str, str, bytes | str]) -> io.BufferedReader:
    """A tar stream of (name, kind, data-or-link) entries, served in small chunks like the SDK's."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, kind, payload in entries:
            info = tarfile.TarInfo(name)
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o750
                tar.addfile(info)
            elif kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, payload
                tar.addfile(info)
            else:
                info.size, info.mode, info.uid = len(payload), 0o640, 4242
                tar.addfile(info, io.BytesIO(payload))
    data = buffer.getvalue()
    return io.BufferedReader(ChunkReader(data[i:i + 700] for i in range(0, len(data), 700)))


def test_a_file_archive_holds_one_root_owned_file_with_the_mode():
    archive = io.BytesIO()
    write_file_archive(archive, "run.sh", io.BytesIO(b"echo hi\n"), 0o4755)
    archive.seek(0)
    with tarfile.open(fileobj=archive) as tar:
        (member,) = tar.getmembers()
        assert (member.name, member.mode, member.uid, member.gid, member.uname) == ("run.sh", 0o4755, 0, 0, "root")
        assert tar.extractfile(member).read() == b"echo hi\n"


def test_a_tree_archive_is_root_owned_keeps_modes_and_links_and_skips_excluded(tmp_path):
    src = tmp_path / "site"
    (src / "cache").mkdir(parents=True)
    (src / "cache" / "big").write_text("x")
    (src / "index.html").write_text("<p>")
    (src / "index.html").chmod(0o600)
    (src / "current").symlink_to("index.html")
    archive = io.BytesIO()
    write_tree_archive(archive, str(src), contents_only=False, exclude=["cache"])
    archive.seek(0)
    with tarfile.open(fileobj=archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert sorted(members) == ["site", "site/current", "site/index.html"]
    assert members["site/index.html"].mode == 0o600 and members["site/current"].linkname == "index.html"
    assert {m.uid for m in members.values()} == {0}


def test_a_tree_archive_of_contents_has_no_top_directory(tmp_path):
    (tmp_path / "a").write_text("a")
    archive = io.BytesIO()
    write_tree_archive(archive, str(tmp_path), contents_only=True)
    archive.seek(0)
    with tarfile.open(fileobj=archive) as tar:
        assert tar.getnames() == ["a"]


def test_a_tree_archive_of_a_missing_directory_is_an_error(tmp_path):
    with pytest.raises(ArchiveError, match="is not a directory"):
        write_tree_archive(io.BytesIO(), str(tmp_path / "absent"), contents_only=True)


@pytest.mark.parametrize("path, patterns, expected", [
    ("cache/big", ["cache"], True),
    ("a/b/c.log", ["*.log"], True),
    ("a/b/c.txt", ["a/b"], True),
    ("a/b/c.txt", ["b/c.txt"], False),
    ("keep", None, False),
])
def test_excluded_matches_paths_names_and_parent_directories(path, patterns, expected):
    assert excluded(path, patterns) is expected


def test_extract_file_copies_the_first_regular_file_and_reports_links():
    out = io.BytesIO()
    assert extract_file(tar_of(("f", "file", b"payload" * 500)), out, "/f") is None
    assert out.getvalue() == b"payload" * 500
    assert extract_file(tar_of(("l", "link", "target")), io.BytesIO(), "/l") == "target"
    with pytest.raises(ArchiveError, match="is a directory"):
        extract_file(tar_of(("d", "dir", b"")), io.BytesIO(), "/d")


def test_extract_tree_strips_the_root_keeps_modes_and_does_not_copy_owners(tmp_path):
    stream = tar_of(("data", "dir", b""), ("data/sub", "dir", b""), ("data/sub/f", "file", b"1"),
                    ("data/link", "link", "sub/f"))
    extract_tree(stream, str(tmp_path / "out"), strip_root=True)
    out = tmp_path / "out"
    assert (out / "sub" / "f").read_bytes() == b"1"
    assert (out / "sub" / "f").stat().st_mode & 0o777 == 0o640
    assert (out / "sub" / "f").stat().st_uid == os.geteuid()
    assert (out / "sub").stat().st_mode & 0o777 == 0o750
    assert os.readlink(out / "link") == "sub/f"


@pytest.mark.parametrize("entries", [
    [("data", "dir", b""), ("data/../../evil", "file", b"x")],
    [("data", "dir", b""), ("data/esc", "link", "/"), ("data/esc/evil", "file", b"x")],
])
def test_extract_tree_refuses_entries_that_leave_the_target(tmp_path, entries):
    with pytest.raises(ArchiveError, match="leaves"):
        extract_tree(tar_of(*entries), str(tmp_path / "out"), strip_root=True)
    assert not (tmp_path / "evil").exists()
