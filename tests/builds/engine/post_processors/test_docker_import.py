"""The docker-import post-processor against a real daemon."""

from __future__ import annotations

import pytest

from builds.engine.artifact import Artifact
from builds.engine.builders.docker.artifact import (
    BUILDER_ID_IMPORT,
    ImportArtifact,
    export_artifact,
)
from builds.engine.builders.docker.driver import DockerDriver, DockerError
from builds.engine.cancel import CancelToken
from builds.engine.plugins import PluginContext, PostProcessError
from builds.engine.post_processors.docker_import.post_processor import DockerImportPostProcessor
from builds.engine.ui import MESSAGE, BuildUI, ListSink


@pytest.fixture
def driver(docker_api_client, dockerd, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", dockerd.host)
    return DockerDriver(docker_api_client)


@pytest.fixture
def exported(driver, dockerd, tmp_path):
    """The artifact of a docker build with export_path: a container file system holding /marker."""
    container_id = driver.run_container(["-d", "-i", "-t", "--entrypoint=/bin/sh", dockerd.base_image])
    exec_id = driver.api.exec_create(container_id, ["/bin/sh", "-c", "echo exported > /marker"])["Id"]
    driver.api.exec_start(exec_id)
    path = tmp_path / "rootfs.tar"
    with open(path, "wb") as out:
        driver.export_container(container_id, out)
    driver.kill_container(container_id)
    return export_artifact(str(path), {"ID": container_id})


def run_import(arguments: dict, artifact: Artifact, sink: ListSink | None = None):
    plugin = DockerImportPostProcessor(arguments, PluginContext(build_name="docker.web", build_type="docker"))
    assert plugin.prepare() == []
    return plugin.post_process(BuildUI("docker.web", sink or ListSink()), artifact, CancelToken())


def test_import_makes_a_named_image_with_the_changes(exported, driver):
    sink = ListSink()
    result = run_import({"repository": "team/imported", "tag": "2.0",
                         "changes": ["ENV ORIGIN=import", 'ENTRYPOINT ["/bin/cat"]', 'CMD ["/marker"]']},
                        exported, sink)
    artifact = result.artifact
    try:
        assert isinstance(artifact, ImportArtifact)
        assert (artifact.builder_id, artifact.id) == ("packer.post-processor.docker-import", "team/imported:2.0")
        assert (result.keep_input, result.force_keep_input) == (False, False)
        config = driver.api.inspect_image("team/imported:2.0")["Config"]
        assert "ORIGIN=import" in config["Env"] and config["Entrypoint"] == ["/bin/cat"]
        container_id = driver.run_container(["team/imported:2.0"])
        driver.api.wait(container_id, timeout=10)
        assert driver.api.logs(container_id) == b"exported\n"
        driver.kill_container(container_id)
        messages = sink.texts(MESSAGE)
        assert messages[:2] == ["Importing image: Container", "Repository: team/imported:2.0"]
        assert messages[2].startswith("Imported ID: sha256:")
    finally:
        artifact.destroy()
    with pytest.raises(DockerError):
        driver.image_id("team/imported:2.0")


def test_an_artifice_artifact_is_imported_too(exported):
    artifice = Artifact("packer.post-processor.artifice", files=list(exported.files))
    result = run_import({"repository": "team/from-artifice"}, artifice)
    assert result.artifact.id == "team/from-artifice"
    result.artifact.destroy()


def test_a_committed_image_is_refused_with_packers_hint():
    with pytest.raises(PostProcessError, match="set commit: true in your Docker builder"):
        run_import({"repository": "team/x"}, ImportArtifact(BUILDER_ID_IMPORT, id="sha256:abc"))


def test_a_file_that_is_not_a_container_tar_fails_with_the_reason(tmp_path, driver):
    bogus = tmp_path / "bogus.tar"
    bogus.write_bytes(b"definitely not a tar" * 64)
    with pytest.raises(PostProcessError, match="import"):
        run_import({"repository": "team/bogus"}, export_artifact(str(bogus), {}))


def test_changes_docker_cannot_apply_are_refused_by_prepare():
    plugin = DockerImportPostProcessor({"repository": "r", "changes": ["RUN make"]},
                                       PluginContext(build_name="docker.web", build_type="docker"))
    assert plugin.prepare() == ["changes: 'RUN make' is not a Dockerfile instruction docker import can apply; "
                                "use one of CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, "
                                "STOPSIGNAL, USER, VOLUME, WORKDIR"]
