"""The docker-tag post-processor against a real daemon."""

from __future__ import annotations

import pytest

from builds.engine.artifact import Artifact
from builds.engine.builders.docker.artifact import BUILDER_ID_IMPORT, ImportArtifact
from builds.engine.builders.docker.driver import DockerDriver
from builds.engine.cancel import CancelToken
from builds.engine.plugins import PluginContext, PostProcessError
from builds.engine.post_processors.docker_tag.post_processor import DockerTagPostProcessor
from builds.engine.ui import MESSAGE, SAY, BuildUI, ListSink


@pytest.fixture
def driver(docker_api_client, dockerd, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", dockerd.host)
    return DockerDriver(docker_api_client)


@pytest.fixture
def committed(driver, make_tiny_image):
    """An image as the docker builder's commit artifact."""
    image_id = make_tiny_image()
    return ImportArtifact(BUILDER_ID_IMPORT, id=image_id, state={"generated_data": {"ImageSha256": image_id}},
                          driver=driver)


def tag(arguments: dict, artifact: Artifact, sink: ListSink | None = None):
    plugin = DockerTagPostProcessor(arguments, PluginContext(build_name="docker.web", build_type="docker"))
    assert plugin.prepare() == []
    return plugin.post_process(BuildUI("docker.web", sink or ListSink()), artifact, CancelToken())


def test_each_tag_names_the_image_and_the_last_name_is_the_new_artifact(committed, driver):
    sink = ListSink()
    result = tag({"repository": "team/app", "tags": ["1.0", "latest"]}, committed, sink)
    assert set(driver.api.inspect_image(committed.id)["RepoTags"]) == {"team/app:1.0", "team/app:latest"}
    artifact = result.artifact
    assert (artifact.builder_id, artifact.id) == ("packer.post-processor.docker-tag", "team/app:latest")
    assert artifact.state["docker_tags"] == ["team/app:1.0", "team/app:latest"]
    assert artifact.state["generated_data"] == {"ImageSha256": committed.id}
    assert artifact.string() == "Imported Docker image: team/app:latest with tags team/app:1.0 team/app:latest"
    assert (result.keep_input, result.force_keep_input) == (True, True)
    assert sink.texts(MESSAGE) == ["Tagging image: " + committed.id, "Repository: team/app:1.0",
                                   "Tagging image: " + committed.id, "Repository: team/app:latest"]


def test_without_tags_the_image_gets_the_repository_name(committed, driver):
    result = tag({"repository": "localhost:5000/team/solo", "force": True}, committed)
    assert result.artifact.id == "localhost:5000/team/solo"
    assert result.artifact.state["docker_tags"] == []
    assert "localhost:5000/team/solo:latest" in driver.api.inspect_image(committed.id)["RepoTags"]


def test_the_deprecated_tag_argument_still_tags_and_warns(committed, driver):
    sink = ListSink()
    result = tag({"repository": "team/old", "tag": ["v0"]}, committed, sink)
    assert result.artifact.id == "team/old:v0"
    assert any(text.startswith('Deprecation warning: "tag" option') for text in sink.texts(SAY))


def test_a_tagged_image_can_be_tagged_again_and_destroying_removes_only_that_name(committed, driver):
    first = tag({"repository": "team/chain", "tags": ["a"]}, committed).artifact
    second = tag({"repository": "team/chain", "tags": ["b"]}, first).artifact
    second.destroy()
    assert driver.api.inspect_image(committed.id)["RepoTags"] == ["team/chain:a"]


def test_artifacts_of_other_builders_are_refused():
    with pytest.raises(PostProcessError, match="Unknown artifact type: packer.docker\nCan only tag"):
        tag({"repository": "team/x"}, Artifact("packer.docker", id="Container", files=["x.tar"]))


def test_a_missing_image_fails_with_the_daemon_reason(driver):
    missing = ImportArtifact(BUILDER_ID_IMPORT, id="sha256:" + "0" * 64, driver=driver)
    with pytest.raises(PostProcessError, match="Failed to tag image"):
        tag({"repository": "team/none"}, missing)
