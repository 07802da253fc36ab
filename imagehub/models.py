"""The template catalog's records: templates, their immutable numbered versions, files and labels."""

import hashlib
import re
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

TEMPLATE_FILE_SUFFIXES = (".pkr.hcl", ".pkrvars.hcl", ".pkr.json")
TEMPLATE_SUFFIXES = (".pkr.hcl", ".pkr.json")
VARIABLES_SUFFIX = ".pkrvars.hcl"
AUTO_VARIABLES_SUFFIX = ".auto.pkrvars.hcl"
MAX_FILE_NAME_LENGTH = 100
MAX_LABEL_LENGTH = 50

_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_LABEL = re.compile(r"[a-z0-9][a-z0-9._-]*")


def validate_file_name(name: str) -> None:
    """Accept a template file name; raise ValidationError saying what a good name looks like."""
    problem = ""
    if not name:
        problem = "A file needs a name."
    elif "/" in name or "\\" in name:
        problem = f'"{name}" names a folder; a template\'s files all sit side by side, without folders.'
    elif len(name) > MAX_FILE_NAME_LENGTH:
        problem = f"File names are at most {MAX_FILE_NAME_LENGTH} characters long."
    elif not name.endswith(TEMPLATE_FILE_SUFFIXES) or name in TEMPLATE_FILE_SUFFIXES:
        problem = (f'"{name}" is not a template file name: it must end in .pkr.hcl, .pkrvars.hcl or '
                   ".pkr.json, after a name.")
    elif not _FILE_NAME.fullmatch(name) or ".." in name:
        problem = (f'"{name}" has characters a file name may not have: use letters, digits, ".", "_" and '
                   '"-", starting with a letter, digit or "_".')
    if problem:
        raise ValidationError(problem, code="invalid_file_name")


def is_template_file(name: str) -> bool:
    """Return whether `name` is one of a template's own files (not a variables file)."""
    return name.endswith(TEMPLATE_SUFFIXES)


def validate_label(name: str) -> None:
    """Accept a label; raise ValidationError saying what a label may contain."""
    if len(name) > MAX_LABEL_LENGTH or not _LABEL.fullmatch(name):
        raise ValidationError(
            f'"{name}" is not a label: use at most {MAX_LABEL_LENGTH} lower-case letters, digits, ".", '
            '"_" and "-", starting with a letter or digit.',
            code="invalid_label",
        )


def content_hash(files: Mapping[str, str]) -> str:
    """Return the SHA-256 hex digest of a file set: its names and texts, in name order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        name_bytes = name.encode("utf-8")
        text_bytes = files[name].encode("utf-8")
        digest.update(b"%d:%s%d:" % (len(name_bytes), name_bytes, len(text_bytes)))
        digest.update(text_bytes)
    return digest.hexdigest()


class Label(models.Model):
    """A short lower-case tag that groups templates (`ubuntu`, `aws`, `base`)."""

    name = models.CharField(max_length=MAX_LABEL_LENGTH, unique=True, validators=[validate_label])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PackerTemplate(models.Model):
    """A template in the catalog: a name, a description, labels and a history of versions."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    labels = models.ManyToManyField(Label, blank=True, related_name="templates")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="packer_templates",
    )
    created = models.DateTimeField(default=timezone.now)
    # When the latest version was saved; the list sorts by it.
    updated = models.DateTimeField(default=timezone.now, db_index=True)
    # When anything the list shows last changed (a version, the description, labels); the list's
    # cache is keyed on the newest of these.
    changed = models.DateTimeField(auto_now=True, db_index=True)
    # Kept by the catalog services so that the list needs no subquery per row.
    latest_version = models.ForeignKey(
        "TemplateVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="imagehub_template_lower_name")]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """One saved state of a template's files, numbered from 1 per template; never changed once saved."""

    template = models.ForeignKey(PackerTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(default=timezone.now)
    message = models.CharField(max_length=200, blank=True)
    content_hash = models.CharField(max_length=64)
    # The number of the version whose content this one brought back, when it is a restore.
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    # What validation found when the version was saved.
    is_valid = models.BooleanField()
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    diagnostics = models.JSONField(default=list, blank=True)
    # The parsed summary (variables, sources, builds...) or None when the files did not load.
    summary = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["template", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="unique_template_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        """Insert the version; raises ValueError when asked to change a saved one."""
        if not self._state.adding:
            raise ValueError("A saved template version is immutable; save a new version instead.")
        super().save(*args, **kwargs)

    def file_texts(self) -> dict[str, str]:
        """Return the version's files as a mapping of name to text, in name order."""
        return {f.name: f.content for f in self.files.all()}


class TemplateFile(models.Model):
    """One file of a template version: a `.pkr.hcl`, `.pkrvars.hcl` or `.pkr.json` text."""

    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=MAX_FILE_NAME_LENGTH, validators=[validate_file_name])
    content = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "name"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="unique_template_file_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Insert the file; raises ValueError when asked to change a saved one."""
        if not self._state.adding:
            raise ValueError("A saved template file is immutable; save a new version instead.")
        super().save(*args, **kwargs)


class InitialPassword(models.Model):
    """Marks an account whose password is still the one `imagehub serve` printed at the first start.

    Such a password signs in only to choose another (imagehub.initial_password); the mark goes when the
    password changes.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"initial password of user {self.user_id}"


from imagehub.webhooks.models import ScheduledEvent, Webhook, WebhookAttempt, WebhookDelivery  # noqa: E402,F401
