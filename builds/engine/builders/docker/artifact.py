"""The docker builder's artifacts: an image in the daemon (committed, imported or tagged), or an exported tar."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from builds.engine.artifact import Artifact
from builds.engine.builders.docker.driver import DockerDriver

BUILDER_ID = "packer.docker"  # the builder, and its export_path artifact
BUILDER_ID_IMPORT = "packer.post-processor.docker-import"  # a committed (or imported) image


@dataclass
class ImportArtifact(Artifact):
    """An image held by the Docker daemon; ``id`` is its id or, after docker-tag, its last ``repo:tag``.

    ``state["docker_tags"]`` lists the names docker-tag gave it. Destroying it
    removes the image (or that name) from the daemon, as ``docker rmi`` does.
    """

    driver: DockerDriver | None = field(default=None, repr=False, compare=False)

    def string(self) -> str:
        tags = [str(tag) for tag in self.state.get("docker_tags") or []]
        if tags:
            return f"Imported Docker image: {self.id} with tags {' '.join(tags)}"
        return f"Imported Docker image: {self.id}"

    def destroy(self) -> None:
        """Remove the image; raises ``DockerError`` when the daemon refuses (e.g. a container uses it)."""
        if self.driver is None:
            raise RuntimeError("ImportArtifact.destroy needs the driver of the daemon holding the image")
        self.driver.remove_image(self.id)


@dataclass
class ExportArtifact(Artifact):
    """The container's file system exported to a tar file (``export_path``)."""

    def string(self) -> str:
        return f"Exported Docker file: {self.files[0]}"

    def destroy(self) -> None:
        """Remove the tar file; raises OSError if it exists and cannot be removed."""
        for path in self.files:
            if os.path.exists(path):
                os.remove(path)


def export_artifact(path: str, generated: dict) -> ExportArtifact:
    """The artifact of a build with ``export_path``: Packer's id ``Container`` and the one file."""
    return ExportArtifact(BUILDER_ID, id="Container", files=[path], state={"generated_data": dict(generated)})
