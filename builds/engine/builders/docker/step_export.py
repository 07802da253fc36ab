"""StepExport: write the container's file system to ``export_path`` as a flat tar."""

from __future__ import annotations

import os
from pathlib import Path

from builds.engine.builders.docker.driver import DockerError
from builds.engine.builders.docker.settings import DockerSettings
from builds.engine.builders.docker.state import DockerState
from builds.engine.cancel import Cancelled
from builds.engine.steps import Action, StepError


class StepExport:
    """Exports the container to ``export_path`` (its directory created); a failed or cancelled
    export leaves no file."""

    def __init__(self, settings: DockerSettings):
        self.settings = settings

    def run(self, state: DockerState) -> Action:
        path = self.settings.export_path
        if not path:
            raise StepError("No output file specified, we can't export anything")
        directory = os.path.dirname(path)
        try:
            if directory:
                os.makedirs(directory, mode=0o755, exist_ok=True)
            Path(path).touch()
        except OSError as exc:
            raise StepError(f"Error creating output file: {exc}") from exc
        driver = state.driver()
        state.ui.say("Exporting the container")
        try:
            with open(path, "wb") as output:
                driver.export_container(state.container_id, output, state.cancel)
        except Cancelled:
            os.remove(path)
            raise
        except (DockerError, OSError) as exc:
            os.remove(path)
            raise StepError(str(exc)) from exc
        return Action.CONTINUE

    def cleanup(self, state: DockerState) -> None:
        """Nothing to undo: the exported file is the artifact."""
