"""StepPull: pull the source image (unless ``pull = false``) and record its id and digest; an image the ImageHub
registry knows to be revoked stops the build here."""

from __future__ import annotations

from builds.engine.builders.docker.driver import DockerError
from builds.engine.builders.docker.settings import DockerSettings
from builds.engine.builders.docker.state import DockerState
from builds.engine.imageregistry import RegistryRefusal, current
from builds.engine.steps import Action, StepError

NO_DIGEST = ("Error determining source Docker image digest; this image may not have been pushed yet, which "
             "means no distribution digest has been created. If you plan to call docker push later, the "
             "digest value will be stored then.")


class StepPull:
    """Pulls ``image`` (logging in first with ``login``); sets ``build.SourceImageSha256`` and
    ``build.SourceImageDigest``. A missing id or digest is reported, not fatal, as in Packer."""

    def __init__(self, settings: DockerSettings):
        self.settings = settings

    def run(self, state: DockerState) -> Action:
        settings = self.settings
        driver = state.driver()
        if settings.pull:
            state.ui.say(f"Pulling Docker image: {settings.image}")
            if settings.login:
                state.ui.message("Logging in...")
                try:
                    driver.login(settings.login_server, settings.login_username, settings.login_password)
                except DockerError as exc:
                    raise StepError(f"Error logging in: {exc}") from exc
            try:
                driver.pull(settings.image, settings.platform, state.cancel)
            except DockerError as exc:
                raise StepError(str(exc)) from exc
        self._store_source_image_info(state)
        image_id = state.generated.get("SourceImageSha256", "")
        if image_id:
            try:
                current().check_source(image_id, "")
            except RegistryRefusal as exc:
                raise StepError(str(exc)) from None
        return Action.CONTINUE

    def _store_source_image_info(self, state: DockerState) -> None:
        driver = state.driver()
        try:
            image_id = driver.image_id(self.settings.image)
        except DockerError as exc:
            state.ui.error(f"Error determining source Docker image Id: {exc}")
            image_id = ""
        state.generated["SourceImageSha256"] = image_id
        try:
            digest = driver.image_digest(self.settings.image)
        except DockerError:
            digest = ""
        if not digest:
            state.ui.error(NO_DIGEST)
        state.generated["SourceImageDigest"] = digest

    def cleanup(self, state: DockerState) -> None:
        """Nothing to undo: a pulled image stays, as with ``docker pull``."""
