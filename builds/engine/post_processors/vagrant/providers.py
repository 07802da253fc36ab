"""The Vagrant providers a box can be made for: which artifacts map to which, and what each puts in the box.

Packer's vagrant post-processor picks the provider from the builder id of
the artifact it is given (``mitchellh.amazonebs`` gives ``aws``), unless
``provider_override`` names one. Each provider returns the Vagrantfile text
it contributes and the ``metadata.json`` fields of the box, and says whether
the input artifact must be kept by default (a box that refers to an AMI is
useless once the AMI is gone).

ImageHub builds boxes for the ``aws``, ``docker`` and ``file`` providers;
the other names Packer knows are recognised, so a template naming them is
answered with a clear message rather than a typo hint.
"""

from __future__ import annotations

import os
import shutil
from abc import ABC, abstractmethod
from typing import ClassVar

from builds.engine.artifact import Artifact
from builds.engine.cancel import CancelToken
from builds.engine.plugins import PostProcessError
from builds.engine.post_processors.common import os_error_text
from builds.engine.ui import BuildUI

# The provider Packer chooses for the artifact of each builder (or post-processor) id.
PROVIDER_BY_BUILDER_ID: dict[str, str] = {
    "mitchellh.amazonebs": "aws",
    "mitchellh.amazon.instance": "aws",
    "mitchellh.virtualbox": "virtualbox",
    "mitchellh.vmware": "vmware",
    "mitchellh.vmware-esx": "vmware",
    "vmware.desktop": "vmware",
    "pearkes.digitalocean": "digitalocean",
    "packer.googlecompute": "google",
    "hashicorp.scaleway": "scaleway",
    "packer.parallels": "parallels",
    "MSOpenTech.hyperv": "hyperv",
    "transcend.qemu": "libvirt",
    "ustream.lxc": "lxc",
    "Azure.ResourceManagement.VMImage": "azure",
    "packer.post-processor.docker-import": "docker",
    "packer.post-processor.docker-tag": "docker",
    "packer.post-processor.docker-push": "docker",
    "packer.file": "file",
}

PACKER_PROVIDERS: tuple[str, ...] = tuple(sorted(set(PROVIDER_BY_BUILDER_ID.values())))


class Provider(ABC):
    """What one Vagrant provider contributes to a box."""

    name: ClassVar[str]
    keep_input_artifact: ClassVar[bool]  # whether the input artifact is kept unless the user says otherwise

    @abstractmethod
    def process(self, ui: BuildUI, artifact: Artifact, directory: str,
                cancel: CancelToken) -> tuple[str, dict[str, str]]:
        """Put the provider's files into ``directory``; return its Vagrantfile text and box metadata.

        Raises :class:`PostProcessError` when the artifact cannot be made into a box.
        """


_AWS_HEAD = '\nVagrant.configure("2") do |config|\n  config.vm.provider "aws" do |aws|\n    '
_AWS_REGION = '\n\taws.region_config "{region}", ami: "{ami}"\n\t'
_AWS_TAIL = "\n  end\nend\n"


class AwsProvider(Provider):
    """Boxes for vagrant-aws: a Vagrantfile naming the AMI of each region the artifact's id lists."""

    name = "aws"
    keep_input_artifact = True

    def process(self, ui: BuildUI, artifact: Artifact, directory: str,
                cancel: CancelToken) -> tuple[str, dict[str, str]]:
        images = amis_by_region(artifact.id)
        lines = "".join(_AWS_REGION.format(region=region, ami=ami) for region, ami in sorted(images.items()))
        return _AWS_HEAD + lines + _AWS_TAIL, {"provider": "aws"}


def amis_by_region(artifact_id: str) -> dict[str, str]:
    """Return the AMI of each region in an id such as ``us-east-1:ami-1,us-west-2:ami-2``.

    A region listed twice keeps its last AMI. Raises :class:`PostProcessError`
    when a part is not one ``region:ami`` pair.
    """
    images = {}
    for pair in artifact_id.split(","):
        parts = pair.split(":")
        if len(parts) != 2:
            raise PostProcessError(f"Poorly formatted artifact ID: {artifact_id}")
        images[parts[0]] = parts[1]
    return images


_DOCKER_VAGRANTFILE = ('\nVagrant.configure("2") do |config|\n\tconfig.vm.provider :docker do |docker, override|\n'
                       '\t\tdocker.image = "{image}"\n\tend\nend\n')


class DockerProvider(Provider):
    """Boxes for Vagrant's docker provider: a Vagrantfile naming the image (the artifact's id)."""

    name = "docker"
    keep_input_artifact = False

    def process(self, ui: BuildUI, artifact: Artifact, directory: str,
                cancel: CancelToken) -> tuple[str, dict[str, str]]:
        return _DOCKER_VAGRANTFILE.format(image=artifact.id), {"provider": "docker"}


class FileProvider(Provider):
    """Boxes that carry the artifact's own files, each at the top of the box under its base name."""

    name = "file"
    keep_input_artifact = False

    def process(self, ui: BuildUI, artifact: Artifact, directory: str,
                cancel: CancelToken) -> tuple[str, dict[str, str]]:
        for path in artifact.files:
            cancel.raise_if_cancelled()
            ui.message(f"Copying: {path}")
            copy_contents(os.path.join(directory, os.path.basename(path)), path)
        return "", {"provider": "file"}


PROVIDERS: dict[str, type[Provider]] = {cls.name: cls for cls in (AwsProvider, DockerProvider, FileProvider)}


def copy_contents(target: str, source: str) -> None:
    """Copy the bytes of the file ``source`` to ``target`` (a new file with default permissions).

    Raises :class:`PostProcessError` with Go's wording of the failure
    (``open a.txt: no such file or directory``).
    """
    try:
        reader = open(source, "rb")  # noqa: SIM115 - closed in the with statement below
    except IsADirectoryError as exc:  # Go opens a directory, then fails reading it
        raise PostProcessError(os_error_text(exc, "read", source)) from None
    except OSError as exc:
        raise PostProcessError(os_error_text(exc, "open", source)) from None
    with reader:
        try:
            writer = open(target, "wb")  # noqa: SIM115 - closed in the with statement below
        except OSError as exc:
            raise PostProcessError(os_error_text(exc, "open", target)) from None
        with writer:
            try:
                shutil.copyfileobj(reader, writer)
            except OSError as exc:
                raise PostProcessError(os_error_text(exc, "write", target)) from None
