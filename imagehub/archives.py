"""Uploads into a file set (template files, or a .zip or .tar.gz of a template folder), and a version as a .zip.

An archive may hold the template's files at its top or inside one folder;
files in deeper folders and files that are not template files are skipped
and listed. An archive with an entry that leaves its folder (`../x`, `/x`)
is refused whole, as are encrypted, damaged and oversized archives.
"""

import gzip
import io
import tarfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO

from django.core.exceptions import ValidationError

from builds.engine.hcl.diagnostics import Diagnostics
from builds.engine.hcl.loader import decode_text
from imagehub.catalog import CatalogError, format_size, limit
from imagehub.models import TEMPLATE_FILE_SUFFIXES, TemplateVersion, validate_file_name

ZIP_SUFFIXES = (".zip",)
TAR_GZ_SUFFIXES = (".tar.gz", ".tgz")
# Entries archivers add that are nobody's template files; skipped without a word.
_NOISE = ("__MACOSX/", ".DS_Store")
_SYMLINK_MODE = 0o120000


class UploadError(CatalogError):
    """An upload that cannot be read as template files; the message says which and why."""

    def __init__(self, message: str):
        super().__init__(message, field="files")


@dataclass
class Upload:
    """What uploads held: the file set, the entries skipped, and a name for the template."""

    files: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    suggested_name: str = ""


def read_uploads(uploads: Iterable) -> Upload:
    """Return the template files in `uploads` (Django UploadedFile objects, or anything with name/size/read).

    Raises UploadError for anything that is not a template file or a .zip or
    .tar.gz of them, for text that is not UTF-8, for uploads over the size
    limits, for an archive entry outside the archive's folder, and for a file
    name given twice.
    """
    uploads = list(uploads)
    if not uploads:
        raise UploadError("Choose at least one file to upload.")
    total = sum(upload.size for upload in uploads)
    if total > limit("CATALOG_MAX_UPLOAD_BYTES"):
        raise UploadError(
            f"The upload is {format_size(total)}; uploads may be at most {format_size(limit('CATALOG_MAX_UPLOAD_BYTES'))}."
        )
    result = Upload()
    for upload in uploads:
        name = PurePosixPath(upload.name.replace("\\", "/")).name
        lower = name.lower()
        if lower.endswith(ZIP_SUFFIXES):
            entries, folder, skipped = _zip_entries(upload, name)
        elif lower.endswith(TAR_GZ_SUFFIXES):
            entries, folder, skipped = _tar_gz_entries(upload, name)
        else:
            _check_file_name(name)
            entries, folder, skipped = [(name, _read_limited(upload, name))], "", []
        result.skipped.extend(f"{name}: {entry}" for entry in skipped)
        for entry_name, data in entries:
            if entry_name in result.files:
                raise UploadError(f"{entry_name} was uploaded twice; upload each file once.")
            result.files[entry_name] = _decode(data, entry_name)
        if folder or len(uploads) == 1:
            result.suggested_name = result.suggested_name or folder or _stem(name)
    return result


def _check_file_name(name: str) -> None:
    try:
        validate_file_name(name)
    except ValidationError as error:
        if not name.endswith(TEMPLATE_FILE_SUFFIXES):
            raise UploadError(
                f"{name} is neither a template file (.pkr.hcl, .pkrvars.hcl or .pkr.json) nor a .zip or "
                ".tar.gz archive of a template folder."
            )
        raise UploadError(error.messages[0])


def _read_limited(stream: BinaryIO, name: str) -> bytes:
    maximum = limit("CATALOG_MAX_FILE_BYTES")
    data = stream.read(maximum + 1)
    if len(data) > maximum:
        raise UploadError(f"{name} is larger than {format_size(maximum)}, the most a template file may be.")
    return data


def _decode(data: bytes, name: str) -> str:
    diagnostics = Diagnostics()
    text = decode_text(data, name, diagnostics)
    if text is None:
        where = diagnostics.errors[0].subject.start
        raise UploadError(
            f"{name} is not UTF-8 text (an invalid byte at line {where.line}, column {where.column}); "
            "save it as UTF-8 and upload it again."
        )
    if "\x00" in text:
        raise UploadError(f"{name} holds binary data, not template text.")
    return text


def _stem(name: str) -> str:
    lower = name.lower()
    for suffix in (*TAR_GZ_SUFFIXES, *ZIP_SUFFIXES, *TEMPLATE_FILE_SUFFIXES):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


# --------------------------------------------------------------------------- archives


