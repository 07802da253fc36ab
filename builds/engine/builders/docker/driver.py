"""The Docker operations of the docker builder and post-processors, over the Engine API.

Each method is one ``docker`` command of Packer's driver (pull, run, commit,
export, tag, save, import, rmi ...) done through the SDK client that
:mod:`builds.engine.docker_client` makes. Failures raise :class:`DockerError`
with the daemon's own explanation and, where the user can act, what to do.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from builds.engine.builders.docker.run_command import RunCommandError, parse_run_args
from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.docker_client import DockerException, NotFound, describe_error, docker_client

_UNREACHABLE = ("no such host", "dial tcp", "connection refused", "i/o timeout", "network is unreachable",
                "tls handshake", "server misbehaving", "temporary failure in name resolution")
_CHUNK = 1024 * 1024


class DockerError(Exception):
    """A Docker operation failed; the message names the operation, the daemon's reason and any remedy."""


def split_reference(reference: str) -> tuple[str, str | None]:
    """Split ``repo[:tag]`` into repository and tag (None when absent); a registry port is not a tag.

    A digest (``repo@sha256:...``) stays in the repository part.
    """
    if "@" in reference:
        return reference, None
    head, sep, tail = reference.rpartition(":")
    if not sep or "/" in tail:
        return reference, None
    return head, tail


