"""StepConnectDocker: the connect step with Packer's docker communicator; SSH reaches the container's address."""

from __future__ import annotations

from typing import Any

from builds.engine.builders.common.step_connect import StepConnect
from builds.engine.builders.docker.settings import DockerSettings
from builds.engine.builders.docker.state import DockerState
from builds.engine.communicators.base import Communicator
from builds.engine.communicators.docker import DockerCommunicator


class StepConnectDocker(StepConnect):
    """Connects the configured communicator: ``docker`` (the default) runs commands in the container
    through the daemon; ``ssh`` connects to ``ssh_host`` or else the container's IP address."""

    def __init__(self, raw: dict[str, Any], settings: DockerSettings):
        self.docker_settings = settings
        factory = self._docker_communicator if settings.communicator == "docker" else None
        super().__init__(raw, default="docker", host=self._host, factory=factory)

    def _docker_communicator(self, state: DockerState) -> Communicator:
        settings = self.docker_settings
        return DockerCommunicator(state.driver().client, state.container_id, exec_user=settings.exec_user,
                                  pty=settings.pty, fix_upload_owner=settings.fix_upload_owner)

    def _host(self, state: DockerState) -> str | None:
        return self.settings.get("ssh_host") or state.driver().ip_address(state.container_id) or None
