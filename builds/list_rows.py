"""The build list's rows: a finished build's row rendered once and kept in this process, the others each time.

A finished build's row never changes, but for its template's name and slug
and its requester's user name, shown in the row: they are part of the key a
kept row is found by (with whether the template column is shown), so a kept
row is never out of date. A queued or running build's row (status, current
step, duration so far) is rendered on every request. The most recently
used MAX_ROWS rows are kept per process, so a page of the list costs its
queries and a lookup once its rows have been seen, whatever the filters or
page.

Rows are written here in Python rather than by the template engine: a
page of the list has 25 of them, and with 10,000 builds most pages are seen
for the first time, so the engine's quarter of a millisecond per row (three
URL reversals, an include, two date filters) was the largest part of a list
page; and with f-strings and html.escape rather than format_html, whose
checks for lazy values on every argument cost ten times the escaping. Links
are built from the URL prefixes the URLconf gives, looked up once (a build
is at <builds>/<pk>/, a template's builds at <builds>/templates/<slug>/, a
version at <templates>/<slug>/versions/<n>/).
"""

import html
import threading
from collections import OrderedDict
from functools import cache

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from builds.charts import format_duration
from builds.models import Build

MAX_ROWS = 20000
# Each status's label, as get_status_display() gives it (which works through the choices again for every call).
STATUS_LABELS = {str(value): str(label) for value, label in Build.Status.choices}

_kept: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def rows(builds: list[Build], *, fixed_template: bool) -> list[SafeString]:
    """Return the rendered rows of `builds` (from views.listed_builds, with their artifact_count), in their order."""
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
        zone = timezone.get_current_timezone()
        rendered = {build.pk: render_row(build, build.artifact_count, fixed_template=fixed_template, zone=zone)
                    for build in missing}
        found.update(rendered)
        with _lock:
            for build, key in zip(builds, keys, strict=True):
                if key is not None and build.pk in rendered:
                    _kept[key] = rendered[build.pk]
            while len(_kept) > MAX_ROWS:
                _kept.popitem(last=False)
    return [mark_safe(found[build.pk]) for build in builds]  # render_row escaped every value


def forget() -> None:
    """Drop every kept row (tests that change builds behind the app's back use it)."""
    with _lock:
        _kept.clear()


def render_row(build: Build, artifact_count: int, *, fixed_template: bool, zone=None) -> SafeString:
    """Return the table row of `build` (from views.listed_by_keys), which made `artifact_count` artifacts.

    Times are shown in `zone` (the current time zone unless given).
    """
    builds_url, templates_url = _prefixes()
    build_url = f"{builds_url}{build.pk}/"
    number = build.version_number
    slug = escape(build.template_slug)
    cells = [f'<td><a href="{build_url}">#{build.pk}</a></td>']
    if not fixed_template:
        cells.append(f'<td><a href="{builds_url}templates/{slug}/">{escape(build.template_name)}</a></td>')
    cells.append(f'<td><a href="{templates_url}{slug}/versions/{number}/">v{number}</a></td>')
    label = STATUS_LABELS.get(build.status, build.status)
    status = f'<span class="status status-{escape(build.status)}">{escape(label)}</span>'
    if build.status == Build.Status.RUNNING:
        if build.paused_at:
            status += ' <span class="badge badge-warning">paused</span>'
        if build.current_step:
            status += f'<div class="muted">{escape(build.current_step)}</div>'
    cells.append(f"<td>{status}</td>")
    cells.append(f"<td>{escape(build.requester_name) if build.requester_name is not None else '—'}</td>")
    queued = timezone.localtime(build.queued_at, zone)
    cells.append(f'<td><time datetime="{queued.isoformat()}">{queued.strftime("%Y-%m-%d %H:%M")}</time></td>')
    duration = build.duration
    cells.append(f'<td class="number">{format_duration(duration.total_seconds()) if duration is not None else "—"}</td>')
    if artifact_count:
        plural = "" if artifact_count == 1 else "s"
        cells.append(f'<td><a href="{build_url}#artifacts">{artifact_count} artifact{plural}</a></td>')
    else:
        cells.append('<td><span class="muted">none</span></td>')
    return mark_safe("\n      <tr>\n        " + "\n        ".join(cells) + "\n      </tr>\n")  # every value escaped


def escape(value: object) -> str:
    """`value` as HTML text: what django.utils.html.escape gives, without its checks for lazy values."""
    return html.escape(str(value))


@cache
def _prefixes() -> tuple[str, str]:
    """The build list's URL and the template list's URL, under which builds, histories and versions are."""
    return reverse("builds:build_list"), reverse("catalog:template_list")


def _key(build: Build, fixed_template: bool) -> tuple | None:
    """What a finished build's row shows that may still change; None for a build whose row changes by itself."""
    if not build.is_over:
        return None
    return (build.pk, build.status, build.queued_at, build.finished_at, build.template_name, build.template_slug,
            build.requester_name, fixed_template)
