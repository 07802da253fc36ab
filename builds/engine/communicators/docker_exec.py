"""Running one command in a container through the exec API: output streamed line by line, stdin, kill on cancel.

The Engine API has no call that kills an exec'd process, so each command is
started by a small shell wrapper that first reports its process id on
stderr (a line with a per-command random marker, never shown to the user)
and then ``exec``s the command in its place. Cancelling runs a second exec,
as root, that stops and kills that process and all its descendants, found
through ``/proc`` with shell builtins only; if the output stream is still
open a moment later, the connection is shut down.
"""

from __future__ import annotations

import codecs
import secrets
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.docker_client import DockerException, describe_error

# $0 is the marker, $1 the command: report our pid, then become the command (same pid).
WRAPPER = 'echo "$0 $$" >&2; exec /bin/sh -c "$1"'

# Stop the process $1 and every descendant (stopped first so none can fork away), then kill them all.
KILL_TREE = r"""
found=" $1 "
kill -STOP "$1" 2>/dev/null
changed=1
while [ "$changed" = 1 ]; do
  changed=0
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    case "$found" in *" $pid "*) continue ;; esac
    parent=$( (while read -r key value; do
                 if [ "$key" = PPid: ]; then echo "$value"; break; fi
               done) < "$dir/status" 2>/dev/null )
    case "$found" in
      *" $parent "*) kill -STOP "$pid" 2>/dev/null; found="$found$pid "; changed=1 ;;
    esac
  done
done
kill -KILL $found 2>/dev/null
exit 0
"""

STDOUT, STDERR = 1, 2
_HEADER = struct.Struct(">BxxxL")


class ExecError(Exception):
    """The daemon refused or broke off the exec (container gone or stopped); the message says which."""


class LineSplitter:
    """Turns a byte stream into text lines (UTF-8, invalid bytes replaced, ``\\r\\n`` and ``\\n`` ends)."""

    def __init__(self, emit: Callable[[str], None]):
        self._emit = emit
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, data: bytes) -> None:
        text = self._pending + self._decoder.decode(data)
        *lines, self._pending = text.split("\n")
        for line in lines:
            self._emit(line.removesuffix("\r"))

    def close(self) -> None:
        """Deliver what is left after the last newline, if anything."""
        text = self._pending + self._decoder.decode(b"", final=True)
        self._pending = ""
        if text:
            self._emit(text.removesuffix("\r"))


