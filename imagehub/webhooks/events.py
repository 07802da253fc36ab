"""The events webhooks receive, where they come from, and their payloads.

| event | sent when | object |
| --- | --- | --- |
| `build.started` | a worker claims a build (`builds.signals.build_started`) | `build` |
| `build.succeeded` | a build succeeds | `build` |
| `build.failed` | a build fails, or is marked lost | `build` |
| `build.cancelled` | a build is cancelled (queued or running) | `build` |
| `version.created` | a template version is saved (`imagehub.catalog`) | `version` |
| `channel.moved` | a channel is assigned, moved, rolled back or follows a build (`builds.channels`) | `channel` |
| `image.revoked` | an image is revoked now, or a scheduled revocation's time comes | `image` |
| `image.restored` | a revoked image is restored | `image` |

Every payload holds `event`, `delivery` (its id), `time` and the object.
Events are sent once the transaction that caused them commits (nothing for
a rolled-back change); sending never raises into the operation that caused it.
A revocation scheduled for later is a `ScheduledEvent`: the workers'
maintenance loop (`send_due_events`) sends it once its time comes, exactly
once across all workers.
"""

import logging
from collections.abc import Callable
from functools import partial, wraps

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imagehub.webhooks.delivery import dispatch
from imagehub.webhooks.models import ScheduledEvent

logger = logging.getLogger(__name__)

BUILD_EVENTS = {
    "succeeded": "build.succeeded",
    "failed": "build.failed",
    "lost": "build.failed",
    "cancelled": "build.cancelled",
}
IMAGE_REVOKED = "image.revoked"


def never_raises(hook: Callable[..., None]) -> Callable[..., None]:
    """Wrap a hook the operations call: it runs in a savepoint, and its error is logged, never raised, so the
    operation goes on as if there were no webhooks."""

    @wraps(hook)
    def safe(*args, **kwargs) -> None:
        try:
            with transaction.atomic():
                hook(*args, **kwargs)
        except Exception:
            logger.exception("Webhook hook %s failed; the operation went on without it", hook.__name__)

    return safe


def emit(event: str, data: dict | Callable[[], dict]) -> None:
    """Send `event` once the current transaction commits (at once outside one); never raises."""
    try:
        transaction.on_commit(partial(_send, event, data), robust=True)
    except Exception:
        logger.exception("The %s event could not be scheduled for webhooks", event)


def _send(event: str, data: dict | Callable[[], dict]) -> None:
    try:
        dispatch(event, data)
    except Exception:
        logger.exception("The %s event could not be sent to webhooks", event)


def dashboard_url(name: str, *args) -> str:
    """The dashboard's address of a page: absolute when IMAGEHUB["PUBLIC_URL"] is set, else a path."""
    return settings.IMAGEHUB.get("PUBLIC_URL", "") + reverse(name, args=args)


def _time(value) -> str | None:
    return value.isoformat() if value else None


def _user(user) -> str | None:
    return user.get_username() if user is not None else None


def template_data(template) -> dict:
    return {"id": template.pk, "name": template.name, "slug": template.slug,
            "url": dashboard_url("catalog:template_detail", template.slug)}


def image_data(node) -> dict:
    """An image's identity: lineage node id, image id, region, the build and template that made it."""
    return {"id": node.pk, "image_id": node.image_id, "region": node.region, "kind": node.kind,
            "build_id": node.build_id, "template": node.template.name if node.template_id else None,
            "url": dashboard_url("builds:image_detail", node.pk)}


def build_data(build_pk: int) -> dict:
    from builds.lineage_models import ImageNode
    from builds.models import Build

    build = Build.objects.select_related("template", "template_version", "requested_by").get(pk=build_pk)
    images = ImageNode.objects.filter(build=build).select_related("template").order_by("region", "image_id")
    return {"build": {
        "id": build.pk, "status": build.status, "url": dashboard_url("builds:build_detail", build.pk),
        "template": template_data(build.template), "version": build.template_version.number,
        "requested_by": _user(build.requested_by), "sources": build.sources,
        "queued_at": _time(build.queued_at), "started_at": _time(build.started_at),
        "finished_at": _time(build.finished_at), "reason": build.exit_reason,
        "images": [image_data(image) for image in images],
    }}


@never_raises
def on_build_started(sender, build_pk: int, **fields) -> None:
    """Receiver of builds.signals.build_started."""
    emit("build.started", partial(build_data, build_pk))


