"""The docker builder's recipe run end to end against a real daemon: commit, export, discard, failures, cancel."""

from __future__ import annotations

import os
import tarfile
import threading
import time
from dataclasses import dataclass

import pytest

from builds.engine.builders.docker.artifact import ExportArtifact, ImportArtifact
from builds.engine.builders.docker.builder import DockerBuilder
from builds.engine.builders.docker.driver import DockerDriver, DockerError
from builds.engine.builders.docker.state import DockerState
from builds.engine.cancel import CancelToken
from builds.engine.hook import Hook, PreparedProvisioner
from builds.engine.plugins import PluginContext
from builds.engine.provisioners.shell.provisioner import ShellProvisioner
from builds.engine.state import BuildState
from builds.engine.steps import Runner
from builds.engine.ui import ERROR, MESSAGE, SAY, STDOUT, BuildUI, ListSink


@dataclass
class Outcome:
    builder: DockerBuilder
    state: DockerState
    sink: ListSink


@pytest.fixture
def docker_env(dockerd, monkeypatch, tmp_path):
    """Builds reach the test daemon through DOCKER_HOST and share data through a temporary PACKER_TMP_DIR."""
    monkeypatch.setenv("DOCKER_HOST", dockerd.host)
    monkeypatch.setenv("PACKER_TMP_DIR", str(tmp_path / "packer-tmp"))
    return dockerd


@pytest.fixture
def driver(docker_api_client):
    return DockerDriver(docker_api_client)


@pytest.fixture
def leftovers(docker_api_client):
    """Fails the test if it leaves a container behind."""
    before = {c["Id"] for c in docker_api_client.api.containers(all=True)}
    yield
    after = {c["Id"] for c in docker_api_client.api.containers(all=True)}
    assert after - before == set(), "the build left containers behind"


def build(dockerd, arguments: dict, inline: list[str] | None = None, cancel: CancelToken | None = None,
          sink: ListSink | None = None) -> Outcome:
    context = PluginContext(build_name="docker.test", build_type="docker", source_name="test")
    builder = DockerBuilder({"image": dockerd.base_image, "pull": False, **arguments}, context)
    assert builder.prepare() == []
    provisioners = []
    if inline is not None:
        shell = ShellProvisioner({"inline": inline}, context)
        assert shell.prepare() == []
        provisioners.append(PreparedProvisioner("shell", shell))
    sink = sink or ListSink()
    base = BuildState(ui=BuildUI("docker.test", sink), cancel=cancel or CancelToken(), hook=Hook(provisioners),
                      build_name="docker.test", source_type="docker", source_name="test")
    state = builder.new_state(base)
    Runner(builder.steps()).run(state)
    return Outcome(builder, state, sink)


def image_file(driver: DockerDriver, api, image: str, path: str) -> bytes:
    container_id = driver.run_container(["--entrypoint=/bin/cat", image, path])
    try:
        api.wait(container_id, timeout=10)
        return api.logs(container_id, stderr=False)
    finally:
        driver.kill_container(container_id)


