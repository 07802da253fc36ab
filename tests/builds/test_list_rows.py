"""Tests of the build list's rows: a finished build's row is kept and never out of date, the others fresh."""

from datetime import timedelta

import pytest
from django.utils import timezone

from builds import list_rows, views
from builds.models import Artifact, Build
from imagehub.models import PackerTemplate

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def rendered(monkeypatch):
    """The builds whose rows were rendered (not found kept), in order."""
    seen = []
    render = list_rows.render_to_string

    def counting(name, context):
        seen.append(context["build"].pk)
        return render(name, context)

    monkeypatch.setattr(list_rows, "render_to_string", counting)
    return seen


def build(version, user, status=Build.Status.SUCCEEDED) -> Build:
    queued = NOW - timedelta(hours=1)
    finished = queued + timedelta(seconds=65) if status not in Build.UNFINISHED else None
    made = Build(template=version.template, template_version=version, requested_by=user, status=status,
                 queued_at=queued, started_at=queued + timedelta(seconds=5), finished_at=finished,
                 current_step="null.web: shell-local" if status == Build.Status.RUNNING else "")
    made.set_sources([("null.web", "null")])
    made.save()
    return made


def rows_of(*builds: Build) -> list[str]:
    listed = {each.pk: each for each in views.listed_builds().filter(pk__in=[b.pk for b in builds])}
    return list_rows.rows([listed[b.pk] for b in builds], fixed_template=False)


def test_a_finished_build_row_is_rendered_once_a_running_one_every_time(shell_version, builder, rendered):
    finished, running = build(shell_version, builder), build(shell_version, builder, Build.Status.RUNNING)
    Artifact.objects.create(build=finished, source="null.web", builder_type="null")

    first = rows_of(finished, running)
    second = rows_of(finished, running)

    assert rendered == [finished.pk, running.pk, running.pk]
    assert first == second
    assert "1 artifact</a>" in first[0] and "1m 00s" in first[0] and ">Succeeded<" in first[0]
    assert "null.web: shell-local" in first[1]


def test_a_kept_row_shows_a_renamed_template_and_a_finished_status(shell_version, builder, rendered):
    done, going = build(shell_version, builder), build(shell_version, builder, Build.Status.RUNNING)
    rows_of(done, going)

    PackerTemplate.objects.filter(pk=shell_version.template_id).update(name="Renamed shell")
    Build.objects.filter(pk=going.pk).update(status=Build.Status.FAILED, finished_at=NOW)
    again = rows_of(done, going)

    assert "Renamed shell" in again[0] and ">Failed<" in again[1]


def test_rows_are_kept_up_to_a_bound(shell_version, builder, rendered, monkeypatch):
    monkeypatch.setattr(list_rows, "MAX_ROWS", 2)
    builds = [build(shell_version, builder) for _ in range(3)]
    rows_of(*builds)

    rows_of(builds[0])

    assert rendered == [b.pk for b in builds] + [builds[0].pk]
