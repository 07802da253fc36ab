"""StepTempDir: a host directory shared with the container at ``container_dir``."""

from __future__ import annotations

import os
import shutil
import tempfile

from builds.engine.builders.docker.state import DockerState
from builds.engine.steps import Action, StepError


def config_tmp_dir() -> str:
    """Create and return a new temporary directory where Packer makes it.

    That is under ``PACKER_TMP_DIR`` when set, else under Packer's
    configuration directory (``$PACKER_CONFIG_DIR/.packer.d``, ``~/.packer.d``
    when it exists, else ``$XDG_CONFIG_HOME/packer`` or ``~/.config/packer``):
    places a Docker daemon on the same machine can mount. Raises OSError.
    """
    parent = os.environ.get("PACKER_TMP_DIR")
    if parent:
        parent = os.path.abspath(parent)
    elif os.environ.get("PACKER_CONFIG_DIR"):
        parent = os.path.join(os.environ["PACKER_CONFIG_DIR"], ".packer.d")
    else:
        home = os.path.expanduser("~")
        legacy = os.path.join(home, ".packer.d")
        xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        parent = legacy if os.path.isdir(legacy) else os.path.join(xdg, "packer")
    os.makedirs(parent, mode=0o755, exist_ok=True)
    return tempfile.mkdtemp(prefix="tmp", dir=parent)


class StepTempDir:
    """Creates the shared directory; its cleanup removes it with whatever the build left in it."""

    def run(self, state: DockerState) -> Action:
        state.ui.say("Creating a temporary directory for sharing data...")
        try:
            state.temp_dir = config_tmp_dir()
        except OSError as exc:
            raise StepError(f"Error making temp dir: {exc}") from exc
        return Action.CONTINUE

    def cleanup(self, state: DockerState) -> None:
        if state.temp_dir:
            shutil.rmtree(state.temp_dir, ignore_errors=True)
            state.temp_dir = ""
