"""Channel records: a template's named pointers at builds (`Channel`), their history (`ChannelEvent`), and
the channel images builds asked for through the `imagehub-image` data source (`ImageUse`).

A channel points at a build of its template; its image in a region is that
build's image there (`builds.channels.channel_image`). Every change is a
`ChannelEvent` saying who did what and when: assigned by hand, rolled back
to the build before, or assigned when a build succeeded (`automatic`).
`Channel.follow_latest` is the ImageHub setting that moves the channel to
every build of its template that succeeds.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

MAX_CHANNEL_NAME_LENGTH = 50
_CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")


def validate_channel_name(name: str) -> None:
    """Accept a channel name; raise ValidationError saying what one may contain."""
    if len(name) > MAX_CHANNEL_NAME_LENGTH or not _CHANNEL_NAME.fullmatch(name):
        raise ValidationError(
            f'"{name}" is not a channel name: use at most {MAX_CHANNEL_NAME_LENGTH} lower-case letters, digits, '
            '".", "_" and "-", starting with a letter or digit (e.g. "production").', code="invalid_channel")


class Channel(models.Model):
    """A named pointer at one build of a template, like HCP Packer's channels (`dev`, `production`)."""

    template = models.ForeignKey("imagehub.PackerTemplate", on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=MAX_CHANNEL_NAME_LENGTH, validators=[validate_channel_name])
    build = models.ForeignKey("builds.Build", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="channels")
    follow_latest = models.BooleanField(default=False)  # move to every build of the template that succeeds
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["template", "name"]
        constraints = [models.UniqueConstraint(fields=["template", "name"], name="builds_channel_unique_name")]

    def __str__(self) -> str:
        return f"{self.template}/{self.name}"


class ChannelEvent(models.Model):
    """One change of a channel: which build it pointed at before and after, who did it, when and how."""

    class Action(models.TextChoices):
        ASSIGN = "assign", "Assigned"
        ROLLBACK = "rollback", "Rolled back"
        AUTOMATIC = "automatic", "Assigned when the build succeeded"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    build = models.ForeignKey("builds.Build", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous_build = models.ForeignKey("builds.Build", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["channel", "-at"], name="builds_channel_event_at")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.get_action_display()} build {self.build_id}"


class ImageUse(models.Model):
    """A channel's image a build was given by the `imagehub-image` data source (the explicit lineage link)."""

    build = models.ForeignKey("builds.Build", on_delete=models.CASCADE, related_name="image_uses")
    image = models.ForeignKey("builds.ImageNode", on_delete=models.CASCADE, related_name="uses")
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="uses")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["build", "id"]

    def __str__(self) -> str:
        return f"build {self.build_id} used {self.image_id}"
