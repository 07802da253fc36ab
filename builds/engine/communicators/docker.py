"""The ``docker`` communicator: commands run through the Docker exec API, files move through its archive API.

Directory transfers follow Packer's rule for communicators: a source path
ending in ``/`` copies the directory's contents into the destination; without
it, the directory itself is copied into the destination (``/src/app`` into
``/opt`` gives ``/opt/app``). Destination directories are created as needed.
"""

from __future__ import annotations

import io
import os
import posixpath
import tarfile
import tempfile
from typing import Any, BinaryIO

from builds.engine.cancel import CancelToken
from builds.engine.communicators.base import Communicator, CommunicatorError, RemoteCommand
from builds.engine.communicators.docker_archive import (
    ArchiveError,
    ChunkReader,
    extract_file,
    extract_tree,
    write_file_archive,
    write_tree_archive,
)
from builds.engine.communicators.docker_exec import ExecError, ExecSession
from builds.engine.docker_client import DockerException, NotFound, describe_error

_ROOT_OWNERS = ("root", "0", "root:root", "0:0")
_MAX_LINKS = 16


class DockerCommunicator(Communicator):
    """Reaches a running container through the daemon that runs it.

    ``exec_user`` runs commands as that user (``UID`` or ``UID:GID``);
    ``pty`` gives them a terminal (output then comes on stdout only).
    With ``fix_upload_owner`` uploaded files are handed to the container's
    configured user (read at :meth:`connect` unless ``container_user`` is
    given), as Packer does.
    """

    type_name = "docker"

    def __init__(self, client: Any, container_id: str, *, exec_user: str = "", pty: bool = False,
                 fix_upload_owner: bool = True, container_user: str | None = None,
                 kill_grace: float = 2.0):
        self.api = client.api
        self.container_id = container_id
        self.exec_user = exec_user
        self.pty = pty
        self.fix_upload_owner = fix_upload_owner
        self.container_user = container_user
        self.kill_grace = kill_grace
        self.connected = False

    @property
    def short_id(self) -> str:
        return self.container_id[:12]

    def connect(self, cancel: CancelToken) -> None:
        cancel.raise_if_cancelled()
        try:
            info = self.api.inspect_container(self.container_id)
        except DockerException as exc:
            raise CommunicatorError(f"Cannot reach container {self.short_id}: {describe_error(exc)}") from exc
        state = info.get("State") or {}
        if not state.get("Running"):
            raise CommunicatorError(f"Container {self.short_id} is not running "
                                    f"(status {state.get('Status', 'unknown')}); it may have exited at start.")
        if self.container_user is None:
            self.container_user = (info.get("Config") or {}).get("User") or ""
        self.connected = True

    def run(self, cmd: RemoteCommand, cancel: CancelToken) -> int:
        session = ExecSession(self.api, self.container_id, cmd.command, user=self.exec_user, tty=self.pty,
                              stdin=cmd.stdin, stdout=cmd.stdout, stderr=cmd.stderr,
                              kill_grace=self.kill_grace)
        try:
            return session.run(cancel)
        except ExecError as exc:
            raise CommunicatorError(f"Cannot run a command in container {self.short_id}: {exc}") from exc

    def upload(self, remote_path: str, data: BinaryIO, mode: int | None = None) -> None:
        directory, name = posixpath.split(remote_path)
        if not name:
            raise CommunicatorError(f"Cannot upload to {remote_path}: it names a directory, not a file")
        with tempfile.TemporaryFile() as archive:
            write_file_archive(archive, name, data, 0o644 if mode is None else mode)
            archive.seek(0)
            self._put(directory or "/", archive, remote_path, create=False)
        self._fix_owner(remote_path)

    def upload_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None = None) -> None:
        contents_only = local_dir.endswith(("/", os.sep))
        with tempfile.TemporaryFile() as archive:
            try:
                write_tree_archive(archive, local_dir, contents_only=contents_only, exclude=exclude)
            except (ArchiveError, OSError) as exc:
                raise CommunicatorError(f"Cannot upload {local_dir}: {exc}") from exc
            archive.seek(0)
            self._put(remote_dir, archive, remote_dir, create=True)
        top = os.path.basename(os.path.abspath(local_dir))
        self._fix_owner(remote_dir if contents_only else posixpath.join(remote_dir, top))

    def download(self, remote_path: str, data: BinaryIO) -> None:
        path = remote_path
        for _ in range(_MAX_LINKS):
            try:
                link = extract_file(self._get(path), data, path)
            except (ArchiveError, tarfile.TarError) as exc:
                raise CommunicatorError(f"Cannot download {remote_path}: {exc}") from exc
            if link is None:
                return
            path = posixpath.normpath(posixpath.join(posixpath.dirname(path), link))
        raise CommunicatorError(f"Cannot download {remote_path}: too many levels of symbolic links")

    def download_dir(self, remote_dir: str, local_dir: str, exclude: list[str] | None = None) -> None:
        contents_only = remote_dir.endswith("/")
        try:
            extract_tree(self._get(remote_dir.rstrip("/") or "/"), local_dir, strip_root=contents_only,
                         exclude=exclude)
        except (ArchiveError, tarfile.TarError, OSError) as exc:
            raise CommunicatorError(f"Cannot download {remote_dir} into {local_dir}: {exc}") from exc

    def disconnect(self) -> None:
        self.connected = False  # the client belongs to the builder, which closes it

    def _put(self, directory: str, archive: BinaryIO, shown: str, *, create: bool) -> None:
        try:
            self.api.put_archive(self.container_id, directory, archive)
            return
        except NotFound as exc:
            if not create:
                raise CommunicatorError(f"Cannot upload {shown}: {describe_error(exc)} "
                                        f"(container {self.short_id}; create the directory first)") from exc
        except DockerException as exc:
            raise CommunicatorError(f"Cannot upload {shown} to container {self.short_id}: "
                                    f"{describe_error(exc)}") from exc
        self._root_command(["mkdir", "-p", "--", directory], f"create {directory}")
        archive.seek(0)
        try:
            self.api.put_archive(self.container_id, directory, archive)
        except DockerException as exc:
            raise CommunicatorError(f"Cannot upload {shown} to container {self.short_id}: "
                                    f"{describe_error(exc)}") from exc

    def _get(self, path: str) -> BinaryIO:
        try:
            chunks, _stat = self.api.get_archive(self.container_id, path)
        except NotFound as exc:
            raise CommunicatorError(f"Cannot download {path}: {describe_error(exc)} "
                                    f"(container {self.short_id})") from exc
        except DockerException as exc:
            raise CommunicatorError(f"Cannot download {path} from container {self.short_id}: "
                                    f"{describe_error(exc)}") from exc
        return io.BufferedReader(ChunkReader(chunks))

    def _fix_owner(self, path: str) -> None:
        owner = self.container_user or "root"
        if not self.fix_upload_owner or owner in _ROOT_OWNERS:
            return  # uploads are root-owned already
        self._root_command(["chown", "-R", owner, "--", path], f"set the owner of {path} to {owner}")

    def _root_command(self, argv: list[str], purpose: str) -> None:
        """Run ``argv`` as root in the container; raise CommunicatorError unless it exits 0."""
        try:
            exec_id = self.api.exec_create(self.container_id, argv, stdout=True, stderr=True, user="0")["Id"]
            output = self.api.exec_start(exec_id)
            code = self.api.exec_inspect(exec_id).get("ExitCode")
        except DockerException as exc:
            raise CommunicatorError(f"Failed to {purpose} in container {self.short_id}: "
                                    f"{describe_error(exc)}") from exc
        if code != 0:
            text = output.decode("utf-8", "replace").strip() if isinstance(output, bytes) else str(output)
            raise CommunicatorError(f"Failed to {purpose} in container {self.short_id} "
                                    f"(exit status {code}): {text}")
