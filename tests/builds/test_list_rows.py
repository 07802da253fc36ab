"""Tests of the build list's rows: a finished build's row is kept and never out of date, the others fresh."""

from datetime import timedelta

import pytest
from django.urls import reverse
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
    render = list_rows.render_row

    def counting(build, artifact_count, *, fixed_template, zone=None):
        seen.append(build.pk)
        return render(build, artifact_count, fixed_template=fixed_template, zone=zone)

    monkeypatch.setattr(list_rows, "render_row", counting)
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
    listed = {each.pk: each for each in views.listed_by_keys([b.pk for b in builds])}
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


def test_a_row_shows_each_column_escaped_with_links_the_urlconf_gives(shell_version, builder):
    PackerTemplate.objects.filter(pk=shell_version.template_id).update(name="Shell <b>&</b>")
    finished = build(shell_version, builder)
    Artifact.objects.create(build=finished, source="null.web", builder_type="null")
    Artifact.objects.create(build=finished, source="null.web", builder_type="null")
    [row] = rows_of(finished)
    url = reverse("builds:build_detail", args=[finished.pk])
    queued = timezone.localtime(finished.queued_at)
    assert row == (
        "\n      <tr>\n"
        f'        <td><a href="{url}">#{finished.pk}</a></td>\n'
        f'        <td><a href="{reverse("builds:template_builds", args=["shell"])}">Shell &lt;b&gt;&amp;&lt;/b&gt;</a></td>\n'
        f'        <td><a href="{reverse("catalog:version_detail", args=["shell", 1])}">v1</a></td>\n'
        '        <td><span class="status status-succeeded">Succeeded</span></td>\n'
        f"        <td>{builder.username}</td>\n"
        f'        <td><time datetime="{queued.isoformat()}">{queued:%Y-%m-%d %H:%M}</time></td>\n'
        '        <td class="number">1m 00s</td>\n'
        f'        <td><a href="{url}#artifacts">2 artifacts</a></td>\n'
        "      </tr>\n"
    )
    [without_template] = list_rows.rows(views.listed_by_keys([finished.pk]), fixed_template=True)
    assert "/builds/templates/shell/" not in without_template and without_template.count("<td") == 7


def test_a_running_row_shows_a_pause_and_its_step_and_a_queued_one_no_duration(shell_version, builder):
    running = build(shell_version, builder, Build.Status.RUNNING)
    Build.objects.filter(pk=running.pk).update(paused_at=NOW, current_step="null.web: <breakpoint>")
    queued = build(shell_version, None, Build.Status.QUEUED)
    Build.objects.filter(pk=queued.pk).update(started_at=None)
    paused_row, queued_row = rows_of(running, queued)
    assert ('<span class="status status-running">Running</span> <span class="badge badge-warning">paused</span>'
            '<div class="muted">null.web: &lt;breakpoint&gt;</div>') in paused_row
    assert "<td>—</td>" in queued_row and '<td class="number">—</td>' in queued_row
    assert '<td><span class="muted">none</span></td>' in queued_row


def test_every_status_is_labelled_as_the_model_labels_it():
    from builds.list_rows import STATUS_LABELS

    for status in Build.Status:
        assert STATUS_LABELS[status] == Build(status=status).get_status_display()
