"""Tests of imagehub.compiled_query: a queryset compiled once answers as the ORM does, with other values."""

import pytest
from django.db.models import Count

from imagehub import catalog
from imagehub.compiled_query import CompiledQuery
from imagehub.models import PackerTemplate, TemplateVersion

pytestmark = pytest.mark.django_db


def versions_of(pk):
    return (TemplateVersion.objects.select_related("template__owner", "author").defer("diagnostics")
            .annotate(file_count=Count("files")).filter(template_id=pk).order_by("-number"))


def test_the_rows_are_the_orms_with_related_objects_annotations_and_deferred_fields(template, editor):
    other = catalog.create_template(
        name="Other", description="", labels=[], owner=editor, files={"main.pkr.hcl": "build {}\n"})
    compiled = CompiledQuery(versions_of)
    for pk in (template.pk, other.pk):
        expected = list(versions_of(pk))
        found = compiled.all(pk)
        assert [v.pk for v in found] == [v.pk for v in expected] and found
        for mine, theirs in zip(found, expected, strict=True):
            assert mine.file_count == theirs.file_count
            assert (mine.template.name, mine.template.owner.username, mine.author.username) == (
                theirs.template.name, theirs.template.owner.username, theirs.author.username)
            assert mine.summary == theirs.summary and mine.diagnostics == theirs.diagnostics  # deferred: read late
            # Values the database gives in its own form come back converted, as the ORM converts them.
            assert (mine.created, mine.template.updated) == (theirs.created, theirs.template.updated)
            assert mine.created.tzinfo is not None and isinstance(mine.summary, dict)
            assert not mine._state.adding and mine._state.db == "default"


def test_it_is_compiled_once_and_answers_nothing_for_a_value_without_rows(template, django_assert_num_queries):
    made = []

    def make(pk):
        made.append(pk)
        return PackerTemplate.objects.filter(pk=pk)

    compiled = CompiledQuery(make)
    assert compiled.first(template.pk) == template
    with django_assert_num_queries(2):
        assert compiled.first(template.pk + 1000) is None and compiled.all(template.pk + 1000) == []
    assert len(made) == 2  # once for the model, once to compile


def test_a_queryset_whose_values_do_not_reach_the_sql_as_parameters_is_refused(template):
    with pytest.raises(ValueError, match="exactly once"):
        CompiledQuery(lambda pk: PackerTemplate.objects.all()).all(template.pk)
    with pytest.raises(TypeError, match="expected 1 values"):
        CompiledQuery(lambda pk: PackerTemplate.objects.filter(pk=pk)).all(1, 2)


def test_text_parameters_are_stood_in_for_by_texts(template, editor):
    other = catalog.create_template(
        name="Other", description="", labels=[], owner=editor, files={"main.pkr.hcl": "build {}\n"})
    by_slug = CompiledQuery(lambda slug: PackerTemplate.objects.select_related("latest_version").filter(slug=slug),
                            text=True)
    for wanted in (template, other):
        found = by_slug.first(wanted.slug)
        assert found.pk == wanted.pk and found.latest_version.number == wanted.latest_version.number
    assert by_slug.first("no-such-template") is None
    with pytest.raises(ValueError, match="exactly once"):
        CompiledQuery(lambda slug: PackerTemplate.objects.filter(name="x"), text=True).all("x")
