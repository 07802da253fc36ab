"""File transfer with the scp protocol: ``scp -t`` (sink) and ``scp -f`` (source) run on the machine.

This is Packer's default (``ssh_file_transfer_method = "scp"``). Each
transfer runs one scp process over a new session channel of the shared
connection. Layout and permission rules are those of :mod:`.transfer`.
"""

from __future__ import annotations

import os
import posixpath
import stat
import tempfile
from typing import BinaryIO

from builds.engine.communicators.base import CommunicatorError
from builds.engine.communicators.ssh.client import TRANSPORT_ERRORS, Connection
from builds.engine.communicators.ssh.transfer import (
    CHUNK,
    DEFAULT_MODE,
    check_local_dir,
    describe_error,
    excluded,
    local_tree,
    remote_quote,
)


class ScpTransfer:
    """Transfers by running ``scp -t`` (sink) or ``scp -f`` (source) on the machine."""

    def __init__(self, connection: Connection):
        self.connection = connection

    def upload(self, remote_path: str, data: BinaryIO, mode: int | None) -> None:
        directory, name = posixpath.split(remote_path)
        command = f"scp -t -- {remote_quote(directory or '.')}"
        with _spooled(data) as (source, size), \
                _ScpSession(self.connection, command, f"upload to {remote_path}") as session:
            session.expect_ok()
            session.send_file(name, source, size, DEFAULT_MODE if mode is None else mode)

    def upload_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None) -> None:
        check_local_dir(local_dir)
        quoted = remote_quote(remote_dir)
        command = f"mkdir -p -- {quoted} && scp -r -t -- {quoted}"
        with _ScpSession(self.connection, command, f"upload of {local_dir} to {remote_dir}") as session:
            session.expect_ok()
            contents_only = local_dir.endswith("/")
            if not contents_only:
                name = os.path.basename(os.path.normpath(local_dir))
                session.enter_dir(name, os.stat(local_dir).st_mode)
            depth = 0
            for relative, local_path, is_dir in local_tree(local_dir, exclude):
                level = relative.count("/")
                while depth > level:
                    session.leave_dir()
                    depth -= 1
                st = os.stat(local_path)
                if is_dir:
                    session.enter_dir(posixpath.basename(relative), st.st_mode)
                    depth += 1
                else:
                    with open(local_path, "rb") as handle:
                        session.send_file(posixpath.basename(relative), handle, st.st_size, st.st_mode)
            while depth > 0:
                session.leave_dir()
                depth -= 1
            if not contents_only:
                session.leave_dir()

    def download(self, remote_path: str, data: BinaryIO) -> None:
        command = f"scp -f -- {remote_quote(remote_path)}"
        with _ScpSession(self.connection, command, f"download of {remote_path}") as session:
            session.ack()
            kind, _mode, size, _name = session.read_header()
            if kind == "D":
                raise CommunicatorError(f"ssh: download of {remote_path} failed: remote file is a directory")
            session.ack()
            session.receive_into(data, size)
            session.expect_ok()
            session.ack()

    def download_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None) -> None:
        command = f"scp -r -f -- {remote_quote(remote_dir)}"
        os.makedirs(local_dir, exist_ok=True)
        with _ScpSession(self.connection, command, f"download of {remote_dir}") as session:
            stack: list[tuple[str | None, str, int]] = []  # (local dir or None when skipped, prefix, mode)
            while True:
                session.ack()
                kind, mode, size, name = session.read_header()
                if kind == "E":
                    path, _prefix, dir_mode = stack.pop()
                    if path is not None:
                        os.chmod(path, stat.S_IMODE(dir_mode))
                    if not stack:
                        session.ack()
                        return
                    continue
                if "/" in name or name in ("", ".", ".."):
                    raise CommunicatorError(f"ssh: download of {remote_dir} failed: "
                                            f"the server sent an unsafe name {name!r}")
                if not stack:
                    if kind != "D":
                        raise CommunicatorError(f"ssh: download of {remote_dir} failed: not a directory")
                    path = os.path.join(local_dir, name)
                    os.makedirs(path, exist_ok=True)
                    stack.append((path, "", mode))
                    continue
                parent, prefix, _mode = stack[-1]
                relative = prefix + name
                path = None if parent is None or excluded(relative, exclude) else os.path.join(parent, name)
                if kind == "D":
                    if path is not None:
                        os.makedirs(path, exist_ok=True)
                    stack.append((path, relative + "/", mode))
                    continue
                session.ack()
                if path is None:
                    session.receive_into(None, size)
                else:
                    with open(path, "wb") as handle:
                        session.receive_into(handle, size)
                    os.chmod(path, stat.S_IMODE(mode))
                session.expect_ok()


