"""File transfer through the connection's sftp subsystem (``ssh_file_transfer_method = "sftp"``).

One sftp channel is opened on first use and kept for the connection's life.
Layout and permission rules are those of :mod:`.transfer`.
"""

from __future__ import annotations

import os
import posixpath
import stat
from typing import BinaryIO

from builds.engine.communicators.base import CommunicatorError
from builds.engine.communicators.ssh.client import TRANSPORT_ERRORS, Connection
from builds.engine.communicators.ssh.transfer import (
    check_local_dir,
    describe_error,
    excluded,
    local_tree,
)


class SftpTransfer:
    """Transfers through the connection's sftp client."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.sftp = connection.sftp()

    def upload(self, remote_path: str, data: BinaryIO, mode: int | None) -> None:
        try:
            self.sftp.putfo(data, remote_path, confirm=True)
            if mode is not None:
                self.sftp.chmod(remote_path, mode & 0o7777)
        except TRANSPORT_ERRORS as exc:
            raise CommunicatorError(f"ssh: upload to {remote_path} failed: {describe_error(exc)}") from None

    def upload_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None) -> None:
        check_local_dir(local_dir)
        target = remote_dir
        try:
            self._makedirs(remote_dir)
            if not local_dir.endswith("/"):
                target = posixpath.join(remote_dir, os.path.basename(os.path.normpath(local_dir)))
                self._mkdir(target, os.stat(local_dir).st_mode)
            for relative, local_path, is_dir in local_tree(local_dir, exclude):
                remote_path = posixpath.join(target, relative)
                mode = os.stat(local_path).st_mode
                if is_dir:
                    self._mkdir(remote_path, mode)
                else:
                    with open(local_path, "rb") as handle:
                        self.sftp.putfo(handle, remote_path, confirm=True)
                    self.sftp.chmod(remote_path, stat.S_IMODE(mode))
        except TRANSPORT_ERRORS as exc:
            raise CommunicatorError(f"ssh: upload of {local_dir} to {remote_dir} failed: "
                                    f"{describe_error(exc)}") from None

    def download(self, remote_path: str, data: BinaryIO) -> None:
        try:
            self.sftp.getfo(remote_path, data)
        except TRANSPORT_ERRORS as exc:
            raise CommunicatorError(f"ssh: download of {remote_path} failed: {describe_error(exc)}") from None

    def download_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None) -> None:
        try:
            top = self.sftp.stat(remote_dir)
            if not stat.S_ISDIR(top.st_mode or 0):
                raise CommunicatorError(f"ssh: download of {remote_dir} failed: not a directory")
            target = os.path.join(local_dir, posixpath.basename(remote_dir.rstrip("/")) or "root")
            os.makedirs(target, exist_ok=True)
            self._download_tree(remote_dir, target, "", exclude)
            os.chmod(target, stat.S_IMODE(top.st_mode))
        except TRANSPORT_ERRORS as exc:
            raise CommunicatorError(f"ssh: download of {remote_dir} failed: {describe_error(exc)}") from None

    def _download_tree(self, remote_dir: str, local_dir: str, prefix: str, exclude: list[str] | None) -> None:
        for entry in sorted(self.sftp.listdir_attr(remote_dir), key=lambda e: e.filename):
            relative = prefix + entry.filename
            if excluded(relative, exclude):
                continue
            remote_path = posixpath.join(remote_dir, entry.filename)
            local_path = os.path.join(local_dir, entry.filename)
            mode = entry.st_mode or 0
            if stat.S_ISLNK(mode):
                mode = self.sftp.stat(remote_path).st_mode or 0
            if stat.S_ISDIR(mode):
                os.makedirs(local_path, exist_ok=True)
                self._download_tree(remote_path, local_path, relative + "/", exclude)
            else:
                with open(local_path, "wb") as handle:
                    self.sftp.getfo(remote_path, handle)
            os.chmod(local_path, stat.S_IMODE(mode))

    def _makedirs(self, path: str) -> None:
        missing = []
        current = path.rstrip("/") or "/"
        while current not in ("", "/", "."):
            try:
                if stat.S_ISDIR(self.sftp.stat(current).st_mode or 0):
                    break
                raise CommunicatorError(f"ssh: {current} exists and is not a directory")
            except FileNotFoundError:
                missing.append(current)
                current = posixpath.dirname(current)
        for directory in reversed(missing):
            self.sftp.mkdir(directory)

    def _mkdir(self, path: str, mode: int) -> None:
        try:
            self.sftp.mkdir(path)
        except OSError:
            if not stat.S_ISDIR(self.sftp.stat(path).st_mode or 0):
                raise
        self.sftp.chmod(path, stat.S_IMODE(mode))
