"""Tests of reading uploads (files, .zip, .tar.gz) into a file set, and of exporting a version as a .zip."""

import io
import tarfile
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imagehub import archives, catalog
from imagehub.archives import UploadError

MAIN = b'source "null" "a" {\n  communicator = "none"\n}\n'


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def make_zip(entries: dict[str, bytes], symlinks: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            if name in symlinks:
                info.external_attr = 0o120777 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def make_tar_gz(entries: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buffer.getvalue()


def test_plain_template_files_are_read_as_text():
    result = archives.read_uploads([upload("main.pkr.hcl", MAIN), upload("prod.pkrvars.hcl", b'a = "b"\n')])
    assert result.files == {"main.pkr.hcl": MAIN.decode(), "prod.pkrvars.hcl": 'a = "b"\n'}
    assert result.suggested_name == ""


def test_a_single_file_suggests_its_name():
    assert archives.read_uploads([upload("web-server.pkr.hcl", MAIN)]).suggested_name == "web-server"


def test_a_zip_of_a_folder_gives_the_folder_files_and_name():
    data = make_zip({
        "ubuntu/main.pkr.hcl": MAIN,
        "ubuntu/vars.pkrvars.hcl": b"a = 1\n",
        "ubuntu/README.md": b"# read me",
        "ubuntu/scripts/setup.sh": b"#!/bin/sh\n",
        "__MACOSX/ubuntu/._main.pkr.hcl": b"\x00\x01",
    })
    result = archives.read_uploads([upload("ubuntu.zip", data)])
    assert sorted(result.files) == ["main.pkr.hcl", "vars.pkrvars.hcl"]
    assert result.suggested_name == "ubuntu"
    assert result.skipped == ["ubuntu.zip: ubuntu/README.md", "ubuntu.zip: ubuntu/scripts/setup.sh"]


def test_a_tar_gz_with_files_at_its_top_is_read():
    data = make_tar_gz({"./main.pkr.hcl": MAIN, "./notes.txt": b"x"})
    result = archives.read_uploads([upload("base.tar.gz", data)])
    assert result.files == {"main.pkr.hcl": MAIN.decode()}
    assert result.suggested_name == "base"
    assert result.skipped == ["base.tar.gz: notes.txt"]


def test_links_in_archives_are_skipped_not_followed():
    tar = make_tar_gz({"t/main.pkr.hcl": MAIN}, links={"t/evil.pkr.hcl": "/etc/passwd"})
    assert sorted(archives.read_uploads([upload("t.tgz", tar)]).files) == ["main.pkr.hcl"]
    zipped = make_zip({"main.pkr.hcl": MAIN, "evil.pkr.hcl": b"/etc/passwd"}, symlinks=("evil.pkr.hcl",))
    assert sorted(archives.read_uploads([upload("t.zip", zipped)]).files) == ["main.pkr.hcl"]


@pytest.mark.parametrize("entry", ["../main.pkr.hcl", "t/../../main.pkr.hcl", "/etc/main.pkr.hcl",
                                   "..\\main.pkr.hcl", "C:/main.pkr.hcl"])
def test_archive_entries_that_leave_the_folder_are_refused(entry):
    for name, data in (("t.zip", make_zip({entry: MAIN})), ("t.tar.gz", make_tar_gz({entry: MAIN}))):
        with pytest.raises(UploadError, match="points outside the archive's folder"):
            archives.read_uploads([upload(name, data)])


def test_text_that_is_not_utf8_is_refused_with_its_position():
    with pytest.raises(UploadError) as caught:
        archives.read_uploads([upload("main.pkr.hcl", b'a = "caf\xe9"\n')])
    assert caught.value.message == (
        "main.pkr.hcl is not UTF-8 text (an invalid byte at line 1, column 9); save it as UTF-8 and upload "
        "it again."
    )
    assert caught.value.field == "files"


def test_text_that_is_not_utf8_inside_an_archive_is_refused():
    with pytest.raises(UploadError, match="main.pkr.hcl is not UTF-8 text"):
        archives.read_uploads([upload("t.zip", make_zip({"main.pkr.hcl": b"\xff\xfe"}))])


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("photo.png", b"\x89PNG", "neither a template file"),
        ("main.pkr.hcl", b"a\x00b", "binary data"),
        ("broken.zip", b"PK not really", "not a readable .zip archive"),
        ("broken.tar.gz", b"\x1f\x8b nonsense", "not a readable .tar.gz archive"),
        ("empty.zip", make_zip({"README.md": b"x"}), "holds no template file"),
    ],
)
def test_uploads_that_are_not_templates_are_refused(name, data, says):
    with pytest.raises(UploadError, match=says):
        archives.read_uploads([upload(name, data)])


