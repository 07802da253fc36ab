"""The ``docker-tag`` post-processor: names the image a docker build committed, as ``docker tag`` does.

Each of ``tags`` (and of the deprecated ``tag``) gives the image the name
``repository:tag``; without tags it is named ``repository``. The new artifact
is the same image under its last name, and the input is always kept: a tag
of a deleted image would be pointless.
"""

from __future__ import annotations

from builds.engine.artifact import Artifact
from builds.engine.builders.docker.artifact import BUILDER_ID_IMPORT, ImportArtifact
from builds.engine.builders.docker.driver import DockerDriver, DockerError
from builds.engine.cancel import CancelToken
from builds.engine.docker_client import DockerUnavailable
from builds.engine.gotemplate import TemplateError, render
from builds.engine.plugins import PostProcessError, PostProcessor, PostProcessResult
from builds.engine.post_processors.common import generated_data, template_context, template_problem
from builds.engine.ui import BuildUI

BUILDER_ID = "packer.post-processor.docker-tag"
ACCEPTED = (BUILDER_ID, BUILDER_ID_IMPORT)


class DockerTagPostProcessor(PostProcessor):
    """Tags a committed, imported or already tagged image."""

    type_name = "docker-tag"

    def prepare(self) -> list[str]:
        self.repository: str = self.raw.get("repository") or ""
        self.deprecated_tag: list[str] = list(self.raw.get("tag") or [])
        self.tags: list[str] = list(self.raw.get("tags") or []) + self.deprecated_tag
        self.force = bool(self.raw.get("force"))
        return [problem for text in (self.repository, *self.tags)
                if (problem := template_problem(text, self.context))]

    def post_process(self, ui: BuildUI, artifact: Artifact, cancel: CancelToken) -> PostProcessResult:
        if self.deprecated_tag:
            ui.say('Deprecation warning: "tag" option has been replaced with "tags". In future versions of '
                   "Packer, this configuration may not work. Please call `packer fix` on your template to "
                   "update.")
        if artifact.builder_id not in ACCEPTED:
            raise PostProcessError(f"Unknown artifact type: {artifact.builder_id}\n"
                                   "Can only tag from Docker builder artifacts.")
        generated = generated_data(artifact)
        context = template_context(self.context, generated)
        try:
            repository = render(self.repository, generated, context)
            names = [f"{repository}:{render(tag, generated, context)}" for tag in self.tags]
        except TemplateError as exc:
            raise PostProcessError(str(exc)) from None
        if not repository:
            raise PostProcessError("docker-tag needs a repository to tag the image with; set repository")
        cancel.raise_if_cancelled()
        try:
            driver = DockerDriver.from_environment(say=ui.message)
            for name in names or [repository]:
                ui.message(f"Tagging image: {artifact.id}")
                ui.message(f"Repository: {name}")
                driver.tag_image(artifact.id, name, self.force)
        except (DockerUnavailable, DockerError) as exc:
            raise PostProcessError(str(exc)) from exc
        state: dict = {"docker_tags": names}
        if generated:
            state["generated_data"] = generated
        tagged = ImportArtifact(BUILDER_ID, id=names[-1] if names else repository, state=state, driver=driver)
        return PostProcessResult(tagged, keep_input=True, force_keep_input=True)
