"""The ``docker-save`` post-processor: writes the image a docker build produced to a tar, as ``docker save``.

The artifact passes through unchanged and is kept; the tar at ``path`` holds
the image's layers and configuration, ready for ``docker load``.
"""

from __future__ import annotations

import os
from pathlib import Path

from builds.engine.artifact import Artifact
from builds.engine.builders.docker.artifact import BUILDER_ID_IMPORT
from builds.engine.builders.docker.driver import DockerDriver, DockerError
from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.docker_client import DockerUnavailable
from builds.engine.gotemplate import TemplateError, render
from builds.engine.plugins import PostProcessError, PostProcessor, PostProcessResult
from builds.engine.post_processors.common import generated_data, template_context, template_problem
from builds.engine.post_processors.docker_tag.post_processor import BUILDER_ID as DOCKER_TAG_ID
from builds.engine.ui import BuildUI

BUILDER_ID = "packer.post-processor.docker-save"
ACCEPTED = (BUILDER_ID_IMPORT, DOCKER_TAG_ID)


class DockerSavePostProcessor(PostProcessor):
    """Saves a committed, imported or tagged image to ``path``."""

    type_name = "docker-save"

    def prepare(self) -> list[str]:
        self.path: str = self.raw.get("path") or ""
        problem = template_problem(self.path, self.context)
        return [problem] if problem else []

    def post_process(self, ui: BuildUI, artifact: Artifact, cancel: CancelToken) -> PostProcessResult:
        if artifact.builder_id not in ACCEPTED:
            raise PostProcessError(f"Unknown artifact type: {artifact.builder_id}\n"
                                   "Can only save Docker builder artifacts.")
        generated = generated_data(artifact)
        try:
            path = render(self.path, generated, template_context(self.context, generated))
        except TemplateError as exc:
            raise PostProcessError(str(exc)) from None
        try:
            Path(path).touch()
        except OSError as exc:
            raise PostProcessError(f"Error creating output file: {exc}") from exc
        try:
            driver = DockerDriver.from_environment(say=ui.message)
            ui.message(f"Saving image: {artifact.id}")
            with open(path, "wb") as output:
                driver.save_image(artifact.id, output, cancel)
        except Cancelled:
            os.remove(path)
            raise
        except (DockerUnavailable, DockerError, OSError) as exc:
            os.remove(path)
            raise PostProcessError(str(exc)) from exc
        ui.message(f"Saved to: {path}")
        return PostProcessResult(artifact, keep_input=True, force_keep_input=False)