def test_commit_build_makes_an_image_of_the_provisioned_container(docker_env, driver, docker_api_client,
                                                                   leftovers):
    outcome = build(docker_env, {"commit": True, "changes": ["ENV MODE=prod", "LABEL team=platform"],
                                 "author": "ops", "message": "built by a test"},
                    inline=["echo provisioned > /etc/provisioned"])
    state = outcome.state
    assert state.error is None
    artifact = outcome.builder.artifact(state)
    assert isinstance(artifact, ImportArtifact)
    assert artifact.builder_id == "packer.post-processor.docker-import"
    assert artifact.id.startswith("sha256:") and artifact.string() == f"Imported Docker image: {artifact.id}"
    try:
        info = docker_api_client.api.inspect_image(artifact.id)
        assert "MODE=prod" in info["Config"]["Env"] and info["Config"]["Labels"] == {"team": "platform"}
        assert (info["Author"], info["Comment"]) == ("ops", "built by a test")
        # the run_command's /bin/sh entrypoint is not baked in: the source image had none, so as in
        # Packer both are set to [""], which Docker treats as unset
        assert (info["Config"]["Entrypoint"], info["Config"]["Cmd"]) == ([""], [""])
        assert image_file(driver, docker_api_client.api, artifact.id, "/etc/provisioned") == b"provisioned\n"
        generated = artifact.state["generated_data"]
        assert generated["ImageSha256"] == artifact.id
        assert generated["SourceImageSha256"] == driver.image_id(docker_env.base_image)
        assert generated["ID"] and generated["SourceImageDigest"] == ""
    finally:
        artifact.destroy()
    with pytest.raises(DockerError, match="does not exist"):
        driver.image_id(artifact.id)
    says = outcome.sink.texts(SAY)
    expected = ["Creating a temporary directory for sharing data...", "Starting docker container...",
                "Committing the container", f"Killing the container: {generated['ID']}"]
    assert [text for text in says if text in expected] == expected
    assert f"Image ID: {artifact.id}" in outcome.sink.texts(MESSAGE)
    assert any(text.startswith("Run command: docker run ") and "--entrypoint=/bin/sh" in text
               for text in outcome.sink.texts(MESSAGE))
    assert any("no distribution digest" in text for text in outcome.sink.texts(ERROR))
    assert not os.path.exists(state.temp_dir or os.path.join(os.environ["PACKER_TMP_DIR"], "missing"))
    assert os.listdir(os.environ["PACKER_TMP_DIR"]) == []


def test_commit_keeps_an_entrypoint_and_cmd_set_in_changes(docker_env, docker_api_client):
    outcome = build(docker_env, {"commit": True, "changes": ['ENTRYPOINT ["/bin/echo"]', 'CMD ["hello"]']})
    artifact = outcome.builder.artifact(outcome.state)
    try:
        config = docker_api_client.api.inspect_image(artifact.id)["Config"]
        assert (config["Entrypoint"], config["Cmd"]) == (["/bin/echo"], ["hello"])
    finally:
        artifact.destroy()


def test_export_build_writes_the_container_file_system_to_export_path(docker_env, tmp_path, leftovers):
    path = tmp_path / "out" / "rootfs.tar"
    outcome = build(docker_env, {"export_path": str(path)}, inline=["mkdir -p /opt/app", "echo 1.2 > /opt/app/VERSION"])
    assert outcome.state.error is None
    artifact = outcome.builder.artifact(outcome.state)
    assert isinstance(artifact, ExportArtifact)
    assert (artifact.builder_id, artifact.id, artifact.files) == ("packer.docker", "Container", [str(path)])
    assert artifact.string() == f"Exported Docker file: {path}"
    with tarfile.open(path) as tar:
        assert tar.extractfile("opt/app/VERSION").read() == b"1.2\n"
    assert "Exporting the container" in outcome.sink.texts(SAY)
    artifact.destroy()
    assert not path.exists()


def test_discard_build_keeps_nothing(docker_env, docker_api_client, leftovers):
    images_before = len(docker_api_client.api.images(all=True))
    outcome = build(docker_env, {"discard": True}, inline=["touch /tmp/x"])
    assert outcome.state.error is None
    artifact = outcome.builder.artifact(outcome.state)
    assert (artifact.builder_id, artifact.id, artifact.files) == ("packer.docker", "Container", [])
    assert len(docker_api_client.api.images(all=True)) == images_before


def test_a_failing_provisioner_fails_the_build_and_removes_the_container(docker_env, leftovers):
    outcome = build(docker_env, {"commit": True}, inline=["echo about to fail", "exit 3"])
    assert str(outcome.state.error) == "Script exited with non-zero exit status: 3. Allowed exit codes are: [0]"
    assert outcome.state.container_id == "" and outcome.state.image_id == ""
    assert any(text.startswith("Killing the container: ") for text in outcome.sink.texts(SAY))
    assert os.listdir(os.environ["PACKER_TMP_DIR"]) == []


