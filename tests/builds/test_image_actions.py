"""Tests of the image and channel actions: revoke now or later, restore, assign, roll back, follow; who may."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from builds import channels
from builds.channel_models import Channel
from builds.lineage_models import ImageNode
from imagehub.roles import Role

pytestmark = pytest.mark.django_db

UBUNTU = "ami-0ubuntu0000000001"
FILES = {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n'}
ROLES = {"no role": (), "viewer": (Role.VIEWER,), "editor": (Role.EDITOR,), "builder": (Role.BUILDER,),
         "admin": (Role.ADMIN,)}
MAY_ACT = {"builder", "admin"}


@pytest.fixture
def images(make_template, make_ami_build, image_of, builder):
    """Two base builds (the first on production) and a middle image built from the first."""
    base = make_template("golden-base", FILES)
    first, second = make_ami_build(base, UBUNTU), make_ami_build(base, UBUNTU)
    channels.assign(base.template, "production", first, builder)
    middle = make_ami_build(make_template("golden-middle", FILES), image_of(first).image_id)
    return {"first": image_of(first), "second": image_of(second), "middle": image_of(middle)}


def said(response) -> list[str]:
    """The messages for the page the response sends the browser to (those of earlier actions not yet shown
    come first)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def fresh(node: ImageNode) -> ImageNode:
    return ImageNode.objects.get(pk=node.pk)


@pytest.mark.parametrize("role", ROLES)
def test_only_builders_revoke_restore_and_move_channels(client, images, make_user, role):
    client.force_login(make_user("someone", *ROLES[role]))
    first, second = images["first"], images["second"]
    posts = [
        (f"/builds/images/{first.pk}/revoke/", {"reason": "bad", "when": "now"}),
        (f"/builds/images/{first.pk}/restore/", {}),
        ("/builds/templates/golden-base/channels/", {"name": "production", "build": second.build_id}),
        ("/builds/templates/golden-base/channels/production/rollback/", {}),
        ("/builds/templates/golden-base/channels/production/follow/", {"follow": "1"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == (302 if role in MAY_ACT else 403), url
    channel = Channel.objects.get(name="production")
    assert channel.follow_latest == (role in MAY_ACT)
    assert channel.events.count() == (3 if role in MAY_ACT else 1)  # assigned, assigned again, rolled back


def test_revoking_now_with_descendants_revokes_them_and_says_how_many(client, images, builder):
    client.force_login(builder)

    response = client.post(f"/builds/images/{images['first'].pk}/revoke/",
                           {"reason": "CVE-2026-0001", "when": "now", "descendants": "on"})

    assert response["Location"] == f"/builds/images/{images['first'].pk}/"
    assert said(response) == [f"Revoked {images['first']} and 1 image built from it."]
    assert fresh(images["first"]).is_revoked() and fresh(images["middle"]).revoked_cause_id == images["first"].pk
    assert not fresh(images["second"]).is_revoked()


def test_a_revocation_can_be_scheduled_and_restored(client, images, builder):
    client.force_login(builder)
    at = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0, tzinfo=None)

    response = client.post(f"/builds/images/{images['first'].pk}/revoke/",
                           {"reason": "end of support", "when": "later", "at": at.strftime("%Y-%m-%dT%H:%M")})

    image = fresh(images["first"])
    assert image.is_revocation_scheduled() and timezone.make_naive(image.revoke_at) == at
    assert said(response) == [f"Revoked {image} from {at:%Y-%m-%d %H:%M}."]
    page = client.get(f"/builds/images/{image.pk}/").content.decode()
    assert "To be revoked" in page and f"revoked from {at:%Y-%m-%d %H:%M}" in page

    response = client.post(f"/builds/images/{image.pk}/restore/")
    assert said(response)[-1] == "Restored 1 image." and fresh(image).revoke_at is None


@pytest.mark.parametrize("data, message", [
    ({"reason": " ", "when": "now"}, "Say why the image is revoked"),
    ({"reason": "x", "when": "later", "at": "next tuesday"}, "Give the time of the revocation as a date and time"),
    ({"reason": "x", "when": "later", "at": "2001-01-01T00:00"}, "A scheduled revocation is for a time to come"),
])
def test_a_revocation_that_cannot_be_made_is_explained(client, images, builder, data, message):
    client.force_login(builder)

    response = client.post(f"/builds/images/{images['first'].pk}/revoke/", data)

    assert message in said(response)[0]
    assert fresh(images["first"]).revoke_at is None


def test_channels_are_assigned_rolled_back_and_set_to_follow_from_the_images_page(client, images, builder):
    client.force_login(builder)
    url = "/builds/templates/golden-base/channels/"

    response = client.post(url, {"name": "production", "build": images["second"].build_id, "note": "QA passed"})
    assert response["Location"] == "/builds/templates/golden-base/images/#channels"
    assert said(response) == [f'Channel "production" now points at build #{images["second"].build_id}.']
    assert Channel.objects.get(name="production").events.first().note == "QA passed"

    response = client.post(url + "production/rollback/")
    assert said(response)[-1] == f'Channel "production" rolled back to build #{images["first"].build_id}.'
    response = client.post(url + "production/follow/", {"follow": "1"})
    assert said(response)[-1] == 'Channel "production" now moves to every successful build.'
    assert Channel.objects.get(name="production").follow_latest


@pytest.mark.parametrize("data, message", [
    ({"name": "production"}, "Choose the build the channel is to point at."),
    ({"name": "Prod!", "build": "BUILD"}, '"Prod!" is not a channel name'),
    ({"name": "dev", "build": "MIDDLE"}, "is a build of golden-middle, not of golden-base"),
])
def test_a_channel_assignment_that_cannot_be_made_is_explained(client, images, builder, data, message):
    client.force_login(builder)
    data = {key: {"BUILD": images["second"].build_id, "MIDDLE": images["middle"].build_id}.get(value, value)
            for key, value in data.items()}

    response = client.post("/builds/templates/golden-base/channels/", data)

    assert message in said(response)[0]
    assert Channel.objects.get().build_id == images["first"].build_id


def test_rolling_back_a_channel_without_history_is_explained(client, images, builder):
    client.force_login(builder)

    response = client.post("/builds/templates/golden-base/channels/production/rollback/")

    assert said(response) == ['Channel "production" has no earlier build to roll back to.']
