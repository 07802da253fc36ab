"""The communicator interface: run commands on the machine being built and move files to and from it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from builds.engine.cancel import CancelToken

OutputCallback = Callable[[str], None]


class CommunicatorError(Exception):
    """The communicator could not do what was asked (connection lost, file missing, ...); says what and where."""


@dataclass
class RemoteCommand:
    """A command to run remotely; its output is delivered line by line (without the newline) as it arrives."""

    command: str
    stdout: OutputCallback | None = None
    stderr: OutputCallback | None = None
    stdin: bytes | None = None


class Communicator(ABC):
    """How the engine reaches a machine: SSH, the Docker API, or nothing at all.

    Every method may raise :class:`CommunicatorError`; a method interrupted by
    ``cancel`` kills the remote work and raises ``builds.engine.cancel.Cancelled``.
    """

    type_name: str = ""

    @abstractmethod
    def connect(self, cancel: CancelToken) -> None:
        """Establish the connection, retrying as the configuration allows (e.g. until ``ssh_timeout``)."""

    @abstractmethod
    def run(self, cmd: RemoteCommand, cancel: CancelToken) -> int:
        """Run ``cmd`` to completion and return its exit status (-1 if the connection dropped without one)."""

    @abstractmethod
    def upload(self, remote_path: str, data: BinaryIO, mode: int | None = None) -> None:
        """Write ``data`` to the file ``remote_path`` (replacing it), with permission bits ``mode`` if given."""

    @abstractmethod
    def upload_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None = None) -> None:
        """Copy the directory tree ``local_dir`` into ``remote_dir`` (created if needed)."""

    @abstractmethod
    def download(self, remote_path: str, data: BinaryIO) -> None:
        """Copy the file ``remote_path`` into the writable ``data``."""

    @abstractmethod
    def download_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None = None) -> None:
        """Copy the directory tree ``remote_dir`` into ``local_dir`` (created if needed)."""

    @abstractmethod
    def disconnect(self) -> None:
        """Close the connection; safe to call more than once."""
