"""The docker driver against a real daemon: containers, commits, exports, tags, saves and imports."""

from __future__ import annotations

import io
import json
import os
import tarfile

import pytest

from builds.engine.builders.docker.driver import DockerDriver, DockerError, split_reference
from builds.engine.cancel import Cancelled, CancelToken


@pytest.fixture
def driver(docker_api_client):
    said: list[str] = []
    driver = DockerDriver(docker_api_client, said.append)
    driver.said = said
    return driver


@pytest.fixture
def containers(driver, dockerd):
    """Starts containers of the base image with extra ``docker run`` options; removes them afterwards."""
    started: list[str] = []

    def start(*options: str, command: tuple[str, ...] = ()) -> str:
        container_id = driver.run_container(["-d", "-i", "-t", *options, "--entrypoint=/bin/sh", "--",
                                             dockerd.base_image, *command])
        started.append(container_id)
        return container_id

    yield start
    for container_id in started:
        driver.kill_container(container_id)


@pytest.fixture
def images(driver):
    """Names (ids or repo:tag) to remove after the test."""
    made: list[str] = []
    yield made
    for image in reversed(made):
        try:
            driver.remove_image(image)
        except DockerError:
            continue


def exec_output(api, container_id: str, command: str) -> tuple[int, str]:
    exec_id = api.exec_create(container_id, ["/bin/sh", "-c", command])["Id"]
    output = api.exec_start(exec_id).decode()
    return api.exec_inspect(exec_id)["ExitCode"], output


@pytest.mark.parametrize("reference, expected", [
    ("ubuntu", ("ubuntu", None)),
    ("ubuntu:24.04", ("ubuntu", "24.04")),
    ("localhost:5000/team/app", ("localhost:5000/team/app", None)),
    ("localhost:5000/team/app:v1", ("localhost:5000/team/app", "v1")),
    ("ubuntu@sha256:abc", ("ubuntu@sha256:abc", None)),
])
def test_split_reference_tells_a_tag_from_a_registry_port(reference, expected):
    assert split_reference(reference) == expected


def test_pull_from_an_unreachable_registry_says_so_and_how_to_go_on(driver):
    with pytest.raises(DockerError) as caught:
        driver.pull("registry.invalid/team/app:1.0")
    message = str(caught.value)
    assert message.startswith("Error pulling Docker image registry.invalid/team/app:1.0:")
    assert "cannot be reached" in message and "pull = false" in message


def test_version_reports_the_daemon_version(driver):
    assert driver.version()[:1].isdigit()


def test_run_container_applies_user_environment_and_working_directory(driver, containers, docker_api_client):
    container_id = containers("-e", "GREETING=hello", "--user=builder", "-w", "/tmp", "--network=none")
    code, output = exec_output(docker_api_client.api, container_id, 'echo "$GREETING $(id -un) $(pwd)"')
    assert (code, output) == (0, "hello builder /tmp\n")
    assert driver.container_user(container_id) == "builder"


def test_run_container_mounts_volumes(containers, docker_api_client, tmp_path):
    (tmp_path / "in.txt").write_text("from host")
    container_id = containers("-v", f"{tmp_path}:/shared")
    code, output = exec_output(docker_api_client.api, container_id, "cat /shared/in.txt; echo hi > /shared/out")
    assert (code, output) == (0, "from host")
    assert (tmp_path / "out").read_text() == "hi\n"


MOUNT = "mkdir -p /mnt/t && mount -t tmpfs none /mnt/t"


def test_added_capabilities_reach_the_container(containers, docker_api_client):
    assert exec_output(docker_api_client.api, containers("--cap-add=SYS_ADMIN"), MOUNT)[0] == 0
    assert exec_output(docker_api_client.api, containers(), MOUNT)[0] != 0


def test_privileged_containers_may_mount_file_systems(driver, containers, docker_api_client):
    before = docker_api_client.api.containers(all=True, quiet=True)
    try:
        container_id = containers("--privileged")
    except DockerError as exc:
        # A daemon that itself lacks a capability (a sandboxed machine) cannot start privileged containers;
        # the failed container must not be left behind.
        assert str(exc).startswith("Error running container:")
        assert docker_api_client.api.containers(all=True, quiet=True) == before
        pytest.skip(f"this machine cannot start privileged containers: {exc}")
    assert docker_api_client.api.inspect_container(container_id)["HostConfig"]["Privileged"] is True
    assert exec_output(docker_api_client.api, container_id, MOUNT)[0] == 0


def test_the_platform_reaches_the_daemon(containers, docker_api_client):
    native = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    container_id = containers(f"--platform=linux/{native}")
    assert docker_api_client.api.inspect_container(container_id)["Platform"] == "linux"
    foreign = "s390x" if native != "s390x" else "amd64"
    with pytest.raises(DockerError, match=f"does not match the specified platform: wanted linux/{foreign}"):
        containers(f"--platform=linux/{foreign}")


def test_run_container_of_a_missing_image_is_a_clear_error(driver):
    with pytest.raises(DockerError, match="No such image: imagehub-missing:1"):
        driver.run_container(["-d", "imagehub-missing:1"])


def test_run_container_refuses_unsupported_docker_run_options(driver, dockerd):
    with pytest.raises(DockerError, match="--publish is not supported"):
        driver.run_container(["--publish", "80:80", dockerd.base_image])


