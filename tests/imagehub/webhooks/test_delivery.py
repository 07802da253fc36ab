"""Tests of delivering: signed POSTs to a loopback receiver, retries with backoff, giving up, errors, redelivery."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from imagehub.webhooks import delivery, signing
from imagehub.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

DATA = {"build": {"id": 7, "status": "succeeded"}}


def attempt_until_closed(pk: int, timeout: float = 20.0) -> WebhookDelivery:
    """Make each attempt as soon as its time comes, as a worker would, until the delivery is delivered or given up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.attempt(pk)
        record = WebhookDelivery.objects.get(pk=pk)
        if not record.is_open:
            return record
        time.sleep(0.01)
    raise AssertionError("the delivery stayed open")


def test_a_delivery_posts_signed_json_with_the_event_and_delivery_headers(receiver, make_webhook, quick_webhooks):
    webhook = make_webhook(receiver.url)
    (sent,) = delivery.dispatch("build.succeeded", DATA)

    assert delivery.attempt(sent.pk) == WebhookDelivery.Status.DELIVERED

    (request,) = receiver.requests
    headers = request["headers"]
    assert request["path"] == "/hook?source=imagehub"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-ImageHub-Event"] == "build.succeeded"
    assert headers["X-ImageHub-Delivery"] == str(sent.delivery_id)
    assert signing.verify(webhook.secret, request["body"], headers["X-ImageHub-Signature"])
    assert not signing.verify(webhook.secret, request["body"] + b" ", headers["X-ImageHub-Signature"])
    body = json.loads(request["body"])
    assert body["event"] == "build.succeeded" and body["delivery"] == str(sent.delivery_id)
    assert body["build"] == DATA["build"] and body["time"]
    record = WebhookDelivery.objects.get(pk=sent.pk)
    assert (record.status, record.attempts, record.response_status) == ("delivered", 1, 200)
    assert record.response_excerpt == "answer 1" and record.duration_ms is not None


def test_a_receiver_failing_twice_gets_three_attempts_spaced_by_the_backoff(receiver, make_webhook, quick_webhooks):
    receiver.statuses = [500, 503, 204]
    make_webhook(receiver.url)
    (sent,) = delivery.dispatch("build.started", DATA)

    record = attempt_until_closed(sent.pk)

    assert (record.status, record.attempts, record.response_status) == ("delivered", 3, 204)
    attempts = list(record.attempt_log.order_by("number"))
    assert [(a.number, a.response_status) for a in attempts] == [(1, 500), (2, 503), (3, 204)]
    arrivals = [request["at"] for request in receiver.wait_for(3)]
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    for gap, delay in zip(gaps, quick_webhooks["WEBHOOK_RETRY_SECONDS"], strict=True):
        assert delay <= gap < delay + 1.0
    ids = {request["headers"]["X-ImageHub-Delivery"] for request in receiver.requests}
    assert ids == {str(sent.delivery_id)}  # one delivery, retried


def test_a_delivery_gives_up_after_the_last_attempt(receiver, make_webhook, quick_webhooks):
    receiver.statuses = [500]
    make_webhook(receiver.url)
    (sent,) = delivery.dispatch("build.started", DATA)

    record = attempt_until_closed(sent.pk)

    assert record.status == WebhookDelivery.Status.GAVE_UP and record.next_attempt_at is None
    assert record.attempts == len(quick_webhooks["WEBHOOK_RETRY_SECONDS"]) + 1 == record.attempt_log.count()
    assert len(receiver.requests) == 3
    assert delivery.attempt(sent.pk) == ""  # nothing more to do


def test_a_closed_port_counts_as_a_failed_attempt_with_the_error_logged(free_port, make_webhook, quick_webhooks):
    make_webhook(f"http://127.0.0.1:{free_port}/hook")
    (sent,) = delivery.dispatch("build.started", DATA)

    assert delivery.attempt(sent.pk) == WebhookDelivery.Status.FAILED

    record = WebhookDelivery.objects.get(pk=sent.pk)
    (logged,) = record.attempt_log.all()
    assert record.response_status is None and logged.response_status is None
    assert "refused" in logged.error and str(free_port) in logged.error
    assert record.response_excerpt == logged.error
    assert record.next_attempt_at > record.last_attempt_at


