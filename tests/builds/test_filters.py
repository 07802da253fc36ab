"""Tests of the build list's filters: the choices they offer."""

import re

import pytest
from django.http import QueryDict

from builds.filters import BuildFilterForm, RequestFilters
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
