"""Tests of the catalog's editing pages and endpoints: create, import, details, edit, restore, validate, fmt."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from imagehub.models import PackerTemplate, TemplateVersion
from tests.imagehub.conftest import MAIN

pytestmark = pytest.mark.django_db

BROKEN = 'source "null" "base" {\n  communicator = \n}\n'


@pytest.fixture
def author(client, editor):
    client.force_login(editor)
    return client


def edit_data(base: int, files: dict[str, str], message: str = "", **extra) -> dict:
    return {"base_version": base, "message": message, "file_name": list(files), "file_content": list(files.values()),
            **extra}


def latest_files(slug: str = "web") -> dict[str, str]:
    return PackerTemplate.objects.get(slug=slug).latest_version.file_texts()


# --------------------------------------------------------------------------- create


def test_creating_a_template_makes_version_one_and_opens_it(author, editor):
    response = author.post("/templates/new/", {
        "name": "Ubuntu Base", "description": "Base.", "labels": "ubuntu, Base",
        "file_name": "main.pkr.hcl", "content": MAIN,
    }, follow=True)
    assert response.redirect_chain == [("/templates/ubuntu-base/", 302)]
    assert "Created Ubuntu Base with version 1." in response.content.decode()
    template = PackerTemplate.objects.get()
    assert template.owner == editor
    assert sorted(template.labels.values_list("name", flat=True)) == ["base", "ubuntu"]
    assert template.latest_version.file_texts() == {"main.pkr.hcl": MAIN}


def test_a_name_clash_is_shown_at_the_name_field(author, template):
    response = author.post("/templates/new/", {"name": "web", "file_name": "main.pkr.hcl", "content": MAIN})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A template named &quot;Web&quot; already exists (at /templates/web/)" in page
    assert 'id="id_name_error"' in page
    assert PackerTemplate.objects.count() == 1


def test_creating_with_text_that_does_not_parse_saves_it_as_invalid(author):
    author.post("/templates/new/", {"name": "Draft", "file_name": "main.pkr.hcl", "content": BROKEN})
    version = PackerTemplate.objects.get().latest_version
    assert not version.is_valid
    assert version.file_texts() == {"main.pkr.hcl": BROKEN}


@pytest.mark.parametrize(("file_name", "says"), [("main.txt", "not a template file name"),
                                                 ("vars.pkrvars.hcl", "The first file is the template itself")])
def test_the_first_file_must_be_a_template_file(author, file_name, says):
    response = author.post("/templates/new/", {"name": "X", "file_name": file_name, "content": MAIN})
    assert says in response.content.decode()
    assert not PackerTemplate.objects.exists()


def test_labels_that_are_not_labels_are_refused(author):
    response = author.post("/templates/new/", {"name": "X", "labels": "good, not good", "file_name": "a.pkr.hcl",
                                               "content": MAIN})
    assert "&quot;not good&quot; is not a label" in response.content.decode()


# --------------------------------------------------------------------------- import


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_importing_an_archive_names_the_template_after_its_folder(author):
    data = zip_of({"jammy/main.pkr.hcl": MAIN.encode(), "jammy/README.md": b"x"})
    response = author.post("/templates/import/", {"files": [SimpleUploadedFile("jammy.zip", data)]}, follow=True)
    assert response.redirect_chain == [("/templates/jammy/", 302)]
    page = response.content.decode()
    assert "Imported jammy: 1 files as version 1. Skipped (not template files): jammy.zip: jammy/README.md." in page
    assert latest_files("jammy") == {"main.pkr.hcl": MAIN}


def test_importing_several_files_under_a_given_name(author):
    uploads = [SimpleUploadedFile("main.pkr.hcl", MAIN.encode()), SimpleUploadedFile("p.pkrvars.hcl", b"")]
    author.post("/templates/import/", {"name": "Two files", "labels": "x", "files": uploads})
    assert sorted(latest_files("two-files")) == ["main.pkr.hcl", "p.pkrvars.hcl"]


@pytest.mark.parametrize(
    ("upload", "says"),
    [
        (SimpleUploadedFile("main.pkr.hcl", b'a = "\xff"\n'), "main.pkr.hcl is not UTF-8 text (an invalid byte at line 1, column 6)"),
        (SimpleUploadedFile("t.zip", zip_of({"../main.pkr.hcl": MAIN.encode()})), "its entry &#x27;../main.pkr.hcl&#x27; points outside the archive&#x27;s folder"),
        (SimpleUploadedFile("cat.jpg", b"\xff\xd8"), "cat.jpg is neither a template file"),
        (SimpleUploadedFile("v.pkrvars.hcl", b"a = 1\n"), "A template needs at least one .pkr.hcl file"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message(author, upload, says):
    response = author.post("/templates/import/", {"name": "X", "files": [upload]})
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not PackerTemplate.objects.exists()


def test_an_import_under_a_taken_name_is_refused(author, template):
    response = author.post("/templates/import/", {"files": [SimpleUploadedFile("web.pkr.hcl", MAIN.encode())]})
    assert "A template named &quot;Web&quot; already exists" in response.content.decode()
    assert PackerTemplate.objects.count() == 1


def test_an_oversized_upload_is_refused_before_it_is_read(author, settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "CATALOG_MAX_UPLOAD_BYTES": 1000}
    big = SimpleUploadedFile("main.pkr.hcl", b"#" * 200_000)
    response = author.post("/templates/import/", {"files": [big]})
    assert response.status_code == 413
    assert "The upload is too large: uploads may be at most 1000 bytes." in response.content.decode()


def test_an_import_that_is_not_multipart_is_refused(author):
    response = author.post("/templates/import/", "files=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "Upload files with the form (multipart/form-data)" in response.content.decode()


def test_an_import_without_files_asks_for_them(author):
    response = author.post("/templates/import/", {"name": "X"})
    assert "Choose at least one file to upload." in response.content.decode()


# --------------------------------------------------------------------------- details


def test_details_change_description_and_labels(author, template):
    page = author.get("/templates/web/details/").content.decode()
    assert 'value="aws, web"' in page
    response = author.post("/templates/web/details/", {"description": "New.", "labels": "gcp"})
    assert response["Location"] == "/templates/web/"
    template.refresh_from_db()
    assert template.description == "New."
    assert list(template.labels.values_list("name", flat=True)) == ["gcp"]


# --------------------------------------------------------------------------- edit and save


def test_the_edit_form_holds_every_file_and_the_base_version(author, template):
    page = author.get("/templates/web/edit/").content.decode()
    assert 'name="base_version" value="2"' in page
    assert '<input type="hidden" name="file_name" value="main.pkr.hcl" data-file-name>' in page
    assert "eu-north-1" in page
    assert "Saving makes version 3" in page


def test_the_edit_form_is_marked_up_for_the_editor_with_its_endpoints(author, template, settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "CATALOG_LIVE_CHECK_BYTES": 4096}
    page = author.get("/templates/web/edit/").content.decode()
    assert '/static/js/editor.min.js' in page
    assert 'data-validate-url="/templates/validate/" data-fmt-url="/templates/fmt/"' in page
    assert 'data-live-check-bytes="4096"' in page
    assert page.count("data-editor-file>") == 3  # two files and the new one
    assert 'name="file_remove" value="prod.pkrvars.hcl" data-file-remove' in page
    assert "data-editor-unsaved" not in page


def test_a_refused_save_marks_the_text_in_the_form_unsaved(author, template):
    response = author.post("/templates/web/edit/", edit_data(1, {"main.pkr.hcl": "x = 1\n"}))
    assert response.status_code == 409
    assert "data-editor-unsaved" in response.content.decode()


def test_the_new_template_form_is_marked_up_for_the_editor(author):
    page = author.get("/templates/new/").content.decode()
    assert "data-editor-form" in page and "data-editor-unsaved" not in page
    assert 'name="file_name" value="main.pkr.hcl" data-file-name' in page
    assert "data-file-content" in page
    assert '<section class="card" data-editor-only hidden>' in page


def test_saving_changed_files_makes_the_next_version(author, template):
    files = {**latest_files(), "main.pkr.hcl": MAIN.replace("eu-west-1", "ap-south-1")}
    response = author.post("/templates/web/edit/", edit_data(2, files, "South"), follow=True)
    assert "Saved version 3 (valid)." in response.content.decode()
    version = template.versions.get(number=3)
    assert version.message == "South"
    assert version.file_texts() == files


def test_saving_unchanged_files_makes_no_version(author, template):
    response = author.post("/templates/web/edit/", edit_data(2, latest_files()), follow=True)
    assert "Nothing changed: version 2 already has these files." in response.content.decode()
    assert template.versions.count() == 2


def test_line_endings_a_browser_adds_are_undone(author, template):
    files = {name: text.replace("\n", "\r\n") for name, text in latest_files().items()}
    author.post("/templates/web/edit/", edit_data(2, files))
    assert template.versions.count() == 2


def test_a_file_written_with_crlf_keeps_crlf(author, template, editor):
    from imagehub import catalog

    crlf = {"main.pkr.hcl": MAIN.replace("\n", "\r\n")}
    catalog.save_version(template, files=crlf, author=editor, message="", base_number=2)
    changed = {"main.pkr.hcl": crlf["main.pkr.hcl"].replace("eu-west-1", "eu-south-1")}
    author.post("/templates/web/edit/", edit_data(3, changed))
    assert latest_files()["main.pkr.hcl"] == MAIN.replace("eu-west-1", "eu-south-1").replace("\n", "\r\n")


def test_text_that_does_not_parse_is_saved_as_an_invalid_version(author, template):
    response = author.post("/templates/web/edit/", edit_data(2, {"main.pkr.hcl": BROKEN}), follow=True)
    assert "Saved version 3 (with 1 error, as an invalid version)." in response.content.decode()
    version = template.versions.get(number=3)
    assert version.file_texts() == {"main.pkr.hcl": BROKEN} and not version.is_valid


def test_files_are_added_and_removed(author, template):
    data = edit_data(2, {**latest_files(), "extra.pkrvars.hcl": 'region = "x"\n'}, file_remove=["prod.pkrvars.hcl"])
    author.post("/templates/web/edit/", data)
    assert sorted(latest_files()) == ["extra.pkrvars.hcl", "main.pkr.hcl"]


def test_the_empty_new_file_row_is_ignored(author, template):
    files = latest_files()
    data = edit_data(2, files)
    data["file_name"].append("")
    data["file_content"].append("\r\n")
    author.post("/templates/web/edit/", data)
    assert template.versions.count() == 2


@pytest.mark.parametrize(
    ("names", "contents", "says"),
    [
        (["main.pkr.hcl", "main.pkr.hcl"], [MAIN, MAIN], "main.pkr.hcl is in the form twice"),
        (["main.pkr.hcl", ""], [MAIN, "x = 1"], "A file has text but no name"),
        (["main.pkr.hcl"], [MAIN, MAIN], "the form sent 1 names and 2 contents"),
        (["../main.pkr.hcl"], [MAIN], "names a folder"),
        ([], [], "A template needs at least one .pkr.hcl file"),
    ],
)
def test_a_file_set_that_cannot_be_saved_is_refused_keeping_the_text(author, template, names, contents, says):
    response = author.post("/templates/web/edit/", {"base_version": 2, "file_name": names, "file_content": contents})
    assert response.status_code == 400
    page = response.content.decode()
    assert says in page.replace("&quot;", '"')
    if contents:
        assert "Where the image is built." in page
    assert template.versions.count() == 2


def test_a_save_without_its_base_version_is_refused(author, template):
    response = author.post("/templates/web/edit/", {"file_name": ["main.pkr.hcl"], "file_content": [MAIN]})
    assert response.status_code == 400
    assert "missing its base version" in response.content.decode()


def test_two_editors_saving_at_once_the_second_is_told_and_loses_nothing(template, editor, other_editor):
    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(other_editor)
    assert 'name="base_version" value="2"' in first.get("/templates/web/edit/").content.decode()
    assert 'name="base_version" value="2"' in second.get("/templates/web/edit/").content.decode()
    mine = {**latest_files(), "main.pkr.hcl": MAIN.replace("eu-west-1", "eu-central-1")}
    theirs = {**latest_files(), "main.pkr.hcl": MAIN.replace("eu-west-1", "ca-central-1") + "# theirs\n"}
    assert first.post("/templates/web/edit/", edit_data(2, mine, "Mine")).status_code == 302

    response = second.post("/templates/web/edit/", edit_data(2, theirs, "Theirs"))
    assert response.status_code == 409
    page = response.content.decode()
    assert ("edith saved version 3 of Web while you were editing version 2. Your changes are not saved yet, "
            "and nothing is lost") in page
    assert "# theirs" in page and "ca-central-1" in page  # the second editor's text is still in the form
    assert 'name="base_version" value="3"' in page  # saving again builds on the newer version
    assert 'value="Theirs"' in page
    # The newer version is compared with their text.
    assert "<del>eu</del>-central-1" in page and "<ins>ca</ins>-central-1" in page
    assert template.versions.count() == 3
    assert latest_files() == mine

    assert second.post("/templates/web/edit/", edit_data(3, theirs, "Theirs")).status_code == 302
    assert latest_files() == theirs
    assert template.versions.get(number=3).file_texts() == mine


def test_the_save_answers_json_when_asked(author, template):
    files = {"main.pkr.hcl": BROKEN}
    response = author.post("/templates/web/edit/", edit_data(2, files), headers={"Accept": "application/json"})
    data = response.json()
    assert data["created"] is True and data["version"] == 3 and data["is_valid"] is False
    assert data["diagnostics"][0]["range"]["filename"] == "main.pkr.hcl"
    assert data["url"] == "/templates/web/versions/3/"
    stale = author.post("/templates/web/edit/", edit_data(2, files), headers={"Accept": "application/json"})
    assert stale.status_code == 409
    assert stale.json()["error"] == "stale" and stale.json()["latest_version"] == 3


def test_an_htmx_save_redirects_the_whole_page(author, template):
    response = author.post("/templates/web/edit/", edit_data(2, {"main.pkr.hcl": MAIN}), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/templates/web/"


# --------------------------------------------------------------------------- restore


def test_restoring_an_old_version_makes_it_the_latest(author, template):
    response = author.post("/templates/web/versions/1/restore/", follow=True)
    assert "Restored version 1 as version 3." in response.content.decode()
    version = template.versions.get(number=3)
    assert version.restored_from == 1
    assert version.file_texts() == template.versions.get(number=1).file_texts()


def test_restoring_the_latest_content_changes_nothing(author, template):
    response = author.post("/templates/web/versions/2/restore/", follow=True)
    assert "Nothing to restore" in response.content.decode()
    assert template.versions.count() == 2


def test_restore_takes_only_post(author, template):
    assert author.get("/templates/web/versions/1/restore/").status_code == 405
    assert TemplateVersion.objects.count() == 2


# --------------------------------------------------------------------------- validate


def test_validate_answers_json_diagnostics_with_positions(author):
    files = {"a.pkr.hcl": 'source "null" "x" {\n  communicator = "none"\n  bogus = 1\n}\n',
             "b.pkr.hcl": 'build {\n  sources = ["source.null.x"]\n}\n'}
    response = author.post("/templates/validate/", {"file_name": list(files), "file_content": list(files.values())})
    data = response.json()
    assert data["valid"] is False and data["error_count"] == 1
    [diagnostic] = data["diagnostics"]
    assert diagnostic["range"]["filename"] == "a.pkr.hcl"
    assert diagnostic["range"]["start"] == {"line": 3, "column": 3}
    assert diagnostic["summary"] == "Unsupported argument"


def test_validate_of_a_good_template_is_valid(author):
    response = author.post("/templates/validate/", {"file_name": ["a.pkr.hcl"], "file_content": [MAIN]})
    assert response.json() == {"valid": True, "error_count": 0, "warning_count": 0, "diagnostics": []}


def test_validate_reports_bad_file_names_without_running_the_engine(author):
    response = author.post("/templates/validate/", {"file_name": ["notes.txt"], "file_content": ["x"]})
    summaries = [d["summary"] for d in response.json()["diagnostics"]]
    assert any("not a template file name" in s for s in summaries)


def test_validate_for_htmx_answers_the_diagnostics_list_with_data_and_an_event(author):
    response = author.post("/templates/validate/", {"file_name": ["a.pkr.hcl"], "file_content": ["build {\n"]},
                           headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="diagnostics"')
    assert '<script id="diagnostics-data" type="application/json">' in page
    data = json.loads(page.split('type="application/json">')[1].split("</script>")[0])
    assert data["error_count"] >= 1 and data["diagnostics"][0]["range"]["filename"] == "a.pkr.hcl"
    assert json.loads(response["HX-Trigger"]) == {
        "imagehub:validated": {"error_count": data["error_count"], "warning_count": 0}
    }


def test_validate_for_htmx_puts_each_position_on_its_list_item(author):
    files = {"a.pkr.hcl": 'source "null" "x" {\n  communicator = "none"\n  bogus = 1\n}\n',
             "b.pkr.hcl": 'build {\n  sources = ["source.null.x"]\n}\n'}
    response = author.post("/templates/validate/", {"file_name": list(files), "file_content": list(files.values())},
                           headers={"HX-Request": "true"})
    page = response.content.decode()
    assert ('<li class="diagnostic diagnostic-error" data-file="a.pkr.hcl" data-line="3" data-column="3" '
            'data-end-line="3" data-end-column="8">') in page


def test_validate_refuses_anything_but_form_data(author):
    response = author.post("/templates/validate/", json.dumps({"files": {}}), content_type="application/json")
    assert response.status_code == 415
    assert "Send form data" in response.json()["error"]


def test_validate_takes_only_post(author):
    assert author.get("/templates/validate/").status_code == 405


# --------------------------------------------------------------------------- fmt


def test_fmt_answers_the_canonical_text(author):
    response = author.post("/templates/fmt/", {"name": "a.pkr.hcl", "content": "a    = 1\r\nbb = 2\r\n"})
    assert response.json() == {"formatted": "a  = 1\nbb = 2\n", "changed": True}


def test_fmt_of_text_that_does_not_parse_answers_the_syntax_error(author):
    response = author.post("/templates/fmt/", {"name": "a.pkr.hcl", "content": "a = \n"})
    assert response.status_code == 422
    data = response.json()
    assert data["error"] == "a.pkr.hcl has syntax errors; fix them to format it."
    assert data["diagnostics"][0]["range"]["start"]["line"] == 1


def test_fmt_refuses_bad_requests(author):
    assert author.post("/templates/fmt/", {"content": "a = 1"}).status_code == 400
    assert author.post("/templates/fmt/", {"name": "a.pkr.json", "content": "{}"}).status_code == 422
    wrong = author.post("/templates/fmt/", "a = 1", content_type="text/plain")
    assert wrong.status_code == 415
    assert author.get("/templates/fmt/").status_code == 405
