"""The formats of the ``compress`` post-processor: which one an output name asks for, and writers for each.

Packer reads the format from the last two ``.extension`` parts of ``output``
(or of ``output.format``): ``tar`` or ``zip`` make an archive; ``gz``
(pgzip), ``bgzf``, ``bzip2``, ``lz4`` and ``xz`` compress it, or compress the
one input file when there is no archive part; anything else, or no
extension at all, means ``.tar.gz``. Extensions are lower-case letters and
digits only, so ``.bz2``, ``.tgz`` and ``.GZ`` are not recognised and give a
gzipped tar, as in Packer.

gzip and BGZF compress blocks on every core at once (each block primed with
the end of the one before for gzip, independent for BGZF), with zlib-ng when
it is installed (the same streams, about twice as fast) and zlib otherwise;
bzip2, xz and lz4 use one core. The archives themselves are written by
:mod:`builds.engine.post_processors.compress.archives`.
"""

from __future__ import annotations

import bz2
import collections
import lzma
import re
import struct
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO, Protocol

try:  # zlib-ng writes the same deflate streams about twice as fast; the standard zlib is the fallback
    from zlib_ng import zlib_ng as zlib
except ImportError:  # pragma: no cover - depends on what is installed
    import zlib

GZIP_BLOCK_BYTES = 1 << 20
BGZF_BLOCK_BYTES = 0xFF00  # the most a BGZF block holds uncompressed
DEFAULT_LEVEL = -1  # zlib's default, level 6
HUFFMAN_ONLY = -2  # Go's flate.HuffmanOnly

_EXTENSION = re.compile(r"\.([a-z0-9]+)")
_ALGORITHMS = {"gz": "pgzip", "lz4": "lz4", "bgzf": "bgzf", "xz": "xz", "bzip2": "bzip2"}
_BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


@dataclass(frozen=True)
class Format:
    """What ``compress`` writes: an archive (``tar``, ``zip`` or ``""`` for one file) and a compression
    (``pgzip``, ``bgzf``, ``bzip2``, ``lz4``, ``xz`` or ``""`` for none)."""

    archive: str
    algorithm: str


def detect(output: str, extension: str = "") -> Format:
    """Return the format Packer derives from ``output`` (the unrendered template) and ``format``."""
    found = _EXTENSION.findall(f"{output}.{extension}" if extension else output)
    if not found:
        return Format("tar", "pgzip")
    last = found[-1]
    archive = "tar" if len(found) > 1 and found[-2] == "tar" else ""
    if last in ("zip", "tar"):
        return Format(last, "")
    if last in _ALGORITHMS:
        return Format(archive, _ALGORITHMS[last])
    return Format("tar", "pgzip")


def normalize_level(level: int) -> int:
    """Return the level Packer uses for a configured ``compression_level``: above 9 is 9, 0 and -1 are the default."""
    if level > 9:
        return 9
    if level in (0, -1):
        return DEFAULT_LEVEL
    return level


def level_problem(fmt: Format, level: int) -> str | None:
    """Return why ``level`` (normalised) cannot be used with ``fmt``, or None."""
    if fmt.algorithm in ("pgzip", "bgzf") and level < HUFFMAN_ONLY:
        return "Invalid compression level. Expected an integer from -1 to 9."
    return None


class Stream(Protocol):
    def write(self, data: bytes) -> object: ...

    def close(self) -> None: ...


def open_compressor(algorithm: str, output: BinaryIO, level: int, workers: int) -> Stream:
    """Return a stream that compresses what is written to it into ``output`` (``output`` itself for none).

    Closing the stream finishes the compressed data; it does not close ``output``.
    """
    if algorithm == "pgzip":
        return ParallelGzipWriter(output, level, workers)
    if algorithm == "bgzf":
        return BgzfWriter(output, level, workers)
    if algorithm == "bzip2":
        return _Incremental(output, bz2.BZ2Compressor(9 if level <= 0 else level))
    if algorithm == "xz":
        return _Incremental(output, lzma.LZMACompressor(format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64))
    if algorithm == "lz4":
        return _Incremental(output, _lz4_compressor(level))
    if algorithm == "":
        return _Plain(output)
    raise ValueError(f"unknown compression {algorithm!r}")


def lz4_available() -> bool:
    """Return whether the ``lz4`` package, which lz4 compression needs, can be imported."""
    try:
        import lz4.frame  # noqa: F401
    except ImportError:
        return False
    return True


def _lz4_compressor(level: int):
    import lz4.frame

    # Packer's lz4 levels: below 0 the library default (fast), 0 fast, 1 to 9 high compression.
    hc_level = 0 if level <= 0 else min(level + 3, lz4.frame.COMPRESSIONLEVEL_MAX)
    compressor = lz4.frame.LZ4FrameCompressor(block_size=lz4.frame.BLOCKSIZE_MAX4MB, compression_level=hc_level,
                                              content_checksum=True)
    return _Lz4Adapter(compressor)


