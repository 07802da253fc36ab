"""Revoking images (now or at a time to come, with their descendants or alone) and restoring them.

- `revoke(image, user, reason, at=None, descendants=False)`: from `at` (now
  when None) the image is revoked: the `imagehub-image` data source refuses
  it, builds may not start from it, channels pointing at it are flagged.
  With `descendants`, every image built from it (at any depth) is revoked
  from the same time, each recording `image` as the ancestor that caused it,
  and so is every image recorded later with one of them as its parent
  (`ImageNode.inherited_revocation`, which `builds.lineage` applies as it
  records an image): a revocation scheduled for next week also reaches the images
  built from it before next week. Returns how many images it revoked.
- `restore(image, user)`: lifts the revocation of `image` and of the
  descendants its revocation reached; returns how many images it restored.

What a descendant keeps:
- its own revocation (or another ancestor's) due at or before `at` stays:
  the earlier one is the one in force;
- its own revocation due after `at` is set aside (`own_revoke_*`), and the
  ancestor's takes its place; restoring the ancestor brings it back, so a
  descendant's own schedule is never lost to an ancestor's revocation;
- restoring an ancestor gives each descendant it reached the earliest
  revocation still asked for it: its own set aside, or that of another
  ancestor revoked with its descendants; with none, it is no longer revoked.

Both send webhook events once committed: `image.revoked` (for a time to
come, when that time comes) and `image.restored`.

Both raise PermissionDenied without `builds.revoke_imagenode` (the builder
role) and ValidationError for a request to fix (no reason given).
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from builds import lineage
from builds.lineage_models import ImageNode
from imagehub.roles import REVOKE_IMAGES
from imagehub.webhooks import events as webhook_events

BATCH = 500
NOT_REVOKED = {"revoke_at": None, "revoke_reason": "", "revoked_by": None, "revoked_cause": None}
NO_OWN = {"own_revoke_at": None, "own_revoke_reason": "", "own_revoked_by": None}


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
                                                     revoked_cause=None, revoke_descendants=descendants)
        count = 1
        if descendants:
            count += _reach(lineage.descendant_ids([image.pk]), image, at, reason, user)
        webhook_events.image_revoked(image.pk, at)
    image.refresh_from_db()
    return count


def _reach(ids: list[int], cause: ImageNode, at: datetime, reason: str, user) -> int:
    """Revoke the images `ids` from `at` as caused by `cause`, keeping what the module's docstring says."""
    caused = {"revoke_at": at, "revoke_reason": reason, "revoked_by": user, "revoked_cause": cause}
    count = 0
    for start in range(0, len(ids), BATCH):
        batch = ImageNode.objects.filter(pk__in=ids[start:start + BATCH])
        # Not revoked, revoked later by another ancestor, or by this one before: this revocation is in force.
        count += batch.filter(Q(revoke_at__isnull=True) | Q(revoked_cause__isnull=False, revoke_at__gt=at)
                              | Q(revoked_cause=cause)).update(**caused)
        # Their own revocation, due later, waits until the ancestor's is lifted.
        count += batch.filter(revoked_cause__isnull=True, revoke_at__gt=at).update(
            own_revoke_at=F("revoke_at"), own_revoke_reason=F("revoke_reason"), own_revoked_by=F("revoked_by"),
            **caused)
    return count


def restore(image: ImageNode, user) -> int:
    """Lift the revocation of `image` and of the descendants it reached; return how many were restored."""
    _require(user)
    with transaction.atomic():
        webhook_events.image_restoring(image.pk)
        count = ImageNode.objects.filter(pk=image.pk, revoke_at__isnull=False).update(
            **NOT_REVOKED, **NO_OWN, revoke_descendants=False)
        reached = list(ImageNode.objects.filter(revoked_cause=image).values_list("pk", flat=True))
        count += _fall_back(reached, image.pk)
    image.refresh_from_db()
    return count


def _own(node: ImageNode) -> tuple[datetime | None, str, int | None]:
    """A node's own revocation (time, reason, by), in force or set aside."""
    if node.revoked_cause_id is None:
        return node.revoke_at, node.revoke_reason, node.revoked_by_id
    return node.own_revoke_at, node.own_revoke_reason, node.own_revoked_by_id


def _fall_back(reached: list[int], lifted: int) -> int:
    """Give each of `reached` the earliest revocation still asked for it once `lifted`'s is lifted (its own set
    aside, or another ancestor's that reaches descendants); return how many are no longer revoked.

    A batch of them at a time (an image may have more descendants than a query takes parameters), each
    batch's images that end alike changed by one query."""
    restored, now = 0, timezone.now()
    for start in range(0, len(reached), BATCH):
        batch = reached[start:start + BATCH]
        nodes = {node.pk: node for node in ImageNode.objects.filter(pk__in=lineage.with_ancestors(batch))}
        outcomes: dict[tuple, list[int]] = {}
        for pk in batch:
            outcomes.setdefault(_earliest_left(nodes[pk], nodes, lifted), []).append(pk)
        for (at, reason, by, cause), pks in outcomes.items():
            fields = NOT_REVOKED if at is None else {"revoke_at": at, "revoke_reason": reason, "revoked_by": by,
                                                      "revoked_cause": cause}
            ImageNode.objects.filter(pk__in=pks).update(**fields, **NO_OWN)
            if at is None or at > now:
                restored += len(pks)
    return restored


def _earliest_left(node: ImageNode, nodes: dict[int, ImageNode], lifted: int) -> tuple:
    """The earliest revocation (time, reason, by, causing ancestor) still asked for `node` once `lifted`'s is
    lifted, `(None, "", None, None)` for none; `nodes` holds its ancestors."""
    options = []
    if node.own_revoke_at is not None:
        options.append((node.own_revoke_at, node.own_revoke_reason, node.own_revoked_by_id, None))
    ancestor, hops = nodes.get(node.parent_id), 0
    while ancestor is not None and hops < lineage.MAX_HOPS:
        at, reason, by = _own(ancestor)
        if ancestor.pk != lifted and ancestor.revoke_descendants and at is not None:
            options.append((at, reason, by, ancestor.pk))
        ancestor, hops = nodes.get(ancestor.parent_id), hops + 1
    return min(options, key=lambda option: option[0]) if options else (None, "", None, None)
