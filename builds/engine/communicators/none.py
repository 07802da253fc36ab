"""The ``none`` communicator: a build that never connects to its machine.

Connecting and disconnecting succeed without doing anything; running a
command or moving a file raises :class:`CommunicatorError`, so a provisioner
in such a build fails with a message that names the cause. (Packer's ``none``
communicator reports commands as run with status 0 without running them.)
"""

from __future__ import annotations

from typing import BinaryIO, NoReturn

from builds.engine.cancel import CancelToken
from builds.engine.communicators.base import Communicator, CommunicatorError, RemoteCommand

_HINT = 'the build has no connection to its machine (communicator = "none")'


class NoneCommunicator(Communicator):
    """A communicator for builds that do not connect: every operation but connect/disconnect raises."""

    type_name = "none"

    def connect(self, cancel: CancelToken) -> None:
        """Do nothing: there is nothing to connect to."""
        cancel.raise_if_cancelled()

    def run(self, cmd: RemoteCommand, cancel: CancelToken) -> int:
        """Raise :class:`CommunicatorError`: commands cannot run without a connection."""
        _refuse(f"cannot run {cmd.command!r}")

    def upload(self, remote_path: str, data: BinaryIO, mode: int | None = None) -> None:
        """Raise :class:`CommunicatorError`: files cannot be uploaded without a connection."""
        _refuse(f"cannot upload {remote_path}")

    def upload_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None = None) -> None:
        """Raise :class:`CommunicatorError`: directories cannot be uploaded without a connection."""
        _refuse(f"cannot upload the directory {local_dir} to {remote_dir}")

    def download(self, remote_path: str, data: BinaryIO) -> None:
        """Raise :class:`CommunicatorError`: files cannot be downloaded without a connection."""
        _refuse(f"cannot download {remote_path}")

    def download_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None = None) -> None:
        """Raise :class:`CommunicatorError`: directories cannot be downloaded without a connection."""
        _refuse(f"cannot download the directory {remote_dir}")

    def disconnect(self) -> None:
        """Do nothing: there is no connection to close."""


def _refuse(what: str) -> NoReturn:
    raise CommunicatorError(f"communicator none {what}: {_HINT}; use the ssh, winrm or docker "
                            "communicator to provision the machine")
