"""The build records: `Build`, its steps (`BuildStep`), its numbered log (`BuildLogLine`) and its `Artifact`s.

Interface for views, consumers and the JSON export:

- `Build.Status` is QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED | LOST
  (a queued build can also go straight to CANCELLED). `Build.is_over`
  tells whether it can still change. Permissions: `builds.view_build` to see
  builds, `builds.add_build` to start and rebuild, `builds.change_build` to
  cancel and to continue a breakpoint (the migration gives them to the
  viewer and builder roles).
- `Build.variables` holds the non-sensitive resolved values ({name: value});
  `Build.sensitive_names` lists the sensitive ones, whose values are kept
  encrypted (`builds.secrets`) and are never rendered: use
  `Build.displayed_variables()` to show them.
- `Build.current_step` reads "null.web: StepConnect"; `Build.paused_at` is set
  while a `breakpoint` provisioner waits for `services.continue_breakpoint`.
- `Build.last_seq` is the number of the last log line stored; lines are
  numbered 1, 2, 3... per build without gaps, and `BuildLogLine.message()`
  (or `BuildLogLine.objects.messages(build, after=seq)`) gives a line as the
  websocket sends it: {"seq", "time" (UNIX seconds), "source", "step",
  "stream", "text"}.
- `BuildStep` is one stretch of the timeline: a builder step's run or
  cleanup, a provisioner, or a post-processor, with its outcome.
- `Artifact.files` is a list of {"name", "size", "sha256", "path"}, `path`
  being relative to IMAGEHUB["ARTIFACTS_DIR"].
- The images artifacts are, with their parents and revocations, are
  `ImageNode`s (builds.lineage_models); channels and the images builds took
  from them are in builds.channel_models, cascade rebuilds in
  builds.cascade_models, API tokens in builds.tokens.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from imagehub.models import PackerTemplate, TemplateVersion

SENSITIVE_MASK = "(sensitive)"
ON_ERROR_CHOICES = [
    ("cleanup", "Clean up"),
    ("abort", "Abort, leaving everything for debugging"),
    ("run-cleanup-provisioner", "Run the error-cleanup provisioner, then clean up"),
]


class BuildQuerySet(models.QuerySet):
    def unfinished(self) -> "BuildQuerySet":
        """Builds that are queued or running."""
        return self.filter(status__in=Build.UNFINISHED)

    def with_builder_type(self, builder_type: str) -> "BuildQuerySet":
        """Builds one of whose sources is of `builder_type` ("amazon-ebs", "docker", "null"...)."""
        return self.filter(builder_types__contains=f" {builder_type} ")


class Build(models.Model):
    """One run of a template version: who asked, with which variables, how it went, what it made."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        LOST = "lost", "Lost"

    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    template = models.ForeignKey(PackerTemplate, on_delete=models.PROTECT, related_name="builds")
    template_version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="builds")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="builds"
    )
    rebuild_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rebuilds"
    )

    # What to build.
    variables = models.JSONField(default=dict, blank=True)
    sensitive_names = models.JSONField(default=list, blank=True)
    sensitive_variables = models.TextField(blank=True, editable=False)  # Fernet token; builds.secrets
    given_names = models.JSONField(default=list, blank=True)  # the variables the requester set
    preset = models.CharField(max_length=100, blank=True)  # the variables file applied, if any
    only = models.JSONField(default=list, blank=True)
    except_names = models.JSONField(default=list, blank=True)  # -except (Django forbids the name except_)
    on_error = models.CharField(max_length=30, choices=ON_ERROR_CHOICES, default="cleanup")
    sources = models.JSONField(default=list, blank=True)  # ["null.web", ...] the selected sources
    builder_types = models.CharField(max_length=300, blank=True, editable=False)  # " docker null "

    # How it went.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    worker_host = models.CharField(max_length=255, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    continue_requested_at = models.DateTimeField(null=True, blank=True)
    current_step = models.CharField(max_length=300, blank=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    exit_reason = models.TextField(blank=True)
    ledger_ids = models.JSONField(default=list, blank=True)  # the resource ledger's build ids
    recorded_from_cli = models.BooleanField(default=False)

    objects = BuildQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [
            models.Index(fields=["-queued_at", "-id"], name="builds_build_queued"),
            models.Index(fields=["template", "-queued_at"], name="builds_build_template_queued"),
            models.Index(fields=["status", "-queued_at"], name="builds_build_status_queued"),
            models.Index(
                fields=["heartbeat_at"], name="builds_build_running_heartbeat", condition=Q(status="running")
            ),
        ]

    def __str__(self) -> str:
        return f"Build #{self.pk} of {self.template_version}"

    @property
    def is_over(self) -> bool:
        return self.status not in self.UNFINISHED

    @property
    def duration(self):
        """The time from start to finish (to now while running), or None before it starts."""
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at

    @property
    def except_(self) -> list[str]:
        """The -except patterns (stored as `except_names`)."""
        return self.except_names

    @except_.setter
    def except_(self, patterns: list[str]) -> None:
        self.except_names = list(patterns)

    def displayed_variables(self) -> dict:
        """Every recorded variable by name, sensitive ones as SENSITIVE_MASK."""
        shown = dict(self.variables)
        shown.update(dict.fromkeys(self.sensitive_names, SENSITIVE_MASK))
        return dict(sorted(shown.items()))

    def set_sources(self, sources: list[tuple[str, str]]) -> None:
        """Record the selected sources as (name, builder type) pairs."""
        self.sources = [name for name, _ in sources]
        types = sorted({builder_type for _, builder_type in sources})
        self.builder_types = f" {' '.join(types)} " if types else ""


class BuildStep(models.Model):
    """One stretch of a build's timeline: a step's run or cleanup, a provisioner, a post-processor."""

    class Phase(models.TextChoices):
        RUN = "run", "Run"
        CLEANUP = "cleanup", "Cleanup"
        PROVISION = "provision", "Provisioner"
        POST_PROCESS = "post-process", "Post-processor"

    class Outcome(models.TextChoices):
        RUNNING = "", "Running"
        OK = "ok", "OK"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        INTERRUPTED = "interrupted", "Interrupted"  # the build ended (or was lost) while it ran

    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="steps")
    source = models.CharField(max_length=200)  # "null.web"
    name = models.CharField(max_length=300)  # "StepConnect", "provisioner shell", "compress"
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.RUN)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["build", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.source}: {self.name}"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class BuildLogLineQuerySet(models.QuerySet):
    MESSAGE_FIELDS = ("seq", "time", "source", "step", "stream", "text")

    def messages(self, build, after: int = 0, limit: int | None = None) -> list[dict]:
        """The lines of `build` numbered above `after`, in order, as websocket messages (at most `limit`)."""
        rows = self.filter(build=build, seq__gt=after).order_by("seq").values_list(*self.MESSAGE_FIELDS)
        if limit is not None:
            rows = rows[:limit]
        return [_message(row) for row in rows]


