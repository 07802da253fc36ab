"""Benchmark of the compress post-processor's writers on a synthetic disk image: MB/s and ratio per format.

Run: python tests/bench/bench_compress.py [--size-mb N] [--workers N] [--formats pgzip,gzip1,...]
The image mixes compressible text, zeros and random bytes, as a disk image does. ``gzip1`` is the
parallel gzip writer held to one worker, to show what the parallel blocks gain; ``packer`` times
Debian's packer compressing the same file to .tar.gz, when it is installed.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from builds.engine.cancel import CancelToken  # noqa: E402
from builds.engine.post_processors.compress import archives, formats  # noqa: E402

FORMATS = ("pgzip", "gzip1", "bgzf", "bzip2", "xz", "lz4", "tar", "packer")


def make_image(path: Path, size: int) -> None:
    rng = random.Random(1)
    words = [bytes(rng.choice(b"abcdefghijklmnop") for _ in range(rng.randint(3, 10))) for _ in range(2000)]
    text = b" ".join(rng.choice(words) for _ in range(200_000))
    with open(path, "wb") as out:
        written = 0
        while written < size:
            kind = rng.random()
            if kind < 0.5:
                chunk = text[: 1 << 20]
            elif kind < 0.8:
                chunk = bytes(1 << 20)
            else:
                chunk = rng.randbytes(1 << 20)
            chunk = chunk[: size - written]
            out.write(chunk)
            written += len(chunk)


def run_writer(name: str, image: Path, workers: int) -> tuple[float, int]:
    algorithm = {"gzip1": "pgzip", "tar": ""}.get(name, name)
    buffer = io.BytesIO()
    started = time.perf_counter()
    stream = formats.open_compressor(algorithm, buffer, -1, 1 if name == "gzip1" else workers)
    archives.write_tar([str(image)], stream, CancelToken())
    stream.close()
    return time.perf_counter() - started, len(buffer.getvalue())


def run_packer(image: Path, workdir: Path) -> tuple[float, int] | None:
    packer = shutil.which("packer")
    if packer is None:
        return None
    template = workdir / "t.pkr.hcl"
    template.write_text(f'source "file" "b" {{\n  source = "{image}"\n  target = "{workdir}/copy.img"\n}}\n'
                        'build {\n  sources = ["source.file.b"]\n'
                        f'  post-processor "compress" {{ output = "{workdir}/out.tar.gz" }}\n}}\n')
    env = {**os.environ, "CHECKPOINT_DISABLE": "1"}
    started = time.perf_counter()
    subprocess.run([packer, "build", str(template)], cwd=workdir, env=env, capture_output=True, check=True)
    elapsed = time.perf_counter() - started
    return elapsed, (workdir / "out.tar.gz").stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=64)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args(argv)
    size = args.size_mb << 20
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        image = workdir / "disk.img"
        make_image(image, size)
        print(f"{args.size_mb} MiB image, {args.workers} workers")
        print(f"{'format':8} {'seconds':>8} {'MB/s':>8} {'ratio':>7}")
        for name in args.formats.split(","):
            if name == "lz4" and not formats.lz4_available():
                print(f"{name:8} (lz4 package not installed)")
                continue
            result = run_packer(image, workdir) if name == "packer" else run_writer(name, image, args.workers)
            if result is None:
                print(f"{name:8} (packer not installed)")
                continue
            elapsed, packed = result
            print(f"{name:8} {elapsed:8.2f} {size / elapsed / 1e6:8.1f} {packed / size:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
