"""Image lineage records: `ImageNode`, one image (per region for AMIs) with its parent and revocation.

- An *artifact* node is an image an ImageHub build made: `artifact`, `build`
  and `template` say which (they are kept, as None, when the build record is
  pruned, so the lineage survives it). An AMI copied to three regions is three
  nodes with the same parent.
- An *external* node is a base image ImageHub did not build (an Ubuntu AMI,
  `debian:12`), with what its builder reported: `name`, `owner`,
  `owner_name`, `image_created` (as the cloud gives it) and `tags`.
- `parent` is the image a node was built from (None for external nodes and
  images of unknown origin). `parent_via` says how the link was found: the
  source image id the builder reported, or the `imagehub-image` data source
  that chose it. `builds.lineage` walks the links (ancestors, descendants).
- Revocation: `revoke_at` set means the image is revoked from that time on
  (a time to come is a scheduled revocation), with `revoke_reason`,
  `revoked_by`, and `revoked_cause`, the ancestor whose revocation reached it
  (None when revoked itself). Use `is_revoked()` / `ImageNode.objects.revoked()`.
  `revoke_descendants` says the image's own revocation reaches the images
  built from it (those recorded later too). While an ancestor's revocation
  is in force on an image that had its own, later one, that own revocation
  waits in `own_revoke_at`, `own_revoke_reason` and `own_revoked_by`
  (see `builds.revocation`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ImageNodeQuerySet(models.QuerySet):
    def revoked(self, now=None) -> "ImageNodeQuerySet":
        """Nodes revoked at `now` (default: now), scheduled revocations that have come due included."""
        return self.filter(revoke_at__lte=now or timezone.now())

    def not_revoked(self, now=None) -> "ImageNodeQuerySet":
        return self.filter(Q(revoke_at__isnull=True) | Q(revoke_at__gt=now or timezone.now()))


class ImageNode(models.Model):
    """One image in the lineage graph: built by ImageHub (an artifact) or an external base image."""

    class Kind(models.TextChoices):
        ARTIFACT = "artifact", "ImageHub image"
        EXTERNAL = "external", "External base image"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    image_id = models.CharField(max_length=200)  # "ami-0abc", "sha256:…"
    region = models.CharField(max_length=50, blank=True)  # "" where images have no region (Docker)
    builder_type = models.CharField(max_length=100, blank=True)  # "amazon-ebs", "docker"

    artifact = models.ForeignKey("builds.Artifact", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="images")
    build = models.ForeignKey("builds.Build", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="images")
    template = models.ForeignKey("imagehub.PackerTemplate", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="images", db_index=False)  # the index below starts with it
    source = models.CharField(max_length=200, blank=True)  # the build's source, "amazon-ebs.web"

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    parent_via = models.CharField(max_length=300, blank=True)

    # What is known of an external image (and of artifact images, from their builder).
    name = models.CharField(max_length=300, blank=True)
    owner = models.CharField(max_length=200, blank=True)
    owner_name = models.CharField(max_length=200, blank=True)
    image_created = models.CharField(max_length=50, blank=True)  # "2024-05-01T12:00:00.000Z"
    tags = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    revoke_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revoked_cause = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="revoked_descendants")
    revoke_descendants = models.BooleanField(default=False)
    own_revoke_at = models.DateTimeField(null=True, blank=True)
    own_revoke_reason = models.TextField(blank=True)
    own_revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    objects = ImageNodeQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["image_id", "region"], name="builds_image_id_region"),
            models.Index(fields=["template", "-build"], name="builds_image_template_build"),
            models.Index(fields=["template", "source", "region", "-build"], name="builds_image_newer"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["image_id", "region"], condition=Q(kind="external"),
                                    name="builds_image_one_external_node"),
            models.UniqueConstraint(fields=["artifact", "region", "image_id"], condition=Q(kind="artifact"),
                                    name="builds_image_one_node_per_artifact_image"),
        ]
        permissions = [("revoke_imagenode", "Can revoke and restore images")]

    def __str__(self) -> str:
        return f"{self.image_id} ({self.region})" if self.region else self.image_id

    @property
    def is_external(self) -> bool:
        return self.kind == self.Kind.EXTERNAL

    def is_revoked(self, now=None) -> bool:
        return self.revoke_at is not None and self.revoke_at <= (now or timezone.now())

    def is_revocation_scheduled(self, now=None) -> bool:
        return self.revoke_at is not None and self.revoke_at > (now or timezone.now())

    def inherited_revocation(self) -> dict:
        """The revocation fields an image recorded now with this one as its parent starts with: this image's
        revocation when it reaches descendants (its own with `revoke_descendants`, or an ancestor's that
        reached it), else {}."""
        if self.revoke_at is None or (self.revoked_cause_id is None and not self.revoke_descendants):
            return {}
        return {"revoke_at": self.revoke_at, "revoke_reason": self.revoke_reason,
                "revoked_by_id": self.revoked_by_id, "revoked_cause_id": self.revoked_cause_id or self.pk}

    def label(self) -> str:
        """A short name for pictures and lists: "golden-base #12" or the external image's name."""
        if self.is_external:
            return self.name or self.image_id
        if self.template_id is not None and self.build_id is not None:
            return f"{self.template.name} #{self.build_id}"
        return self.name or self.image_id
