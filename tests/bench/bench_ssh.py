"""Benchmark of the SSH communicator: commands over one connection, against a real sshd on loopback.

Starts the test sshd (tests/fixtures/sshd.py; needs root and openssh-server),
connects once, then for each batch size (1, 10 and 50 commands) runs
``true`` that many times over the same connection, ``--repeat`` times, and
reports the median and best milliseconds per command, plus the time to
connect and the number of TCP connections sshd accepted (one per connect,
whatever the batch size). A second table times 10 MB uploads and downloads
with sftp and scp.

Run: python tests/bench/bench_ssh.py [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from builds.engine.cancel import CancelToken  # noqa: E402
from builds.engine.communicators.base import RemoteCommand  # noqa: E402
from builds.engine.communicators.ssh.communicator import SSHCommunicator  # noqa: E402
from builds.engine.communicators.ssh.config import SSHConfig  # noqa: E402
from tests.fixtures.sshd import start_sshd  # noqa: E402

BATCHES = (1, 10, 50)
TRANSFER_BYTES = 10 * 1024 * 1024


def _connect(server, **overrides) -> tuple[SSHCommunicator, float]:
    communicator = SSHCommunicator(SSHConfig.from_arguments(server.arguments(**overrides)))
    started = time.perf_counter()
    communicator.connect(CancelToken())
    return communicator, (time.perf_counter() - started) * 1000


def bench_commands(server, repeat: int) -> list[str]:
    rows = ["| commands | connections | ms per command (median) | ms per command (best) |",
            "|---:|---:|---:|---:|"]
    connect_ms = []
    for batch in BATCHES:
        per_command = []
        accepted_before = server.connections_accepted()
        communicator, elapsed = _connect(server)
        connect_ms.append(elapsed)
        try:
            communicator.run(RemoteCommand("true"), CancelToken())  # warm-up
            for _ in range(repeat):
                started = time.perf_counter()
                for _ in range(batch):
                    communicator.run(RemoteCommand("true"), CancelToken())
                per_command.append((time.perf_counter() - started) * 1000 / batch)
        finally:
            communicator.disconnect()
        connections = server.connections_accepted() - accepted_before
        rows.append(f"| {batch} | {connections} | {statistics.median(per_command):.2f} | "
                    f"{min(per_command):.2f} |")
    rows.append("")
    rows.append(f"Connect (key login): median {statistics.median(connect_ms):.1f} ms")
    return rows


def bench_transfers(server, repeat: int) -> list[str]:
    rows = ["| method | upload 10 MB (ms, median) | download 10 MB (ms, median) |", "|---|---:|---:|"]
    payload = os.urandom(TRANSFER_BYTES)
    target = os.path.join(server.home, "bench-transfer.bin")
    for method in ("sftp", "scp"):
        communicator, _ = _connect(server, ssh_file_transfer_method=method)
        uploads, downloads = [], []
        try:
            for _ in range(repeat):
                started = time.perf_counter()
                communicator.upload(target, io.BytesIO(payload), mode=0o644)
                uploads.append((time.perf_counter() - started) * 1000)
                sink = io.BytesIO()
                started = time.perf_counter()
                communicator.download(target, sink)
                downloads.append((time.perf_counter() - started) * 1000)
                if sink.getvalue() != payload:
                    raise SystemExit(f"{method}: the downloaded file differs from the uploaded one")
        finally:
            communicator.disconnect()
        rows.append(f"| {method} | {statistics.median(uploads):.0f} | {statistics.median(downloads):.0f} |")
    os.unlink(target)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per case (default 5)")
    options = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench_ssh needs root: it starts sshd and creates the test user")
    server = start_sshd()
    try:
        print("\n".join(bench_commands(server, options.repeat)))
        print()
        print("\n".join(bench_transfers(server, max(1, options.repeat // 2))))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