@never_raises
def on_build_finished(sender, build_pk: int, status: str = "", **fields) -> None:
    """Receiver of builds.signals.build_finished: build.succeeded, build.failed (also lost) or build.cancelled."""
    event = BUILD_EVENTS.get(status)
    if event is None:
        logger.error("Build %s finished with status %r, which no webhook event names", build_pk, status)
        return
    emit(event, partial(build_data, build_pk))


@never_raises
def version_created(version) -> None:
    """Send version.created for a version just saved (imagehub.catalog calls it inside its transaction)."""
    template = version.template
    emit("version.created", {"version": {
        "number": version.number, "template": template_data(template), "author": _user(version.author),
        "created_at": _time(version.created), "message": version.message, "content_hash": version.content_hash,
        "restored_from": version.restored_from, "is_valid": version.is_valid, "error_count": version.error_count,
        "warning_count": version.warning_count,
        "url": dashboard_url("catalog:version_detail", template.slug, version.number),
    }})


@never_raises
def channel_moved(channel, change) -> None:
    """Send channel.moved for a channel now pointing at another build (`change` is its ChannelEvent)."""
    emit("channel.moved", partial(_channel_data, channel.pk, change.pk))


def _channel_data(channel_pk: int, change_pk: int) -> dict:
    from builds.channel_models import Channel, ChannelEvent
    from builds.lineage_models import ImageNode

    channel = Channel.objects.select_related("template").get(pk=channel_pk)
    change = ChannelEvent.objects.select_related("by").get(pk=change_pk)
    images = ImageNode.objects.filter(build_id=change.build_id).select_related("template").order_by("region")
    return {"channel": {
        "id": channel.pk, "name": channel.name, "template": template_data(channel.template),
        "action": change.action, "build_id": change.build_id, "previous_build_id": change.previous_build_id,
        "by": _user(change.by), "at": _time(change.at), "note": change.note,
        "build_url": dashboard_url("builds:build_detail", change.build_id) if change.build_id else None,
        "images": [image_data(image) for image in images],
        "url": dashboard_url("builds:template_images", channel.template.slug),
    }}


def _revocation_data(node_pk: int) -> dict:
    from builds.lineage_models import ImageNode

    node = ImageNode.objects.select_related("template", "revoked_by").get(pk=node_pk)
    reached = ImageNode.objects.filter(revoked_cause=node).select_related("template").order_by("pk")
    return {"image": {
        **image_data(node), "revoked_at": _time(node.revoke_at), "reason": node.revoke_reason,
        "revoked_by": _user(node.revoked_by), "descendants": [image_data(image) for image in reached],
    }}


@never_raises
def image_revoked(node_pk: int, at) -> None:
    """Send image.revoked for a revocation from `at`: once committed when `at` has come, else when it comes
    (called by builds.revocation inside its transaction)."""
    if at > timezone.now():
        ScheduledEvent.objects.update_or_create(event=IMAGE_REVOKED, object_id=node_pk,
                                                defaults={"due_at": at, "sent_at": None})
        return
    ScheduledEvent.objects.filter(event=IMAGE_REVOKED, object_id=node_pk, sent_at__isnull=True).delete()
    emit(IMAGE_REVOKED, partial(_revocation_data, node_pk))


@never_raises
def image_restoring(node_pk: int) -> None:
    """Before a restore lifts a revocation (called by builds.revocation inside its transaction): cancel a
    revocation still to come, and send image.restored, with the descendants it restores, for one in effect."""
    from builds.lineage_models import ImageNode

    ScheduledEvent.objects.filter(event=IMAGE_REVOKED, object_id=node_pk, sent_at__isnull=True).delete()
    node = ImageNode.objects.select_related("template").get(pk=node_pk)
    if not node.is_revoked():
        return
    restored = ImageNode.objects.filter(revoked_cause=node).select_related("template").order_by("pk")
    emit("image.restored", {"image": {
        **image_data(node), "restored_at": _time(timezone.now()), "was_revoked_at": _time(node.revoke_at),
        "descendants": [image_data(image) for image in restored],
    }})


def send_due_events(now=None) -> int:
    """Send the scheduled events whose time has come, each exactly once; return how many this call sent."""
    now = now or timezone.now()
    sent = 0
    for scheduled in ScheduledEvent.objects.filter(sent_at__isnull=True, due_at__lte=now)[:500]:
        with transaction.atomic():
            # Of several workers looking at once, the one whose update marks it sends it.
            if not ScheduledEvent.objects.filter(pk=scheduled.pk, sent_at__isnull=True).update(sent_at=now):
                continue
            try:
                data = _revocation_data(scheduled.object_id)
            except ObjectDoesNotExist:  # the image was deleted since: there is nothing to tell
                continue
            dispatch(scheduled.event, data)
            sent += 1
    return sent
