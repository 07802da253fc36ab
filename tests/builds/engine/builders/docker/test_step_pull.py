"""StepPull against the test daemon: the source image's id recorded, and checked with the ImageHub registry."""

from __future__ import annotations

import pytest

from builds.engine import imageregistry
from builds.engine.builders.docker.builder import DockerBuilder
from builds.engine.builders.docker.step_pull import StepPull
from builds.engine.cancel import CancelToken
from builds.engine.hook import Hook
from builds.engine.imageregistry import ImageRegistry, RegistryRefusal
from builds.engine.plugins import PluginContext
from builds.engine.state import BuildState
from builds.engine.steps import StepError
from builds.engine.ui import BuildUI, ListSink


class Registry(ImageRegistry):
    """Refuses the images in `revoked`, remembering every check."""

    def __init__(self, revoked: set[str]):
        self.revoked = revoked
        self.checked: list[tuple[str, str]] = []

    def channel_image(self, template, channel, region):
        raise AssertionError("not asked")

    def check_source(self, image_id, region):
        self.checked.append((image_id, region))
        if image_id in self.revoked:
            raise RegistryRefusal(f"The source image {image_id} is revoked: CVE-1.")


@pytest.fixture
def pull(dockerd, monkeypatch):
    """Run StepPull for the daemon's base image with a registry revoking `revoked`; return the state and
    registry."""
    monkeypatch.setenv("DOCKER_HOST", dockerd.host)

    def run(revoked: set[str]):
        builder = DockerBuilder({"image": dockerd.base_image, "pull": False, "commit": True},
                                PluginContext(build_name="docker.test", build_type="docker", source_name="test"))
        assert builder.prepare() == []
        state = builder.new_state(BuildState(ui=BuildUI("docker.test", ListSink()), cancel=CancelToken(),
                                             hook=Hook(), build_name="docker.test", source_type="docker",
                                             source_name="test"))
        registry = Registry(revoked)
        imageregistry.install(registry)
        try:
            StepPull(builder.settings).run(state)
        finally:
            imageregistry.install(None)
        return state, registry

    return run


def test_the_source_image_id_is_recorded_and_checked(pull, docker_api_client, dockerd):
    image_id = docker_api_client.api.inspect_image(dockerd.base_image)["Id"]

    state, registry = pull(set())

    assert state.generated["SourceImageSha256"] == image_id
    assert registry.checked == [(image_id, "")]


def test_a_revoked_source_image_stops_the_build_with_the_reason(pull, docker_api_client, dockerd):
    image_id = docker_api_client.api.inspect_image(dockerd.base_image)["Id"]

    with pytest.raises(StepError, match=f"^The source image {image_id} is revoked: CVE-1.$"):
        pull({image_id})
