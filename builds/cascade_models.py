"""Cascade rebuilds: a `Cascade` rebuilding the templates below an image, one `CascadeStep` per template.

- A cascade starts from an image (`trigger_image`, with the build that made
  it, `trigger_build`): a parent's new image, or a revoked one. Its status
  goes PLANNED → RUNNING → SUCCEEDED | FAILED | CANCELLED; `finished_at` is
  set with the final status. `builds.cascades` plans, starts, advances and
  cancels cascades; views never change these rows themselves.
- A step rebuilds one template: `previous_build` is the build whose given
  variables it reuses, `version` the template version it builds (the
  latest), `level` its place in the topological order (1 for templates built
  from the trigger's template, one more than its deepest parent otherwise),
  `waits_for` the steps whose new images it needs, `build` the build it
  queued. Status WAITING → QUEUED → RUNNING → SUCCEEDED | FAILED |
  CANCELLED, or WAITING → SKIPPED when a step it waits for did not succeed;
  `reason` says why a step did not succeed, `warning` what went otherwise
  than planned (a new image not built from its parent's new image).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Cascade(models.Model):
    """The rebuild of every template below an image, in topological order, as one unit."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    UNFINISHED = (Status.PLANNED, Status.RUNNING)

    trigger_image = models.ForeignKey("builds.ImageNode", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="cascades")
    trigger_build = models.ForeignKey("builds.Build", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="triggered_cascades")
    template = models.ForeignKey("imagehub.PackerTemplate", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="cascades")  # the trigger's template
    trigger_revoked = models.BooleanField(default=False)  # the trigger image was revoked when it started
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="builds_cascade_status")]

    def __str__(self) -> str:
        return f"Cascade #{self.pk}"

    @property
    def is_over(self) -> bool:
        return self.status not in self.UNFINISHED


class CascadeStep(models.Model):
    """One template's rebuild in a cascade: what it rebuilds from, what it waits for, the build it queued."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        CANCELLED = "cancelled", "Cancelled"

    UNFINISHED = (Status.WAITING, Status.QUEUED, Status.RUNNING)
    NOT_SUCCEEDED = (Status.FAILED, Status.SKIPPED, Status.CANCELLED)

    cascade = models.ForeignKey(Cascade, on_delete=models.CASCADE, related_name="steps")
    template = models.ForeignKey("imagehub.PackerTemplate", on_delete=models.PROTECT, related_name="+")
    previous_build = models.ForeignKey("builds.Build", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    version = models.ForeignKey("imagehub.TemplateVersion", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveIntegerField()
    position = models.PositiveIntegerField()  # the order of the plan, level by level
    waits_for = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="needed_by")
    starts_from = models.TextField(blank=True)  # what the previous build started from, as the plan said
    build = models.ForeignKey("builds.Build", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="cascade_steps")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    reason = models.TextField(blank=True)
    warning = models.TextField(blank=True)

    class Meta:
        ordering = ["cascade", "position"]
        constraints = [models.UniqueConstraint(fields=["cascade", "template"], name="builds_cascade_step_template")]

    def __str__(self) -> str:
        return f"{self.cascade}: {self.template_id} at level {self.level}"

    @property
    def is_over(self) -> bool:
        return self.status not in self.UNFINISHED
