"""``FileProvisioner``: copies files, directories or inline content to the machine under build, or back.

Directory rules are Packer's and live in the communicators' ``upload_dir`` and
``download_dir``: a source directory without a trailing slash (``files``) is
copied as a directory into the destination (``/tmp/files``), one with a
trailing slash (``files/``) has its contents copied into the destination.
A file uploaded to a destination ending in ``/`` keeps its name there.
"""

from __future__ import annotations

import os
import stat
import tempfile
from typing import TYPE_CHECKING, Any

from builds.engine.communicators.base import CommunicatorError
from builds.engine.plugins import PluginContext, Provisioner, ProvisionError
from builds.engine.provisioners.scripting import Interpolator

if TYPE_CHECKING:
    from builds.engine.cancel import CancelToken
    from builds.engine.communicators.base import Communicator
    from builds.engine.ui import BuildUI

DIRECTIONS = ("upload", "download")


class FileProvisioner(Provisioner):
    """Packer's ``file`` provisioner."""

    type_name = "file"

    def __init__(self, config: dict[str, Any], context: PluginContext):
        super().__init__(config, context)
        self.direction = config.get("direction") or "upload"
        self.sources = list(config.get("sources") or [])
        if config.get("source"):
            self.sources.append(config["source"])
        self.content = config.get("content") or ""
        self.destination = config.get("destination") or ""
        self.generated = bool(config.get("generated"))

    def prepare(self) -> list[str]:
        """Return the configuration's problems, in Packer's words (empty when it is valid).

        Upload sources must exist now unless ``generated`` says the build creates them.
        """
        problems = []
        if self.direction not in DIRECTIONS:
            problems.append("Direction must be one of: download, upload.")
        if self.direction == "upload" and not self.generated:
            for source in self.sources:
                if "{{" not in source and not os.path.exists(source):
                    problems.append(f"Bad source '{source}': stat {source}: no such file or directory")
        if self.sources and self.content:
            problems.append("source(s) conflicts with content.")
        if not self.destination:
            problems.append("Destination must be specified.")
        return problems

    def provision(self, ui: BuildUI, communicator: Communicator, generated: dict[str, Any],
                  cancel: CancelToken) -> None:
        """Copy every source; raises ``ProvisionError`` naming the file when a copy fails."""
        interpolator = Interpolator(self.context, generated)
        destination = interpolator.render(self.destination, "destination")
        sources = [interpolator.render(source, "source") for source in self.sources]
        content_file = None
        if self.content:
            content_file = _write_content(interpolator.render(self.content, "content"))
            sources.append(content_file)
        try:
            for source in sources:
                cancel.raise_if_cancelled()
                if self.direction == "download":
                    self._download(ui, communicator, source, destination)
                else:
                    self._upload(ui, communicator, source, destination)
        finally:
            if content_file is not None:
                os.unlink(content_file)

    def _upload(self, ui: BuildUI, communicator: Communicator, source: str, destination: str) -> None:
        ui.say(f"Uploading {source} => {destination}")
        try:
            info = os.stat(source)
        except OSError as exc:
            raise ProvisionError(f"stat {source}: {_reason(exc)}") from None
        try:
            if stat.S_ISDIR(info.st_mode):
                communicator.upload_dir(destination, source)
                return
            target = destination + os.path.basename(source) if destination.endswith("/") else destination
            with open(source, "rb") as handle:
                communicator.upload(target, handle, stat.S_IMODE(info.st_mode))
        except (CommunicatorError, OSError) as exc:
            ui.error(f"Upload failed: {_reason(exc)}")
            raise ProvisionError(f"Upload failed: {_reason(exc)}") from None

    def _download(self, ui: BuildUI, communicator: Communicator, source: str, destination: str) -> None:
        directory = destination
        if not destination.endswith("/"):
            directory = os.path.dirname(destination)
        elif not source.endswith("/") and not source.endswith("*"):
            destination = os.path.join(destination, os.path.basename(source))
        ui.say(f"Downloading {source} => {destination}")
        try:
            if directory:
                os.makedirs(directory, 0o755, exist_ok=True)
            if source.endswith("/") or any(c in source for c in "*?["):
                communicator.download_dir(source, destination)
                return
            fd = os.open(destination, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
            with os.fdopen(fd, "wb") as handle:
                communicator.download(source, handle)
        except (CommunicatorError, OSError) as exc:
            ui.error(f"Download failed: {_reason(exc)}")
            raise ProvisionError(f"Download failed: {_reason(exc)}") from None


def _write_content(content: str) -> str:
    fd, path = tempfile.mkstemp(prefix="pkr-file-content")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    return path


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return str(exc)
