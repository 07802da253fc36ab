"""StepRun: start the build container from the source image; its cleanup kills and removes it."""

from __future__ import annotations

from builds.engine.builders.docker.driver import DockerError, command_line
from builds.engine.builders.docker.settings import DockerSettings
from builds.engine.builders.docker.state import DockerState
from builds.engine.gotemplate import TemplateContext, TemplateError, render
from builds.engine.steps import Action, StepError


def container_args(settings: DockerSettings, temp_dir: str, context: TemplateContext | None = None) -> list[str]:
    """The ``docker run`` arguments Packer would use: devices, capabilities, privileged, runtime, platform,
    tmpfs mounts, volumes (the shared temp dir last), then ``run_command`` with ``{{.Image}}`` filled in.

    Raises ``TemplateError`` for a malformed ``run_command`` entry.
    """
    args: list[str] = []
    for device in settings.devices:
        args += ["--device", device]
    for capability in settings.cap_add:
        args += ["--cap-add", capability]
    for capability in settings.cap_drop:
        args += ["--cap-drop", capability]
    if settings.privileged:
        args.append("--privileged")
    if settings.runtime:
        args += ["--runtime", settings.runtime]
    if settings.platform:
        args += ["--platform", settings.platform]
    for mount in settings.tmpfs:
        args += ["--tmpfs", mount]
    volumes = dict(settings.volumes)
    volumes[temp_dir] = settings.container_dir
    for host, container in volumes.items():
        args += ["-v", f"{host}:{container}"]
    data = {"Image": settings.image}
    args += [render(arg, data, context) for arg in settings.run_command]
    return args


class StepRun:
    """Starts the container and records its id (``build.ID``)."""

    def __init__(self, settings: DockerSettings, context: TemplateContext | None = None):
        self.settings = settings
        self.context = context

    def run(self, state: DockerState) -> Action:
        try:
            args = container_args(self.settings, state.temp_dir, self.context)
        except TemplateError as exc:
            raise StepError(f"Error running container: run_command: {exc}") from exc
        driver = state.driver()
        state.ui.say("Starting docker container...")
        state.ui.message(f"Run command: {command_line(args)}")
        try:
            state.container_id = driver.run_container(args)
        except DockerError as exc:
            raise StepError(str(exc)) from exc
        state.generated["ID"] = state.container_id
        state.ui.message(f"Container ID: {state.container_id}")
        return Action.CONTINUE

    def cleanup(self, state: DockerState) -> None:
        if not state.container_id:
            return
        state.ui.say(f"Killing the container: {state.container_id}")
        state.driver().kill_container(state.container_id)
        state.container_id = ""
