"""End-to-end tests through the real worker path: the worker pool's webhook thread delivers, retries, and its
maintenance loop sends a scheduled revocation once."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from builds import revocation
from builds.worker import WorkerPool
from imagehub import catalog
from imagehub.webhooks import signing
from imagehub.webhooks.models import WebhookDelivery
from tests.imagehub.webhooks.conftest import NULL_TEMPLATE

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture
def pools():
    """Start worker pools (stopped at the end of the test)."""
    started = []

    def start(count: int = 1):
        for _ in range(count):
            started.append(WorkerPool(1, interval=0.05, worker_id=f"test-{len(started)}").start())
        return started

    yield start
    for pool in started:
        pool.stop(timeout=10)


def test_a_saved_version_reaches_the_receiver_signed_through_the_worker(receiver, make_webhook, quick_worker,
                                                                        quick_webhooks, pools):
    webhook = make_webhook(receiver.url, events=["version.created"])
    pools()

    catalog.create_template(name="golden-base", description="", labels=[], owner=None, files=NULL_TEMPLATE)

    (request,) = receiver.wait_for(1)
    assert signing.verify(webhook.secret, request["body"], request["headers"]["X-ImageHub-Signature"])
    payload = json.loads(request["body"])
    assert payload["event"] == "version.created" and payload["version"]["template"]["name"] == "golden-base"


def test_the_worker_retries_a_failing_receiver_until_it_answers(receiver, make_webhook, quick_worker,
                                                               quick_webhooks, pools):
    receiver.statuses = [500, 502, 200]
    make_webhook(receiver.url)
    pools()

    catalog.create_template(name="golden-base", description="", labels=[], owner=None, files=NULL_TEMPLATE)

    requests = receiver.wait_for(3)
    gaps = [later["at"] - earlier["at"] for earlier, later in zip(requests, requests[1:], strict=False)]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4
    wait_until(lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).exists())
    record = WebhookDelivery.objects.get()
    assert [a.response_status for a in record.attempt_log.order_by("number")] == [500, 502, 200]


def test_a_scheduled_revocation_is_sent_once_by_several_workers(receiver, make_webhook, quick_worker,
                                                               quick_webhooks, pools, make_template,
                                                               make_ami_build, image_of, builder):
    make_webhook(receiver.url, events=["image.revoked"])
    node = image_of(make_ami_build(make_template("base", NULL_TEMPLATE), "ami-0ubuntu0000000001"))
    revocation.revoke(node, builder, "end of life", at=timezone.now() + timedelta(seconds=0.5))
    pools(2)

    (request,) = receiver.wait_for(1)
    assert json.loads(request["body"])["image"]["id"] == node.pk
    time.sleep(1.5)  # several maintenance rounds of both workers later, it is still the only one
    assert len(receiver.requests) == 1 and WebhookDelivery.objects.count() == 1


def test_a_delivery_whose_task_was_lost_is_picked_up_by_the_maintenance_loop(receiver, make_webhook, quick_worker,
                                                                            quick_webhooks, pools):
    webhook = make_webhook(receiver.url)
    # As a worker that crashed after recording the delivery leaves it: open, due, and no task queued.
    lost = WebhookDelivery.objects.create(webhook=webhook, event="build.started", payload={"event": "build.started"},
                                          next_attempt_at=timezone.now() - timedelta(minutes=5))
    pools()

    (request,) = receiver.wait_for(1)
    assert request["headers"]["X-ImageHub-Delivery"] == str(lost.delivery_id)
