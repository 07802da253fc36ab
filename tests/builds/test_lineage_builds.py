"""Lineage through real builds: golden-base → golden-middle → app, amazon-ebs against a moto server, run by the
worker; a new base image outdates the chain; revoking the base with its descendants revokes all three, and the
data source and the builders refuse the revoked images; after a new base image, a cascade rebuilds middle then app
from the new images, and nothing is outdated any more.

moto describes every image CreateImage makes as backed by "standard" storage,
where EC2 says "ebs" for an image made from an EBS-backed instance, and
amazon-ebs (as Packer's) refuses to start from anything but an EBS-backed
image. So this module runs a moto server of its own whose CreateImage images
are EBS-backed, as on EC2, with an sshd that accepts its key pairs.
"""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from builds import channels, lineage, revocation, runner, services
from builds.channel_models import Channel
from builds.image_status import CURRENT, OUTDATED, REVOKED, statuses
from builds.lineage_models import ImageNode
from builds.models import Build, BuildLogLine
from tests.conftest import find_free_port
from tests.fixtures.moto import MotoServer, authorized_keys_command

pytestmark = pytest.mark.django_db(transaction=True)

MOTO_UBUNTU = "ami-1e749f67"

ACCESS = """
variable "endpoint" {
  type = string
}

variable "ssh_port" {
  type = number
}

variable "ssh_username" {
  type = string
}
"""


def source(name: str, source_ami: str) -> str:
    return f"""
source "amazon-ebs" "web" {{
  ami_name                   = "{name}-{{{{uuid}}}}"
  region                     = "us-east-1"
  instance_type              = "t2.micro"
  source_ami                 = {source_ami}
  ssh_username               = var.ssh_username
  ssh_host                   = "127.0.0.1"
  ssh_port                   = var.ssh_port
  ssh_timeout                = "60s"
  custom_endpoint_ec2        = var.endpoint
  skip_credential_validation = true
}}
"""


BASE = ACCESS + source("golden-base", f'"{MOTO_UBUNTU}"') + """
build {
  hcp_packer_registry {
    bucket_name = "golden-base"
    channels    = ["production"]
  }
  sources = ["source.amazon-ebs.web"]

  provisioner "shell" {
    inline = ["echo hardening the base"]
  }
}
"""

MIDDLE = ACCESS + """
data "imagehub-image" "base" {
  template = "golden-base"
  channel  = "production"
  region   = "us-east-1"
}
""" + source("golden-middle", "data.imagehub-image.base.id") + """
build {
  sources = ["source.amazon-ebs.web"]

  provisioner "shell" {
    inline = ["echo adding the runtime to ${data.imagehub-image.base.id}"]
  }
}
"""

APP = ACCESS + """
variable "base_ami" {
  type = string
}
""" + source("app", "var.base_ami") + """
build {
  sources = ["source.amazon-ebs.web"]

  provisioner "shell" {
    inline = ["echo installing the app"]
  }
}
"""


EBS_BACKED_SERVER = """
import sys
from moto.ec2.models import amis

made_by_moto = amis.Ami.__init__


def ebs_backed_when_made_from_an_instance(self, *args, **kwargs):
    made_by_moto(self, *args, **kwargs)
    if kwargs.get("instance") is not None:
        self.root_device_type = "ebs"


amis.Ami.__init__ = ebs_backed_when_made_from_an_instance
from moto.server import main

main(sys.argv[1:])
"""


