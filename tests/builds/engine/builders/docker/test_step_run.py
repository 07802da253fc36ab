"""StepRun's docker run arguments: Packer's order, the shared directory, and ``{{.Image}}`` filled in."""

import pytest

from builds.engine.builders.docker.settings import DockerSettings
from builds.engine.builders.docker.step_run import container_args
from builds.engine.gotemplate import TemplateError


def test_container_args_follow_packers_order_with_the_shared_directory_last():
    settings = DockerSettings(image="ubuntu:24.04", devices=["/dev/fuse"], cap_add=["SYS_ADMIN"],
                              cap_drop=["MKNOD"], privileged=True, runtime="runc", platform="linux/amd64",
                              tmpfs=["/run"], volumes={"/host": "/data"}, container_dir="/packer-files")
    assert container_args(settings, "/tmp/share") == [
        "--device", "/dev/fuse", "--cap-add", "SYS_ADMIN", "--cap-drop", "MKNOD", "--privileged",
        "--runtime", "runc", "--platform", "linux/amd64", "--tmpfs", "/run",
        "-v", "/host:/data", "-v", "/tmp/share:/packer-files",
        "-d", "-i", "-t", "--entrypoint=/bin/sh", "--", "ubuntu:24.04"]


def test_run_command_is_a_template_with_the_image():
    settings = DockerSettings(image="alpine", run_command=["-d", "--name", "b-{{ .Image }}", "{{.Image}}"])
    assert container_args(settings, "/s")[-4:] == ["-d", "--name", "b-alpine", "alpine"]


def test_a_malformed_run_command_template_raises():
    with pytest.raises(TemplateError):
        container_args(DockerSettings(image="a", run_command=["{{ .Image "]), "/s")
