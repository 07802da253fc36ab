"""Benchmark of the `imagehub` command line against Debian's `packer`, run side by side as processes.

Each case runs both commands, alternating, ``--repeat`` times after one
unmeasured warm-up run each, and reports min, median and p95 wall time per
process plus the ratio of the medians, and the median CPU time (user + system)
with its ratio, as a markdown table for BENCHMARKS.md. On a busy machine the
CPU ratio is the steadier one: the scheduler shares CPU per thread, so a
many-threaded ``packer`` loses less wall time to other load than a one-thread
Python process does.

Cases:

* validate of a one-source null template (``fixtures/small``);
* validate of a 216-line template with ten amazon-ebs sources
  (``fixtures/ten_sources``);
* ``fmt -check`` over a copy of the corpus templates (one of them is
  malformed, so both commands exit non-zero there).

Run: python tests/bench/bench_cli.py [--repeat N]
The corpus is read from $IMAGEHUB_CORPUS (default: <repo>/../shared/corpus).
`imagehub` is installed the way README.md installs it (``pip install .``, not
editable, bytecode compiled) into a throwaway virtualenv whose dependencies
are those of the running interpreter: an editable install adds an import hook
to every start that users do not have. A verb it does not have yet is reported
as unavailable instead of measured.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXIT_UNKNOWN_COMMAND = 127

from tests.bench.installed import install_imagehub  # noqa: E402


@dataclass
class Case:
    """One benchmark: the same arguments given to both commands in one directory."""

    name: str
    args: list[str]
    cwd: Path


@dataclass
class Timing:
    """The measured runs of one command in one case."""

    samples_ms: list[float]
    exit_code: int
    cpu_samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def run_once(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, float]:
    """Run a command with its output discarded; return (wall ms, exit status, CPU ms of it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    elapsed = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return elapsed, done.returncode, cpu


def measure(
    commands: dict[str, list[str]], case: Case, repeat: int, env: dict[str, str]
) -> dict[str, Timing]:
    """Time every command on ``case``, alternating between them so both see the same conditions."""
    samples: dict[str, list[float]] = {label: [] for label in commands}
    cpu: dict[str, list[float]] = {label: [] for label in commands}
    codes: dict[str, int] = {}
    for label, prefix in commands.items():
        _, codes[label], _ = run_once(prefix + case.args, case.cwd, env)
    for _ in range(repeat):
        for label, prefix in commands.items():
            elapsed, code, cpu_ms = run_once(prefix + case.args, case.cwd, env)
            samples[label].append(elapsed)
            cpu[label].append(cpu_ms)
            codes[label] = code
    return {label: Timing(samples[label], codes[label], cpu[label]) for label in commands}


def verb_available(imagehub: list[str], verb: str, env: dict[str, str]) -> bool:
    """Return whether `imagehub VERB -help` is a known verb (the engine answers 127 otherwise)."""
    done = subprocess.run(imagehub + [verb, "-help"], env=env, capture_output=True, check=False)
    return done.returncode != EXIT_UNKNOWN_COMMAND


def corpus_copy(corpus: Path, into: Path) -> Path:
    """Copy the corpus templates into a fresh directory and return it."""
    target = into / "templates"
    target.mkdir()
    for template in sorted((corpus / "templates").glob("*.hcl")):
        shutil.copyfile(template, target / template.name)
    return target


def table(results: list[tuple[Case, dict[str, Timing | None]]], repeat: int) -> str:
    """Return the results as a markdown table."""
    lines = [
        f"| benchmark ({repeat} runs each) | command | exit | min ms | median ms | p95 ms | median vs packer "
        "| CPU median ms | CPU vs packer |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case, timings in results:
        packer = timings.get("packer")
        for label, timing in timings.items():
            if timing is None:
                lines.append(f"| {case.name} | {label} | – | unavailable | | | | | |")
                continue
            ratio = f"{timing.median / packer.median:.2f}×" if packer is not None else "–"
            cpu_ratio = f"{timing.cpu_median / packer.cpu_median:.2f}×" if packer is not None else "–"
            lines.append(
                f"| {case.name} | {label} | {timing.exit_code} | {min(timing.samples_ms):.0f} "
                f"| {timing.median:.0f} | {timing.p95:.0f} | {ratio} | {timing.cpu_median:.0f} | {cpu_ratio} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="measured runs per command and case")
    args = parser.parse_args(argv)

    corpus = Path(os.environ.get("IMAGEHUB_CORPUS", REPO.parent / "shared" / "corpus"))
    if not (corpus / "templates").is_dir():
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 1
    env = {**os.environ, "CHECKPOINT_DISABLE": "1"}
    for name in ("PACKER_LOG", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    packer = shutil.which("packer")
    packer_version = "unavailable"
    if packer is not None:
        packer_version = subprocess.run(
            [packer, "version"], env=env, capture_output=True, text=True
        ).stdout.strip()

    with tempfile.TemporaryDirectory(prefix="imagehub-bench-") as scratch:
        imagehub = install_imagehub(Path(scratch))
        templates = corpus_copy(corpus, Path(scratch))
        cases = [
            Case(
                "validate small (null, 1 source)", ["validate", "null.pkr.hcl"], FIXTURES / "small"
            ),
            Case(
                "validate 216 lines (10 amazon-ebs)",
                ["validate", "ten_sources.pkr.hcl"],
                FIXTURES / "ten_sources",
            ),
            Case(
                f"fmt -check corpus ({len(list(templates.iterdir()))} files)",
                ["fmt", "-check", "."],
                templates,
            ),
        ]
        results = []
        for case in cases:
            commands = {}
            if verb_available(imagehub, case.args[0], env):
                commands["imagehub"] = imagehub
            else:
                print(f"imagehub {case.args[0]} unavailable", file=sys.stderr)
            if packer is not None:
                commands["packer"] = [packer]
            measured = measure(commands, case, args.repeat, env)
            results.append(
                (case, {"imagehub": measured.get("imagehub"), "packer": measured.get("packer")})
            )
            print(f"measured: {case.name}", file=sys.stderr)

    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"]
    print(
        f"imagehub installed with pip (not editable); {packer_version}; Python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs; wall and CPU time per process; load average at the end {' '.join(load)}."
    )
    print()
    print(table(results, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
