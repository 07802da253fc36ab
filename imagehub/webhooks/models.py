"""Webhook records: `Webhook` (where to send which events), `WebhookDelivery` (one notice to one webhook) with its
`WebhookAttempt`s, and `ScheduledEvent` (an event due later, sent once).

A delivery is `pending` until its first attempt, `failed` while a retry is
due after a failed attempt, then `delivered` (a 2xx answer) or `gave_up`
(every attempt failed). `next_attempt_at` is when a worker may take it next;
a worker that takes it moves that time past its attempt's timeout, so one
attempt runs at a time and a crashed attempt is taken up again.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from builds import secrets

ALL_EVENTS = "*"
EVENTS = {
    "build.started": "A build started",
    "build.succeeded": "A build succeeded",
    "build.failed": "A build failed or was lost",
    "build.cancelled": "A build was cancelled",
    "version.created": "A template version was saved",
    "channel.moved": "A channel was assigned, moved or rolled back",
    "image.revoked": "An image was revoked (a scheduled revocation when its time comes)",
    "image.restored": "A revoked image was restored",
}
PING = "ping"

validate_target_url = URLValidator(schemes=["http", "https"],
                                   message="Enter the full http:// or https:// address the notices are sent to.")


def validate_events(value) -> None:
    """Accept a list of known event names, or ["*"] for all of them."""
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one event, or all events.")
    unknown = [name for name in value if name != ALL_EVENTS and name not in EVENTS]
    if unknown:
        raise ValidationError(f"Unknown events: {', '.join(map(str, unknown))}; known: {', '.join(EVENTS)}.")


class Webhook(models.Model):
    """A URL that receives the events it subscribes to, signed with its own secret."""

    name = models.CharField(max_length=100)
    url = models.CharField("target URL", max_length=500, validators=[validate_target_url])
    events = models.JSONField(default=list, validators=[validate_events])  # names, or ["*"] for all
    secret_encrypted = models.TextField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        """The signing secret, decrypted; raises builds.secrets.SecretsUnreadable when no key opens it."""
        return secrets.decrypt(self.secret_encrypted)["secret"]

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = secrets.encrypt({"secret": value})

    @property
    def all_events(self) -> bool:
        return ALL_EVENTS in self.events

    def wants(self, event: str) -> bool:
        """Whether the webhook subscribes to `event` (a ping goes to any webhook asked)."""
        return event == PING or self.all_events or event in self.events

    def event_labels(self) -> list[str]:
        return ["all events"] if self.all_events else [name for name in EVENTS if name in self.events]


class WebhookDelivery(models.Model):
    """One event sent to one webhook, with the outcome of its latest attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        FAILED = "failed", "Failed, will retry"
        DELIVERED = "delivered", "Delivered"
        GAVE_UP = "gave_up", "Gave up"

    OPEN = (Status.PENDING, Status.FAILED)

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50)
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField()
    redelivery_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)  # the start of the answer's body, or the connection error
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["webhook", "-created_at"], name="imagehub_delivery_log"),
            models.Index(fields=["status", "next_attempt_at"], name="imagehub_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook} ({self.delivery_id})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class WebhookAttempt(models.Model):
    """One POST of a delivery: what was sent and what came back (or the error that came instead)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    request_headers = models.JSONField(default=dict)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="imagehub_one_attempt_per_number"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


class ScheduledEvent(models.Model):
    """An event due at a later time (a scheduled revocation's `image.revoked`); `sent_at` is set once it is sent."""

    event = models.CharField(max_length=50)
    object_id = models.BigIntegerField()
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "due_at"], name="imagehub_scheduled_event_due")]
        constraints = [
            models.UniqueConstraint(fields=["event", "object_id"], name="imagehub_one_scheduled_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.object_id} at {self.due_at:%Y-%m-%d %H:%M}"
