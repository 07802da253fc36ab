"""Benchmark of parse and of load_config + validate over the shared corpus: per-file and total times, warm.

Run: python tests/bench/bench_parse.py [--repeat N] [--top K]
The corpus is read from $IMAGEHUB_CORPUS (default: <repo>/../shared/corpus).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from builds.engine.hcl.config import load_config  # noqa: E402
from builds.engine.hcl.parser import parse  # noqa: E402
from builds.engine.hcl.validate import validate  # noqa: E402


def corpus_files(corpus: Path) -> list[Path]:
    files = sorted((corpus / "templates").glob("*.pkr.hcl"))
    files += sorted((corpus / "packer-fixtures").glob("*.pkr.hcl"))
    return files


def best_of(func, repeat: int) -> float:
    """Return the fastest of ``repeat`` timed calls, in seconds."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return min(timings)


def load_and_validate(path: Path) -> int:
    """Load and validate one template as ``imagehub validate`` does; return the number of diagnostics."""
    return len(validate(load_config(path, cwd=path.parent, env={})))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per file (best kept)")
    parser.add_argument("--top", type=int, default=10, help="slowest files to list")
    args = parser.parse_args(argv)

    corpus = Path(os.environ.get("IMAGEHUB_CORPUS", REPO.parent / "shared" / "corpus"))
    files = corpus_files(corpus)
    if not files:
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 1
    texts = {path: path.read_bytes().decode("utf-8") for path in files}
    for path, text in texts.items():  # warm up imports, caches and compiled patterns
        parse(text, path.name)
        load_and_validate(path)

    rows = []
    for path, text in texts.items():
        parse_s = best_of(lambda text=text, name=path.name: parse(text, name), args.repeat)
        validate_s = best_of(lambda path=path: load_and_validate(path), args.repeat)
        rows.append((path.name, text.count("\n") + 1, len(text), parse_s, validate_s))

    print(f"{'file':<64} {'lines':>6} {'chars':>7} {'parse ms':>9} {'validate ms':>12}")
    for name, lines, chars, parse_s, validate_s in sorted(rows, key=lambda r: -r[4])[: args.top]:
        print(f"{name[:64]:<64} {lines:>6} {chars:>7} {parse_s * 1e3:>9.3f} {validate_s * 1e3:>12.3f}")

    total_lines = sum(r[1] for r in rows)
    total_parse = sum(r[3] for r in rows)
    total_validate = sum(r[4] for r in rows)
    print()
    print(f"files: {len(rows)}, lines: {total_lines}, repeats per file: {args.repeat}")
    print(f"parse total (sum of per-file best):                    {total_parse * 1e3:.1f} ms")
    print(f"load_config + validate total (sum of per-file best):   {total_validate * 1e3:.1f} ms")
    print(f"parse median per file:             {statistics.median(r[3] for r in rows) * 1e3:.3f} ms")
    print(f"load_config + validate median:     {statistics.median(r[4] for r in rows) * 1e3:.3f} ms")
    print(f"parse throughput: {total_lines / total_parse:,.0f} lines/s; "
          f"validate throughput: {total_lines / total_validate:,.0f} lines/s")

    started = time.perf_counter()
    for path in texts:
        load_and_validate(path)
    print(f"one warm load_config + validate pass over all files: {(time.perf_counter() - started) * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
