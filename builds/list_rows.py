"""The build list's rows: a finished build's row rendered once and kept in this process, the others each time.

A finished build's row never changes, but for its template's name and slug
and its requester's user name, shown in the row: they are part of the key a
kept row is found by (with whether the template column is shown), so a kept
row is never out of date. A queued or running build's row (status, current
step, duration so far) is rendered on every request. The most recently
used MAX_ROWS rows are kept per process, so a page of the list costs its
queries and a lookup once its rows have been seen, whatever the filters or
page.

Rows are written here with format_html rather than by the template engine:
a page of the list has 25 of them, and with 10,000 builds most pages are
seen for the first time, so the engine's quarter of a millisecond per row
(three URL reversals, an include, two date filters) was the largest part of
a list page. Links are built from the URL prefixes the URLconf gives, looked
up once (a build is at <builds>/<pk>/, a template's builds at
<builds>/templates/<slug>/, a version at <templates>/<slug>/versions/<n>/).
"""

import threading
from collections import OrderedDict
from functools import cache

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from builds.charts import format_duration
from builds.models import Artifact, Build

MAX_ROWS = 20000

_kept: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def rows(builds: list[Build], *, fixed_template: bool) -> list[SafeString]:
    """Return the rendered rows of `builds` (from views.listed_builds), in their order."""
    keys = [_key(build, fixed_template) for build in builds]
    found: dict[int, str] = {}
    with _lock:
        for build, key in zip(builds, keys, strict=True):
            row = _kept.get(key) if key is not None else None
            if row is not None:
                _kept.move_to_end(key)
                found[build.pk] = row
    missing = [build for build in builds if build.pk not in found]
    if missing:
        counts = dict(Artifact.objects.filter(build__in=missing).values_list("build").annotate(count=Count("pk"))
                      .values_list("build", "count"))
        rendered = {build.pk: render_row(build, counts.get(build.pk, 0), fixed_template=fixed_template)
                    for build in missing}
        found.update(rendered)
        with _lock:
            for build, key in zip(builds, keys, strict=True):
                if key is not None and build.pk in rendered:
                    _kept[key] = rendered[build.pk]
            while len(_kept) > MAX_ROWS:
                _kept.popitem(last=False)
    return [mark_safe(found[build.pk]) for build in builds]  # written with format_html, which escaped it


def forget() -> None:
    """Drop every kept row (tests that change builds behind the app's back use it)."""
    with _lock:
        _kept.clear()


def render_row(build: Build, artifact_count: int, *, fixed_template: bool) -> SafeString:
    """Return the table row of `build` (from views.listed_builds), which made `artifact_count` artifacts."""
    builds_url, templates_url = _prefixes()
    build_url = f"{builds_url}{build.pk}/"
    template, number = build.template, build.template_version.number
    cells = [format_html('<td><a href="{}">#{}</a></td>', build_url, build.pk)]
    if not fixed_template:
        cells.append(format_html('<td><a href="{}templates/{}/">{}</a></td>', builds_url, template.slug,
                                 template.name))
    cells.append(format_html('<td><a href="{}{}/versions/{}/">v{}</a></td>', templates_url, template.slug, number,
                             number))
    status = format_html('<span class="status status-{}">{}</span>', build.status, build.get_status_display())
    if build.status == Build.Status.RUNNING:
        if build.paused_at:
            status += mark_safe(' <span class="badge badge-warning">paused</span>')
        if build.current_step:
            status += format_html('<div class="muted">{}</div>', build.current_step)
    cells.append(format_html("<td>{}</td>", status))
    cells.append(format_html("<td>{}</td>", build.requested_by.username if build.requested_by_id else "—"))
    queued = timezone.localtime(build.queued_at)
    cells.append(format_html('<td><time datetime="{}">{}</time></td>', queued.isoformat(),
                             queued.strftime("%Y-%m-%d %H:%M")))
    duration = build.duration
    cells.append(format_html('<td class="number">{}</td>',
                             format_duration(duration.total_seconds()) if duration is not None else "—"))
    if artifact_count:
        cells.append(format_html('<td><a href="{}#artifacts">{} artifact{}</a></td>', build_url, artifact_count,
                                 "" if artifact_count == 1 else "s"))
    else:
        cells.append(mark_safe('<td><span class="muted">none</span></td>'))
    return mark_safe("\n      <tr>\n        " + "\n        ".join(cells) + "\n      </tr>\n")


@cache
def _prefixes() -> tuple[str, str]:
    """The build list's URL and the template list's URL, under which builds, histories and versions are."""
    return reverse("builds:build_list"), reverse("catalog:template_list")


def _key(build: Build, fixed_template: bool) -> tuple | None:
    """What a finished build's row shows that may still change; None for a build whose row changes by itself."""
    if not build.is_over:
        return None
    username = build.requested_by.username if build.requested_by_id else ""
    return (build.pk, build.status, build.queued_at, build.finished_at, build.template.name, build.template.slug,
            username, fixed_template)