def test_a_redirect_is_a_failure_and_is_not_followed(receiver, make_webhook, quick_webhooks):
    receiver.statuses = [302]
    receiver.location = receiver.url + "&moved=1"
    make_webhook(receiver.url)
    (sent,) = delivery.dispatch("build.started", DATA)

    assert delivery.attempt(sent.pk) == WebhookDelivery.Status.FAILED
    assert len(receiver.requests) == 1


def test_an_attempt_is_made_only_once_its_time_has_come(receiver, make_webhook, quick_webhooks):
    receiver.statuses = [500, 200]
    make_webhook(receiver.url)
    (sent,) = delivery.dispatch("build.started", DATA)

    assert delivery.attempt(sent.pk) == WebhookDelivery.Status.FAILED
    assert delivery.attempt(sent.pk) == ""  # the retry is 0.2 s away
    assert len(receiver.requests) == 1


def test_the_first_attempt_and_each_retry_are_queued_as_tasks_on_the_webhooks_queue(receiver, make_webhook,
                                                                                 quick_webhooks,
                                                                                 django_capture_on_commit_callbacks):
    receiver.statuses = [500]
    make_webhook(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        (sent,) = delivery.dispatch("build.started", DATA)
    delivery.attempt(sent.pk)

    tasks = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [task.queue_name for task in tasks] == ["webhooks", "webhooks"]
    assert [task.args_kwargs["args"] for task in tasks] == [[sent.pk], [sent.pk]]
    assert tasks[1].run_after == WebhookDelivery.objects.get(pk=sent.pk).next_attempt_at


def test_a_disabled_webhook_gets_no_attempt(receiver, make_webhook, quick_webhooks):
    webhook = make_webhook(receiver.url)
    (sent,) = delivery.dispatch("build.started", DATA)
    webhook.active = False
    webhook.save()

    assert delivery.attempt(sent.pk) == WebhookDelivery.Status.GAVE_UP
    assert receiver.requests == [] and WebhookDelivery.objects.get(pk=sent.pk).attempts == 0


def test_redelivering_sends_the_same_event_and_object_as_a_new_delivery(receiver, make_webhook, quick_webhooks):
    make_webhook(receiver.url)
    (first,) = delivery.dispatch("build.succeeded", DATA)
    delivery.attempt(first.pk)

    again = delivery.redeliver(first)
    delivery.attempt(again.pk)

    assert again.delivery_id != first.delivery_id and again.redelivery_of == first
    first_body, second_body = receiver.payloads()
    assert second_body["delivery"] == str(again.delivery_id)
    assert second_body["build"] == first_body["build"] and second_body["event"] == "build.succeeded"


def test_an_open_delivery_whose_task_was_lost_is_queued_again_once(make_webhook, quick_webhooks):
    make_webhook("http://127.0.0.1:9/hook")
    (sent,) = delivery.dispatch("build.started", DATA)  # outside a commit: its task was never queued
    assert not DBTaskResult.objects.exists()

    assert delivery.resume_stalled() == 1
    quick_webhooks["WEBHOOK_RESUME_AFTER_SECONDS"] = 60.0
    assert delivery.resume_stalled() == 0  # queued just now: not again before a while

    (task,) = DBTaskResult.objects.all()
    assert task.args_kwargs["args"] == [sent.pk] and task.queue_name == "webhooks"


def test_pruning_deletes_ended_deliveries_older_than_the_limit_and_keeps_open_ones(make_webhook, quick_webhooks):
    make_webhook("http://127.0.0.1:9/hook")
    old_delivered, old_open, recent = (delivery.dispatch("build.started", DATA)[0] for _ in range(3))
    long_ago = timezone.now() - timedelta(days=quick_webhooks["WEBHOOK_LOG_MAX_AGE_DAYS"] + 1)
    WebhookDelivery.objects.filter(pk__in=[old_delivered.pk, old_open.pk]).update(created_at=long_ago)
    WebhookDelivery.objects.filter(pk__in=[old_delivered.pk, recent.pk]).update(
        status=WebhookDelivery.Status.DELIVERED)

    assert delivery.prune_log() == 1
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {old_open.pk, recent.pk}
