"""Parity of the docker builder: a committed image with Dockerfile changes, tagged, and -on-error's leftovers."""

from __future__ import annotations

import io
import json
import re
import shutil
import tarfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.parity.conftest import TEMPLATES, BuildRun, manifest_shape

TEMPLATE = "docker"
MOTD = TEMPLATES / TEMPLATE / "files" / "motd.txt"
IMAGE_ID = re.compile(r"Image ID: (sha256:[0-9a-f]{64})")


def repository(tool: str) -> str:
    return f"parity-{tool}-{uuid.uuid4().hex[:8]}"


def containers(client) -> set[str]:
    return {c["Id"] for c in client.api.containers(all=True)}


@dataclass
class DockerRuns:
    """Both tools' successful builds, the repository each tagged into, and the containers around them."""

    runs: dict[str, BuildRun]
    repositories: dict[str, str]
    containers_before: set[str]
    containers_after: set[str]


@pytest.fixture(scope="module")
def docker_runs(parity, dockerd, docker_api_client) -> Iterator[DockerRuns]:
    repositories = {tool: repository(tool) for tool in ("imagehub", "packer")}
    before = containers(docker_api_client)
    runs = parity.run_tools(TEMPLATE, ssh=False, variables={"image": dockerd.base_image},
                            packer_can_run=shutil.which("docker") is not None,
                            tool_variables={tool: {"repository": repo} for tool, repo in repositories.items()},
                            environment={"DOCKER_HOST": dockerd.host})
    yield DockerRuns(runs, repositories, before, containers(docker_api_client))
    for repo in repositories.values():
        for tag in ("1.0", "latest"):
            if docker_api_client.api.images(name=f"{repo}:{tag}"):
                docker_api_client.api.remove_image(f"{repo}:{tag}")


def image_files(client, image: str, path: str) -> dict[str, tuple[str, int, int, bytes | None]]:
    """Entries below ``path`` in ``image``: name -> (kind, permission bits, uid, file bytes)."""
    container = client.api.create_container(image, command=["true"])["Id"]
    try:
        stream, _ = client.api.get_archive(container, path)
        data = b"".join(stream)
    finally:
        client.api.remove_container(container, force=True)
    entries = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            content = archive.extractfile(member).read() if member.isfile() else None
            entries[member.name] = ("dir" if member.isdir() else "file", member.mode & 0o7777, member.uid, content)
    return entries


def image_config(client, image: str) -> dict[str, object]:
    config = client.api.inspect_image(image)["Config"]
    return {key: config.get(key) for key in ("Env", "Labels", "WorkingDir", "Entrypoint", "Cmd", "User")}


def test_commit_applies_the_changes_and_keeps_what_the_provisioners_wrote(docker_runs, docker_api_client):
    run = docker_runs.runs["imagehub"]
    assert run.returncode == 0, run.describe()
    image_id = IMAGE_ID.search(run.stdout).group(1)
    assert image_config(docker_api_client, image_id) == {
        "Env": ["APP_MODE=parity"], "Labels": {"org.imagehub.parity": "yes"}, "WorkingDir": "/srv/app",
        "Entrypoint": ["/bin/sh", "-c"], "Cmd": ["cat /srv/app/motd"], "User": "",
    }
    files = image_files(docker_api_client, image_id, "/srv/app")
    assert sorted(files) == ["app", "app/env", "app/greeting", "app/motd", "app/user"]
    assert files["app/greeting"] == ("file", 0o640, 0, b"hello container\n")
    assert files["app/env"][3] == b"GREETING=hello container\nPACKER_BUILDER_TYPE=docker\nPACKER_BUILD_NAME=app\n"
    assert files["app/motd"][3] == MOTD.read_bytes()
    assert files["app/user"][3] == b"root\n"


def test_docker_tag_names_the_committed_image_and_the_manifest_records_it(docker_runs, docker_api_client):
    run = docker_runs.runs["imagehub"]
    image_id = IMAGE_ID.search(run.stdout).group(1)
    repo = docker_runs.repositories["imagehub"]
    for tag in ("1.0", "latest"):
        assert docker_api_client.api.inspect_image(f"{repo}:{tag}")["Id"] == image_id
    builds = json.loads((run.out_dir / "manifest.json").read_text())["builds"]
    assert [(b["name"], b["builder_type"], b["artifact_id"], b["files"]) for b in builds] == [
        ("app", "docker", f"{repo}:latest", None)]
    assert f"--> docker.app: Imported Docker image: {repo}:latest with tags {repo}:1.0 {repo}:latest" in run.stdout


