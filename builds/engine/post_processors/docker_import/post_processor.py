"""The ``docker-import`` post-processor: imports a container tar (``export_path``, artifice) as an image.

The image is named ``repository:tag`` (``repository`` alone without a tag)
and gets the Dockerfile instructions of ``changes``, as ``docker import
--change`` applies them. The input file is not kept unless the user asks.
"""

from __future__ import annotations

from builds.engine.artifact import Artifact
from builds.engine.builders.docker.artifact import BUILDER_ID as DOCKER_BUILDER_ID
from builds.engine.builders.docker.artifact import ImportArtifact
from builds.engine.builders.docker.driver import DockerDriver, DockerError
from builds.engine.builders.docker.settings import change_problems
from builds.engine.cancel import CancelToken
from builds.engine.docker_client import DockerUnavailable
from builds.engine.gotemplate import TemplateError, render
from builds.engine.plugins import PostProcessError, PostProcessor, PostProcessResult
from builds.engine.post_processors.common import generated_data, template_context, template_problem
from builds.engine.ui import BuildUI

BUILDER_ID = "packer.post-processor.docker-import"
ACCEPTED = (DOCKER_BUILDER_ID, "packer.post-processor.artifice")


class DockerImportPostProcessor(PostProcessor):
    """Imports the first file of a docker ``export_path`` or ``artifice`` artifact."""

    type_name = "docker-import"

    def prepare(self) -> list[str]:
        self.repository: str = self.raw.get("repository") or ""
        self.tag: str = self.raw.get("tag") or ""
        self.changes: list[str] = list(self.raw.get("changes") or [])
        self.platform: str = self.raw.get("platform") or ""
        problems = [problem for text in (self.repository, self.tag)
                    if (problem := template_problem(text, self.context))]
        return problems + change_problems(self.changes, "docker import")

    def post_process(self, ui: BuildUI, artifact: Artifact, cancel: CancelToken) -> PostProcessResult:
        if artifact.builder_id not in ACCEPTED:
            raise PostProcessError(
                f"Unknown artifact type: {artifact.builder_id}\nCan only import from Docker builder and Artifice "
                "post-processor artifacts. If you are getting this error after having run the docker builder, it "
                "may be because you set commit: true in your Docker builder, so the image is already imported. ")
        if not artifact.files:
            raise PostProcessError("The artifact has no file to import: the docker builder needs export_path")
        generated = generated_data(artifact)
        context = template_context(self.context, generated)
        try:
            repository = render(self.repository, generated, context)
            if self.tag:
                repository += ":" + render(self.tag, generated, context)
        except TemplateError as exc:
            raise PostProcessError(str(exc)) from None
        cancel.raise_if_cancelled()
        ui.message(f"Importing image: {artifact.id}")
        ui.message(f"Repository: {repository}")
        try:
            driver = DockerDriver.from_environment(say=ui.message)
            with open(artifact.files[0], "rb") as source:
                image_id = driver.import_image(source, repository, self.changes, self.platform)
        except OSError as exc:
            raise PostProcessError(f"Error importing container: {exc}") from exc
        except (DockerUnavailable, DockerError) as exc:
            raise PostProcessError(str(exc)) from exc
        ui.message(f"Imported ID: {image_id}")
        imported = ImportArtifact(BUILDER_ID, id=repository or image_id, driver=driver)
        return PostProcessResult(imported, keep_input=False, force_keep_input=False)