@pytest.fixture(scope="module")
def ebs_moto_server():
    """A moto server whose CreateImage images are EBS-backed, as on EC2."""
    directory = Path(tempfile.mkdtemp(prefix="moto-ebs-"))
    port = find_free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "MOTO_"))}
    with open(directory / "moto.log", "wb") as output:
        process = subprocess.Popen([sys.executable, "-c", EBS_BACKED_SERVER, "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    server = MotoServer(port, process, directory / "moto.log", directory)
    deadline = time.monotonic() + 180
    while True:
        assert process.poll() is None, server.log()
        try:
            with urllib.request.urlopen(f"{server.endpoint}/moto-api/data.json", timeout=5) as response:
                response.read()
            break
        except OSError:
            assert time.monotonic() < deadline, "the moto server did not start"
            time.sleep(0.1)
    yield server
    server.stop()


@pytest.fixture
def ebs_moto(ebs_moto_server, monkeypatch):
    """That server, reset, with the environment pointing AWS SDKs at it."""
    ebs_moto_server.reset()
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in ebs_moto_server.env().items():
        monkeypatch.setenv(name, value)
    return ebs_moto_server


@pytest.fixture(scope="module")
def ebs_sshd(sshd_factory, ebs_moto_server):
    """An sshd accepting the key pairs of that server, as an EC2 instance accepts its launch key pair."""
    return sshd_factory(**authorized_keys_command(ebs_moto_server))


@pytest.fixture
def chain(make_template, builder, ebs_moto, ebs_sshd, quick_worker):
    """The three templates, and a function building one with its variables, returning the finished build."""
    access = {"endpoint": ebs_moto.endpoint, "ssh_port": ebs_sshd.port, "ssh_username": ebs_sshd.username}
    versions = {name: make_template(name, {"main.pkr.hcl": text})
                for name, text in (("golden-base", BASE), ("golden-middle", MIDDLE), ("app", APP))}

    def build(name: str, **variables) -> Build:
        started = services.start_build(versions[name], builder, {**access, **variables})
        runner.execute(started.pk)
        return Build.objects.get(pk=started.pk)

    build.versions = versions
    return build


def image(build: Build) -> ImageNode:
    return ImageNode.objects.select_related("template").get(build=build, region="us-east-1")


def status_of(*nodes: ImageNode) -> list[tuple[str, str]]:
    found = statuses(lineage.nodes(lineage.with_ancestors([node.pk for node in nodes])))
    return [(found[node.pk].state, found[node.pk].reason) for node in nodes]


def log(build: Build) -> str:
    return "\n".join(BuildLogLine.objects.filter(build=build).order_by("seq").values_list("text", flat=True))


def test_a_chain_of_three_templates_is_linked_outdated_by_a_new_base_and_revoked_with_its_descendants(
        chain, builder, ebs_moto):
    base = chain("golden-base")
    assert base.status == Build.Status.SUCCEEDED, log(base)
    production = Channel.objects.get(template=base.template, name="production")
    assert production.build == base and production.events.get().action == "automatic"
    middle = chain("golden-middle")
    assert middle.status == Build.Status.SUCCEEDED, log(middle)
    app = chain("app", base_ami=image(middle).image_id)
    assert app.status == Build.Status.SUCCEEDED, log(app)

    # The lineage links them, up to moto's Ubuntu AMI as the external root.
    ancestry = lineage.ancestors(image(app).pk)
    assert [node.pk for node in ancestry[1:]] == [image(base).pk, image(middle).pk, image(app).pk]
    root = ancestry[0]
    assert (root.kind, root.image_id, root.region) == ("external", MOTO_UBUNTU, "us-east-1")
    assert root.name.startswith("ubuntu") and root.owner
    assert image(middle).parent_via == "imagehub-image data source (golden-base / production)"
    assert image(app).parent_via == "source image id"
    assert [node.pk for node in lineage.descendants(image(base).pk)] == [image(middle).pk, image(app).pk]
    assert [state for state, _ in status_of(image(base), image(middle), image(app))] == [CURRENT] * 3

    # A new base build moves production, and the images built from the old one are outdated.
    newer = chain("golden-base")
    assert newer.status == Build.Status.SUCCEEDED, log(newer)
    assert Channel.objects.get(pk=production.pk).build == newer
    (base_state, _), (middle_state, middle_reason), (app_state, app_reason) = status_of(
        image(base), image(middle), image(app))
    assert (base_state, middle_state, app_state) == (CURRENT, OUTDATED, OUTDATED)
    assert middle_reason == (f'It was built from channel "production" of golden-base, which now points at build '
                             f"#{newer.pk} instead of build #{base.pk}.")
    assert app_reason.startswith(f"It was built from golden-middle #{middle.pk}") and "outdated" in app_reason

    # Production rolls back to the first base; revoking it with its descendants revokes all three.
    channels.rollback(Channel.objects.get(pk=production.pk), builder)
    assert revocation.revoke(image(base), builder, "CVE-2026-0001 in the kernel", descendants=True) == 3
    assert [state for state, _ in status_of(image(base), image(middle), image(app))] == [REVOKED] * 3
    assert status_of(image(newer)) == [(CURRENT, "")]

    # The data source refuses the revoked image, and a build from a revoked AMI stops before launching anything.
    refused = chain("golden-middle")
    assert refused.status == Build.Status.FAILED
    assert f'The image {image(base).image_id} that channel "production" of golden-base points at' in \
        refused.exit_reason
    assert "CVE-2026-0001 in the kernel" in refused.exit_reason
    refused_app = chain("app", base_ami=image(middle).image_id)
    assert refused_app.status == Build.Status.FAILED
    assert f"The source image {image(middle).image_id} (golden-middle build #{middle.pk}, us-east-1) is revoked" in \
        refused_app.exit_reason
    assert "A build may not start from a revoked image" in refused_app.exit_reason
    assert "instances" not in ebs_moto.leftovers()


MIDDLE_PUBLISHED = MIDDLE.replace("""build {
  sources""", """build {
  hcp_packer_registry {
    bucket_name = "golden-middle"
    channels    = ["production"]
  }
  sources""")

APP_FOLLOWING = ACCESS + """
variable "base_ami" {
  type    = string
  default = ""
}

data "imagehub-image" "middle" {
  template = "golden-middle"
  channel  = "production"
  region   = "us-east-1"
}
""" + source("app", "data.imagehub-image.middle.id") + """
build {
  sources = ["source.amazon-ebs.web"]

  provisioner "shell" {
    inline = ["echo installing the app on ${data.imagehub-image.middle.id}"]
  }
}
"""


def test_a_cascade_after_a_new_base_rebuilds_middle_then_app_from_the_new_images_and_leaves_nothing_outdated(
        chain, builder, ebs_moto):
    from builds import cascade_plan, cascades
    from builds.cascade_models import Cascade
    from imagehub import catalog

    base = chain("golden-base")
    middle = chain("golden-middle")
    app = chain("app", base_ami=image(middle).image_id)
    assert [build.status for build in (base, middle, app)] == [Build.Status.SUCCEEDED] * 3, log(app)
    # The latest versions publish middle on a channel and take app's source image from it.
    middle_v2 = catalog.save_version(middle.template, files={"main.pkr.hcl": MIDDLE_PUBLISHED}, author=builder,
                                     message="publish on production", base_number=1).version
    app_v2 = catalog.save_version(app.template, files={"main.pkr.hcl": APP_FOLLOWING}, author=builder,
                                  message="follow golden-middle production", base_number=1).version
    newer = chain("golden-base")
    assert newer.status == Build.Status.SUCCEEDED, log(newer)

    plan = cascade_plan.plan_for(image(newer))
    assert [(step.template.name, step.level, step.version, step.previous) for step in plan.steps] == [
        ("golden-middle", 1, middle_v2, middle), ("app", 2, app_v2, app)]
    cascade = cascades.start(image(newer), builder)
    ran = []
    while queued := list(Build.objects.filter(status=Build.Status.QUEUED).order_by("pk")):
        assert len(queued) == 1  # app waits for middle's new image
        ran.append(queued[0].pk)
        runner.execute(queued[0].pk)

    cascade.refresh_from_db()
    new_middle, new_app = (Build.objects.get(pk=pk) for pk in ran)
    assert cascade.status == Cascade.Status.SUCCEEDED, [(s.status, s.reason) for s in cascade.steps.all()]
    assert (new_middle.template.name, new_middle.template_version, new_middle.rebuild_of) == (
        "golden-middle", middle_v2, middle)
    assert (new_app.template.name, new_app.template_version, new_app.rebuild_of) == ("app", app_v2, app)
    assert new_app.started_at >= new_middle.finished_at
    assert image(new_middle).parent == image(newer) and image(new_app).parent == image(new_middle)
    assert [step.warning for step in cascade.steps.all()] == ["", ""]
    assert [state for state, _ in status_of(image(newer), image(new_middle), image(new_app))] == [CURRENT] * 3
    assert "instances" not in ebs_moto.leftovers()
