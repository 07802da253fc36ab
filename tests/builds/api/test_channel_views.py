"""The API's channels: a template's channels, one with its images and history, and assigning a build to one
through builds.channels (who and when recorded; a build that cannot be assigned is a 400 saying why)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from builds import revocation
from builds.channel_models import ChannelEvent

pytestmark = pytest.mark.django_db


def test_a_templates_channels_list_the_build_each_points_at(api, tokens, world):
    status, page = api.get("templates/golden-base/channels/", tokens["viewer"])

    assert status == 200 and page["count"] == 1
    assert page["results"][0] | {"updated_at": None} == {
        "template": "golden-base", "name": "production", "build": world["first"].pk, "follow_latest": False,
        "updated_at": None, "updated_by": "bob",
        "images": [{"id": world["image"].pk, "image_id": world["image"].image_id, "region": "us-east-1",
                    "status": "current", "status_reason": "", "revoke_at": None}]}
    assert api.get("templates/nothing/channels/", tokens["viewer"])[0] == 404


def test_a_channel_shows_its_images_and_history(api, tokens, world):
    status, channel = api.get("templates/golden-base/channels/production/", tokens["viewer"])

    assert status == 200
    assert channel["images"] == [{"id": world["image"].pk, "image_id": world["image"].image_id,
                                  "region": "us-east-1", "status": "current", "status_reason": "",
                                  "revoke_at": None}]
    assert [(event["action"], event["build"], event["by"]) for event in channel["events"]] == [
        ("assign", world["first"].pk, "bob")]
    assert api.get("templates/golden-base/channels/qa/", tokens["viewer"]) == (
        404, {"detail": 'Template "golden-base" has no channel "qa" (its channels: "production").'})


def test_a_channels_revoked_or_scheduled_image_shows_its_status_in_the_list_and_the_channel(api, tokens, world,
                                                                                          builder):
    revocation.revoke(world["image"], builder, "bad kernel")

    page = api.get("templates/golden-base/channels/", tokens["viewer"])[1]
    channel = api.get("templates/golden-base/channels/production/", tokens["viewer"])[1]
    for image in (page["results"][0]["images"][0], channel["images"][0]):
        assert image["status"] == "revoked" and "bad kernel" in image["status_reason"]
        assert image["revoke_at"] is not None

    later = timezone.now() + timedelta(days=2)
    revocation.restore(world["image"], builder)
    revocation.revoke(world["image"], builder, "end of support", at=later)
    image = api.get("templates/golden-base/channels/", tokens["viewer"])[1]["results"][0]["images"][0]
    assert image["status"] == "current" and image["revoke_at"] == later.isoformat().replace("+00:00", "Z")


def test_a_builder_moves_a_channel_and_the_one_get_answers_the_new_image(api, tokens, world, image_of):
    status, channel = api.post("templates/golden-base/channels/production/assign/",
                               {"build": world["second"].pk, "note": "patched"}, tokens["builder"])

    assert status == 200 and channel["build"] == world["second"].pk and channel["updated_by"] == "builder-user"
    event = ChannelEvent.objects.filter(channel__name="production").order_by("-id").first()
    assert event.previous_build_id == world["first"].pk and event.note == "patched"
    status, image = api.get("templates/golden-base/channels/production/image?region=us-east-1", tokens["viewer"])
    assert status == 200 and image["id"] == image_of(world["second"]).image_id


def test_a_new_channel_is_made_on_first_assignment(api, tokens, world):
    status, channel = api.post("templates/golden-base/channels/dev/assign/", {"build": world["first"].pk},
                               tokens["builder"])

    assert status == 200 and channel["name"] == "dev" and channel["build"] == world["first"].pk


def test_a_build_that_cannot_be_assigned_is_a_400_saying_why(api, tokens, world):
    path = "templates/golden-base/channels/production/assign/"

    status, answer = api.post(path, {"build": world["queued"].pk}, tokens["builder"])
    assert status == 400 and "is a build of Shell, not of Golden Base" in answer["errors"]["build"][0]

    status, answer = api.post(path, {"build": 999}, tokens["builder"])
    assert status == 400 and answer["errors"] == {"build": ["ImageHub has no build #999."]}

    status, answer = api.post("templates/golden-base/channels/Prod!/assign/", {"build": world["first"].pk},
                              tokens["builder"])
    assert status == 400 and answer["errors"]["name"][0].startswith('"Prod!" is not a channel name')

    status, answer = api.post(path, {}, tokens["builder"])
    assert status == 400 and answer["errors"] == {"build": ["This field is required."]}
