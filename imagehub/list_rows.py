"""The template list's rows, each rendered once per template and change and then kept in this process.

A row is what the list shows of one template: its name and the start of its
description, labels, latest version and its validity, its latest build's
status, when it was saved and who owns it. Every change to those through the
catalog (or the admin site) moves the template's `changed` time, and a kept
row is found by template, `changed` and latest build (id and status, read
for each page), so it is never out of date; only a renamed owner's user name
shows late, until the template changes. Anything added to a row must likewise
move `changed`, or become part of the key.

Rows are kept per process, the most recently used MAX_ROWS of them, so a page
of the list costs its two small queries and a lookup once its rows have been
seen, whatever the sort, search or page.
"""

import threading
from collections import OrderedDict
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Prefetch
from django.db.models.functions import Substr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from builds.models import Build
from imagehub.models import Label, PackerTemplate, TemplateVersion

MAX_ROWS = 5000
# The list shows the start of each description (the rest is cut off by the style sheet).
BLURB_LENGTH = 120
ROW_TEMPLATE = "imagehub/catalog/template_list.html#row"

# A row's key: the template's id, its `changed` time, and its latest build's id and status (None without one).
Key = tuple[int, datetime, tuple[int, str] | None]

_kept: OrderedDict[Key, str] = OrderedDict()
_lock = threading.Lock()


def keys(templates: list[PackerTemplate]) -> list[Key]:
    """Return the keys of the rows of `templates` (with `changed` loaded), in their order, in one query."""
    builds = {}
    if templates:
        with connection.cursor() as cursor:
            cursor.execute(_latest_builds_sql(len(templates)), [t.pk for t in templates])
            builds = {template_pk: (build_pk, status) for template_pk, build_pk, status in cursor.fetchall()}
    return [(t.pk, t.changed, builds.get(t.pk)) for t in templates]


def _latest_builds_sql(count: int) -> str:
    # Each template's latest build, found through the (template, queued) index; written out for the same
    # reason as the token's query (the ORM took longer to compile it than SQLite to answer it).
    quote = connection.ops.quote_name
    templates, builds = quote(PackerTemplate._meta.db_table), quote(Build._meta.db_table)
    template_pk, build_pk = quote(PackerTemplate._meta.pk.column), quote(Build._meta.pk.column)
    template, status = quote(Build._meta.get_field("template").column), quote(Build._meta.get_field("status").column)
    queued = quote(Build._meta.get_field("queued_at").column)
    latest = (f"SELECT b.{build_pk} FROM {builds} b WHERE b.{template} = t.{template_pk}"
              f" ORDER BY b.{queued} DESC, b.{build_pk} DESC LIMIT 1")
    wanted = ", ".join(["%s"] * count)
    return (f"SELECT {template}, {build_pk}, {status} FROM {builds} WHERE {build_pk} IN"
            f" (SELECT ({latest}) FROM {templates} t WHERE t.{template_pk} IN ({wanted}))")


def rows(entries: list[Key]) -> list[SafeString]:
    """Return the rendered rows of the templates `entries` names (see `keys`), in that order.

    A template deleted since its entry was read has no row.
    """
    found: dict[int, str] = {}
    with _lock:
        for key in entries:
            row = _kept.get(key)
            if row is not None:
                _kept.move_to_end(key)
                found[key[0]] = row
    missing = [key for key in entries if key[0] not in found]
    if missing:
        found.update(_render(missing))
    return [mark_safe(found[key[0]]) for key in entries if key[0] in found]  # rendered (escaped) by the engine


def forget() -> None:
    """Drop every kept row (tests that change templates behind the catalog's back use it)."""
    with _lock:
        _kept.clear()


def _render(entries: list[Key]) -> dict[int, str]:
    wanted = {key[0]: key for key in entries}
    templates = (
        PackerTemplate.objects.filter(pk__in=wanted)
        .only("name", "slug", "updated", "owner_id", "latest_version_id")
        .annotate(blurb=Substr("description", 1, BLURB_LENGTH))
        .prefetch_related(
            Prefetch("latest_version", queryset=TemplateVersion.objects.only(
                "number", "is_valid", "error_count", "warning_count")),
            Prefetch("owner", queryset=get_user_model().objects.only("username")),
            Prefetch("labels", queryset=Label.objects.only("name"), to_attr="label_list"),
        )
    )
    list_url = reverse("catalog:template_list")
    rendered = {}
    for template in templates:
        build = wanted[template.pk][2]
        rendered[template.pk] = render_to_string(ROW_TEMPLATE, {
            "template": template,
            "list_url": list_url,
            "last_build": Build(pk=build[0], status=build[1]) if build else None,
        })
    with _lock:
        # Kept under the key asked for: a template changed since is asked for under its new key.
        for pk, row in rendered.items():
            _kept[wanted[pk]] = row
        while len(_kept) > MAX_ROWS:
            _kept.popitem(last=False)
    return rendered
