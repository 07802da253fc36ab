"""The archives of the ``compress`` post-processor: tar and zip of the artifact's files, or one file's bytes.

Tar archives follow Go's ``archive/tar`` as Packer uses it: GNU headers named
after each file's base name, modification times zeroed, device numbers
written as zeros, and no padding after the two closing blocks, so an
uncompressed tar is byte for byte Packer's. Zip entries keep the paths as
given, as Packer's do.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import tarfile
import zipfile
from collections.abc import Callable, Sequence
from typing import BinaryIO

from builds.engine.cancel import CancelToken
from builds.engine.post_processors.common import os_error_text
from builds.engine.post_processors.compress.formats import Stream

CHUNK_BYTES = 1 << 20


class ArchiveError(Exception):
    """Writing the archive failed; the message names the file and says why, in Packer's words."""



def write_tar(paths: Sequence[str], stream: Stream, cancel: CancelToken) -> None:
    """Write a tar of ``paths`` (each under its base name) to ``stream``; raises :class:`ArchiveError`."""
    users: dict[int, str] = {}
    groups: dict[int, str] = {}
    for path in paths:
        with _open(path, f"Unable to read file {path}") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise ArchiveError(f"Failed to copy {path} data to archive: read {path}: is a directory")
            header = tarfile.TarInfo(os.path.basename(path))
            header.size = info.st_size
            header.mode = info.st_mode & 0o7777
            header.uid, header.gid = info.st_uid, info.st_gid
            header.uname = _name(users, info.st_uid, lambda uid: pwd.getpwuid(uid).pw_name)
            header.gname = _name(groups, info.st_gid, lambda gid: grp.getgrgid(gid).gr_name)
            header.mtime = 0
            header.type = tarfile.REGTYPE
            stream.write(_go_header(header.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")))
            remaining = info.st_size
            while remaining:
                cancel.raise_if_cancelled()
                chunk = handle.read(min(CHUNK_BYTES, remaining))
                if not chunk:
                    raise ArchiveError(f"Failed to copy {path} data to archive: the file shrank while it was "
                                       "being archived")
                stream.write(chunk)
                remaining -= len(chunk)
            if handle.read(1):
                raise ArchiveError(f"Failed to copy {path} data to archive: archive/tar: write too long")
            padding = -info.st_size % tarfile.BLOCKSIZE
            if padding:
                stream.write(bytes(padding))
    stream.write(bytes(2 * tarfile.BLOCKSIZE))


def write_zip(paths: Sequence[str], output: BinaryIO, cancel: CancelToken) -> None:
    """Write a zip of ``paths`` (each under its path as given) to ``output``; raises :class:`ArchiveError`."""
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            name = path.replace(os.sep, "/")
            with _open(path, f"Unable to read file {name}") as handle:
                entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.file_size = os.fstat(handle.fileno()).st_size
                with archive.open(entry, "w") as target:
                    while True:
                        cancel.raise_if_cancelled()
                        try:
                            chunk = handle.read(CHUNK_BYTES)
                        except IsADirectoryError:
                            raise ArchiveError(f"Failed to copy {name} data to archive: read {path}: "
                                               "is a directory") from None
                        if not chunk:
                            break
                        target.write(chunk)


def _go_header(blocks: bytes) -> bytes:
    """Return tar header blocks with the device numbers written as zeros, as Go writes them in
    every GNU header (Python leaves them blank for files that are not devices)."""
    out = bytearray(blocks)
    position = 0
    while position < len(out):
        block = position
        out[block + 329:block + 345] = b"0000000\x000000000\x00"
        out[block + 148:block + 156] = b" " * 8
        out[block + 148:block + 156] = b"%06o\x00 " % sum(out[block:block + 512])
        position += tarfile.BLOCKSIZE
        if out[block + 156:block + 157] in (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK):
            size = int(out[block + 124:block + 136].rstrip(b"\x00 ") or b"0", 8)
            position += -(-size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE
    return bytes(out)


def copy_file(path: str, stream: Stream, cancel: CancelToken) -> None:
    """Write the content of ``path`` to ``stream``; raises :class:`ArchiveError`."""
    with _open(path, f"Failed to open source file {path} for reading") as handle:
        while True:
            cancel.raise_if_cancelled()
            try:
                chunk = handle.read(CHUNK_BYTES)
            except OSError as exc:
                raise ArchiveError(f"Failed to compress {path}: {_reason(exc, 'read', path)}") from None
            if not chunk:
                return
            stream.write(chunk)


def _open(path: str, failure: str) -> BinaryIO:
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller closes it in a with statement
    except OSError as exc:
        raise ArchiveError(f"{failure}: {_reason(exc, 'open', path)}") from None


def _name(cache: dict[int, str], number: int, lookup: Callable[[int], str]) -> str:
    if number not in cache:
        try:
            cache[number] = lookup(number)
        except KeyError:
            cache[number] = ""
    return cache[number]


def _reason(exc: OSError, operation: str, path: str) -> str:
    return os_error_text(exc, operation, path)
