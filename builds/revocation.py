"""Revoking images (now or at a time to come, with their descendants or alone) and restoring them.

- `revoke(image, user, reason, at=None, descendants=False)`: from `at` (now
  when None) the image is revoked: the `imagehub-image` data source refuses
  it, builds may not start from it, channels pointing at it are flagged.
  With `descendants`, every image built from it (at any depth) is revoked
  from the same time, each recording `image` as the ancestor that caused it;
  descendants already revoked on their own keep their own revocation.
  Returns how many images it revoked.
- `restore(image, user)`: lifts the revocation of `image` and of the
  descendants its revocation reached; returns how many images it restored.

Both send webhook events once committed: `image.revoked` (for a time to
come, when that time comes) and `image.restored`.

Both raise PermissionDenied without `builds.revoke_imagenode` (the builder
role) and ValidationError for a request to fix (no reason given).
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from builds import lineage
from builds.lineage_models import ImageNode
from imagehub.roles import REVOKE_IMAGES
from imagehub.webhooks import events as webhook_events

BATCH = 500


def _require(user) -> None:
    if user is None or not user.has_perm(REVOKE_IMAGES):
        raise PermissionDenied("Your account may not revoke or restore images; ask an administrator for the "
                               "builder role.")


def revoke(image: ImageNode, user, reason: str, at: datetime | None = None, descendants: bool = False) -> int:
    """Revoke `image` from `at` (now by default), with its descendants when asked; return how many were revoked."""
    _require(user)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the image is revoked: the reason is shown wherever the image is.")
    at = at or timezone.now()
    with transaction.atomic():
        ImageNode.objects.filter(pk=image.pk).update(revoke_at=at, revoke_reason=reason, revoked_by=user,
                                                     revoked_cause=None)
        count = 1
        if descendants:
            ids = lineage.descendant_ids([image.pk])
            for start in range(0, len(ids), BATCH):
                # Those revoked on their own (or by another ancestor) before `at` keep their revocation.
                reached = ImageNode.objects.filter(pk__in=ids[start:start + BATCH]).filter(
                    Q(revoke_at__isnull=True) | Q(revoke_at__gt=at) | Q(revoked_cause=image))
                count += reached.update(revoke_at=at, revoke_reason=reason, revoked_by=user, revoked_cause=image)
        webhook_events.image_revoked(image.pk, at)
    image.refresh_from_db()
    return count


def restore(image: ImageNode, user) -> int:
    """Lift the revocation of `image` and of the descendants it reached; return how many were restored."""
    _require(user)
    cleared = {"revoke_at": None, "revoke_reason": "", "revoked_by": None, "revoked_cause": None}
    with transaction.atomic():
        webhook_events.image_restoring(image.pk)
        count = ImageNode.objects.filter(pk=image.pk, revoke_at__isnull=False).update(**cleared)
        count += ImageNode.objects.filter(revoked_cause=image).update(**cleared)
    image.refresh_from_db()
    return count
