"""Tests of the compress formats: Packer's reading of extensions, and what each writer produces."""

import bz2
import gzip
import io
import lzma
import random
import struct
import zlib

import pytest

from builds.engine.post_processors.compress import formats
from builds.engine.post_processors.compress.formats import Format


@pytest.mark.parametrize("output, extension, expected", [
    ("out.tar.gz", "", Format("tar", "pgzip")),
    ("out.gz", "", Format("", "pgzip")),
    ("out.zip", "", Format("zip", "")),
    ("out.tar", "", Format("tar", "")),
    ("out.tar.zip", "", Format("zip", "")),
    ("out.zip.gz", "", Format("", "pgzip")),
    ("out.tar.xz", "", Format("tar", "xz")),
    ("out.xz", "", Format("", "xz")),
    ("out.tar.bzip2", "", Format("tar", "bzip2")),
    ("out.lz4", "", Format("", "lz4")),
    ("out.tar.bgzf", "", Format("tar", "bgzf")),
    ("packer_{{.BuildName}}_{{.BuilderType}}", "", Format("tar", "pgzip")),
    ("{{.BuildName}}.gz", "", Format("", "pgzip")),
    ("out", "", Format("tar", "pgzip")),
    ("out", "zip", Format("zip", "")),
    ("out.tar", "gz", Format("tar", "pgzip")),
    # Packer's quirks, kept: unknown or upper-case extensions mean a gzipped tar.
    ("out.tar.bz2", "", Format("tar", "pgzip")),
    ("out.tgz", "", Format("tar", "pgzip")),
    ("out.GZ", "", Format("tar", "pgzip")),
    ("dir.v1/out", "", Format("tar", "pgzip")),
])
def test_format_follows_packers_reading_of_the_extension(output, extension, expected):
    assert formats.detect(output, extension) == expected


@pytest.mark.parametrize("configured, used", [(0, -1), (-1, -1), (1, 1), (9, 9), (12, 9), (-2, -2), (-5, -5)])
def test_levels_are_normalised_as_packer_does(configured, used):
    assert formats.normalize_level(configured) == used


def test_levels_below_huffman_only_are_refused_for_gzip_formats_only():
    assert formats.level_problem(Format("tar", "pgzip"), -3).startswith("Invalid compression level")
    assert formats.level_problem(Format("tar", "bgzf"), -3).startswith("Invalid compression level")
    assert formats.level_problem(Format("tar", "pgzip"), -2) is None
    assert formats.level_problem(Format("tar", "xz"), -3) is None


def sample(size, seed=7):
    rng = random.Random(seed)
    words = [bytes(rng.choice(b"abcdefghij") for _ in range(rng.randint(2, 9))) for _ in range(300)]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words) + (b" " if rng.random() < 0.9 else bytes(rng.randbytes(3)))
    return bytes(out[:size])


def compress_with(writer_factory, data, pieces=7):
    buffer = io.BytesIO()
    writer = writer_factory(buffer)
    step = max(1, len(data) // pieces)
    for start in range(0, len(data), step):
        writer.write(data[start:start + step])
    writer.close()
    return buffer.getvalue()


@pytest.mark.parametrize("level", [-2, -1, 1, 9])
@pytest.mark.parametrize("size", [0, 1, 5000, 300_000])
def test_parallel_gzip_is_one_gzip_member_any_reader_decompresses(level, size):
    data = sample(size)
    packed = compress_with(lambda out: formats.ParallelGzipWriter(out, level, workers=2, block_bytes=4096), data)
    assert packed[:4] == b"\x1f\x8b\x08\x00"
    assert gzip.decompress(packed) == data
    assert struct.unpack("<I", packed[-4:])[0] == size


@pytest.mark.parametrize("writer", ["pgzip", "bgzf"])
def test_the_standard_zlib_serves_when_zlib_ng_is_missing(monkeypatch, writer):
    monkeypatch.setattr(formats, "zlib", zlib)
    data = sample(200_000)
    packed = compress_with(lambda out: formats.open_compressor(writer, out, -1, 2), data)
    assert gzip.decompress(packed) == data


def test_parallel_gzip_primes_each_block_so_the_ratio_matches_plain_gzip():
    data = sample(400_000)
    parallel = compress_with(lambda out: formats.ParallelGzipWriter(out, 6, workers=2, block_bytes=8192), data)
    assert len(parallel) < len(gzip.compress(data, 6)) * 1.05


@pytest.mark.parametrize("size", [0, 10, 0xFF00, 0xFF00 + 1, 200_000])
def test_bgzf_blocks_hold_their_size_and_end_with_the_standard_eof_block(size):
    data = sample(size) if size != 200_000 else random.Random(3).randbytes(size)
    packed = compress_with(lambda out: formats.BgzfWriter(out, -1, workers=2), data)
    assert gzip.decompress(packed) == data
    assert packed.endswith(bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000"))
    position, blocks = 0, 0
    while position < len(packed):
        assert packed[position + 12:position + 16] == b"BC\x02\x00"
        block_size = struct.unpack("<H", packed[position + 16:position + 18])[0] + 1
        assert block_size <= 0x10000
        position += block_size
        blocks += 1
    assert position == len(packed)
    assert blocks == -(-size // 0xFF00) + 1


@pytest.mark.parametrize("algorithm, decompress", [("bzip2", bz2.decompress), ("xz", lzma.decompress),
                                                   ("", lambda data: data)])
def test_single_core_compressors_round_trip(algorithm, decompress):
    data = sample(100_000)
    packed = compress_with(lambda out: formats.open_compressor(algorithm, out, -1, 2), data)
    assert decompress(packed) == data


def test_xz_uses_crc64_as_packers_library_does():
    packed = compress_with(lambda out: formats.open_compressor("xz", out, -1, 1), b"data")
    assert packed[7] == 0x04  # stream flags: check type 4 = CRC64


def test_lz4_round_trips_at_each_level():
    lz4_frame = pytest.importorskip("lz4.frame")
    data = sample(100_000)
    for level in (-1, 1, 9):
        packed = compress_with(lambda out, level=level: formats.open_compressor("lz4", out, level, 2), data)
        assert lz4_frame.decompress(packed) == data


def test_unknown_compression_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown compression 'zstd'"):
        formats.open_compressor("zstd", io.BytesIO(), -1, 1)
