"""Tests of channels: assigning, moving, rolling back with history, automatic assignment, and channel images."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from builds import channels, revocation
from builds.channel_models import Channel, ChannelEvent
from builds.channels import ImageRefused
from imagehub.roles import Role

pytestmark = pytest.mark.django_db

UBUNTU = "ami-0ubuntu0000000001"


@pytest.fixture
def base(make_template):
    return make_template("Golden Base", {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\n'
                                          'build {\n  sources = ["source.null.a"]\n}\n'})


def test_assigning_a_channel_makes_it_and_records_who_moved_it_from_where_to_where(base, make_ami_build, builder):
    first, second = make_ami_build(base, UBUNTU), make_ami_build(base, UBUNTU)

    channel = channels.assign(base.template, "production", first, builder)
    channels.assign(base.template, "production", second, builder, note="passed QA")

    channel.refresh_from_db()
    assert (channel.build, channel.updated_by) == (second, builder)
    events = list(channel.events.order_by("at", "id").values_list("action", "build", "previous_build", "by", "note"))
    assert events == [("assign", first.pk, None, builder.pk, ""), ("assign", second.pk, first.pk, builder.pk,
                                                                   "passed QA")]


def test_assigning_the_build_a_channel_already_points_at_records_nothing(base, make_ami_build, builder):
    build = make_ami_build(base, UBUNTU)
    channels.assign(base.template, "dev", build, builder)
    channels.assign(base.template, "dev", build, builder)

    assert ChannelEvent.objects.count() == 1


def test_rolling_back_steps_back_through_the_history_and_is_recorded(base, make_ami_build, builder):
    a, b, c = (make_ami_build(base, UBUNTU) for _ in range(3))
    for build in (a, b, c):
        channel = channels.assign(base.template, "production", build, builder)

    channels.rollback(channel, builder)
    assert Channel.objects.get(pk=channel.pk).build == b
    channels.rollback(Channel.objects.get(pk=channel.pk), builder)
    assert Channel.objects.get(pk=channel.pk).build == a
    latest = channel.events.first()
    assert (latest.action, latest.previous_build, latest.note) == ("rollback", b, f"rolled back from build #{b.pk}")
    with pytest.raises(ValidationError, match="no earlier build to roll back to"):
        channels.rollback(Channel.objects.get(pk=channel.pk), builder)


@pytest.mark.parametrize("problem, message", [
    ("failed", "has not succeeded"),
    ("other template", "not of Golden Base"),
    ("no image", "made no image"),
    ("revoked", "is revoked"),
    ("bad name", "is not a channel name"),
])
def test_a_channel_points_only_at_successful_unrevoked_images_of_its_template(base, make_template, make_ami_build,
                                                                              builder, image_of, problem, message):
    build = make_ami_build(base, UBUNTU, status="failed" if problem == "failed" else "succeeded",
                           record=problem != "no image")
    if problem == "other template":
        build = make_ami_build(make_template("Other", base.file_texts()), UBUNTU)
    if problem == "revoked":
        revocation.revoke(image_of(build), builder, "leaked key")
    with pytest.raises(ValidationError, match=message):
        channels.assign(base.template, "Prod!" if problem == "bad name" else "production", build, builder)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_only_builders_move_channels(base, make_ami_build, make_user, builder, role):
    build = make_ami_build(base, UBUNTU)
    channel = channels.assign(base.template, "production", build, builder)
    user = make_user("someone", role)

    with pytest.raises(PermissionDenied, match="builder role"):
        channels.assign(base.template, "production", build, user)
    with pytest.raises(PermissionDenied):
        channels.rollback(channel, user)
    with pytest.raises(PermissionDenied):
        channels.set_follow_latest(channel, user, True)


def test_a_successful_build_moves_the_channels_its_template_names_and_those_following_the_latest(
        base, make_ami_build, builder):
    first, second = make_ami_build(base, UBUNTU), make_ami_build(base, UBUNTU)
    nightly = channels.assign(base.template, "nightly", first, builder)
    channels.set_follow_latest(nightly, builder, True)
    channels.assign(base.template, "stable", first, builder)

    assigned, problems = channels.on_build_succeeded(second, ["production", "Bad Name"])

    assert sorted(channel.name for channel in assigned) == ["nightly", "production"]
    assert problems == ['Channel "Bad Name" was not assigned: "Bad Name" is not a channel name: use at most 50 '
                        'lower-case letters, digits, ".", "_" and "-", starting with a letter or digit (e.g. '
                        '"production").']
    by_name = {channel.name: channel for channel in Channel.objects.all()}
    assert by_name["stable"].build == first and by_name["nightly"].build == second
    event = by_name["production"].events.get()
    assert (event.action, event.by) == ("automatic", builder)


def test_a_channel_image_is_found_by_template_slug_or_name_and_region(base, make_ami_build, builder, image_of):
    build = make_ami_build(base, UBUNTU, copies=("eu-west-1",))
    channels.assign(base.template, "production", build, builder)

    image, channel = channels.channel_image("golden-base", "production", "eu-west-1")
    assert image == image_of(build, "eu-west-1") and channel.name == "production"
    assert channels.channel_image("golden base", "production", "us-east-1")[0] == image_of(build)


@pytest.mark.parametrize("template, channel, region, message", [
    ("nope", "production", "us-east-1", 'ImageHub has no template "nope"'),
    ("golden-base", "qa", "us-east-1", 'Template Golden Base has no channel "qa" (its channels: "production")'),
    ("golden-base", "production", "ap-south-1",
     'has no image in region "ap-south-1"; it has images in eu-west-1, us-east-1'),
    ("golden-base", "production", "", "has images in several regions (eu-west-1, us-east-1): say which"),
])
def test_a_channel_image_that_cannot_be_had_is_refused_saying_why(base, make_ami_build, builder, template,
                                                                 channel, region, message):
    channels.assign(base.template, "production", make_ami_build(base, UBUNTU, copies=("eu-west-1",)), builder)

    with pytest.raises(ImageRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        channels.channel_image(template, channel, region)


def test_a_revoked_channel_image_is_refused_with_the_revocation(base, make_ami_build, builder, image_of):
    build = make_ami_build(base, UBUNTU)
    channels.assign(base.template, "production", build, builder)
    revocation.revoke(image_of(build), builder, "CVE-2026-0001 in openssl")

    with pytest.raises(ImageRefused) as refused:
        channels.channel_image("golden-base", "production", "us-east-1")
    text = str(refused.value)
    assert f'The image {image_of(build).image_id} that channel "production" of Golden Base points at' in text
    assert "by bob: CVE-2026-0001 in openssl" in text and "restore the image" in text


def test_a_build_may_not_start_from_a_revoked_image(base, make_ami_build, builder, image_of):
    build = make_ami_build(base, UBUNTU)
    image = image_of(build)
    channels.check_source_image(image.image_id, "us-east-1")
    revocation.revoke(image, builder, "compromised")

    with pytest.raises(ImageRefused, match=f"The source image {image.image_id} \\(Golden Base build #{build.pk}, "
                                           "us-east-1\\) is revoked since .* by bob: compromised"):
        channels.check_source_image(image.image_id, "us-east-1")
    channels.check_source_image(image.image_id, "eu-west-1")  # another region's image of that id
