"""The API's templates and versions: lists with filters and pages, a version with its files, and new versions saved
through the catalog (invalid HCL kept with its diagnostics, refused files a 400 listing every problem, a stale base
a 409)."""

import pytest

from imagehub import catalog

pytestmark = pytest.mark.django_db

GOOD = 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n'


@pytest.fixture
def templates(db):
    web = catalog.create_template(name="Web Server", description="nginx", labels=["ubuntu", "web"], owner=None,
                                  files={"main.pkr.hcl": GOOD})
    base = catalog.create_template(name="Golden Base", description="", labels=["ubuntu"], owner=None,
                                   files={"main.pkr.hcl": GOOD})
    return web, base


def test_the_template_list_is_paged_and_filtered_by_label_and_name(api, tokens, templates):
    status, page = api.get("templates/", tokens["viewer"])
    assert status == 200 and page["count"] == 2 and [t["slug"] for t in page["results"]] == ["golden-base",
                                                                                          "web-server"]
    assert page["results"][1] == {"slug": "web-server", "name": "Web Server", "description": "nginx",
                                  "labels": ["ubuntu", "web"], "owner": None, "latest_version": 1,
                                  "created": page["results"][1]["created"], "updated": page["results"][1]["updated"]}
    assert [t["slug"] for t in api.get("templates/?label=web", tokens["viewer"])[1]["results"]] == ["web-server"]
    assert [t["slug"] for t in api.get("templates/?search=gold", tokens["viewer"])[1]["results"]] == ["golden-base"]
    status, small = api.get("templates/?page_size=1&page=2", tokens["viewer"])
    assert status == 200 and [t["slug"] for t in small["results"]] == ["web-server"] and small["next"] is None
    status, past = api.get("templates/?page=9", tokens["viewer"])
    assert status == 404 and past["detail"].startswith("There is no page 9 of this list")


def test_a_missing_template_or_version_is_a_404_saying_which(api, tokens, templates):
    assert api.get("templates/nothing/", tokens["viewer"]) == (
        404, {"detail": 'ImageHub has no template with the slug "nothing".'})
    assert api.get("templates/web-server/versions/7/", tokens["viewer"]) == (
        404, {"detail": 'Template "web-server" has no version 7.'})


def test_a_version_comes_with_its_files_and_what_validation_found(api, tokens, templates):
    status, version = api.get("templates/web-server/versions/1/", tokens["viewer"])

    assert status == 200
    assert version["files"] == {"main.pkr.hcl": GOOD} and version["is_valid"] is True
    assert version["number"] == 1 and version["template"] == "web-server" and version["diagnostics"] == []


def test_an_editor_saves_a_new_version_and_files_that_do_not_validate_keep_their_diagnostics(api, tokens,
                                                                                              templates):
    files = {"main.pkr.hcl": GOOD.replace("null.a", "null.missing")}
    status, version = api.post("templates/web-server/versions/", {"files": files, "message": "typo"},
                               tokens["editor"])

    assert status == 201 and api.last_response["Location"] == "/api/v1/templates/web-server/versions/2/"
    assert version["number"] == 2 and version["author"] == "editor-user" and version["message"] == "typo"
    assert version["is_valid"] is False and version["error_count"] >= 1
    assert any("missing" in (d.get("summary", "") + d.get("detail", "")) for d in version["diagnostics"])
    status, listed = api.get("templates/web-server/versions/", tokens["viewer"])
    assert [v["number"] for v in listed["results"]] == [2, 1]

    status, same = api.post("templates/web-server/versions/", {"files": files}, tokens["editor"])
    assert status == 200 and same["number"] == 2


def test_files_the_catalog_refuses_are_a_400_listing_every_problem(api, tokens, templates):
    status, answer = api.post("templates/web-server/versions/", {"files": {"../x.pkr.hcl": "", "notes.txt": ""}},
                              tokens["editor"])

    assert status == 400
    assert answer["errors"]["files"] == [
        '"../x.pkr.hcl" names a folder; a template\'s files all sit side by side, without folders.',
        '"notes.txt" is not a template file name: it must end in .pkr.hcl, .pkrvars.hcl or .pkr.json, after a name.']
    assert answer["detail"].startswith('The request has errors: files: "../x.pkr.hcl" names a folder')
    assert 'files: "notes.txt" is not a template file name' in answer["detail"]
    status, answer = api.post("templates/web-server/versions/", {"message": "no files"}, tokens["editor"])
    assert status == 400 and answer["errors"] == {"files": ["This field is required."]}
    assert answer["detail"] == "The request has errors: files: This field is required."


def test_a_save_from_an_older_base_version_is_a_409_and_nothing_is_written(api, tokens, templates):
    api.post("templates/web-server/versions/", {"files": {"main.pkr.hcl": GOOD + "\n"}}, tokens["editor"])

    status, answer = api.post("templates/web-server/versions/", {"files": {"main.pkr.hcl": GOOD + "# mine\n"},
                                                                 "base": 1}, tokens["editor"])

    assert status == 409 and answer["latest"] == 2 and "while you were editing version 1" in answer["detail"]
    assert templates[0].versions.count() == 2


def test_require_valid_refuses_files_that_do_not_validate_with_each_error_where_it_is(api, tokens, templates):
    files = {"main.pkr.hcl": GOOD.replace("null.a", "null.b")}

    status, answer = api.post("templates/web-server/versions/", {"files": files, "require_valid": True},
                              tokens["editor"])

    assert status == 400
    assert answer["errors"]["files"] == ["main.pkr.hcl:5:14: Unknown source: Unknown source null.b. Make sure you "
                                         "are using an identifier that is defined in a source block: "
                                         "source.null.a."]
    assert answer["detail"].startswith("The files do not validate (1 error); nothing was saved. main.pkr.hcl:5:14")
    assert answer["diagnostics"][0]["range"]["start"] == {"line": 5, "column": 14}
    assert templates[0].versions.count() == 1

    status, saved = api.post("templates/web-server/versions/", {"files": {"main.pkr.hcl": GOOD + "\n"},
                                                                "require_valid": True}, tokens["editor"])
    assert status == 201 and saved["number"] == 2 and saved["is_valid"] is True
