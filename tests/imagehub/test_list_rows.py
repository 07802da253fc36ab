"""Tests of the template list's kept rows: rendered once per template and change, dropped oldest first."""

import pytest

from builds.models import Build
from imagehub import catalog, list_rows
from imagehub.models import PackerTemplate

pytestmark = pytest.mark.django_db


def entries(*templates: PackerTemplate) -> list:
    return list_rows.keys(list(PackerTemplate.objects.filter(pk__in=[t.pk for t in templates]).order_by("name")))


def record_build(template: PackerTemplate, status: str) -> Build:
    return Build.objects.create(template=template, template_version=template.latest_version, status=status)


def test_a_row_shows_the_template_and_is_rendered_once(template, django_assert_num_queries):
    asked = entries(template)
    with django_assert_num_queries(4):  # the templates, their latest versions, owners and labels
        [row] = list_rows.rows(asked)
    assert '<a href="/templates/web/">Web</a>' in row and ">v2</a>" in row and ">edith<" in row
    assert '<span class="muted">none</span>' in row  # no build yet
    with django_assert_num_queries(0):
        assert list_rows.rows(asked) == [row]


def test_a_new_version_or_new_details_make_a_new_row(template, editor):
    [before] = list_rows.rows(entries(template))
    catalog.save_version(template, files={"main.pkr.hcl": "build {\n"}, author=editor, message="", base_number=2)
    [after_save] = list_rows.rows(entries(template))
    assert ">v3</a>" in after_save and "1 error</span>" in after_save and after_save != before
    catalog.update_details(template, description="Now described.", labels=["fresh"])
    [after_details] = list_rows.rows(entries(template))
    assert "Now described." in after_details and ">fresh</a>" in after_details


def test_the_row_shows_the_latest_build_and_changes_with_its_status(template):
    record_build(template, Build.Status.FAILED)
    latest = record_build(template, Build.Status.QUEUED)
    [queued] = list_rows.rows(entries(template))
    assert f'<a href="/builds/{latest.pk}/"><span class="status status-queued">Queued</span></a>' in queued
    Build.objects.filter(pk=latest.pk).update(status=Build.Status.RUNNING)
    [running] = list_rows.rows(entries(template))
    assert "status-running" in running and "status-queued" not in running


def test_rows_come_in_the_order_asked_and_a_deleted_template_has_none(template, editor):
    other = catalog.create_template(name="Another", description="", labels=[], owner=editor,
                                    files={"main.pkr.hcl": "build {}\n"})
    asked = entries(template, other)[::-1]
    assert [asked[0][0], asked[1][0]] == [template.pk, other.pk]
    assert ["Another" in row for row in list_rows.rows(asked)] == [False, True]
    PackerTemplate.objects.filter(pk=other.pk).delete()
    list_rows.forget()
    assert len(list_rows.rows(asked)) == 1


def test_only_the_most_recently_used_rows_are_kept(template, editor, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(list_rows, "MAX_ROWS", 1)
    other = catalog.create_template(name="Another", description="", labels=[], owner=editor,
                                    files={"main.pkr.hcl": "build {}\n"})
    first, second = entries(template), entries(other)
    list_rows.rows(first)
    list_rows.rows(second)
    with django_assert_num_queries(0):
        list_rows.rows(second)
    with django_assert_num_queries(4):
        list_rows.rows(first)