class DockerDriver:
    """Talks to one Docker daemon; ``say`` receives progress lines (pull status) for the build output."""

    def __init__(self, client: Any, say: Callable[[str], None] | None = None):
        self.client = client
        self.api = client.api
        self.say = say or (lambda _text: None)

    @classmethod
    def from_environment(cls, address: str | None = None,
                         say: Callable[[str], None] | None = None) -> DockerDriver:
        """A driver for the daemon at ``address`` or ``DOCKER_HOST``; raises ``DockerUnavailable``."""
        return cls(docker_client(address), say)

    def close(self) -> None:
        self.client.close()

    def version(self) -> str:
        """The daemon's version, e.g. ``20.10.24+dfsg1``."""
        return str(self._call("read the Docker version", self.api.version).get("Version", ""))

    # Images

    def pull(self, image: str, platform: str = "", cancel: CancelToken | None = None) -> None:
        """Pull ``image`` (``repo[:tag]`` or ``repo@digest``), reporting progress through ``say``."""
        repository, tag = split_reference(image)
        try:
            for event in self.api.pull(repository, tag=tag, stream=True, decode=True,
                                       platform=platform or None):
                if cancel is not None and cancel.cancelled:
                    raise Cancelled(cancel.reason or "Build cancelled")
                if event.get("error"):
                    raise DockerError(self._pull_message(image, event["error"]))
                self._report_progress(event)
        except DockerException as exc:
            raise DockerError(self._pull_message(image, describe_error(exc))) from exc

    @staticmethod
    def _pull_message(image: str, reason: str) -> str:
        message = f"Error pulling Docker image {image}: {reason}"
        if any(marker in reason.lower() for marker in _UNREACHABLE):
            message += ("\nThe registry cannot be reached from the Docker daemon. If the image is already "
                        "present locally, set pull = false to use it without pulling.")
        elif "not found" in reason.lower() or "does not exist" in reason.lower():
            message += "\nCheck the image name and tag, and log in (login = true) if the repository is private."
        return message

    def _report_progress(self, event: dict[str, Any]) -> None:
        status = event.get("status")
        if not status or event.get("progressDetail"):
            return  # byte counters of a layer download
        self.say(f"{event['id']}: {status}" if event.get("id") else status)

    def login(self, server: str, username: str, password: str) -> None:
        """Log in to ``server`` for the pulls that follow."""
        self._call(f"log in to {server or 'Docker Hub'}", self.api.login, username=username,
                   password=password, registry=server or None, reauth=True)

    def inspect_image(self, reference: str) -> dict[str, Any]:
        """The image's inspect document; raises DockerError when it does not exist."""
        try:
            return self.api.inspect_image(reference)
        except NotFound as exc:
            raise DockerError(f"Docker image {reference} does not exist on the daemon: "
                              f"{describe_error(exc)}") from exc
        except DockerException as exc:
            raise DockerError(f"Error inspecting Docker image {reference}: {describe_error(exc)}") from exc

    def image_id(self, reference: str) -> str:
        """The image's id (``sha256:...``), what Packer calls its Sha256."""
        return self.inspect_image(reference)["Id"]

    def image_digest(self, reference: str) -> str:
        """The image's first distribution digest (``repo@sha256:...``), or ``""`` if never pushed or pulled."""
        digests = self.inspect_image(reference).get("RepoDigests") or []
        return digests[0] if digests else ""

    def image_cmd(self, reference: str) -> list[str]:
        """The image's ``CMD`` (``[""]`` when it has none, to reset it in a commit as Packer does)."""
        return (self.inspect_image(reference).get("Config") or {}).get("Cmd") or [""]

    def image_entrypoint(self, reference: str) -> list[str]:
        """The image's ``ENTRYPOINT`` (``[""]`` when it has none)."""
        return (self.inspect_image(reference).get("Config") or {}).get("Entrypoint") or [""]

    def tag_image(self, image: str, reference: str, force: bool = False) -> None:
        """Give ``image`` the name ``reference`` (``repo[:tag]``); ``force`` is accepted and, as with
        every Docker since 1.12, has no effect."""
        repository, tag = split_reference(reference)
        self._call(f"tag image {image} as {reference}", self.api.tag, image, repository, tag=tag,
                   force=force)

    def remove_image(self, image: str) -> None:
        """Remove the image (or the one name, when ``image`` is ``repo:tag``)."""
        self._call(f"delete image {image}", self.api.remove_image, image)

    def save_image(self, image: str, dest: BinaryIO, cancel: CancelToken | None = None) -> None:
        """Write ``docker save`` of ``image`` (a tar with its layers and config) to ``dest``."""
        chunks = self._call(f"save image {image}", self.api.get_image, image, chunk_size=_CHUNK)
        self._write_stream(f"save image {image}", chunks, dest, cancel)

    def import_image(self, source: BinaryIO, repository: str = "", changes: Iterable[str] = (),
                     platform: str = "") -> str:
        """Import a container file-system tar as an image named ``repository`` (``repo[:tag]``); return its id."""
        repo, tag = split_reference(repository) if repository else (None, None)
        params: dict[str, Any] = {"fromSrc": "-", "repo": repo, "tag": tag}
        if changes:
            params["changes"] = list(changes)
        if platform:
            params["platform"] = platform
        response = self._call(f"import {repository or 'an image'}", self.api._post,
                              self.api._url("/images/create"), data=source, params=params,
                              headers={"Content-Type": "application/tar"}, timeout=None)
        text = self._call(f"import {repository or 'an image'}", self.api._result, response)
        image_id = ""
        for line in text.splitlines():
            if not line.strip():
                continue
            event = json.loads(line)
            if event.get("error"):
                raise DockerError(f"Error importing container: {event['error']}")
            status = str(event.get("status", ""))
            if status.startswith("sha256:"):
                image_id = status
        if not image_id:
            raise DockerError(f"Error importing container: the daemon returned no image id ({text.strip()})")
        return image_id

    # Containers

    def run_container(self, args: list[str]) -> str:
        """Create and start the container the ``docker run`` arguments ``args`` describe; return its id."""
        try:
            options = parse_run_args(args)
        except RunCommandError as exc:
            raise DockerError(str(exc)) from exc
        try:
            host_config = self.api.create_host_config(**options.host_config_kwargs())
            container = self.api.create_container(host_config=host_config, **options.create_kwargs())
        except DockerException as exc:
            raise DockerError(f"Error running container: {describe_error(exc)}") from exc
        container_id = container["Id"]
        try:
            self.api.start(container_id)
        except DockerException as exc:
            self._remove_quietly(container_id)
            raise DockerError(f"Error running container: {describe_error(exc)}") from exc
        return container_id

    def container_user(self, container_id: str) -> str:
        """The user the container runs as (its ``Config.User``), ``""`` for the image's default."""
        info = self._call(f"inspect container {container_id[:12]}", self.api.inspect_container, container_id)
        return (info.get("Config") or {}).get("User") or ""

    def ip_address(self, container_id: str) -> str:
        """The container's address on its first network, ``""`` when it has none."""
        info = self._call(f"inspect container {container_id[:12]}", self.api.inspect_container, container_id)
        settings = info.get("NetworkSettings") or {}
        if settings.get("IPAddress"):
            return settings["IPAddress"]
        for network in (settings.get("Networks") or {}).values():
            if network.get("IPAddress"):
                return network["IPAddress"]
        return ""

    def commit(self, container_id: str, author: str = "", changes: Iterable[str] = (), message: str = "") -> str:
        """Commit the container to a new image, applying the Dockerfile instructions ``changes``; return its id."""
        result = self._call("commit the container", self.api.commit, container_id, author=author or None,
                            message=message or None, changes=list(changes) or None)
        return result["Id"]

    def export_container(self, container_id: str, dest: BinaryIO, cancel: CancelToken | None = None) -> None:
        """Write the container's file system as a flat tar (``docker export``) to ``dest``."""
        chunks = self._call("export the container", self.api.export, container_id, chunk_size=_CHUNK)
        self._write_stream("export the container", chunks, dest, cancel)

    def stop_container(self, container_id: str) -> None:
        self._call(f"stop container {container_id[:12]}", self.api.stop, container_id)

    def kill_container(self, container_id: str) -> None:
        """Kill and remove the container with its anonymous volumes (``docker kill`` then ``docker rm``)."""
        try:
            self.api.remove_container(container_id, force=True, v=True)
        except NotFound:
            return  # gone already (``--rm``, or removed by hand)
        except DockerException as exc:
            raise DockerError(f"Error removing container {container_id[:12]}: {describe_error(exc)}") from exc

    def _remove_quietly(self, container_id: str) -> None:
        try:
            self.api.remove_container(container_id, force=True, v=True)
        except DockerException:
            return

    # Plumbing

    def _call(self, what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except DockerException as exc:
            raise DockerError(f"Failed to {what}: {describe_error(exc)}") from exc

    def _write_stream(self, what: str, chunks: Iterable[bytes], dest: BinaryIO,
                      cancel: CancelToken | None) -> None:
        """Copy a download to ``dest``; raises Cancelled between chunks once ``cancel`` is set."""
        try:
            for chunk in chunks:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                dest.write(chunk)
        except DockerException as exc:
            raise DockerError(f"Failed to {what}: {describe_error(exc)}") from exc


def command_line(args: list[str]) -> str:
    """``docker run`` with ``args``, quoted for display."""
    return "docker run " + " ".join(shlex.quote(arg) for arg in args)
