"""StepCommit: commit the container to an image, applying the Dockerfile instructions of ``changes``."""

from __future__ import annotations

from builds.engine.builders.docker.driver import DockerError
from builds.engine.builders.docker.settings import DockerSettings
from builds.engine.builders.docker.state import DockerState
from builds.engine.steps import Action, StepError


class StepCommit:
    """Commits with ``author``, ``message`` and the changes StepSetDefaults computed; records the image id
    (``build.ImageSha256``). The image is the build's artifact, so cleanup leaves it."""

    def __init__(self, settings: DockerSettings):
        self.settings = settings

    def run(self, state: DockerState) -> Action:
        driver = state.driver()
        state.ui.say("Committing the container")
        changes = state.commit_changes or self.settings.changes
        try:
            state.image_id = driver.commit(state.container_id, self.settings.author, changes,
                                           self.settings.message)
        except DockerError as exc:
            raise StepError(str(exc)) from exc
        state.generated["ImageSha256"] = state.image_id
        state.ui.message(f"Image ID: {state.image_id}")
        return Action.CONTINUE

    def cleanup(self, state: DockerState) -> None:
        """Nothing to undo: the committed image is the artifact."""
