"""Running commands on the machine running ImageHub: output streamed line by line, cancellable.

``shell-local`` (provisioner and post-processor) and ``ansible`` run their
programs through :func:`run`. The child gets a process group of its own, so
cancelling the build kills the command and everything it started (a shell
and its children), not just the first process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import BinaryIO

from builds.engine.cancel import Cancelled, CancelToken

LineCallback = Callable[[str], None]

# How long a cancelled command gets to exit after SIGTERM before its process group is killed.
KILL_GRACE_SECONDS = 3.0


class LocalExecError(Exception):
    """The command could not be started (program not found, not executable); the message names it."""


def clean_output_line(line: str) -> str:
    """Return ``line`` as Packer shows command output: trailing whitespace removed, and only the text
    after the last carriage return (what a progress bar left on the terminal)."""
    line = line.rstrip()
    cr = line.rfind("\r")
    return line[cr + 1:] if cr >= 0 else line


def run(argv: Sequence[str], *, cancel: CancelToken, stdout: LineCallback | None = None,
        stderr: LineCallback | None = None, env: Mapping[str, str] | None = None,
        cwd: str | None = None, stdin: bytes | None = None,
        kill_grace: float = KILL_GRACE_SECONDS) -> int:
    """Run ``argv`` to completion and return its exit status.

    Each line of output is passed, without its line ending, to ``stdout`` or
    ``stderr`` as it arrives (lines of one stream keep their order). A process
    killed by a signal returns 128 + the signal number, as a shell reports it.
    ``env`` replaces the environment when given. Raises :class:`LocalExecError`
    when the program cannot be started and ``Cancelled`` when ``cancel`` is
    set before or while it runs (the process group is then terminated, and
    killed after ``kill_grace`` seconds). An exception raised by a callback
    is re-raised once the process has ended.
    """
    if not argv:
        raise ValueError("run() needs a command to run")
    cancel.raise_if_cancelled()
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise LocalExecError(f"cannot run {argv[0]!r}: no such file or program in PATH") from None
    except PermissionError:
        raise LocalExecError(f"cannot run {argv[0]!r}: permission denied") from None
    except OSError as exc:
        raise LocalExecError(f"cannot run {argv[0]!r}: {exc.strerror or exc}") from None

    failures: list[BaseException] = []
    readers = [
        threading.Thread(target=_pump, args=(process.stdout, stdout, failures), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, stderr, failures), daemon=True),
    ]
    for reader in readers:
        reader.start()
    if stdin is not None:
        threading.Thread(target=_feed, args=(process.stdin, stdin), daemon=True).start()

    killer = _GroupKiller(process, kill_grace)
    with cancel.on_cancel(killer.terminate):
        returncode = process.wait()
        for reader in readers:
            reader.join()
    killer.done()
    if cancel.cancelled:
        raise Cancelled(cancel.reason or "Build cancelled")
    if failures:
        raise failures[0]
    return 128 - returncode if returncode < 0 else returncode


def _pump(pipe: BinaryIO, callback: LineCallback | None, failures: list[BaseException]) -> None:
    with pipe:
        for raw in iter(pipe.readline, b""):
            if callback is None or failures:
                continue  # keep draining so the child never blocks on a full pipe
            line = raw.decode("utf-8", errors="replace")
            if line.endswith("\n"):
                line = line[:-1]
            if line.endswith("\r"):
                line = line[:-1]
            try:
                callback(line)
            except BaseException as exc:  # handed back to the caller's thread
                failures.append(exc)


def _feed(pipe: BinaryIO, data: bytes) -> None:
    try:
        with pipe:
            pipe.write(data)
    except (BrokenPipeError, OSError):
        return  # the child exited without reading all of its input


class _GroupKiller:
    """Terminates a child's process group: SIGTERM now, SIGKILL once the grace period is over."""

    def __init__(self, process: subprocess.Popen, grace: float):
        self.process = process
        self.grace = grace
        self._finished = threading.Event()

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)
        threading.Thread(target=self._kill_later, daemon=True).start()

    def done(self) -> None:
        self._finished.set()

    def _kill_later(self) -> None:
        if not self._finished.wait(self.grace):
            self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except (ProcessLookupError, PermissionError):
            return  # the group is already gone
