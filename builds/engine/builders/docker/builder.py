"""The ``docker`` builder: runs a container, provisions it, then commits it, exports it or discards it."""

from __future__ import annotations

from builds.engine.artifact import Artifact
from builds.engine.builders.common.step_provision import StepProvision
from builds.engine.builders.docker.artifact import (
    BUILDER_ID,
    BUILDER_ID_IMPORT,
    ImportArtifact,
    export_artifact,
)
from builds.engine.builders.docker.driver import DockerDriver
from builds.engine.builders.docker.settings import read_settings
from builds.engine.builders.docker.state import DockerState
from builds.engine.builders.docker.step_commit import StepCommit
from builds.engine.builders.docker.step_connect_docker import StepConnectDocker
from builds.engine.builders.docker.step_default_generated_data import StepDefaultGeneratedData
from builds.engine.builders.docker.step_export import StepExport
from builds.engine.builders.docker.step_pull import StepPull
from builds.engine.builders.docker.step_run import StepRun
from builds.engine.builders.docker.step_set_defaults import StepSetDefaults
from builds.engine.builders.docker.step_temp_dir import StepTempDir
from builds.engine.plugins import Builder
from builds.engine.post_processors.common import template_context
from builds.engine.state import BuildState
from builds.engine.steps import Step
from builds.engine.ui import BuildUI

SENSITIVE = ("login_password", "aws_access_key", "aws_secret_key", "aws_token")


def connect_driver(ui: BuildUI) -> DockerDriver:
    """The driver of the daemon at ``DOCKER_HOST`` (or the default socket), reporting through ``ui``."""
    return DockerDriver.from_environment(say=ui.message)


class DockerBuilder(Builder):
    """Packer's ``docker`` builder, talking to the daemon through its API instead of the ``docker`` command
    (so ``docker_path`` has no effect)."""

    type_name = "docker"
    builder_id = BUILDER_ID

    def prepare(self) -> list[str]:
        self.settings, problems = read_settings(self.raw)
        return problems

    def new_state(self, base: BuildState) -> DockerState:
        return DockerState.extend(base, connect_driver)

    def steps(self) -> list[Step]:
        settings = self.settings
        steps: list[Step] = [
            StepDefaultGeneratedData(),
            StepTempDir(),
            StepPull(settings),
            StepRun(settings, template_context(self.context)),
            StepConnectDocker(self.raw, settings),
            StepProvision(),
        ]
        if settings.commit:
            steps += [StepSetDefaults(settings), StepCommit(settings)]
        elif settings.export_path:
            steps.append(StepExport(settings))
        return steps

    def artifact(self, state: DockerState) -> Artifact | None:
        generated = {"generated_data": dict(state.generated),
                     "source_image": {"id": state.generated.get("SourceImageSha256", ""), "name": self.settings.image,
                                      "digest": state.generated.get("SourceImageDigest", "")}}
        if self.settings.commit:
            return ImportArtifact(BUILDER_ID_IMPORT, id=state.image_id, state=generated, driver=state.driver())
        if self.settings.export_path:
            return export_artifact(self.settings.export_path, state.generated)
        return Artifact(BUILDER_ID, id="Container", state=generated,
                        description="Discarded the container (discard = true): no image was kept")

    def sensitive_values(self) -> list[str]:
        return [value for key in SENSITIVE if isinstance(value := self.raw.get(key), str) and value]