class _Lz4Adapter:
    """Gives lz4's frame compressor the ``compress``/``flush`` shape of bz2's and lzma's."""

    def __init__(self, compressor):
        self._compressor = compressor
        self._started = False

    def compress(self, data: bytes) -> bytes:
        head = b""
        if not self._started:
            head = self._compressor.begin()
            self._started = True
        return head + self._compressor.compress(data)

    def flush(self) -> bytes:
        return self.compress(b"") + self._compressor.flush()


class _Plain:
    def __init__(self, output: BinaryIO):
        self._output = output

    def write(self, data: bytes) -> None:
        self._output.write(data)

    def close(self) -> None:
        self._output.flush()


class _Incremental:
    def __init__(self, output: BinaryIO, compressor):
        self._output = output
        self._compressor = compressor

    def write(self, data: bytes) -> None:
        self._output.write(self._compressor.compress(data))

    def close(self) -> None:
        self._output.write(self._compressor.flush())
        self._output.flush()


class _OrderedBlocks(ABC):
    """Compresses fixed-size blocks on a thread pool and writes the results in order.

    zlib (and zlib-ng) release the interpreter lock while they compress, so
    the blocks really are compressed side by side.
    """

    def __init__(self, output: BinaryIO, block_bytes: int, workers: int):
        self._output = output
        self._block_bytes = block_bytes
        self._workers = max(1, workers)
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="compress")
        self._pending: collections.deque[Future[bytes]] = collections.deque()
        self._buffer = bytearray()
        self._closed = False

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) > self._block_bytes:
            block = bytes(self._buffer[: self._block_bytes])
            del self._buffer[: self._block_bytes]
            self._submit(block, last=False)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._submit(bytes(self._buffer), last=True)
            self._buffer.clear()
            while self._pending:
                self._output.write(self._pending.popleft().result())
            self._finish()
            self._output.flush()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Stop without finishing the stream (the output is then incomplete)."""
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, block: bytes, last: bool) -> None:
        self._pending.append(self._pool.submit(self._compress_job(block, last)))
        while len(self._pending) > 2 * self._workers:
            self._output.write(self._pending.popleft().result())

    @abstractmethod
    def _compress_job(self, block: bytes, last: bool) -> Callable[[], bytes]:
        """Return a function that compresses ``block`` (called on the pool); runs in submission order."""

    @abstractmethod
    def _finish(self) -> None:
        """Write what ends the stream, after the last block."""


def _deflater(level: int, zdict: bytes | None = None):
    strategy = zlib.Z_HUFFMAN_ONLY if level == HUFFMAN_ONLY else zlib.Z_DEFAULT_STRATEGY
    zlib_level = 6 if level == HUFFMAN_ONLY else level
    if zdict:
        return zlib.compressobj(zlib_level, zlib.DEFLATED, -15, 8, strategy, zdict)
    return zlib.compressobj(zlib_level, zlib.DEFLATED, -15, 8, strategy)


class ParallelGzipWriter(_OrderedBlocks):
    """A single-member gzip stream whose deflate blocks are compressed in parallel, as pgzip does."""

    def __init__(self, output: BinaryIO, level: int = DEFAULT_LEVEL, workers: int = 1,
                 block_bytes: int = GZIP_BLOCK_BYTES):
        super().__init__(output, block_bytes, workers)
        self._level = level
        self._crc = 0
        self._size = 0
        self._previous_tail = b""
        # magic, deflate, no flags, no time, no extra flags, unknown OS (as Go writes it)
        output.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")

    def write(self, data: bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        super().write(data)

    def _compress_job(self, block: bytes, last: bool) -> Callable[[], bytes]:
        zdict, self._previous_tail = self._previous_tail, block[-32768:]
        level = self._level

        def job() -> bytes:
            deflater = _deflater(level, zdict)
            return deflater.compress(block) + deflater.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
        return job

    def _finish(self) -> None:
        self._output.write(struct.pack("<II", self._crc & 0xFFFFFFFF, self._size & 0xFFFFFFFF))


class BgzfWriter(_OrderedBlocks):
    """BGZF (blocked gzip, as bioinformatics tools read it): independent gzip members of at most
    64 KiB, each naming its size in a ``BC`` extra field, ended by the standard empty block."""

    def __init__(self, output: BinaryIO, level: int = DEFAULT_LEVEL, workers: int = 1):
        super().__init__(output, BGZF_BLOCK_BYTES, workers)
        self._level = level

    def _compress_job(self, block: bytes, last: bool) -> Callable[[], bytes]:
        level = self._level
        if not block:  # nothing was written: the end-of-file block alone is an empty BGZF file
            return lambda: b""
        return lambda: _bgzf_block(block, level)

    def _finish(self) -> None:
        self._output.write(_BGZF_EOF)


def _bgzf_block(block: bytes, level: int) -> bytes:
    deflater = _deflater(level)
    data = deflater.compress(block) + deflater.flush(zlib.Z_FINISH)
    if len(data) + 26 > 0x10000:  # incompressible: store it, which always fits
        deflater = zlib.compressobj(0, zlib.DEFLATED, -15)
        data = deflater.compress(block) + deflater.flush(zlib.Z_FINISH)
    header = b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00" + struct.pack("<H", len(data) + 25)
    return header + data + struct.pack("<II", zlib.crc32(block) & 0xFFFFFFFF, len(block))
