"""The catalog's services, the only way views change it: create a template, save, restore, relabel.

Every save validates the files with the engine and stores what it found on
the version. A save names the version it started from; if another save came
first, StaleVersion is raised and nothing is written, so the caller can show
the user the newer version next to their unsaved text. Each new version
sends the `version.created` webhook event once committed.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from imagehub import analysis, config
from imagehub.models import (
    Label,
    PackerTemplate,
    TemplateFile,
    TemplateVersion,
    content_hash,
    is_template_file,
    validate_file_name,
    validate_label,
)
from imagehub.webhooks import events as webhook_events

# Paths under /templates/ that are pages, not templates.
RESERVED_SLUGS = frozenset({"new", "import", "validate", "fmt"})
MAX_LABELS = 20

DEFAULT_LIMITS = {
    "CATALOG_MAX_FILES": 50,
    "CATALOG_MAX_FILE_BYTES": 1024 * 1024,
    "CATALOG_MAX_TOTAL_BYTES": config.CATALOG_MAX_TOTAL_BYTES,
    "CATALOG_MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "CATALOG_MAX_UNPACKED_BYTES": 20 * 1024 * 1024,
    "CATALOG_MAX_ARCHIVE_ENTRIES": 1000,
    # The editor checks file sets up to this size as the user types; larger ones on request.
    "CATALOG_LIVE_CHECK_BYTES": 128 * 1024,
}


def limit(name: str) -> int:
    """Return the catalog limit `name` from settings.IMAGEHUB, else its default."""
    return int(settings.IMAGEHUB.get(name, DEFAULT_LIMITS[name]))


class CatalogError(Exception):
    """A change the catalog refuses; the message says why and what to do, for the user to read.

    `field` names the form field the problem belongs to, when there is one.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidFiles(CatalogError):
    """The files cannot make a version: bad names, too many, too big, or no template file."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems), field="files")
        self.problems = problems


class StaleVersion(CatalogError):
    """The save started from an older version than the template's latest one."""

    def __init__(self, template: PackerTemplate, base_number: int, latest: TemplateVersion):
        author = latest.author.get_username() if latest.author else "someone"
        super().__init__(
            f"{author} saved version {latest.number} of {template.name} while you were editing "
            f"version {base_number}. Your changes are not saved yet, and nothing is lost: they are "
            f"still in the form. Compare them with version {latest.number} below, then save again "
            f"to make them version {latest.number + 1}."
        )
        self.base_number = base_number
        self.latest = latest


@dataclass(frozen=True)
class SaveResult:
    """The template's latest version after a save, and whether the save created it."""

    version: TemplateVersion
    created: bool


def check_files(files: Mapping[str, str]) -> dict[str, str]:
    """Return `files` in name order; raise InvalidFiles listing every problem with them.

    A version has at least one template file (`.pkr.hcl` or `.pkr.json`), at
    most CATALOG_MAX_FILES files of at most CATALOG_MAX_FILE_BYTES each and
    CATALOG_MAX_TOTAL_BYTES together, each with a valid name.
    """
    problems: list[str] = []
    if len(files) > limit("CATALOG_MAX_FILES"):
        problems.append(f"A template has at most {limit('CATALOG_MAX_FILES')} files; this one has {len(files)}.")
    total = 0
    for name, text in files.items():
        try:
            validate_file_name(name)
        except ValidationError as error:
            problems.extend(error.messages)
        size = len(text.encode("utf-8"))
        total += size
        if size > limit("CATALOG_MAX_FILE_BYTES"):
            most = format_size(limit("CATALOG_MAX_FILE_BYTES"))
            problems.append(f"{name} is {format_size(size)}; a file may be at most {most}.")
    if total > limit("CATALOG_MAX_TOTAL_BYTES"):
        most = format_size(limit("CATALOG_MAX_TOTAL_BYTES"))
        problems.append(f"The files come to {format_size(total)}; a template may be at most {most}.")
    if not any(is_template_file(name) for name in files):
        problems.append("A template needs at least one .pkr.hcl file (or a .pkr.json file).")
    if problems:
        raise InvalidFiles(problems)
    return {name: files[name] for name in sorted(files)}


def format_size(count: int) -> str:
    """Return a byte count for people to read: `512 bytes`, `12 KB`, `1.5 MB`."""
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count} bytes"


def parse_labels(text: str) -> list[str]:
    """Return the labels in a comma-separated `text`, lower-cased and de-duplicated, in order.

    Raises CatalogError (field "labels") for a label that is not valid or too many labels.
    """
    labels: list[str] = []
    for part in text.split(","):
        label = part.strip().lower()
        if not label or label in labels:
            continue
        try:
            validate_label(label)
        except ValidationError as error:
            raise CatalogError(error.messages[0], field="labels")
        labels.append(label)
    if len(labels) > MAX_LABELS:
        raise CatalogError(f"A template has at most {MAX_LABELS} labels.", field="labels")
    return labels


def slug_for(name: str) -> str:
    """Return the URL slug of a template name; raise CatalogError (field "name") when it has none."""
    slug = slugify(name)[:100].strip("-")
    if not slug:
        raise CatalogError("The name needs at least one letter or digit.", field="name")
    if slug in RESERVED_SLUGS:
        raise CatalogError(f'"{name}" is reserved for a page of the catalog; choose another name.', field="name")
    return slug


