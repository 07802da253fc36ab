"""The build list's rows: a finished build's row rendered once and kept in this process, the others each time.

A finished build's row never changes, but for its template's name and slug
and its requester's user name, shown in the row: they are part of the key a
kept row is found by (with whether the template column is shown), so a kept
row is never out of date. A queued or running build's row (status, current
step, duration so far) is rendered on every request. The most recently
used MAX_ROWS rows are kept per process, so a page of the list costs its
queries and a lookup once its rows have been seen, whatever the filters or
page.
"""

import threading
from collections import OrderedDict

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from builds.models import Artifact, Build

MAX_ROWS = 20000
ROW_TEMPLATE = "builds/_build_table.html#row"

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
        rendered = {build.pk: render_to_string(ROW_TEMPLATE, {
            "build": build, "artifact_count": counts.get(build.pk, 0), "fixed_template": fixed_template})
            for build in missing}
        found.update(rendered)
        with _lock:
            for build, key in zip(builds, keys, strict=True):
                if key is not None and build.pk in rendered:
                    _kept[key] = rendered[build.pk]
            while len(_kept) > MAX_ROWS:
                _kept.popitem(last=False)
    return [mark_safe(found[build.pk]) for build in builds]  # rendered (escaped) by the template engine


def forget() -> None:
    """Drop every kept row (tests that change builds behind the app's back use it)."""
    with _lock:
        _kept.clear()


def _key(build: Build, fixed_template: bool) -> tuple | None:
    """What a finished build's row shows that may still change; None for a build whose row changes by itself."""
    if not build.is_over:
        return None
    username = build.requested_by.username if build.requested_by_id else ""
    return (build.pk, build.status, build.queued_at, build.finished_at, build.template.name, build.template.slug,
            username, fixed_template)