class _ScpSession:
    """One ``scp`` process on the machine, spoken to over a session channel."""

    def __init__(self, connection: Connection, command: str, what: str):
        self.connection = connection
        self.command = command
        self.what = what
        self.channel = None
        self._buffer = b""

    def __enter__(self) -> _ScpSession:
        self.channel = self.connection.open_session()
        try:
            self.channel.exec_command(self.command)
        except TRANSPORT_ERRORS as exc:
            self.channel.close()
            raise CommunicatorError(f"ssh: {self.what} failed: {exc}") from None
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        channel = self.channel
        try:
            if exc_type is None:
                channel.shutdown_write()
                status = channel.recv_exit_status()
                if status == 127:
                    raise CommunicatorError(
                        "SCP failed to start. This usually means that SCP is not properly installed "
                        "on the remote system (ssh_file_transfer_method = \"sftp\" avoids it)")
                if status not in (0, -1):
                    raise CommunicatorError(f"ssh: {self.what} failed: scp exited with status {status}: "
                                            f"{self._stderr() or 'no message'}")
        finally:
            channel.close()

    # The protocol: every message is answered by one status byte (0 ok, 1 warning, 2 error + text).

    def ack(self) -> None:
        self._send(b"\0")

    def expect_ok(self) -> None:
        code = self._read(1)
        if code == b"\0":
            return
        message = self._read_line() if code in (b"\x01", b"\x02") else f"unexpected reply {code!r}"
        raise CommunicatorError(f"ssh: {self.what} failed: {message.strip() or self._stderr()}")

    def send_file(self, name: str, source: BinaryIO, size: int, mode: int) -> None:
        self._send(f"C{stat.S_IMODE(mode):04o} {size} {name}\n".encode())
        self.expect_ok()
        remaining = size
        while remaining > 0:
            chunk = source.read(min(CHUNK, remaining))
            if not chunk:
                raise CommunicatorError(f"ssh: {self.what} failed: the local file shrank while it was sent")
            self._send(chunk)
            remaining -= len(chunk)
        self._send(b"\0")
        self.expect_ok()

    def enter_dir(self, name: str, mode: int) -> None:
        self._send(f"D{stat.S_IMODE(mode):04o} 0 {name}\n".encode())
        self.expect_ok()

    def leave_dir(self) -> None:
        self._send(b"E\n")
        self.expect_ok()

    def read_header(self) -> tuple[str, int, int, str]:
        """Read a ``C``/``D``/``E`` line; return (kind, mode, size, name)."""
        first = self._read(1)
        if first in (b"\x01", b"\x02"):
            raise CommunicatorError(f"ssh: {self.what} failed: {self._read_line().strip()}")
        line = self._read_line()
        kind = first.decode("ascii", "replace")
        if kind == "E":
            return "E", 0, 0, ""
        if kind not in ("C", "D"):
            raise CommunicatorError(f"ssh: {self.what} failed: unexpected server response ({first!r})")
        parts = line.rstrip("\n").split(" ", 2)
        try:
            mode, size, name = int(parts[0], 8), int(parts[1]), parts[2]
        except (IndexError, ValueError):
            raise CommunicatorError(f"ssh: {self.what} failed: can't parse server response "
                                    f"({kind}{line.strip()})") from None
        if size < 0:
            raise CommunicatorError(f"ssh: {self.what} failed: negative file size")
        return kind, mode, size, name

    def receive_into(self, target: BinaryIO | None, size: int) -> None:
        remaining = size
        if self._buffer:
            piece, self._buffer = self._buffer[:remaining], self._buffer[remaining:]
            if target is not None:
                target.write(piece)
            remaining -= len(piece)
        while remaining > 0:
            chunk = self._recv(min(CHUNK, remaining))
            if target is not None:
                target.write(chunk)
            remaining -= len(chunk)

    def _send(self, data: bytes) -> None:
        try:
            self.channel.sendall(data)
        except TRANSPORT_ERRORS as exc:
            raise CommunicatorError(f"ssh: {self.what} failed: {describe_error(exc)}: "
                                    f"{self._stderr() or 'connection lost'}") from None

    def _recv(self, size: int) -> bytes:
        try:
            chunk = self.channel.recv(size)
        except TRANSPORT_ERRORS as exc:
            raise CommunicatorError(f"ssh: {self.what} failed: {describe_error(exc)}") from None
        if not chunk:
            raise CommunicatorError(f"ssh: {self.what} failed: {self._stderr() or 'scp ended early'}")
        return chunk

    def _read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._buffer += self._recv(CHUNK)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _read_line(self) -> str:
        while b"\n" not in self._buffer:
            self._buffer += self._recv(CHUNK)
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", "replace") + "\n"

    def _stderr(self) -> str:
        output = b""
        while self.channel.recv_stderr_ready():
            output += self.channel.recv_stderr(CHUNK)
        return output.decode("utf-8", "replace").strip().replace("\n", "; ")


class _spooled:
    """Give a readable stream and its size: seekable files as they are, other streams copied to a temp file."""

    def __init__(self, data: BinaryIO):
        self.data = data
        self._temp = None

    def __enter__(self) -> tuple[BinaryIO, int]:
        try:
            start = self.data.tell()
            end = self.data.seek(0, os.SEEK_END)
            self.data.seek(start)
            return self.data, end - start
        except (AttributeError, OSError, ValueError):
            self._temp = tempfile.TemporaryFile()
            while chunk := self.data.read(CHUNK):
                self._temp.write(chunk)
            size = self._temp.tell()
            self._temp.seek(0)
            return self._temp, size

    def __exit__(self, *exc: object) -> None:
        if self._temp is not None:
            self._temp.close()
