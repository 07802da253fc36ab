"""Tests of the compress formats: Packer's reading of extensions, and what each writer produces."""

import bz2
import gzip
import io
import lzma
import os
import random
import struct
import tarfile
import zipfile

import pytest

from builds.engine.cancel import Cancelled, CancelToken
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


def test_tar_uses_gnu_headers_base_names_zero_times_and_no_record_padding(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"hello world\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.bin").write_bytes(b"x" * 513)
    os.chmod(tmp_path / "a.txt", 0o640)
    buffer = io.BytesIO()
    formats.write_tar([str(tmp_path / "a.txt"), str(tmp_path / "sub" / "b.bin")], buffer, CancelToken())
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
    formats.write_tar([str(tmp_path / name)], buffer, CancelToken())
    with tarfile.open(fileobj=io.BytesIO(buffer.getvalue())) as archive:
        assert archive.getnames() == [name]
        assert archive.extractfile(name).read() == b"data"


def test_tar_refuses_directories_and_missing_files(tmp_path):
    with pytest.raises(formats.ArchiveError, match="read .*: is a directory"):
        formats.write_tar([str(tmp_path)], io.BytesIO(), CancelToken())
    with pytest.raises(formats.ArchiveError, match="Unable to read file .*gone: open .*gone: no such file"):
        formats.write_tar([str(tmp_path / "gone")], io.BytesIO(), CancelToken())


def test_zip_names_entries_by_the_path_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_bytes(b"alpha")
    (tmp_path / "b.txt").write_bytes(b"")
    buffer = io.BytesIO()
    formats.write_zip(["d/a.txt", "b.txt"], buffer, CancelToken())
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert archive.namelist() == ["d/a.txt", "b.txt"]
        assert archive.read("d/a.txt") == b"alpha"
        assert archive.testzip() is None


def test_writers_stop_when_the_build_is_cancelled(tmp_path):
    (tmp_path / "a").write_bytes(b"a" * 10)
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        formats.write_tar([str(tmp_path / "a")], io.BytesIO(), cancel)
    with pytest.raises(Cancelled):
        formats.copy_file(str(tmp_path / "a"), io.BytesIO(), cancel)
