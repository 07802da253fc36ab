"""The docker-save post-processor against a real daemon."""

from __future__ import annotations

import json
import tarfile

import pytest

from builds.engine.artifact import Artifact
from builds.engine.builders.docker.artifact import BUILDER_ID_IMPORT, ImportArtifact
from builds.engine.builders.docker.driver import DockerDriver
from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.plugins import PluginContext, PostProcessError
from builds.engine.post_processors.docker_save.post_processor import DockerSavePostProcessor
from builds.engine.ui import MESSAGE, BuildUI, ListSink


@pytest.fixture
def tagged(docker_api_client, dockerd, monkeypatch, make_tiny_image):
    """An image tagged team/saved:1, as docker-tag leaves it."""
    monkeypatch.setenv("DOCKER_HOST", dockerd.host)
    driver = DockerDriver(docker_api_client)
    driver.tag_image(make_tiny_image("LABEL saved=yes"), "team/saved:1")
    return ImportArtifact("packer.post-processor.docker-tag", id="team/saved:1", driver=driver)


def save(path: str, artifact: Artifact, sink: ListSink | None = None, cancel: CancelToken | None = None):
    plugin = DockerSavePostProcessor({"path": path}, PluginContext(build_name="docker.web", build_type="docker"))
    assert plugin.prepare() == []
    return plugin.post_process(BuildUI("docker.web", sink or ListSink()), artifact, cancel or CancelToken())


def test_save_writes_a_loadable_tar_and_passes_the_artifact_on(tagged, tmp_path):
    path = tmp_path / "image.tar"
    sink = ListSink()
    result = save(str(path), tagged, sink)
    assert result.artifact is tagged and (result.keep_input, result.force_keep_input) == (True, False)
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        config = json.load(tar.extractfile(manifest[0]["Config"]))
    assert manifest[0]["RepoTags"] == ["team/saved:1"]
    assert config["config"]["Labels"] == {"saved": "yes"}
    assert sink.texts(MESSAGE) == ["Saving image: team/saved:1", f"Saved to: {path}"]


def test_a_committed_image_is_saved_by_id(tagged, tmp_path):
    image_id = tagged.driver.image_id("team/saved:1")
    save(str(tmp_path / "by-id.tar"), ImportArtifact(BUILDER_ID_IMPORT, id=image_id))
    assert tarfile.is_tarfile(tmp_path / "by-id.tar")


def test_an_unwritable_path_is_reported(tagged, tmp_path):
    with pytest.raises(PostProcessError, match="Error creating output file"):
        save(str(tmp_path / "no" / "such" / "dir" / "image.tar"), tagged)


def test_a_failed_or_cancelled_save_leaves_no_file(tagged, tmp_path):
    with pytest.raises(PostProcessError, match="Failed to save image"):
        save(str(tmp_path / "missing.tar"), ImportArtifact(BUILDER_ID_IMPORT, id="imagehub-missing:9"))
    assert not (tmp_path / "missing.tar").exists()
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        save(str(tmp_path / "cancelled.tar"), tagged, cancel=cancel)
    assert not (tmp_path / "cancelled.tar").exists()


def test_artifacts_of_other_builders_are_refused(tmp_path):
    with pytest.raises(PostProcessError, match="Unknown artifact type: packer.docker\nCan only save"):
        save(str(tmp_path / "x.tar"), Artifact("packer.docker", id="Container"))
