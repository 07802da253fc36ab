"""Tests of the paginator that reads a page's rows by their keys: same pages as Django's, in the same order."""

import re
from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from builds import views
from builds.models import Build
from builds.pagination import KeysFirstPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(shell_version, builder):
    start = timezone.now() - timedelta(days=1)
    made = []
    for n in range(23):
        # Several builds share a queue time, so the order rests on the key as well.
        build = Build(template=shell_version.template, template_version=shell_version, requested_by=builder,
                      status=Build.Status.SUCCEEDED, queued_at=start + timedelta(minutes=n // 3))
        build.set_sources([("null.web", "null")])
        build.save()
        made.append(build)
    return made


@pytest.mark.parametrize("orphans", [0, 2])
def test_every_page_holds_what_djangos_paginator_puts_there(builds, orphans):
    listed = views.listed_builds()
    expected = Paginator(listed, 5, orphans=orphans)
    paginator = KeysFirstPaginator(listed, 5, orphans=orphans)
    assert paginator.num_pages == expected.num_pages
    for number in expected.page_range:
        assert [b.pk for b in paginator.page(number)] == [b.pk for b in expected.page(number)]


def test_a_filtered_list_is_paged_within_its_filter(builds):
    chosen = views.listed_builds().filter(pk__in=[b.pk for b in builds[::2]])
    page = KeysFirstPaginator(chosen, 5).get_page(2)
    assert [b.pk for b in page] == [b.pk for b in Paginator(chosen, 5).page(2)]


def test_a_page_reads_its_rows_in_one_query_whose_offset_selects_keys_only(builds):
    page = KeysFirstPaginator(views.listed_builds(), 5).page(3)
    with CaptureQueriesContext(connection) as queries:
        rows = list(page)
    assert len(rows) == 5 and len(queries) == 1
    inner = queries[0]["sql"].split(" IN (", 1)[1]
    assert re.match(r'SELECT [A-Z]0\."id" AS "pk" FROM', inner) and "OFFSET 10" in inner


@pytest.mark.parametrize("orphans", [0, 2])
def test_pages_read_by_a_function_of_their_keys_hold_what_djangos_paginator_puts_there(builds, orphans):
    listed = views.listed_builds()
    expected = Paginator(listed, 5, orphans=orphans)
    asked = []

    def read(keys):
        asked.append(keys)
        return views.listed_by_keys(keys)

    paginator = KeysFirstPaginator(listed, 5, orphans=orphans, read=read)
    for number in expected.page_range:
        assert [b.pk for b in paginator.page(number)] == [b.pk for b in expected.page(number)]
    assert [len(keys) for keys in asked] == [len(expected.page(number)) for number in expected.page_range]


def test_the_lists_rows_come_from_one_query_compiled_once_whatever_the_filters(builds, django_assert_num_queries):
    failed = builds[4]
    failed.status = Build.Status.FAILED
    failed.save()
    views.listed_by_keys([builds[0].pk])  # compiled here, once for the process
    for listed in (views.listed_builds(), views.listed_builds().filter(status=Build.Status.FAILED)):
        paginator = KeysFirstPaginator(listed, views.BUILDS_PER_PAGE, count=listed.count(), read=views.listed_by_keys)
        with django_assert_num_queries(2):  # the page's keys, then its rows
            rows = list(paginator.page(1))
        assert [b.pk for b in rows] == [b.pk for b in Paginator(listed, views.BUILDS_PER_PAGE).page(1)]
        assert all(b.artifact_count == 0 and b.template.slug == "shell" for b in rows)


def test_listed_builds_count_their_artifacts(builds):
    from builds.models import Artifact

    for number in range(3):
        Artifact.objects.create(build=builds[1], source="null.web", builder_type="null", artifact_id=f"a{number}")
    counts = {b.pk: b.artifact_count for b in views.listed_by_keys([builds[0].pk, builds[1].pk])}
    assert counts == {builds[0].pk: 0, builds[1].pk: 3}


@pytest.mark.parametrize("orphans", [0, 2])
def test_deep_pages_take_their_keys_from_every_key_of_the_list(builds, orphans, django_assert_num_queries):
    listed = views.listed_builds()
    expected = Paginator(listed, 5, orphans=orphans)
    every = list(listed.values_list("pk", flat=True))
    asked = []

    def all_keys():
        asked.append(1)
        return every

    paginator = KeysFirstPaginator(listed, 5, orphans=orphans, count=len(every), read=views.listed_by_keys,
                                   all_keys=all_keys, deep=10)
    for number in expected.page_range:
        queries = 1 if number > 2 else 2  # deep pages: their rows only; the first two: their keys, then rows
        with django_assert_num_queries(queries):
            page = paginator.page(number)
        assert [b.pk for b in page] == [b.pk for b in expected.page(number)]
    assert len(asked) == expected.num_pages - 2
