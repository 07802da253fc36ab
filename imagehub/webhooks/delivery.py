"""Sending events to webhooks: a delivery per subscribed webhook, POSTed by a background task, retried with backoff.

- `dispatch(event, data)`: record a delivery of `event` for each active
  webhook that subscribes to it and queue their first attempts; returns the
  deliveries. `data` is the payload's object ({"build": {...}}), or a
  function returning it, called only when some webhook listens.
- `attempt(delivery_pk)`: the task's body. It takes the delivery when its
  time has come (so one attempt runs at a time), POSTs the signed JSON with
  the configured timeout and without following redirects, and logs the
  attempt. A 2xx answer delivers it; anything else (another status, a
  refused connection, a timeout) schedules the next attempt after the next
  of IMAGEHUB["WEBHOOK_RETRY_SECONDS"], or gives up after the last.
- `redeliver(delivery)`: a new delivery of the same event and object.
- `resume_stalled()`: queue again the open deliveries whose time came more
  than IMAGEHUB["WEBHOOK_RESUME_AFTER_SECONDS"] ago (their task was lost
  with a worker); the workers' maintenance loop calls it.
- `prune_log()`: delete the deliveries (with their attempts) that ended
  more than IMAGEHUB["WEBHOOK_LOG_MAX_AGE_DAYS"] days ago; the workers
  call it when they prune old task results.
"""

import http.client
import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from builds.secrets import SecretsUnreadable
from imagehub.webhooks import signing
from imagehub.webhooks.models import PING, Webhook, WebhookAttempt, WebhookDelivery

logger = logging.getLogger(__name__)

QUEUE = "webhooks"
USER_AGENT = "ImageHub-Webhook/1"
EXCERPT_CHARS = 2000
# A worker that takes a delivery holds it for its timeout and this much more before another may take it.
HOLD_MARGIN_SECONDS = 30.0


def body_of(payload: dict) -> bytes:
    """The bytes POSTed for `payload`: compact JSON, keys sorted, the same on every attempt."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def max_attempts() -> int:
    return len(settings.IMAGEHUB["WEBHOOK_RETRY_SECONDS"]) + 1


def dispatch(event: str, data: dict | Callable[[], dict], webhooks=None) -> list[WebhookDelivery]:
    """Record and queue a delivery of `event` to each active webhook wanting it (or to `webhooks`); return them."""
    candidates = Webhook.objects.filter(active=True) if webhooks is None else webhooks
    targets = [webhook for webhook in candidates if webhook.wants(event)]
    if not targets:
        return []
    content = data() if callable(data) else data
    now = timezone.now()
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            _new_delivery(webhook, event, content, now) for webhook in targets)
        transaction.on_commit(lambda: [enqueue(delivery) for delivery in deliveries], robust=True)
    return deliveries


def _new_delivery(webhook: Webhook, event: str, content: dict, now, redelivery_of=None) -> WebhookDelivery:
    delivery_id = uuid.uuid4()
    payload = {"event": event, "delivery": str(delivery_id), "time": now.isoformat(), **content}
    return WebhookDelivery(webhook=webhook, event=event, delivery_id=delivery_id, payload=payload,
                           next_attempt_at=now, created_at=now, redelivery_of=redelivery_of)


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send `delivery`'s event and object again, as a new delivery (a new id) to the same webhook; return it."""
    content = {key: value for key, value in delivery.payload.items() if key not in ("event", "delivery", "time")}
    with transaction.atomic():
        again = _new_delivery(delivery.webhook, delivery.event, content, timezone.now(), redelivery_of=delivery)
        again.save()
        transaction.on_commit(lambda: enqueue(again), robust=True)
    return again


def enqueue(delivery: WebhookDelivery) -> None:
    """Queue the task attempting `delivery` at its next attempt time; a failure to queue is left to
    `resume_stalled`."""
    from imagehub.webhooks.tasks import deliver

    try:
        task = deliver
        if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now():
            task = deliver.using(run_after=delivery.next_attempt_at)
        task.enqueue(delivery.pk)
    except Exception:
        logger.exception("Queueing webhook delivery %s failed; a worker will queue it again", delivery.delivery_id)


def attempt(delivery_pk: int) -> str:
    """Make the next attempt of the delivery if its time has come; return its status afterwards ("" when it was
    not this worker's to make)."""
    options = settings.IMAGEHUB
    now = timezone.now()
    hold = now + timedelta(seconds=options["WEBHOOK_TIMEOUT_SECONDS"] + HOLD_MARGIN_SECONDS)
    taken = WebhookDelivery.objects.filter(pk=delivery_pk, status__in=WebhookDelivery.OPEN,
                                           next_attempt_at__lte=now).update(next_attempt_at=hold,
                                                                            attempts=F("attempts") + 1)
    if not taken:
        return ""
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_pk)
    webhook = delivery.webhook
    if not webhook.active and delivery.event != PING:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.GAVE_UP, next_attempt_at=None, attempts=F("attempts") - 1,
            response_excerpt="Not sent: the webhook was disabled.")
        return WebhookDelivery.Status.GAVE_UP
    body = body_of(delivery.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.EVENT_HEADER: delivery.event,
        signing.DELIVERY_HEADER: str(delivery.delivery_id),
    }
    started = timezone.now()
    try:
        headers[signing.SIGNATURE_HEADER] = signing.sign(webhook.secret, body)
    except SecretsUnreadable as error:
        return _record(delivery, started, headers, Outcome(0, error=f"Not sent: {error}"))
    outcome = post(webhook.url, body, headers, options["WEBHOOK_TIMEOUT_SECONDS"])
    return _record(delivery, started, headers, outcome)


