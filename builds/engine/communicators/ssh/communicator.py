"""``SSHCommunicator``: runs commands and moves files over one SSH connection kept for the whole build.

Each command gets its own session channel on that connection. Output is
handed to the callbacks line by line as it arrives. When the connection is
found dead (a provisioner with ``expect_disconnect`` rebooted the machine,
say), the next operation connects again once before giving up.

Cancelling a command asks sshd to send SIGTERM to the command's process
group (and, with ``ssh_pty``, types Ctrl-C), sends SIGKILL if it is still
running half a second later, closes the channel and raises ``Cancelled``.
"""

from __future__ import annotations

import codecs
import contextlib
import select
import threading
from collections.abc import Callable
from typing import BinaryIO

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.communicators.base import (
    Communicator,
    CommunicatorError,
    OutputCallback,
    RemoteCommand,
)
from builds.engine.communicators.ssh import client
from builds.engine.communicators.ssh.client import TRANSPORT_ERRORS, ConnectError, Connection
from builds.engine.communicators.ssh.config import SSHConfig
from builds.engine.communicators.ssh.connect import ATTEMPT_TIMEOUT, connect_once, wait_for_ssh
from builds.engine.communicators.ssh.scp import ScpTransfer
from builds.engine.communicators.ssh.sftp import SftpTransfer
from builds.engine.durations import format_duration

POLL_INTERVAL = 0.5  # how often a waiting command checks the connection's health
KILL_GRACE = 0.5  # seconds between SIGTERM and SIGKILL on cancel
READ_SIZE = 64 * 1024


