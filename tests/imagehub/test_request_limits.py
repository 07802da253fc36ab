"""Tests of file sets near the catalog's size limit, sent to the edit form and the editor's endpoints.

Whatever their size and encoding, the answer names the catalog's limit (never
Django's bare "Bad Request"), and the edit form gives the text back.
"""

import re
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from imagehub import catalog
from tests.imagehub.conftest import MAIN

pytestmark = pytest.mark.django_db

URLENCODED = "application/x-www-form-urlencoded"
HTMX = {"HX-Request": "true"}
TOTAL = catalog.DEFAULT_LIMITS["CATALOG_MAX_TOTAL_BYTES"]
FILE = catalog.DEFAULT_LIMITS["CATALOG_MAX_FILE_BYTES"]
DJANGO_DEFAULT_BODY = int(2.5 * 1024 * 1024)  # DATA_UPLOAD_MAX_MEMORY_SIZE when it is not set
SAYS = "a template may be at most 2.0 MB"
# A comment line that URL-encoding makes half as long again (its punctuation becomes %XX).
ASCII_LINE = '# tags = {"role" = "web", "tier" = ["a", "b"]} # end\n'
# Two bytes in UTF-8, each written as %XX: six bytes in a URL-encoded form for one character.
WIDE_LINE = "# " + "é" * 38 + "\n"


