"""Tests of the worker as the engine's image registry: channel images given and recorded, revoked ones refused,
and the channels a template names assigned when its build succeeds."""

import pytest

from builds import channels, revocation, runner, services
from builds.channel_models import ImageUse
from builds.models import Build, BuildLogLine

pytestmark = pytest.mark.django_db(transaction=True)

UBUNTU = "ami-0ubuntu0000000001"

CONSUMER = """
data "imagehub-image" "base" {
  template = "golden-base"
  channel  = "production"
  region   = "us-east-1"
}

source "null" "web" {
  communicator = "none"
}

build {
  hcp_packer_registry {
    channels = ["dev"]
  }
  sources = ["source.null.web"]

  provisioner "shell-local" {
    inline = ["echo starting from ${data.imagehub-image.base.id} of build ${data.imagehub-image.base.build_id}"]
  }
}
"""


@pytest.fixture
def base_on_production(make_template, make_ami_build, builder, image_of):
    version = make_template("golden-base", {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\n'
                                                             'build {\n  sources = ["source.null.a"]\n}\n'})
    build = make_ami_build(version, UBUNTU)
    channels.assign(version.template, "production", build, builder)
    return image_of(build)


def texts(build: Build) -> list[str]:
    return list(BuildLogLine.objects.filter(build=build).order_by("seq").values_list("text", flat=True))


def test_a_build_gets_the_channels_image_from_the_worker_which_records_it(base_on_production, make_template, builder,
                                                                          quick_worker):
    build = services.start_build(make_template("app", {"main.pkr.hcl": CONSUMER}), builder, {})

    assert runner.execute(build.pk) == Build.Status.SUCCEEDED, texts(build)

    assert f"starting from {base_on_production.image_id} of build {base_on_production.build_id}" in texts(build)
    use = ImageUse.objects.get(build=build)
    assert (use.image, use.channel.name) == (base_on_production, "production")


def test_a_channel_named_by_the_template_is_not_assigned_to_a_build_without_images_and_the_log_says_so(
        base_on_production, make_template, builder, quick_worker):
    build = services.start_build(make_template("app", {"main.pkr.hcl": CONSUMER}), builder, {})

    runner.execute(build.pk)

    assert f'Channel "dev" was not assigned: Build #{build.pk} made no image (an AMI or a Docker image) for a ' \
           "channel to point at." in texts(build)
    assert Build.objects.get(pk=build.pk).status == Build.Status.SUCCEEDED


def test_a_build_from_a_revoked_channel_image_fails_before_it_starts_saying_why(base_on_production, make_template,
                                                                                builder, quick_worker):
    revocation.revoke(base_on_production, builder, "CVE-2026-0001")
    build = services.start_build(make_template("app", {"main.pkr.hcl": CONSUMER}), builder, {})

    assert runner.execute(build.pk) == Build.Status.FAILED

    build.refresh_from_db()
    assert build.exit_reason.startswith("The template cannot be built: Data source failed. "
                                        "data.imagehub-image.base: The image ")
    assert 'that channel "production" of golden-base points at' in build.exit_reason
    assert "is revoked since" in build.exit_reason and "by bob: CVE-2026-0001" in build.exit_reason
    assert not build.steps.exists() and not ImageUse.objects.filter(build=build).exists()