def test_nothing_uploaded_is_refused():
    with pytest.raises(UploadError, match="Choose at least one file"):
        archives.read_uploads([])


def test_a_file_uploaded_twice_is_refused():
    with pytest.raises(UploadError, match="main.pkr.hcl was uploaded twice"):
        archives.read_uploads([upload("main.pkr.hcl", MAIN), upload("t.zip", make_zip({"main.pkr.hcl": MAIN}))])


def test_oversized_uploads_are_refused(settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "CATALOG_MAX_UPLOAD_BYTES": 100, "CATALOG_MAX_FILE_BYTES": 50}
    with pytest.raises(UploadError, match="The upload is 101 bytes; uploads may be at most 100 bytes"):
        archives.read_uploads([upload("main.pkr.hcl", b"x" * 101)])
    with pytest.raises(UploadError, match="main.pkr.hcl is larger than 50 bytes"):
        archives.read_uploads([upload("main.pkr.hcl", b"x" * 51)])
    settings.IMAGEHUB["CATALOG_MAX_UPLOAD_BYTES"] = 1000
    with pytest.raises(UploadError, match="main.pkr.hcl in t.zip is larger than"):
        archives.read_uploads([upload("t.zip", make_zip({"main.pkr.hcl": b"x" * 51}))])


def test_archives_that_unpack_too_far_are_refused(settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "CATALOG_MAX_UNPACKED_BYTES": 10_000}
    bomb = make_tar_gz({"main.pkr.hcl": b" " * 20_000})
    with pytest.raises(UploadError, match="unpacks to more than"):
        archives.read_uploads([upload("t.tar.gz", bomb)])


def test_archives_with_too_many_entries_are_refused(settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "CATALOG_MAX_ARCHIVE_ENTRIES": 2}
    data = make_zip({f"{i}.pkr.hcl": MAIN for i in range(3)})
    with pytest.raises(UploadError, match="has 3 entries; an archive may have at most 2"):
        archives.read_uploads([upload("t.zip", data)])


def test_encrypted_zips_are_refused():
    data = bytearray(make_zip({"main.pkr.hcl": MAIN}))
    # Set the "encrypted" flag in the central directory entry.
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1
    with pytest.raises(UploadError, match="encrypted"):
        archives.read_uploads([upload("t.zip", bytes(data))])


@pytest.mark.django_db
def test_export_is_a_zip_of_the_version_inside_a_folder(editor, files):
    template = catalog.create_template(name="Web", description="", labels=[], owner=editor,
                                       files={**files, "prod.pkrvars.hcl": 'region = "x"\n'})
    version = template.latest_version
    data = archives.export_zip(version)
    assert archives.export_name(version) == "web-v1.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["web/main.pkr.hcl", "web/prod.pkrvars.hcl"]
        assert archive.read("web/main.pkr.hcl").decode() == files["main.pkr.hcl"]
    # An export imports back to the same files.
    assert archives.read_uploads([upload("web.zip", data)]).files == version.file_texts()
    assert archives.export_zip(version) == data
