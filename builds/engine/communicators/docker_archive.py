"""Tar streams for the Docker archive API: packing uploads, and unpacking downloads without escaping the target.

Uploaded entries are owned by root (uid and gid 0), as ``docker cp`` leaves
them; the communicator changes the owner afterwards when asked to. Downloads
are unpacked by hand rather than with ``tarfile.extractall``: no path may leave
the target directory (absolute names, ``..``, or a symbolic link met on the
way), ownership is not copied, and device files are skipped.
"""

from __future__ import annotations

import fnmatch
import io
import os
import posixpath
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterable, Iterator
from typing import BinaryIO

_SPOOL_LIMIT = 16 * 1024 * 1024


class ArchiveError(Exception):
    """A tar stream could not be made or unpacked as asked; the message names the path."""


class ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks (the SDK's archive stream)."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = chunk
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def write_file_archive(archive: BinaryIO, name: str, data: BinaryIO, mode: int) -> None:
    """Write to ``archive`` a tar of one regular file ``name`` holding ``data``, with permissions ``mode``."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_LIMIT) as spool:
        shutil.copyfileobj(data, spool)
        size = spool.tell()
        spool.seek(0)
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = mode & 0o7777
        info.mtime = int(time.time())
        _root_owned(info)
        with tarfile.open(fileobj=archive, mode="w", format=tarfile.PAX_FORMAT) as tar:
            tar.addfile(info, spool)


def write_tree_archive(archive: BinaryIO, local_dir: str, *, contents_only: bool,
                       exclude: list[str] | None = None) -> None:
    """Write to ``archive`` a tar of the directory ``local_dir``.

    With ``contents_only`` the entries are the directory's contents; without,
    they sit under the directory's own name. ``exclude`` holds glob patterns
    matched against each entry's path relative to ``local_dir`` and its name;
    an excluded directory is left out with everything in it.
    """
    root = os.path.abspath(local_dir)
    if not os.path.isdir(root):
        raise ArchiveError(f"{local_dir} is not a directory")
    top = "" if contents_only else os.path.basename(root.rstrip(os.sep))
    with tarfile.open(fileobj=archive, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(root):
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir
            if top or rel_dir:
                _add(tar, dirpath, posixpath.join(top, rel_dir).rstrip("/"))
            kept = []
            for name in sorted(dirnames):
                rel = posixpath.join(rel_dir, name)
                if excluded(rel, exclude):
                    continue
                if os.path.islink(os.path.join(dirpath, name)):
                    _add(tar, os.path.join(dirpath, name), posixpath.join(top, rel))
                    continue
                kept.append(name)
            dirnames[:] = kept
            for name in sorted(filenames):
                rel = posixpath.join(rel_dir, name)
                if not excluded(rel, exclude):
                    _add(tar, os.path.join(dirpath, name), posixpath.join(top, rel))


def _add(tar: tarfile.TarFile, path: str, arcname: str) -> None:
    info = tar.gettarinfo(path, arcname)
    _root_owned(info)
    if info.isreg():
        with open(path, "rb") as source:
            tar.addfile(info, source)
    elif info.isdir() or info.issym():
        tar.addfile(info)


def _root_owned(info: tarfile.TarInfo) -> None:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"


def excluded(rel_path: str, patterns: list[str] | None) -> bool:
    """Whether ``rel_path`` (or a directory above it) matches one of the glob ``patterns``."""
    if not patterns:
        return False
    parts = rel_path.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        for pattern in patterns:
            pattern = pattern.strip("/")
            if fnmatch.fnmatchcase(prefix, pattern) or fnmatch.fnmatchcase(parts[depth - 1], pattern):
                return True
    return False


def extract_file(stream: BinaryIO, dest: BinaryIO, remote_path: str) -> str | None:
    """Copy the first entry of the tar ``stream`` into ``dest`` when it is a regular file.

    Returns None when done, or the link target when the entry is a symbolic
    link (the caller fetches that instead); raises :class:`ArchiveError` for
    a directory or anything else that is not a file.
    """
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        member = tar.next()
        if member is None:
            raise ArchiveError(f"{remote_path}: the container sent an empty archive")
        if member.issym():
            return member.linkname
        if member.isdir():
            raise ArchiveError(f"{remote_path} is a directory; download it as a directory")
        if not member.isreg():
            raise ArchiveError(f"{remote_path} is not a regular file")
        source = tar.extractfile(member)
        shutil.copyfileobj(source, dest)
    return None


def extract_tree(stream: BinaryIO, local_dir: str, *, strip_root: bool,
                 exclude: list[str] | None = None) -> int:
    """Unpack the tar ``stream`` of one directory into ``local_dir`` (created); return the entries written.

    The archive's entries sit under the directory's name; with ``strip_root``
    that first component is dropped, so the contents land in ``local_dir``
    itself. ``exclude`` patterns apply to paths relative to the remote
    directory. Raises :class:`ArchiveError` for an entry that would land
    outside ``local_dir``.
    """
    os.makedirs(local_dir, exist_ok=True)
    root = os.path.realpath(local_dir)
    dir_modes: list[tuple[str, int]] = []
    written: dict[str, str] = {}
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            name = posixpath.normpath(member.name.lstrip("/"))
            parts = [] if name == "." else name.split("/")
            if ".." in parts:
                raise ArchiveError(f"refusing archive entry {member.name!r}: it leaves {local_dir}")
            rel_parts = parts[1:] if strip_root else parts
            rel = "/".join(parts[1:])
            if not rel_parts or (rel and excluded(rel, exclude)):
                continue
            target = os.path.join(root, *rel_parts)
            parent = os.path.realpath(os.path.dirname(target))
            if parent != root and not parent.startswith(root + os.sep):
                raise ArchiveError(f"refusing archive entry {member.name!r}: it leaves {local_dir}")
            if member.isdir():
                os.makedirs(target, exist_ok=True)
                dir_modes.append((target, member.mode))
                continue
            if os.path.lexists(target) and (os.path.islink(target) or not os.path.isdir(target)):
                os.unlink(target)
            if member.isreg():
                with open(target, "wb") as out:
                    shutil.copyfileobj(tar.extractfile(member), out)
                os.chmod(target, member.mode & 0o777)
            elif member.issym():
                os.symlink(member.linkname, target)
            elif member.islnk() and member.linkname in written:
                shutil.copy2(written[member.linkname], target)
            else:
                continue  # devices and fifos are not copied
            written[member.name] = target
    for path, mode in reversed(dir_modes):
        os.chmod(path, mode & 0o777)
    return len(written) + len(dir_modes)
