"""Tests of the catalog's reading pages: list, template, history, version, diff, export and launch form."""

import io
import re
import zipfile

import pytest
from django.utils import timezone

from imagehub.models import Label, PackerTemplate, TemplateVersion

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def make_templates(count: int, *, labels: tuple[str, ...] = (), valid: bool = True, prefix: str = "t"):
    """Create `count` templates with one version each, straight in the database (no engine)."""
    label_objects = [Label.objects.get_or_create(name=name)[0] for name in labels]
    made = []
    for index in range(count):
        template = PackerTemplate.objects.create(name=f"{prefix}{index:03d}", slug=f"{prefix}{index:03d}",
                                                 updated=timezone.now())
        version = TemplateVersion.objects.create(template=template, number=index + 1, content_hash="0" * 64,
                                                 is_valid=valid, error_count=0 if valid else 2)
        template.latest_version = version
        template.save(update_fields=["latest_version"])
        template.labels.set(label_objects)
        made.append(template)
    return made


@pytest.fixture
def reader(client, viewer):
    client.force_login(viewer)
    return client


def names_on(page: str) -> list[str]:
    return re.findall(r'<a href="/templates/([\w-]+)/">', page)


# --------------------------------------------------------------------------- list


def test_the_list_shows_each_template_with_its_latest_version_labels_and_validity(reader, template):
    make_templates(1, valid=False, prefix="broken")
    page = reader.get("/templates/").content.decode()
    assert names_on(page) == ["broken000", "web"]
    assert '<a href="/templates/web/versions/2/">v2</a>' in page
    assert '<a class="label" href="/templates/?label=aws">aws</a>' in page
    assert '<span class="badge badge-ok">valid</span>' in page
    assert '<span class="badge badge-error">2 errors</span>' in page


def test_the_list_searches_names_and_labels(reader):
    make_templates(2, prefix="alpha", labels=("ubuntu",))
    make_templates(1, prefix="beta", labels=("debian",))
    assert names_on(reader.get("/templates/?q=ALPHA").content.decode()) == ["alpha000", "alpha001"]
    assert names_on(reader.get("/templates/?q=debi").content.decode()) == ["beta000"]
    assert names_on(reader.get("/templates/?label=ubuntu").content.decode()) == ["alpha000", "alpha001"]
    assert "No template matches." in reader.get("/templates/?q=zzz").content.decode()


def test_the_list_sorts(reader):
    make_templates(3)
    assert names_on(reader.get("/templates/?sort=-name").content.decode()) == ["t002", "t001", "t000"]
    assert names_on(reader.get("/templates/?sort=-updated").content.decode()) == ["t002", "t001", "t000"]
    assert names_on(reader.get("/templates/?sort=updated").content.decode()) == ["t000", "t001", "t002"]
    assert names_on(reader.get("/templates/?sort=bogus").content.decode()) == ["t000", "t001", "t002"]


def test_the_list_is_paginated_with_real_links(reader):
    make_templates(30)
    first = reader.get("/templates/?q=t").content.decode()
    assert len(names_on(first)) == 25
    assert "Page 1 of 2 (30 templates)" in first
    assert 'href="/templates/?q=t&amp;page=2"' in first
    assert 'hx-get="/templates/?q=t&amp;page=2"' in first
    second = reader.get("/templates/?q=t&page=2").content.decode()
    assert names_on(second) == [f"t{i:03d}" for i in range(25, 30)]


def test_an_htmx_request_gets_only_the_results_and_a_boosted_one_the_page(reader):
    make_templates(1)
    fragment = reader.get("/templates/?q=t", headers=HTMX).content.decode()
    assert fragment.lstrip().startswith('<div id="template-results">')
    assert "<html" not in fragment
    boosted = reader.get("/templates/", headers={**HTMX, "HX-Boosted": "true"}).content.decode()
    assert "<html" in boosted


def test_the_list_costs_the_same_few_queries_for_any_number_of_templates(reader, django_assert_max_num_queries):
    make_templates(30, labels=("a", "b"))
    with django_assert_max_num_queries(12):
        response = reader.get("/templates/")
    assert response.status_code == 200
    # The results are cached: asking again costs the session, the user and the results' token.
    with django_assert_max_num_queries(5):
        again = reader.get("/templates/")
    assert results_of(again) == results_of(response)


def results_of(response) -> str:
    page = response.content.decode()
    return page[page.index('<div id="template-results">'):]


def test_the_cached_list_shows_every_change_at_once(reader, template, editor):
    from imagehub import catalog

    assert "v2</a>" in reader.get("/templates/").content.decode()
    catalog.save_version(template, files={"main.pkr.hcl": "build {\n"}, author=editor, message="",
                         base_number=2)
    page = reader.get("/templates/").content.decode()
    assert "v3</a>" in page and "1 error</span>" in page
    catalog.update_details(template, description="Now described.", labels=["fresh"])
    page = reader.get("/templates/").content.decode()
    assert "Now described." in page and ">fresh</a>" in page
    catalog.create_template(name="Another", description="", labels=[], owner=editor,
                            files={"main.pkr.hcl": "build {}\n"})
    assert names_on(reader.get("/templates/").content.decode()) == ["another", "web"]
    PackerTemplate.objects.filter(slug="another").delete()
    assert names_on(reader.get("/templates/").content.decode()) == ["web"]