def test_the_build_container_is_removed(docker_runs):
    assert docker_runs.containers_after == docker_runs.containers_before


@pytest.mark.packer
def test_packer_builds_an_image_with_the_same_config_files_tags_and_manifest(
        packer_with_docker, docker_runs, docker_api_client):
    runs, repositories = docker_runs.runs, docker_runs.repositories
    ours, theirs = runs["imagehub"], runs["packer"]
    assert (ours.returncode, theirs.returncode) == (0, 0), theirs.describe()
    images = {tool: IMAGE_ID.search(run.stdout).group(1) for tool, run in runs.items()}
    assert image_config(docker_api_client, images["imagehub"]) == image_config(docker_api_client, images["packer"])
    assert (image_files(docker_api_client, images["imagehub"], "/srv/app")
            == image_files(docker_api_client, images["packer"], "/srv/app"))
    for tool in runs:
        tags = docker_api_client.api.inspect_image(images[tool])["RepoTags"]
        assert sorted(tags) == [f"{repositories[tool]}:{t}" for t in ("1.0", "latest")], tool

    def shape(tool: str) -> list[dict[str, object]]:
        entries = manifest_shape(runs[tool].out_dir / "manifest.json", runs[tool].out_dir)
        for entry in entries:
            entry["artifact_id"] = entry["artifact_id"].replace(repositories[tool], "<repository>")
        return entries

    assert shape("imagehub") == shape("packer")


@pytest.fixture
def packer_with_docker(packer) -> str:
    """packer, when the docker command line its docker builder drives is installed too."""
    if shutil.which("docker") is None:
        pytest.skip("packer's docker builder needs the docker command line (Debian's docker.io provides it)")
    return packer


def failed_build(parity, dockerd, client, tool: str, mode: str) -> tuple[BuildRun, list[dict]]:
    """Run a build whose last provisioner exits 3; return it and the containers it left (removed here,
    with the data directory each mounted)."""
    before = containers(client)
    run = parity.run(tool, TEMPLATE, f"-on-error={mode}", ssh=False, environment={"DOCKER_HOST": dockerd.host},
                     variables={"image": dockerd.base_image, "repository": repository(tool), "exit_code": "3"})
    left = [client.api.inspect_container(c) for c in containers(client) - before]
    for container in left:
        client.api.remove_container(container["Id"], force=True)
        for mount in container["Mounts"]:
            shutil.rmtree(mount["Source"], ignore_errors=True)
    return run, left


@pytest.mark.parametrize("mode", ["cleanup", "abort"])
def test_a_failed_build_leaves_its_container_running_only_on_abort(parity, dockerd, docker_api_client, mode):
    run, left = failed_build(parity, dockerd, docker_api_client, "imagehub", mode)
    assert run.returncode == 1, run.describe()
    assert "--> docker.app: Script exited with non-zero exit status: 3" in run.stdout
    assert "Committing the container" not in run.stdout
    assert not (run.out_dir / "manifest.json").exists()
    if mode == "cleanup":
        assert left == []
    else:
        assert [(c["State"]["Running"], c["Config"]["Image"]) for c in left] == [(True, dockerd.base_image)]
        assert [m["Destination"] for m in left[0]["Mounts"]] == ["/packer-files"]


@pytest.mark.packer
def test_packer_also_leaves_the_running_container_and_its_mount_on_abort(
        parity, packer_with_docker, dockerd, docker_api_client):
    outcomes = {}
    for tool in ("imagehub", "packer"):
        run, left = failed_build(parity, dockerd, docker_api_client, tool, "abort")
        outcomes[tool] = (run.returncode, [(c["State"]["Running"], c["Config"]["Image"], c["Config"]["Entrypoint"],
                                            [m["Destination"] for m in c["Mounts"]]) for c in left])
    assert outcomes["imagehub"] == outcomes["packer"]