class ExecSession:
    """One command in one container; :meth:`run` blocks until it ends and returns its exit status."""

    def __init__(self, api: Any, container_id: str, command: str, *, user: str = "", tty: bool = False,
                 stdin: bytes | None = None, stdout: Callable[[str], None] | None = None,
                 stderr: Callable[[str], None] | None = None, kill_grace: float = 2.0):
        self.api = api
        self.container_id = container_id
        self.command = command
        self.user = user
        self.tty = tty
        self.stdin = stdin
        self.kill_grace = kill_grace
        self._marker = "imagehub-exec-" + secrets.token_hex(8)
        self._pid: str | None = None
        self._pid_known = threading.Event()
        self._finished = threading.Event()
        self._sock: Any = None
        self._on_stdout = stdout or _discard
        self._on_stderr = stderr or _discard

    def run(self, cancel: CancelToken) -> int:
        """Run the command; return its exit status (-1 if none could be read).

        Raises ``Cancelled`` if ``cancel`` is set meanwhile (the process tree is
        killed first) and :class:`ExecError` if the daemon refuses the exec.
        """
        cancel.raise_if_cancelled()
        try:
            exec_id = self.api.exec_create(
                self.container_id, ["/bin/sh", "-c", WRAPPER, self._marker, self.command],
                stdin=True, stdout=True, stderr=True, tty=self.tty, user=self.user or "")["Id"]
            raw = self.api.exec_start(exec_id, tty=self.tty, socket=True)
        except DockerException as exc:
            raise ExecError(describe_error(exc)) from exc
        sock = getattr(raw, "_sock", raw)
        self._sock = sock
        try:
            with cancel.on_cancel(self._cancel_soon):
                sock.settimeout(None)
                self._send_stdin(sock)
                self._pump(sock)
        finally:
            self._finished.set()
            _close_quietly(raw, sock)
        if cancel.cancelled:
            raise Cancelled(cancel.reason or "Build cancelled")
        return self._exit_code(exec_id)

    def _send_stdin(self, sock: Any) -> None:
        """Send the input, then end-of-file, from a thread of its own (a command may print before it reads).

        End-of-file is a half-close, or on a terminal (whose output a
        half-close would cut off) the EOF character, twice after a partial
        last line.
        """
        data = self.stdin or b""
        if self.tty:
            data += b"\x04\x04" if data and not data.endswith(b"\n") else b"\x04"

        def send() -> None:
            try:
                if data:
                    sock.sendall(data)
                if not self.tty:
                    sock.shutdown(socket.SHUT_WR)
            except OSError:
                return  # the command ended without reading it all

        if len(data) <= 4096:
            send()
        else:
            threading.Thread(target=send, name="docker-exec-stdin", daemon=True).start()

    def _pump(self, sock: Any) -> None:
        out = LineSplitter(self._stdout_line)
        err = LineSplitter(self._stderr_line)
        if self.tty:  # a terminal merges both streams and has no framing
            while chunk := _recv(sock, 65536):
                out.feed(chunk)
        else:
            while header := _recv_exact(sock, _HEADER.size):
                kind, size = _HEADER.unpack(header)
                payload = _recv_exact(sock, size)
                (err if kind == STDERR else out).feed(payload)
                if len(payload) < size:
                    break
        out.close()
        err.close()

    def _stdout_line(self, line: str) -> None:
        if self.tty:
            line = self._without_wrapper_line(line)
            if line is None:
                return
        self._on_stdout(line)

    def _stderr_line(self, line: str) -> None:
        line = self._without_wrapper_line(line)
        if line is not None:
            self._on_stderr(line)

    def _without_wrapper_line(self, line: str) -> str | None:
        """Take the wrapper's marker and pid out of ``line``; return what is left to show, None if nothing.

        On a terminal the echo of the input can share the marker's line, so
        the marker is looked for anywhere until it has been seen; no other
        output can contain it.
        """
        if self._pid is not None:
            return line
        start = line.find(self._marker + " ")
        if start < 0:
            return line
        pid = line[start + len(self._marker) + 1:].strip()
        if not pid.isdigit():
            return line
        self._pid = pid
        self._pid_known.set()
        return line[:start] or None

    def _exit_code(self, exec_id: str) -> int:
        deadline = time.monotonic() + 5
        while True:
            try:
                info = self.api.exec_inspect(exec_id)
            except DockerException:
                return -1
            if not info.get("Running") or time.monotonic() > deadline:
                code = info.get("ExitCode")
                return code if isinstance(code, int) and not info.get("Running") else -1
            time.sleep(0.02)

    def _cancel_soon(self) -> None:
        threading.Thread(target=self._kill, name="docker-exec-kill", daemon=True).start()

    def _kill(self) -> None:
        if self._pid_known.wait(self.kill_grace) and not self._finished.is_set():
            self._kill_tree()
        if not self._finished.wait(self.kill_grace):
            try:
                self._sock.shutdown(socket.SHUT_RDWR)  # ends the wait even if the kill failed
            except OSError:
                return

    def _kill_tree(self) -> bool:
        """Kill the command's process tree from a second exec; return whether the daemon ran it."""
        try:
            killer = self.api.exec_create(self.container_id,
                                          ["/bin/sh", "-c", KILL_TREE, "imagehub-kill", self._pid],
                                          stdout=True, stderr=True, user="0")["Id"]
            self.api.exec_start(killer)
        except DockerException:
            return False
        return True


def _discard(_line: str) -> None:
    return None


def _recv(sock: Any, size: int) -> bytes:
    try:
        return sock.recv(size)
    except OSError:
        return b""  # shut down by a cancel, or the daemon went away


def _recv_exact(sock: Any, size: int) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        chunk = _recv(sock, remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _close_quietly(*streams: Any) -> None:
    for stream in streams:
        try:
            stream.close()
        except Exception:
            continue