def create_template(*, name: str, description: str, labels: Iterable[str], owner, files: Mapping[str, str],
                    message: str = "") -> PackerTemplate:
    """Create a template whose version 1 holds `files`; return it.

    Raises CatalogError (field "name") when the name, or its URL, is taken,
    and InvalidFiles when the files cannot make a version.
    """
    name = name.strip()
    if not name:
        raise CatalogError("A template needs a name.", field="name")
    slug = slug_for(name)
    files = check_files(files)
    _check_name_free(name, slug)
    found = analysis.check(files)
    try:
        with transaction.atomic():
            template = PackerTemplate.objects.create(
                name=name, slug=slug, description=description.strip(), owner=owner
            )
            template.labels.set(_labels(labels))
            _add_version(template, files, found, author=owner, message=message or "Created", base=None)
    except IntegrityError:
        # Another request created the same name between the check and the insert.
        _check_name_free(name, slug)
        raise
    return template


def _check_name_free(name: str, slug: str) -> None:
    clash = PackerTemplate.objects.filter(name__iexact=name).first() or PackerTemplate.objects.filter(
        slug=slug
    ).first()
    if clash is not None:
        raise CatalogError(
            f'A template named "{clash.name}" already exists (at /templates/{clash.slug}/); choose '
            "another name, or open that template and save a new version of it.",
            field="name",
        )


def _labels(names: Iterable[str]) -> list[Label]:
    wanted = list(dict.fromkeys(names))
    existing = {label.name: label for label in Label.objects.filter(name__in=wanted)}
    missing = [Label(name=name) for name in wanted if name not in existing]
    if missing:
        Label.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {label.name: label for label in Label.objects.filter(name__in=wanted)}
    return [existing[name] for name in wanted]


def update_details(template: PackerTemplate, *, description: str, labels: Iterable[str]) -> None:
    """Change a template's description and labels (they are not versioned)."""
    with transaction.atomic():
        template.description = description.strip()
        template.save(update_fields=["description", "changed"])
        template.labels.set(_labels(labels))


def save_version(template: PackerTemplate, *, files: Mapping[str, str], author, message: str,
                 base_number: int) -> SaveResult:
    """Save `files` as the template's next version, unless they equal the latest version's.

    `base_number` is the version the author started from. Raises StaleVersion
    when the template has a newer latest version (nothing is written), and
    InvalidFiles when the files cannot make a version. Files that do not
    parse or validate are saved all the same, as an invalid version.
    """
    files = check_files(files)
    return _save(template, files, author=author, message=message, base_number=base_number)


def restore_version(version: TemplateVersion, *, author) -> SaveResult:
    """Save the files of an earlier `version` as the template's next version.

    Returns the latest version, not a new one, when it already has these files.
    """
    template = version.template
    latest_number = (
        PackerTemplate.objects.filter(pk=template.pk).values_list("latest_version__number", flat=True).get()
    )
    return _save(template, version.file_texts(), author=author,
                 message=f"Restored version {version.number}", base_number=latest_number or 0,
                 restored_from=version.number)


def _save(template: PackerTemplate, files: dict[str, str], *, author, message: str, base_number: int,
          restored_from: int | None = None) -> SaveResult:
    digest = content_hash(files)
    # The engine's check runs before the transaction, so the database is locked only for the writes.
    found = analysis.check(files)
    try:
        with transaction.atomic():
            latest = _latest(template)
            if latest is not None and latest.number != base_number:
                raise StaleVersion(template, base_number, latest)
            if latest is not None and latest.content_hash == digest:
                return SaveResult(latest, created=False)
            version = _add_version(template, files, found, author=author, message=message, base=latest,
                                   restored_from=restored_from)
    except IntegrityError:
        # A concurrent save took the next number first.
        raise StaleVersion(template, base_number, _latest(template))
    return SaveResult(version, created=True)


def _latest(template: PackerTemplate) -> TemplateVersion | None:
    return (
        TemplateVersion.objects.filter(template=template)
        .select_related("author")
        .defer("diagnostics", "summary")
        .order_by("-number")
        .first()
    )


def _add_version(template: PackerTemplate, files: dict[str, str], found: analysis.Check, *, author,
                 message: str, base: TemplateVersion | None,
                 restored_from: int | None = None) -> TemplateVersion:
    """Insert the next version with its files and point the template at it (inside a transaction).

    Raises IntegrityError, rolling the transaction back, when the template's
    latest version is no longer `base`.
    """
    version = TemplateVersion.objects.create(
        template=template,
        number=(base.number if base else 0) + 1,
        author=author,
        message=message.strip()[:200],
        content_hash=content_hash(files),
        restored_from=restored_from,
        is_valid=found.is_valid,
        error_count=found.error_count,
        warning_count=found.warning_count,
        diagnostics=found.diagnostics,
        summary=found.summary,
    )
    TemplateFile.objects.bulk_create(
        TemplateFile(version=version, name=name, content=text) for name, text in files.items()
    )
    moved = PackerTemplate.objects.filter(pk=template.pk, latest_version=base).update(
        latest_version=version, updated=version.created, changed=version.created
    )
    if not moved:
        raise IntegrityError("the template's latest version changed during the save")
    template.latest_version = version
    template.updated = version.created
    webhook_events.version_created(version)
    return version
