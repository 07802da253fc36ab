"""Tests of the events: each source sends the right event and payload once committed, and nothing else."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from builds import channels, revocation, signals
from builds.models import Build
from imagehub import catalog
from imagehub.webhooks import events
from imagehub.webhooks.models import ScheduledEvent, WebhookDelivery
from tests.imagehub.webhooks.conftest import NULL_TEMPLATE

pytestmark = pytest.mark.django_db

UBUNTU = "ami-0ubuntu0000000001"


@pytest.fixture
def hook(make_webhook, quick_webhooks):
    return make_webhook("http://127.0.0.1:9/hook")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what waits for the test's transaction to commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def sent(event=None) -> list[dict]:
    deliveries = WebhookDelivery.objects.order_by("id")
    if event:
        deliveries = deliveries.filter(event=event)
    return [delivery.payload for delivery in deliveries]


def test_build_signals_send_started_then_succeeded_with_the_build_and_its_images(hook, commit, make_template,
                                                                                  make_ami_build):
    build = make_ami_build(make_template("base", NULL_TEMPLATE), UBUNTU)
    with commit():
        signals.send(signals.build_started, build.pk)
        signals.send(signals.build_finished, build.pk, status=Build.Status.SUCCEEDED)

    started, succeeded = sent()
    assert started["event"] == "build.started" and succeeded["event"] == "build.succeeded"
    payload = succeeded["build"]
    assert payload["id"] == build.pk and payload["status"] == "succeeded" and payload["version"] == 1
    assert payload["template"]["name"] == "base"
    assert payload["url"] == f"https://hub.example.com/builds/{build.pk}/"
    assert [(image["image_id"], image["region"]) for image in payload["images"]] == [
        (build.artifacts.get().region_ids["us-east-1"], "us-east-1")]
    assert succeeded["delivery"] == str(WebhookDelivery.objects.get(event="build.succeeded").delivery_id)


@pytest.mark.parametrize(("status", "event"), [("failed", "build.failed"), ("lost", "build.failed"),
                                                ("cancelled", "build.cancelled")])
def test_a_build_ending_otherwise_sends_failed_or_cancelled(hook, commit, make_template, make_ami_build, status,
                                                            event):
    build = make_ami_build(make_template("base", NULL_TEMPLATE), UBUNTU, status=status)
    with commit():
        signals.send(signals.build_finished, build.pk, status=status)

    (payload,) = sent()
    assert payload["event"] == event and payload["build"]["status"] == status


def test_saving_a_version_sends_version_created(hook, commit, make_template, admin_user):
    version = make_template("base", NULL_TEMPLATE)
    with commit():
        catalog.save_version(version.template, files={**NULL_TEMPLATE, "extra.pkr.hcl": ""}, author=admin_user,
                             message="Second", base_number=1)

    (second,) = sent("version.created")  # version 1 was saved before: its transaction never committed
    assert second["version"] == second["version"] | {"number": 2, "author": "ada", "message": "Second",
                                                     "is_valid": True}
    assert second["version"]["template"]["slug"] == "base"
    assert second["version"]["url"] == "https://hub.example.com/templates/base/versions/2/"


def test_assigning_and_rolling_back_a_channel_sends_channel_moved(hook, commit, make_template, make_ami_build,
                                                                  builder):
    version = make_template("base", NULL_TEMPLATE)
    first, second = make_ami_build(version, UBUNTU), make_ami_build(version, UBUNTU)
    with commit():
        channels.assign(version.template, "production", first, builder)
        channel = channels.assign(version.template, "production", second, builder)
        channels.assign(version.template, "production", second, builder)  # already there: no move
        channels.rollback(channel, builder)

    moves = [payload["channel"] for payload in sent("channel.moved")]
    assert [(move["action"], move["build_id"], move["previous_build_id"]) for move in moves] == [
        ("assign", first.pk, None), ("assign", second.pk, first.pk), ("rollback", first.pk, second.pk)]
    assert moves[1]["name"] == "production" and moves[1]["by"] == "bob"
    assert moves[1]["images"][0]["image_id"] == second.artifacts.get().region_ids["us-east-1"]


def test_revoking_now_sends_image_revoked_with_the_descendants_reached(hook, commit, make_template, make_ami_build,
                                                                       image_of, builder):
    base = make_ami_build(make_template("base", NULL_TEMPLATE), UBUNTU)
    app = make_ami_build(make_template("app", NULL_TEMPLATE), image_of(base).image_id)
    with commit():
        revocation.revoke(image_of(base), builder, "bad kernel", descendants=True)

    (payload,) = sent("image.revoked")
    image = payload["image"]
    assert image["image_id"] == image_of(base).image_id and image["region"] == "us-east-1"
    assert image["reason"] == "bad kernel" and image["revoked_by"] == "bob"
    assert [d["image_id"] for d in image["descendants"]] == [image_of(app).image_id]
    assert not ScheduledEvent.objects.exists()


def test_a_scheduled_revocation_is_sent_once_when_its_time_comes(hook, commit, make_template, make_ami_build,
                                                                 image_of, builder):
    node = image_of(make_ami_build(make_template("base", NULL_TEMPLATE), UBUNTU))
    later = timezone.now() + timedelta(hours=1)
    with commit():
        revocation.revoke(node, builder, "end of life", at=later)
    assert sent() == []

    with commit():
        assert events.send_due_events() == 0
        assert events.send_due_events(now=later + timedelta(seconds=1)) == 1
        assert events.send_due_events(now=later + timedelta(seconds=2)) == 0

    (payload,) = sent("image.revoked")
    assert payload["image"]["id"] == node.pk and payload["image"]["revoked_at"] == later.isoformat()


def test_restoring_sends_image_restored_and_cancels_a_revocation_to_come(hook, commit, make_template,
                                                                         make_ami_build, image_of, builder):
    version = make_template("base", NULL_TEMPLATE)
    now_revoked, scheduled = (image_of(make_ami_build(version, UBUNTU)) for _ in range(2))
    later = timezone.now() + timedelta(hours=1)
    with commit():
        revocation.revoke(now_revoked, builder, "bad kernel")
        revocation.revoke(scheduled, builder, "end of life", at=later)
        revocation.restore(now_revoked, builder)
        revocation.restore(scheduled, builder)

    (restored,) = sent("image.restored")
    assert restored["image"]["id"] == now_revoked.pk
    assert events.send_due_events(now=later + timedelta(seconds=1)) == 0
    assert [payload["image"]["id"] for payload in sent("image.revoked")] == [now_revoked.pk]


def test_a_rolled_back_transaction_sends_nothing(hook, commit, make_template, admin_user, monkeypatch):
    version = make_template("base", NULL_TEMPLATE)
    dispatched = []
    real_dispatch = events.dispatch
    monkeypatch.setattr(events, "dispatch", lambda *args: dispatched.append(args) or real_dispatch(*args))
    with commit(), pytest.raises(RuntimeError), transaction.atomic():
        catalog.save_version(version.template, files={**NULL_TEMPLATE, "b.pkr.hcl": ""}, author=admin_user,
                             message="", base_number=1)
        raise RuntimeError("the request failed after the save")

    assert dispatched == [] and sent() == []


def test_only_subscribed_active_webhooks_get_an_event(make_webhook, quick_webhooks, commit, make_template):
    builds_only = make_webhook("http://127.0.0.1:9/a", events=["build.started"], name="builds")
    everything = make_webhook("http://127.0.0.1:9/b", name="all")
    make_webhook("http://127.0.0.1:9/c", name="off", active=False)
    with commit():
        make_template("base", NULL_TEMPLATE)

    assert list(WebhookDelivery.objects.values_list("webhook", "event")) == [(everything.pk, "version.created")]
    assert builds_only.deliveries.count() == 0


def test_a_failing_webhook_hook_never_breaks_the_operation(hook, commit, make_template, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("webhooks are down")

    monkeypatch.setattr(events, "dispatch", broken)
    monkeypatch.setattr(events, "template_data", broken)
    with commit():
        version = make_template("base", NULL_TEMPLATE)

    assert version.number == 1 and sent() == []
    assert "version_created failed" in caplog.text