def test_the_cached_list_shows_each_templates_latest_build_as_its_status_changes(reader, template):
    from builds.models import Build

    assert '<th scope="col">Last build</th>' in reader.get("/templates/").content.decode()
    build = Build.objects.create(template=template, template_version=template.latest_version)
    assert f'<a href="/builds/{build.pk}/"><span class="status status-queued">Queued</span></a>' in (
        reader.get("/templates/").content.decode())
    for status, shown in (("running", "Running"), ("succeeded", "Succeeded")):
        Build.objects.filter(pk=build.pk).update(status=status)
        assert f'<span class="status status-{status}">{shown}</span>' in reader.get("/templates/").content.decode()


# --------------------------------------------------------------------------- template, history, version


def test_the_template_page_shows_details_summary_and_files(reader, template):
    page = reader.get("/templates/web/").content.decode()
    assert "The web tier." in page
    assert "<code>var.region</code>" in page
    assert '<pre class="value">&quot;eu-north-1&quot;</pre>' in page
    assert "<code>source.null.base</code>" in page
    assert 'id="file-main.pkr.hcl"' in page and 'id="file-prod.pkrvars.hcl"' in page
    assert "Move north" in page


def test_the_template_page_lists_the_problems_of_an_invalid_version(reader, template, editor):
    from imagehub import catalog

    catalog.save_version(template, files={"main.pkr.hcl": "build {\n"}, author=editor, message="",
                         base_number=2)
    page = reader.get("/templates/web/").content.decode()
    assert 'class="diagnostic diagnostic-error"' in page
    assert "main.pkr.hcl:" in page
    assert "do not load, so there is nothing to summarise" in page


def test_unknown_templates_and_versions_are_not_found(reader, template):
    assert reader.get("/templates/nope/").status_code == 404
    assert reader.get("/templates/web/versions/9/").status_code == 404
    assert reader.get("/templates/web/versions/9/export/").status_code == 404


def test_the_history_lists_versions_newest_first_with_compare_links(reader, template):
    page = reader.get("/templates/web/history/").content.decode()
    assert page.index(">v2</a>") < page.index(">v1</a>")
    assert 'href="/templates/web/diff/?from=1&amp;to=2">Changes</a>' in page
    assert 'name="from" value="1" aria-label="Compare from version 1" checked' in page
    assert 'name="to" value="2" aria-label="Compare to version 2" checked' in page


def test_the_version_page_shows_that_version(reader, template):
    page = reader.get("/templates/web/versions/1/").content.decode()
    assert "Version 1" in page
    assert '<pre class="value">&quot;eu-west-1&quot;</pre>' in page
    assert "eu-north-1" not in page


def build_links(page: str) -> list[str]:
    return re.findall(r'<a class="button" href="([^"]+)" data-build-version>Build…</a>', page)


def test_a_builder_gets_a_build_action_for_the_latest_version_on_the_template_page(client, builder, template):
    client.force_login(builder)
    page = client.get("/templates/web/").content.decode()
    assert build_links(page) == ["/templates/web/versions/2/variables/"]
    launch = client.get(build_links(page)[0])
    assert launch.status_code == 200
    assert 'value="build"' in launch.content.decode()


@pytest.mark.parametrize("number", [1, 2])
def test_a_builder_gets_a_build_action_for_each_version_on_its_page(client, builder, template, number):
    client.force_login(builder)
    page = client.get(f"/templates/web/versions/{number}/").content.decode()
    assert build_links(page) == [f"/templates/web/versions/{number}/variables/"]


@pytest.mark.parametrize("path", ["/templates/web/", "/templates/web/versions/1/", "/templates/web/versions/2/"])
def test_a_viewer_gets_no_build_action(reader, template, path):
    page = reader.get(path).content.decode()
    assert "Variables form" in page
    assert "Build…" not in page and "data-build-version" not in page


# --------------------------------------------------------------------------- diff


def test_the_diff_compares_the_latest_version_with_the_one_before_by_default(reader, template):
    page = reader.get("/templates/web/diff/").content.decode()
    assert "Changes from" in page and ">v1</a> to <a" in page
    assert '<span class="badge badge-changed">changed</span>' in page
    assert '<span class="badge badge-unchanged">unchanged</span>' in page
    assert "eu-<del>west</del>-1" in page and "eu-<ins>north</ins>-1" in page
    assert "@@ -1,6 +1,6 @@" in page


def test_the_diff_compares_any_two_versions_either_way(reader, template):
    page = reader.get("/templates/web/diff/?from=2&to=1").content.decode()
    assert '<option value="2" selected>v2</option>' in page
    assert "eu-<del>north</del>-1" in page


def test_a_diff_with_a_version_that_does_not_exist_says_so(reader, template):
    response = reader.get("/templates/web/diff/?from=1&to=7")
    assert response.status_code == 404
    assert "There is no version 7 of Web to compare (to)." in response.content.decode()
    assert reader.get("/templates/web/diff/?from=x").status_code == 404


def test_an_htmx_diff_request_gets_only_the_diff(reader, template):
    fragment = reader.get("/templates/web/diff/?from=1&to=2", headers=HTMX).content.decode()
    assert fragment.lstrip().startswith('<section class="card" id="diff">')


# --------------------------------------------------------------------------- export


def test_export_downloads_the_version_as_a_zip(reader, template):
    response = reader.get("/templates/web/versions/1/export/")
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="web-v1.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == ["web/main.pkr.hcl", "web/prod.pkrvars.hcl"]
        assert "eu-west-1" in archive.read("web/main.pkr.hcl").decode()