def _message(row) -> dict:
    seq, time, source, step, stream, text = row
    return {"seq": seq, "time": time.timestamp(), "source": source, "step": step, "stream": stream,
            "text": text}


class BuildLogLine(models.Model):
    """One line of a build's output, numbered from 1 per build by the worker that produced it."""

    class Stream(models.TextChoices):
        SAY = "say", "Say"  # ==> null.web: Connecting...
        MESSAGE = "message", "Message"  # detail under a step
        STDOUT = "stdout", "Standard output"
        STDERR = "stderr", "Standard error"
        ERROR = "error", "Error"

    # The unique constraint's index starts with the build, so no index of its own.
    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="log_lines", db_index=False)
    seq = models.PositiveBigIntegerField()
    time = models.DateTimeField()
    source = models.CharField(max_length=200, blank=True)
    step = models.CharField(max_length=300, blank=True)
    stream = models.CharField(max_length=10, choices=Stream.choices)
    text = models.TextField(blank=True)

    objects = BuildLogLineQuerySet.as_manager()

    class Meta:
        ordering = ["build", "seq"]
        constraints = [models.UniqueConstraint(fields=["build", "seq"], name="builds_log_line_seq")]

    def __str__(self) -> str:
        return f"{self.build_id}#{self.seq} {self.text[:60]}"

    def message(self) -> dict:
        """The line as the websocket sends it."""
        return _message([getattr(self, name) for name in BuildLogLineQuerySet.MESSAGE_FIELDS])


class Artifact(models.Model):
    """What a build produced: an image (per region), a container, files, a box."""

    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="artifacts")
    source = models.CharField(max_length=200)  # the build that produced it, "amazon-ebs.web"
    builder_type = models.CharField(max_length=100)  # the source's builder, "amazon-ebs"
    builder_id = models.CharField(max_length=200, blank=True)  # who made it: "packer.post-processor.compress"
    artifact_id = models.TextField(blank=True)  # "us-east-1:ami-1,eu-west-1:ami-2", an image id, ""
    description = models.TextField(blank=True)
    region_ids = models.JSONField(default=dict, blank=True)  # {"us-east-1": "ami-1"}
    files = models.JSONField(default=list, blank=True)  # [{"name", "size", "sha256", "path"}]
    source_image_id = models.CharField(max_length=200, blank=True, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["build", "id"]

    def __str__(self) -> str:
        return f"{self.source}: {self.artifact_id or self.description}"


# The lineage, channel, cascade and token records live in modules of their own (see each one's docstring).
from builds.cascade_models import Cascade, CascadeStep  # noqa: E402,F401
from builds.channel_models import Channel, ChannelEvent, ImageUse  # noqa: E402,F401
from builds.lineage_models import ImageNode  # noqa: E402,F401
from builds.tokens import ApiToken  # noqa: E402,F401