class SSHCommunicator(Communicator):
    """The ``ssh`` communicator (paramiko), configured by :class:`SSHConfig`.

    ``say`` receives the few messages the communicator prints itself
    (``Pausing 10s before connecting...``).
    """

    type_name = "ssh"

    def __init__(self, config: SSHConfig, say: Callable[[str], None] | None = None):
        self.config = config
        self._say = say or (lambda text: None)
        self._connection: Connection | None = None
        self._connected = False  # between connect() and disconnect(), even while the link is down
        self._lock = threading.Lock()
        self.connections_made = 0

    # Connection ---------------------------------------------------------------------------------

    def connect(self, cancel: CancelToken) -> None:
        """Connect, retrying until ``ssh_timeout``; with ``pause_before_connecting``, connect, wait, connect again."""
        connection = wait_for_ssh(self.config, cancel)
        if self.config.pause_before_connecting > 0:
            connection.close()
            self._say(f"Pausing {format_duration(self.config.pause_before_connecting)} before connecting...")
            if cancel.wait(self.config.pause_before_connecting):
                raise Cancelled(cancel.reason or "Build cancelled")
            connection = wait_for_ssh(self.config, cancel)
        with self._lock:
            if self._connection is not None:
                self._connection.close()
            self._connection = connection
            self._connected = True
            self.connections_made += 1

    def disconnect(self) -> None:
        """Close the connection; safe to call more than once."""
        with self._lock:
            connection, self._connection = self._connection, None
            self._connected = False
        if connection is not None:
            connection.close()

    def _live_connection(self, cancel: CancelToken | None = None) -> Connection:
        with self._lock:
            if not self._connected:
                raise RuntimeError("SSHCommunicator used before connect() or after disconnect()")
            connection = self._connection
            if connection is not None and connection.is_active():
                return connection
            if connection is not None:
                connection.close()
            self._connection = None  # a failed reconnect is tried again by the next call
            try:
                connection = connect_once(self.config, cancel or CancelToken(), self._reconnect_budget())
            except ConnectError as exc:
                raise CommunicatorError(f"ssh: the connection to {self.config.address} was lost and "
                                        f"connecting again failed: {exc}") from None
            self._connection = connection
            self.connections_made += 1
            return connection

    def _reconnect_budget(self) -> float:
        return min(self.config.timeout, ATTEMPT_TIMEOUT) if self.config.timeout > 0 else ATTEMPT_TIMEOUT

    def _open_channel(self, cancel: CancelToken | None = None):
        connection = self._live_connection(cancel)
        try:
            return connection, connection.open_session()
        except ConnectError:
            # paramiko had not noticed the connection was gone: connect again once.
            connection.close()
            connection = self._live_connection(cancel)
            return connection, connection.open_session()

    # Commands -----------------------------------------------------------------------------------

    def run(self, cmd: RemoteCommand, cancel: CancelToken) -> int:
        """Run ``cmd``, streaming its output; return its exit status, -1 if the connection dropped first.

        A command killed by a signal reports 255, as ssh(1) does. Raises
        ``Cancelled`` after killing the command when ``cancel`` is set.
        """
        cancel.raise_if_cancelled()
        connection, channel = self._open_channel(cancel)
        stdout = _LineSplitter(cmd.stdout)
        stderr = _LineSplitter(cmd.stderr)
        try:
            try:
                if self.config.pty:
                    channel.get_pty(term="xterm", width=80, height=40)
                channel.exec_command(cmd.command)
                if cmd.stdin:
                    channel.sendall(cmd.stdin)
                channel.shutdown_write()
            except TRANSPORT_ERRORS as exc:
                if not connection.is_active():
                    return -1
                raise CommunicatorError(f"ssh: cannot start the command on {self.config.address}: "
                                        f"{exc}") from None
            with cancel.on_cancel(lambda: self._interrupt(channel)):
                self._pump(channel, connection, stdout, stderr, cancel)
            if cancel.cancelled:
                self._kill(channel)
                raise Cancelled(cancel.reason or "Build cancelled")
            if connection.stalled:
                raise CommunicatorError(f"ssh: {connection.stalled}")
            return self._exit_status(channel, connection)
        finally:
            stdout.flush()
            stderr.flush()
            channel.close()

    def _pump(self, channel, connection: Connection, stdout: _LineSplitter, stderr: _LineSplitter,
              cancel: CancelToken) -> None:
        waker = channel.fileno()
        while True:
            while channel.recv_ready():
                stdout.feed(channel.recv(READ_SIZE))
            while channel.recv_stderr_ready():
                stderr.feed(channel.recv_stderr(READ_SIZE))
            if channel.closed or (channel.eof_received and channel.exit_status_ready()):
                if not (channel.recv_ready() or channel.recv_stderr_ready()):
                    return
                continue
            if cancel.cancelled or not connection.is_active():
                return
            if channel.eof_received:
                # the channel's pipe stays readable after EOF: wait for the exit status instead of spinning
                channel.status_event.wait(POLL_INTERVAL)
            else:
                select.select([waker], [], [], POLL_INTERVAL)

    def _exit_status(self, channel, connection: Connection) -> int:
        if channel.exit_status_ready() and channel.exit_status != -1:
            return channel.exit_status
        # The channel closed without a status: either the connection dropped (reboot), or
        # the command was killed by a signal (sshd then sends exit-signal, which paramiko ignores).
        connection.transport.join(0.3)
        if not connection.is_active():
            return -1
        return 255

    def _interrupt(self, channel) -> None:
        """Runs in the cancelling thread: stop the command without waiting."""
        try:
            if self.config.pty:
                channel.send(b"\x03")
            client.send_signal(channel, "TERM")
        except TRANSPORT_ERRORS:
            return

    def _kill(self, channel) -> None:
        if channel.closed:
            return
        if not channel.status_event.wait(KILL_GRACE):
            try:
                client.send_signal(channel, "KILL")
            except TRANSPORT_ERRORS:
                return
            channel.status_event.wait(KILL_GRACE)

    # Files --------------------------------------------------------------------------------------

    def _transfer(self) -> SftpTransfer | ScpTransfer:
        connection = self._live_connection()
        if self.config.file_transfer_method == "sftp":
            return SftpTransfer(connection)
        return ScpTransfer(connection)

    def upload(self, remote_path: str, data: BinaryIO, mode: int | None = None) -> None:
        """Write ``data`` to ``remote_path``; raise :class:`CommunicatorError` on failure."""
        with self._transfer_errors("upload", remote_path):
            self._transfer().upload(remote_path, data, mode)

    def upload_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None = None) -> None:
        """Copy ``local_dir`` into ``remote_dir`` (the trailing-slash rule is in :mod:`.transfer`)."""
        with self._transfer_errors("upload", remote_dir):
            self._transfer().upload_dir(remote_dir, local_dir, exclude)

    def download(self, remote_path: str, data: BinaryIO) -> None:
        """Copy the file ``remote_path`` into ``data``; raise :class:`CommunicatorError` on failure."""
        with self._transfer_errors("download", remote_path):
            self._transfer().download(remote_path, data)

    def download_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None = None) -> None:
        """Copy ``remote_dir`` to ``local_dir/<its name>``, keeping permission bits."""
        with self._transfer_errors("download", remote_dir):
            self._transfer().download_dir(remote_dir, local_dir, exclude)

    @contextlib.contextmanager
    def _transfer_errors(self, verb: str, path: str):
        """Turn a connection that dies mid-transfer into a :class:`CommunicatorError` naming the path."""
        try:
            yield
        except (EOFError, ConnectionError, TimeoutError) as exc:
            raise CommunicatorError(f"ssh: {verb} of {path} failed: the connection to {self.config.address} "
                                    f"was lost ({exc or type(exc).__name__})") from None


class _LineSplitter:
    """Turns a byte stream into lines (UTF-8, invalid bytes replaced) handed to a callback as they complete."""

    def __init__(self, callback: OutputCallback | None):
        self.callback = callback
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._partial = ""

    def feed(self, data: bytes) -> None:
        if self.callback is None:
            return
        text = self._partial + self._decoder.decode(data)
        *lines, self._partial = text.split("\n")
        for line in lines:
            self.callback(line[:-1] if line.endswith("\r") else line)

    def flush(self) -> None:
        if self.callback is None:
            return
        text = self._partial + self._decoder.decode(b"", final=True)
        self._partial = ""
        if text:
            self.callback(text[:-1] if text.endswith("\r") else text)
