"""Benchmark of format_source over the shared corpus: per-file and total times, warm.

Run: python tests/bench/bench_fmt.py [--repeat N] [--top K]
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

from builds.engine.hcl.fmt import format_source  # noqa: E402
from builds.engine.hcl.lexer import scan_config  # noqa: E402


def corpus_files(corpus: Path) -> list[Path]:
    files = sorted((corpus / "templates").glob("*.hcl"))
    files += sorted((corpus / "packer-fixtures").glob("*.hcl"))
    return files


def best_of(func, text: str, repeat: int) -> float:
    """Return the fastest of ``repeat`` timed calls, in seconds."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        func(text)
        timings.append(time.perf_counter() - started)
    return min(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per file (best kept)")
    parser.add_argument("--top", type=int, default=10, help="slowest files to list")
    args = parser.parse_args(argv)

    corpus = Path(os.environ.get("IMAGEHUB_CORPUS", REPO.parent / "shared" / "corpus"))
    files = corpus_files(corpus)
    if not files:
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 1
    texts = {path.name: path.read_bytes().decode("utf-8") for path in files}
    for text in texts.values():  # warm up caches and compiled patterns
        format_source(text)

    rows = []
    for name, text in texts.items():
        fmt_s = best_of(format_source, text, args.repeat)
        lex_s = best_of(scan_config, text, args.repeat)
        rows.append((name, text.count("\n") + 1, len(text), fmt_s, lex_s))

    print(f"{'file':<64} {'lines':>6} {'chars':>7} {'fmt ms':>8} {'lex ms':>8}")
    for name, lines, chars, fmt_s, lex_s in sorted(rows, key=lambda r: -r[3])[: args.top]:
        print(f"{name[:64]:<64} {lines:>6} {chars:>7} {fmt_s * 1e3:>8.3f} {lex_s * 1e3:>8.3f}")

    total_lines = sum(r[1] for r in rows)
    total_fmt = sum(r[3] for r in rows)
    total_lex = sum(r[4] for r in rows)
    print()
    print(f"files: {len(rows)}, lines: {total_lines}, repeats per file: {args.repeat}")
    print(f"format_source total (sum of per-file best): {total_fmt * 1e3:.1f} ms")
    print(f"scan_config total (sum of per-file best):   {total_lex * 1e3:.1f} ms")
    print(f"format_source median per file: {statistics.median(r[3] for r in rows) * 1e3:.3f} ms")
    print(f"format_source throughput: {total_lines / total_fmt:,.0f} lines/s")

    started = time.perf_counter()
    for text in texts.values():
        format_source(text)
    print(f"one warm pass over all files: {(time.perf_counter() - started) * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
