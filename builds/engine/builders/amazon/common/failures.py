"""How the amazon steps report failures: a step's error as Packer prints it, and cleanups that fall short."""

from __future__ import annotations

from builds.engine.state import BuildState
from builds.engine.steps import StepError


class CleanupError(Exception):
    """A cleanup could not remove what its step created; the message names the resource and why."""


def step_error(state: BuildState, message: str) -> StepError:
    """Print ``message`` as the step's error (Packer's ``ui.Error``) and return the StepError to raise."""
    state.ui.error(message)
    return StepError(message)
