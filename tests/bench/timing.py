"""Timing of one benchmark command: wall time and the CPU time of the process and its children."""

from __future__ import annotations

import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Sample:
    """One run: wall time, and the CPU time (user + system) of the process and the children it waited for."""

    wall_ms: float
    cpu_ms: float


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Run ``command``; return what it took, raising if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return Sample(elapsed, cpu)
