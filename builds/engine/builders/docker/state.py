"""The docker builder's typed build state: what its steps hand each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

from builds.engine.builders.docker.driver import DockerDriver
from builds.engine.docker_client import DockerUnavailable
from builds.engine.state import BuildState
from builds.engine.steps import StepError
from builds.engine.ui import BuildUI


@dataclass
class DockerState(BuildState):
    """The common build state plus the container, the image and the daemon connection of one build."""

    temp_dir: str = ""  # host directory mounted at container_dir
    container_id: str = ""
    image_id: str = ""  # the committed image
    commit_changes: list[str] = field(default_factory=list)  # changes plus the source's CMD/ENTRYPOINT
    connect_driver: Callable[[BuildUI], DockerDriver] | None = None
    _driver: DockerDriver | None = field(default=None, repr=False)

    @classmethod
    def extend(cls, base: BuildState, connect_driver: Callable[[BuildUI], DockerDriver]) -> DockerState:
        """A docker state carrying the common fields of ``base``."""
        common = {f.name: getattr(base, f.name) for f in fields(BuildState)}
        return cls(**common, connect_driver=connect_driver)

    def driver(self) -> DockerDriver:
        """The driver of this build's daemon, connected on first use; raises StepError when unreachable."""
        if self._driver is None:
            if self.connect_driver is None:
                raise RuntimeError("DockerState has no way to connect to a Docker daemon")
            try:
                self._driver = self.connect_driver(self.ui)
            except DockerUnavailable as exc:
                raise StepError(str(exc)) from exc
        return self._driver
