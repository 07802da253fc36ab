"""Tests of the build list's filters: the choices they offer, and a request's filters without their form."""

import re

import pytest
from django.http import QueryDict

from builds.filters import BuildFilterForm, RequestFilters, query_string
from builds.models import Build
from imagehub.roles import Role

pytestmark = pytest.mark.django_db


def add_builds(version, user, count: int) -> None:
    for _ in range(count):
        made = Build(template=version.template, template_version=version, requested_by=user,
                     status=Build.Status.SUCCEEDED)
        made.set_sources([("null.web", "null")])
        made.save()


def test_started_by_offers_each_user_who_started_a_build_once_by_name(make_user, shell_version):
    zoe, adam = make_user("zoe", Role.BUILDER), make_user("adam", Role.BUILDER)
    make_user("idle", Role.BUILDER)
    add_builds(shell_version, zoe, 3)
    add_builds(shell_version, adam, 1)
    assert BuildFilterForm().fields["user"].choices == [("", "Anyone"), ("adam", "adam"), ("zoe", "zoe")]


def test_started_by_offers_no_one_before_the_first_build(make_user):
    make_user("idle", Role.BUILDER)
    assert BuildFilterForm().fields["user"].choices == [("", "Anyone")]


@pytest.mark.parametrize("query", ["", "status=failed", "status=failed&page=3", "user=zoe&builder=docker&page=2"])
def test_a_requests_filters_give_the_forms_cache_key_without_making_the_form(query, shell_version):
    data = QueryDict(query)
    for fixed in (None, shell_version.template):
        filters = RequestFilters(data, fixed_template=fixed)
        assert filters.cache_key() == BuildFilterForm(data or None, fixed_template=fixed).cache_key()
        assert "form" not in vars(filters)
    assert RequestFilters(data).form.is_bound == bool(query)


@pytest.mark.parametrize("query", ["", "page=3", "status=failed", "status=failed&page=3", "user=zoe&builder=docker",
                                   "status=nonsense", "since=2020-01-01&until=2999-12-31", "other=1"])
def test_a_requests_filters_narrow_the_builds_as_their_form_does(query, make_user, shell_version):
    add_builds(shell_version, make_user("zoe", Role.BUILDER), 2)
    Build.objects.filter(pk=Build.objects.order_by("pk").first().pk).update(status=Build.Status.FAILED)
    data = QueryDict(query)
    for fixed in (None, shell_version.template):
        filters = RequestFilters(data, fixed_template=fixed)
        form = BuildFilterForm(data or None, fixed_template=fixed)
        assert list(filters.apply(Build.objects.order_by("pk"))) == list(form.apply(Build.objects.order_by("pk")))
        assert filters.cache_key() == form.cache_key()
        assert filters.is_bound == form.is_bound
        assert ("form" in vars(filters)) == bool(query_string(data))  # made only to check filters given


def test_unfiltered_list_pages_seen_for_the_first_time_make_no_filters_form(
        client, make_user, shell_version, monkeypatch):
    add_builds(shell_version, make_user("zoe", Role.BUILDER), 3)
    client.force_login(make_user("viewer", Role.VIEWER))
    history = f"/builds/templates/{shell_version.template.slug}/"
    for path in ("/builds/", history):
        client.get(path + "?page=1")  # the list's filters' form is rendered once and kept
    made = []
    original = BuildFilterForm.__init__
    monkeypatch.setattr(BuildFilterForm, "__init__", lambda form, *args, **kwargs: made.append(1) or
                        original(form, *args, **kwargs))
    for path in ("/builds/", history):
        page = client.get(path + "?page=2")  # past the last page: the last one, read anew
        assert page.status_code == 200 and all(f"#{build.pk}</a>" in page.text for build in Build.objects.all())
    assert made == []


def test_a_list_page_seen_before_makes_no_filters_form(client, make_user, shell_version, monkeypatch):
    add_builds(shell_version, make_user("zoe", Role.BUILDER), 3)
    client.force_login(make_user("viewer", Role.VIEWER))
    made = []
    original = BuildFilterForm.__init__
    monkeypatch.setattr(BuildFilterForm, "__init__", lambda form, *args, **kwargs: made.append(1) or
                        original(form, *args, **kwargs))
    first = client.get("/builds/?status=succeeded")
    assert made and first.status_code == 200
    made.clear()
    again = client.get("/builds/?status=succeeded")
    assert made == [] and without_csrf_tokens(again.text) == without_csrf_tokens(first.text)


def without_csrf_tokens(page: str) -> str:
    """`page` without its CSRF tokens (masked afresh for every answer)."""
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", page)