def padding(size: int, line: str, marker: str) -> str:
    """Return comment lines of exactly `size` UTF-8 bytes, ending in a line that holds `marker`."""
    last = f"# {marker}\n"
    body_size = size - len(last)
    unit = len(line.encode("utf-8"))
    text = line * (body_size // unit)
    text += "#" * (body_size - len(text.encode("utf-8")) - 1) + "\n" if body_size % unit else ""
    text += last
    assert len(text.encode("utf-8")) == size
    return text


def file_set(total: int, line: str = ASCII_LINE) -> dict[str, str]:
    """Return a valid template of exactly `total` UTF-8 bytes in three files, none over the file limit."""
    head = MAIN
    rest = total - len(head.encode("utf-8"))
    first = min(FILE - len(head.encode("utf-8")), rest - 2 * 1024)
    second = min(FILE, rest - first - 1024)
    files = {
        "main.pkr.hcl": head + padding(first, line, "marker-main"),
        "more.pkr.hcl": padding(second, line, "marker-more"),
        "tail.pkr.hcl": padding(rest - first - second, line, "marker-tail"),
    }
    assert sum(len(text.encode("utf-8")) for text in files.values()) == total
    return files


def edit_fields(files: dict[str, str], base: int = 2) -> dict:
    return {"base_version": base, "message": "Large", "file_name": list(files), "file_content": list(files.values())}


def urlencoded(fields: dict) -> str:
    return urlencode(fields, doseq=True)


@pytest.fixture
def author(client, editor):
    client.force_login(editor)
    return client


# --------------------------------------------------------------------------- the settings


def test_django_reads_any_file_set_the_catalog_accepts_even_when_every_byte_is_url_encoded():
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= 3 * TOTAL + 32 * 1024


# --------------------------------------------------------------------------- the edit form


@pytest.mark.parametrize("line", [ASCII_LINE, WIDE_LINE], ids=["ascii", "non-ascii"])
def test_a_url_encoded_save_just_under_the_limit_makes_a_version(author, template, line):
    body = urlencoded(edit_fields(file_set(TOTAL - 100, line)))
    assert len(body) > DJANGO_DEFAULT_BODY  # what Django alone would have refused
    response = author.post("/templates/web/edit/", body, content_type=URLENCODED)
    assert response.status_code == 302
    assert template.versions.count() == 3


@pytest.mark.parametrize("line", [ASCII_LINE, WIDE_LINE], ids=["ascii", "non-ascii"])
@pytest.mark.parametrize("encoding", ["url", "multipart"])
def test_a_save_just_over_the_limit_is_refused_with_the_catalogs_message_and_the_text(author, template, line,
                                                                                      encoding):
    fields = edit_fields(file_set(TOTAL + 100, line))
    if encoding == "url":
        response = author.post("/templates/web/edit/", urlencoded(fields), content_type=URLENCODED)
    else:
        response = author.post("/templates/web/edit/", fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert SAYS in page and "Bad Request" not in page
    assert "marker-main" in page and "marker-more" in page and "marker-tail" in page
    assert "data-editor-unsaved" in page
    assert template.versions.count() == 2


def test_a_json_save_just_over_the_limit_answers_the_catalogs_message(author, template):
    response = author.post("/templates/web/edit/", edit_fields(file_set(TOTAL + 100)),
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid" and SAYS in response.json()["message"]


def test_the_edit_form_is_multipart_and_carries_the_limits_for_the_editor(author, template):
    page = author.get("/templates/web/edit/").content.decode()
    form = re.search(r"<form [^>]*id=\"template-edit-form\"[^>]*>", page, re.S).group(0)
    assert 'enctype="multipart/form-data"' in form
    assert f'data-max-file-bytes="{FILE}" data-max-total-bytes="{TOTAL}"' in form


# --------------------------------------------------------------------------- the validate endpoint


@pytest.mark.parametrize("encoding", ["url", "multipart"])
def test_validate_just_under_the_limit_checks_the_files(author, encoding):
    files = file_set(TOTAL - 100, WIDE_LINE)
    fields = {"file_name": list(files), "file_content": list(files.values())}
    if encoding == "url":
        response = author.post("/templates/validate/", urlencoded(fields), content_type=URLENCODED)
    else:
        response = author.post("/templates/validate/", fields)
    assert response.status_code == 200
    assert response.json() == {"valid": True, "error_count": 0, "warning_count": 0, "diagnostics": []}


@pytest.mark.parametrize("encoding", ["url", "multipart"])
def test_validate_just_over_the_limit_answers_the_catalogs_message(author, encoding):
    files = file_set(TOTAL + 100, WIDE_LINE)
    fields = {"file_name": list(files), "file_content": list(files.values())}
    if encoding == "url":
        response = author.post("/templates/validate/", urlencoded(fields), content_type=URLENCODED)
    else:
        response = author.post("/templates/validate/", fields)
    assert response.status_code == 200
    data = response.json()
    assert data["valid"] is False and data["error_count"] == 1
    assert SAYS in data["diagnostics"][0]["summary"]


# --------------------------------------------------------------------------- larger than Django reads


@pytest.fixture
def small_forms(settings):
    """Django reads forms of at most 50 KB, so the tests need not send megabytes to go over."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024
    return settings


def checked_client(user, page: str) -> tuple[Client, str]:
    """Return a client that checks CSRF tokens as browsers are checked, signed in, and the token of `page`."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(page).content.decode()).group(1)
    return client, token


@pytest.mark.parametrize("encoding", ["url", "multipart"])
def test_an_edit_form_larger_than_django_reads_is_answered_with_the_catalogs_limit(small_forms, editor, template,
                                                                                    encoding):
    client, token = checked_client(editor, "/templates/web/edit/")
    fields = {"csrfmiddlewaretoken": token, **edit_fields({"main.pkr.hcl": MAIN + "# x\n" * 20_000})}
    if encoding == "url":
        response = client.post("/templates/web/edit/", urlencoded(fields), content_type=URLENCODED)
    else:
        response = client.post("/templates/web/edit/", fields)
    assert response.status_code == 413
    page = response.content.decode()
    assert SAYS in page and "is larger than the 50 KB that are read" in page
    assert "Bad Request" not in page
    assert 'href="/templates/web/edit/"' in page
    assert template.versions.count() == 2


def test_a_json_save_larger_than_django_reads_answers_json(small_forms, author, template):
    body = urlencoded(edit_fields({"main.pkr.hcl": MAIN + "# x\n" * 20_000}))
    response = author.post("/templates/web/edit/", body, content_type=URLENCODED,
                           headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "invalid" and SAYS in response.json()["message"]


def test_validate_larger_than_django_reads_answers_the_diagnostics_list(small_forms, editor):
    client, token = checked_client(editor, "/templates/new/")
    body = urlencoded({"file_name": ["main.pkr.hcl"], "file_content": [MAIN + "# x\n" * 20_000]})
    response = client.post("/templates/validate/", body, content_type=URLENCODED,
                           headers={"X-CSRFToken": token, **HTMX})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="diagnostics"') and SAYS in page
    assert "imagehub:validated" in response["HX-Trigger"]


def test_fmt_larger_than_django_reads_answers_the_error_the_editor_shows(small_forms, author):
    body = urlencoded({"name": "main.pkr.hcl", "content": MAIN + "# x\n" * 20_000})
    response = author.post("/templates/fmt/", body, content_type=URLENCODED)
    assert response.status_code == 422
    assert SAYS in response.json()["error"]


def test_fmt_of_a_file_over_the_file_limit_is_refused_with_the_catalogs_message(author):
    response = author.post("/templates/fmt/", {"name": "main.pkr.hcl", "content": padding(FILE + 1, ASCII_LINE, "m")})
    assert response.status_code == 422
    assert response.json()["error"] == ("main.pkr.hcl is 1.0 MB; a file may be at most 1.0 MB, "
                                        "so it is not formatted.")


def test_an_upload_of_more_files_than_django_reads_is_answered_on_the_import_page(settings, author):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    data = {"name": "many", "files": [SimpleUploadedFile(f"f{index}.pkr.hcl", MAIN.encode()) for index in range(4)]}
    response = author.post("/templates/import/", data)
    assert response.status_code == 413
    page = response.content.decode()
    assert "The upload has more than 3 files" in page and "at most 50 files" in page
    assert 'enctype="multipart/form-data"' in page


def test_other_bad_requests_keep_djangos_answer(client):
    response = client.get("/", headers={"Host": "elsewhere.example"})
    assert response.status_code == 400
    assert "Bad Request" in response.content.decode()


def test_an_upload_over_the_limit_is_refused_before_the_csrf_check_reads_it(settings, editor):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "CATALOG_MAX_UPLOAD_BYTES": 1000}
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    # No CSRF token: had the CSRF check read the form, the answer would be 403.
    response = client.post("/templates/import/", {"files": [SimpleUploadedFile("main.pkr.hcl", b"#" * 200_000)]})
    assert response.status_code == 413
    assert "The upload is too large: uploads may be at most 1000 bytes." in response.content.decode()
    small = client.post("/templates/import/", {"files": [SimpleUploadedFile("main.pkr.hcl", MAIN.encode())]})
    assert small.status_code == 403