def test_commit_applies_changes_author_and_message(driver, containers, docker_api_client, images):
    container_id = containers()
    exec_output(docker_api_client.api, container_id, "echo built > /etc/built")
    image_id = driver.commit(container_id, author="Ops <ops@example.com>", message="provisioned", changes=[
        'ENTRYPOINT ["/bin/cat"]', 'CMD ["/etc/built"]', "ENV MODE=prod", "LABEL team=platform",
        "EXPOSE 8080", "WORKDIR /srv", "USER builder", "VOLUME /data", "ONBUILD RUN echo child"])
    images.append(image_id)
    info = docker_api_client.api.inspect_image(image_id)
    config = info["Config"]
    assert image_id.startswith("sha256:") and driver.image_id(image_id) == image_id
    assert config["Entrypoint"] == ["/bin/cat"] and config["Cmd"] == ["/etc/built"]
    assert "MODE=prod" in config["Env"]
    assert config["Labels"] == {"team": "platform"}
    assert "8080/tcp" in config["ExposedPorts"]
    assert (config["WorkingDir"], config["User"]) == ("/srv", "builder")
    assert "/data" in config["Volumes"]
    assert config["OnBuild"] == ["RUN echo child"]
    assert (info["Author"], info["Comment"]) == ("Ops <ops@example.com>", "provisioned")
    run = driver.run_container(["--user=root", image_id])
    try:
        docker_api_client.api.wait(run, timeout=10)
        assert docker_api_client.api.logs(run) == b"built\n"
    finally:
        driver.kill_container(run)


def test_image_cmd_and_entrypoint_are_cleared_values_when_the_image_has_none(driver, dockerd):
    assert driver.image_cmd(dockerd.base_image) == [""]
    assert driver.image_entrypoint(dockerd.base_image) == [""]


def test_image_digest_is_empty_for_an_image_never_pushed_or_pulled(driver, dockerd):
    assert driver.image_digest(dockerd.base_image) == ""


def test_inspect_of_a_missing_image_is_a_clear_error(driver):
    with pytest.raises(DockerError, match="imagehub-missing:2 does not exist"):
        driver.image_id("imagehub-missing:2")


def test_export_writes_the_container_file_system_as_a_tar(driver, containers, docker_api_client):
    container_id = containers()
    exec_output(docker_api_client.api, container_id, "mkdir -p /opt/app && echo v1 > /opt/app/VERSION")
    out = io.BytesIO()
    driver.export_container(container_id, out)
    out.seek(0)
    with tarfile.open(fileobj=out) as tar:
        assert tar.extractfile("opt/app/VERSION").read() == b"v1\n"
        assert tar.getmember("bin/busybox").isfile()


def test_export_stops_when_cancelled(driver, containers):
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        driver.export_container(containers(), io.BytesIO(), cancel)


def test_tag_save_and_remove(driver, make_tiny_image, docker_api_client):
    image_id = make_tiny_image()
    driver.tag_image(image_id, "localhost:5000/team/app:v1", force=True)
    driver.tag_image(image_id, "team/app")
    assert set(docker_api_client.api.inspect_image(image_id)["RepoTags"]) == {
        "localhost:5000/team/app:v1", "team/app:latest"}
    out = io.BytesIO()
    driver.save_image("team/app:latest", out)
    out.seek(0)
    with tarfile.open(fileobj=out) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest[0]["RepoTags"] == ["team/app:latest"]
    driver.remove_image("team/app:latest")
    driver.remove_image("localhost:5000/team/app:v1")
    with pytest.raises(DockerError, match="does not exist"):
        driver.image_id(image_id)


def test_removing_an_image_a_container_uses_fails_with_the_reason(driver, make_tiny_image, docker_api_client):
    image_id = make_tiny_image()
    container_id = docker_api_client.api.create_container(image_id, command=["/id.txt"])["Id"]
    try:
        with pytest.raises(DockerError, match="Failed to delete image .*being used by"):
            driver.remove_image(image_id)
    finally:
        driver.kill_container(container_id)


def test_import_creates_a_named_image_with_changes(driver, containers, docker_api_client, images, tmp_path):
    container_id = containers()
    exec_output(docker_api_client.api, container_id, "echo imported > /marker")
    path = tmp_path / "fs.tar"
    with open(path, "wb") as out:
        driver.export_container(container_id, out)
    with open(path, "rb") as source:
        image_id = driver.import_image(source, "team/imported:v2", ["ENV FROM_IMPORT=1", 'CMD ["/bin/sh"]'],
                                       platform="linux/amd64" if os.uname().machine == "x86_64" else "")
    images.append("team/imported:v2")
    info = docker_api_client.api.inspect_image("team/imported:v2")
    assert info["Id"] == image_id
    assert "FROM_IMPORT=1" in info["Config"]["Env"] and info["Config"]["Cmd"] == ["/bin/sh"]


def test_import_of_a_file_that_is_not_a_tar_fails_with_the_daemon_reason(driver):
    with pytest.raises(DockerError, match="import"):
        driver.import_image(io.BytesIO(b"not a tar at all" * 100), "team/broken:1")


def test_kill_container_removes_it_and_tolerates_one_already_gone(driver, docker_api_client, dockerd):
    container_id = driver.run_container(["-d", "-i", "-t", "--entrypoint=/bin/sh", dockerd.base_image])
    driver.kill_container(container_id)
    assert not docker_api_client.api.containers(all=True, filters={"id": container_id})
    driver.kill_container(container_id)