def test_cancel_during_provisioning_stops_the_command_and_cleans_up(docker_env, leftovers):
    cancel = CancelToken()
    sink = ListSink()
    outcomes: list[Outcome] = []
    worker = threading.Thread(target=lambda: outcomes.append(
        build(docker_env, {"commit": True}, inline=["echo running", "sleep 60"], cancel=cancel, sink=sink)))
    worker.start()
    deadline = time.monotonic() + 20
    while "running" not in sink.texts(STDOUT) and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    cancel.cancel("Build cancelled by a test")
    cancelled_at = time.monotonic()
    worker.join(20)
    assert not worker.is_alive()
    assert time.monotonic() - cancelled_at < 2, "cancelling and cleaning up took too long"
    state = outcomes[0].state
    assert state.cancel.cancelled and state.error is None and state.image_id == ""
    assert "Committing the container" not in sink.texts(SAY)


def test_an_unreachable_daemon_fails_the_build_with_where_it_looked(docker_env, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")
    outcome = build(docker_env, {"commit": True})
    assert str(outcome.state.error).startswith(f"Cannot connect to the Docker daemon at unix://{tmp_path}/absent.sock")


def test_pulling_from_an_unreachable_registry_fails_with_the_remedy(docker_env, leftovers):
    outcome = build(docker_env, {"commit": True, "image": "registry.invalid/team/base:1", "pull": True})
    assert "Error pulling Docker image registry.invalid/team/base:1" in str(outcome.state.error)
    assert "set pull = false" in str(outcome.state.error)
    assert "Pulling Docker image: registry.invalid/team/base:1" in outcome.sink.texts(SAY)


def test_a_missing_image_without_pull_fails_when_the_container_starts(docker_env, leftovers):
    outcome = build(docker_env, {"commit": True, "image": "imagehub-absent:3"})
    assert "No such image: imagehub-absent:3" in str(outcome.state.error)
    assert any("Error determining source Docker image Id" in text for text in outcome.sink.texts(ERROR))


def test_volumes_exec_user_container_dir_and_run_command_reach_the_container(docker_env, tmp_path, leftovers):
    # the container runs as builder, so fix_upload_owner hands it the uploaded script it must chmod and run
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    outcome = build(docker_env, {
        "discard": True, "volumes": {str(shared): "/shared"}, "exec_user": "builder",
        "container_dir": "/work-files",
        "run_command": ["-d", "-i", "-t", "-e", "STAGE=test", "-u", "builder", "--entrypoint=/bin/sh", "--", "{{ .Image }}"],
    }, inline=['id -un > /shared/who', 'echo "$STAGE" > /shared/stage',
               "grep -q ' /work-files ' /proc/mounts && echo mounted > /shared/container-dir"])
    assert outcome.state.error is None, outcome.sink.texts()
    assert (shared / "who").read_text() == "builder\n"
    assert (shared / "stage").read_text() == "test\n"
    assert (shared / "container-dir").read_text() == "mounted\n"


def test_a_run_command_the_builder_cannot_translate_is_refused_by_prepare(dockerd):
    builder = DockerBuilder({"image": dockerd.base_image, "commit": True,
                             "run_command": ["-d", "-p", "80:80", "{{.Image}}"]},
                            PluginContext(build_name="docker.test", build_type="docker"))
    assert any("-p is not supported" in problem for problem in builder.prepare())


def test_sensitive_values_include_the_registry_password(dockerd):
    builder = DockerBuilder({"image": "x", "commit": True, "login": True, "login_password": "hunter22"},
                            PluginContext(build_name="docker.test", build_type="docker"))
    builder.prepare()
    assert builder.sensitive_values() == ["hunter22"]