def _zip_entries(upload, name: str) -> tuple[list[tuple[str, bytes]], str, list[str]]:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise UploadError(f"{name} is not a readable .zip archive.")
    with archive:
        infos = archive.infolist()
        _check_entry_count(len(infos), name)
        members = []
        for info in infos:
            path = _entry_path(info.filename, name)
            if info.is_dir() or path is None:
                continue
            if (info.external_attr >> 16) & 0o170000 == _SYMLINK_MODE:
                members.append((path, None))
                continue
            if info.flag_bits & 0x1:
                raise UploadError(f"{name} is encrypted; upload an archive without a password.")
            members.append((path, info))
        files, folder, skipped = _select(members, name)

        def read(info: zipfile.ZipInfo) -> bytes:
            if info.file_size > limit("CATALOG_MAX_FILE_BYTES"):
                raise UploadError(
                    f"{info.filename} in {name} is larger than {format_size(limit('CATALOG_MAX_FILE_BYTES'))}, the "
                    "most a template file may be."
                )
            try:
                with archive.open(info) as stream:
                    return _read_limited(stream, info.filename)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error):
                raise UploadError(f"{name} is damaged: {info.filename} cannot be read.")

        return [(entry, read(info)) for entry, info in files], folder, skipped


def _tar_gz_entries(upload, name: str) -> tuple[list[tuple[str, bytes]], str, list[str]]:
    maximum = limit("CATALOG_MAX_UNPACKED_BYTES")
    try:
        with gzip.GzipFile(fileobj=upload) as unpacked:
            data = unpacked.read(maximum + 1)
    except (OSError, EOFError, zlib.error):
        raise UploadError(f"{name} is not a readable .tar.gz archive.")
    if len(data) > maximum:
        raise UploadError(f"{name} unpacks to more than {format_size(maximum)}; upload only the template's folder.")
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            infos = archive.getmembers()
            _check_entry_count(len(infos), name)
            members = []
            for info in infos:
                path = _entry_path(info.name, name)
                if info.isdir() or path is None:
                    continue
                members.append((path, info if info.isreg() else None))
            files, folder, skipped = _select(members, name)
            entries = [(entry, _read_tar_member(archive, info, name)) for entry, info in files]
            return entries, folder, skipped
    except tarfile.TarError:
        raise UploadError(f"{name} is not a readable .tar.gz archive.")


def _read_tar_member(archive: tarfile.TarFile, info: tarfile.TarInfo, name: str) -> bytes:
    if info.size > limit("CATALOG_MAX_FILE_BYTES"):
        raise UploadError(
            f"{info.name} in {name} is larger than {format_size(limit('CATALOG_MAX_FILE_BYTES'))}, the most a "
            "template file may be."
        )
    stream = archive.extractfile(info)
    return _read_limited(stream, info.name)


def _check_entry_count(count: int, name: str) -> None:
    if count > limit("CATALOG_MAX_ARCHIVE_ENTRIES"):
        raise UploadError(
            f"{name} has {count} entries; an archive may have at most {limit('CATALOG_MAX_ARCHIVE_ENTRIES')}. "
            "Upload only the template's folder."
        )


def _entry_path(raw: str, archive_name: str) -> PurePosixPath | None:
    """Return an entry's path inside the archive, None for noise; raise UploadError for one that escapes it."""
    text = raw.replace("\\", "/")
    path = PurePosixPath(text)
    if text.startswith("/") or (len(text) > 1 and text[1] == ":") or ".." in path.parts:
        raise UploadError(
            f"{archive_name} was refused: its entry {raw!r} points outside the archive's folder."
        )
    if any(text.startswith(noise) or path.name == noise for noise in _NOISE):
        return None
    parts = [part for part in path.parts if part not in ("", ".")]
    return PurePosixPath(*parts) if parts else None


def _select(members: list[tuple[PurePosixPath, object]],
            name: str) -> tuple[list[tuple[str, object]], str, list[str]]:
    """Pick the template files among an archive's files, at its top or inside its single folder.

    A member of None is an entry that is not a regular file (a link). Returns
    the picked (name, member) pairs, the folder's name (or "") and the paths
    of the entries skipped. Raises UploadError when nothing is picked.
    """
    folders = {path.parts[0] for path, _ in members if len(path.parts) > 1}
    at_top = [path for path, _ in members if len(path.parts) == 1]
    folder = next(iter(folders)) if len(folders) == 1 and not at_top else ""
    picked: list[tuple[str, object]] = []
    skipped = []
    for path, member in members:
        inside = path.relative_to(folder) if folder else path
        if len(inside.parts) != 1 or not inside.name.endswith(TEMPLATE_FILE_SUFFIXES) or member is None:
            skipped.append(str(path))
            continue
        _check_file_name(inside.name)
        picked.append((inside.name, member))
    if not picked:
        raise UploadError(
            f"{name} holds no template file (.pkr.hcl, .pkrvars.hcl or .pkr.json) at its top or in its "
            "folder."
        )
    return picked, folder, skipped


# --------------------------------------------------------------------------- export


def export_zip(version: TemplateVersion) -> bytes:
    """Return a .zip of the version's files inside a folder named after the template."""
    folder = version.template.slug
    stamp = version.created.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in version.files.all():
            info = zipfile.ZipInfo(f"{folder}/{file.name}", date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, file.content.encode("utf-8"))
    return buffer.getvalue()


def export_name(version: TemplateVersion) -> str:
    """Return the file name a version's export is downloaded as."""
    return f"{version.template.slug}-v{version.number}.zip"