class Outcome:
    """What a POST came back with: a status, headers and the start of the body, or an error; and how long it took."""

    def __init__(self, duration_ms: int, status: int | None = None, headers: dict | None = None,
                 excerpt: str = "", error: str = ""):
        self.duration_ms = duration_ms
        self.status = status
        self.headers = headers or {}
        self.excerpt = excerpt
        self.error = error

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST `body` to `url` (redirects are answers, not followed); return the Outcome."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    start = time.monotonic()
    connection = None
    try:
        connection = connection_class(parts.hostname, parts.port, timeout=timeout)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_CHARS).decode("utf-8", "replace")
        return Outcome(_ms_since(start), response.status, dict(response.getheaders()), excerpt)
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Outcome(_ms_since(start), error=_describe(error, url, timeout))
    finally:
        if connection is not None:
            connection.close()


def _ms_since(start: float) -> int:
    return max(0, round((time.monotonic() - start) * 1000))


def _describe(error: Exception, url: str, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"No answer from {url} within {timeout:g} seconds."
    if isinstance(error, ConnectionRefusedError):
        return f"Connection to {url} refused: nothing listens there."
    return f"Could not POST to {url}: {error.__class__.__name__}: {error}"


def _record(delivery: WebhookDelivery, started, headers: dict, outcome: Outcome) -> str:
    number = delivery.attempts
    finished = timezone.now()
    if outcome.succeeded:
        status, next_at = WebhookDelivery.Status.DELIVERED, None
    elif number >= max_attempts():
        status, next_at = WebhookDelivery.Status.GAVE_UP, None
    else:
        delay = settings.IMAGEHUB["WEBHOOK_RETRY_SECONDS"][number - 1]
        status, next_at = WebhookDelivery.Status.FAILED, finished + timedelta(seconds=delay)
    shown = dict(headers)
    if signing.SIGNATURE_HEADER in shown:
        shown[signing.SIGNATURE_HEADER] = shown[signing.SIGNATURE_HEADER].split(",")[0] + ",v1=…"
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery, number=number, started_at=started, duration_ms=outcome.duration_ms,
            request_headers=shown, response_status=outcome.status, response_headers=outcome.headers,
            response_excerpt=outcome.excerpt, error=outcome.error)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=status, next_attempt_at=next_at, response_status=outcome.status,
            response_excerpt=outcome.error or outcome.excerpt[:500], duration_ms=outcome.duration_ms,
            last_attempt_at=started)
    if next_at is not None:
        delivery.next_attempt_at = next_at
        enqueue(delivery)
    log = logger.info if outcome.succeeded else logger.warning
    log("Webhook delivery %s (%s to %s), attempt %d: %s", delivery.delivery_id, delivery.event,
        delivery.webhook.url, number, outcome.status or outcome.error)
    return status


def resume_stalled(now=None) -> int:
    """Queue again the open deliveries whose time came long ago (their task was lost); return how many."""
    now = now or timezone.now()
    bound = now - timedelta(seconds=settings.IMAGEHUB["WEBHOOK_RESUME_AFTER_SECONDS"])
    stalled = WebhookDelivery.objects.filter(status__in=WebhookDelivery.OPEN, next_attempt_at__lte=bound)
    count = 0
    for delivery in stalled.only("pk", "delivery_id", "next_attempt_at")[:500]:
        # Taking it by its old time: of several workers' loops, one queues it; the next look is a while later.
        if WebhookDelivery.objects.filter(pk=delivery.pk, next_attempt_at=delivery.next_attempt_at).update(
                next_attempt_at=now):
            delivery.next_attempt_at = now
            enqueue(delivery)
            count += 1
    if count:
        logger.warning("Queued %d webhook deliveries again whose task was lost", count)
    return count


def prune_log(now=None) -> int:
    """Delete delivered and given-up deliveries created before the log's age limit; return how many."""
    bound = (now or timezone.now()) - timedelta(days=settings.IMAGEHUB["WEBHOOK_LOG_MAX_AGE_DAYS"])
    _, deleted = WebhookDelivery.objects.filter(created_at__lt=bound).exclude(
        status__in=WebhookDelivery.OPEN).delete()
    count = deleted.get(WebhookDelivery._meta.label, 0)
    if count:
        logger.info("Deleted %d webhook deliveries created before %s", count, bound.isoformat())
    return count
