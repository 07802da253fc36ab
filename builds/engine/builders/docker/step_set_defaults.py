"""StepSetDefaults: keep the source image's CMD and ENTRYPOINT in the commit unless ``changes`` sets them."""

from __future__ import annotations

import json

from builds.engine.builders.docker.driver import DockerError
from builds.engine.builders.docker.settings import DockerSettings
from builds.engine.builders.docker.state import DockerState
from builds.engine.steps import Action


class StepSetDefaults:
    """Computes the commit's changes: ``changes`` plus ``CMD`` and ``ENTRYPOINT`` of the source image.

    The build container runs with ``run_command``'s entrypoint (``/bin/sh``),
    which a plain commit would keep; as in Packer, the source image's values
    (``[""]`` when it has none, which clears them) are restored unless a
    change starting with ``CMD`` or ``ENTRYPOINT`` sets them.
    """

    def __init__(self, settings: DockerSettings):
        self.settings = settings

    def run(self, state: DockerState) -> Action:
        changes = list(self.settings.changes)
        driver = state.driver()
        if not any(change.startswith("CMD") for change in changes):
            changes.append("CMD " + _json(self._value(driver.image_cmd)))
        if not any(change.startswith("ENTRYPOINT") for change in changes):
            changes.append("ENTRYPOINT " + _json(self._value(driver.image_entrypoint)))
        state.commit_changes = changes
        return Action.CONTINUE

    def _value(self, read) -> list[str]:
        try:
            return read(self.settings.image)
        except DockerError:
            return [""]  # Packer ignores the error and clears the value

    def cleanup(self, state: DockerState) -> None:
        """Nothing to undo: the step only computes values."""


def _json(value: list[str]) -> str:
    return json.dumps(value, separators=(",", ":"))
