"""StepDefaultGeneratedData: placeholders for the image values provisioners may read before they exist."""

from __future__ import annotations

from builds.engine.builders.docker.state import DockerState
from builds.engine.steps import Action

PLACEHOLDERS = {
    "ImageSha256": "ERR_IMAGE_SHA256_NOT_FOUND",
    "SourceImageDigest": "ERR_SOURCE_IMAGE_DIGEST_NOT_FOUND",
    "SourceImageSha256": "ERR_SOURCE_IMAGE_SHA256_NOT_FOUND",
}


class StepDefaultGeneratedData:
    """Gives ``build.ImageSha256``, ``build.SourceImageDigest`` and ``build.SourceImageSha256`` Packer's
    placeholder values; the pull and commit steps replace them with the real ones."""

    def run(self, state: DockerState) -> Action:
        state.generated.update(PLACEHOLDERS)
        return Action.CONTINUE

    def cleanup(self, state: DockerState) -> None:
        """Nothing to undo: the step only sets values."""
