"""Vagrant box files: a box directory's ``metadata.json``, and the box itself, a tar of that directory.

A box is gzipped at the configured level (-2 for Huffman-only, -1 for
zlib's default, 1 to 9), or a plain tar at level 0, as Packer writes it. The
tar holds every file under the directory by its relative path, in the order
Go's ``filepath.Walk`` visits them (names sorted, directories entered where
they sort), with GNU headers that keep each file's mode, owner and
modification time.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from typing import BinaryIO

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.plugins import PostProcessError
from builds.engine.post_processors.common import os_error_text
from builds.engine.post_processors.compress.formats import ParallelGzipWriter
from builds.engine.post_processors.manifest.gojson import quote

DEFAULT_LEVEL = -1  # zlib's default, level 6
NO_COMPRESSION = 0
HUFFMAN_ONLY = -2
BEST_COMPRESSION = 9
GZIP_BLOCK_BYTES = 500_000  # the block size Packer gives its parallel gzip writer
CHUNK_BYTES = 1 << 20
INVALID_LEVEL = "Invalid compression level. Expected an integer from -1 to 9."


def level_problem(level: int) -> str | None:
    """Return Packer's complaint when ``level`` is not a gzip level it accepts, or None."""
    if HUFFMAN_ONLY <= level <= BEST_COMPRESSION:
        return None
    return INVALID_LEVEL


def write_metadata(directory: str, metadata: Mapping[str, str]) -> None:
    """Write ``metadata.json`` (Go's compact JSON, keys sorted, one line) into ``directory``.

    A ``metadata.json`` already there (an included file) is left as it is.
    Raises :class:`PostProcessError` when the file cannot be written.
    """
    path = os.path.join(directory, "metadata.json")
    if os.path.exists(path):
        return
    text = "{" + ",".join(f"{quote(key)}:{quote(value)}" for key, value in sorted(metadata.items())) + "}\n"
    try:
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
    except OSError as exc:
        raise PostProcessError(os_error_text(exc, "open", path)) from None


def write_box(target: str, directory: str, level: int, cancel: CancelToken,
              say: Callable[[str], None] | None = None) -> None:
    """Write the box ``target`` from the files under ``directory``, saying ``Compressing: NAME`` for each.

    The parent directories of ``target`` are created. A box left half-written
    by a failure or a cancellation is removed. Raises :class:`PostProcessError`
    or ``Cancelled``.
    """
    problem = level_problem(level)
    if problem:
        raise PostProcessError(problem)
    parent = os.path.dirname(target)
    if parent:
        try:
            os.makedirs(parent, mode=0o755, exist_ok=True)
        except OSError as exc:
            raise PostProcessError(os_error_text(exc, "mkdir", exc.filename or parent)) from None
    try:
        output = open(target, "wb")  # noqa: SIM115 - closed in the with statement below
    except OSError as exc:
        raise PostProcessError(os_error_text(exc, "open", target)) from None
    try:
        with output:
            _write_tar(output, directory, level, cancel, say)
    except (PostProcessError, Cancelled):
        _remove(target)
        raise
    except OSError as exc:
        _remove(target)
        raise PostProcessError(os_error_text(exc, "write", target)) from None


def check_host(level: int, cancel: CancelToken) -> None:
    """Make a throw-away box of an empty ``metadata.json`` in a temporary directory, as Packer does before
    the real one, so a host that cannot write boxes fails before any work; raises like :func:`write_box`."""
    with tempfile.TemporaryDirectory(prefix="packer") as directory:
        write_metadata(directory, {})
        handle, path = tempfile.mkstemp(prefix="box-", suffix=".box")
        os.close(handle)
        try:
            write_box(path, directory, level, cancel)
        finally:
            _remove(path)


def walk(directory: str) -> Iterator[tuple[str, str]]:
    """Yield ``(relative name, path)`` for each file under ``directory``, in ``filepath.Walk`` order."""
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isdir(path) and not os.path.islink(path):
            for relative, inner in walk(path):
                yield f"{name}/{relative}", inner
        else:
            yield name, path


def _write_tar(output: BinaryIO, directory: str, level: int, cancel: CancelToken,
               say: Callable[[str], None] | None) -> None:
    gzip = None if level == NO_COMPRESSION else ParallelGzipWriter(output, level, _cores(), GZIP_BLOCK_BYTES)
    stream = gzip or output
    users: dict[int, str] = {}
    groups: dict[int, str] = {}
    finished = False
    try:
        for name, path in walk(directory):
            cancel.raise_if_cancelled()
            with open(path, "rb") as handle:
                info = os.fstat(handle.fileno())
                if say is not None:
                    say(f"Compressing: {name}")
                stream.write(_header(name, info, users, groups))
                _copy(handle, info.st_size, stream, path, cancel)
        stream.write(bytes(2 * tarfile.BLOCKSIZE))
        if gzip is not None:
            gzip.close()
        finished = True
    finally:
        if gzip is not None and not finished:
            gzip.abort()


def _header(name: str, info: os.stat_result, users: dict[int, str], groups: dict[int, str]) -> bytes:
    header = tarfile.TarInfo(name)
    header.size = info.st_size
    header.mode = stat.S_IMODE(info.st_mode)
    header.mtime = int(info.st_mtime)
    header.uid, header.gid = info.st_uid, info.st_gid
    header.uname = _name(users, info.st_uid, lambda uid: pwd.getpwuid(uid).pw_name)
    header.gname = _name(groups, info.st_gid, lambda gid: grp.getgrgid(gid).gr_name)
    header.type = tarfile.REGTYPE
    return header.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")


def _copy(handle: BinaryIO, size: int, stream, path: str, cancel: CancelToken) -> None:
    remaining = size
    while remaining:
        cancel.raise_if_cancelled()
        chunk = handle.read(min(CHUNK_BYTES, remaining))
        if not chunk:
            raise PostProcessError(f"read {path}: the file shrank while the box was being written")
        stream.write(chunk)
        remaining -= len(chunk)
    padding = -size % tarfile.BLOCKSIZE
    if padding:
        stream.write(bytes(padding))


def _name(cache: dict[int, str], number: int, lookup: Callable[[int], str]) -> str:
    if number not in cache:
        try:
            cache[number] = lookup(number)
        except KeyError:
            cache[number] = ""
    return cache[number]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        return
