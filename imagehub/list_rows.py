"""The template list's rows, each rendered once per template and change and then kept in this process.

A row is what the list shows of one template: its name and the start of its
description, labels, latest version and its validity, when it was saved and
who owns it. Every change to those through the catalog (or the admin site)
moves the template's `changed` time, and a kept row is found by template and
`changed`, so it is never out of date; only a renamed owner's user name shows
late, until the template changes. Anything added to a row must likewise move
`changed`, or become part of the key.

Rows are kept per process, the most recently used MAX_ROWS of them, so a page
of the list costs its two small queries and a lookup once its rows have been
seen, whatever the sort, search or page.
"""

import threading
from collections import OrderedDict
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.db.models.functions import Substr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from imagehub.models import Label, PackerTemplate, TemplateVersion

MAX_ROWS = 5000
# The list shows the start of each description (the rest is cut off by the style sheet).
BLURB_LENGTH = 120
ROW_TEMPLATE = "imagehub/catalog/template_list.html#row"

_kept: OrderedDict[tuple[int, datetime], str] = OrderedDict()
_lock = threading.Lock()


def rows(entries: list[tuple[int, datetime]]) -> list[SafeString]:
    """Return the rendered rows of the templates `entries` names as (pk, changed), in that order.

    A template deleted since its entry was read has no row.
    """
    found: dict[int, str] = {}
    with _lock:
        for key in entries:
            row = _kept.get(key)
            if row is not None:
                _kept.move_to_end(key)
                found[key[0]] = row
    missing = [pk for pk, _ in entries if pk not in found]
    if missing:
        found.update(_render(missing))
    return [mark_safe(found[pk]) for pk, _ in entries if pk in found]  # rendered (escaped) by the template engine


def forget() -> None:
    """Drop every kept row (tests that change templates behind the catalog's back use it)."""
    with _lock:
        _kept.clear()


def _render(pks: list[int]) -> dict[int, str]:
    templates = (
        PackerTemplate.objects.filter(pk__in=pks)
        .only("name", "slug", "updated", "changed", "owner_id", "latest_version_id")
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
        rendered[template.pk] = render_to_string(ROW_TEMPLATE, {"template": template, "list_url": list_url})
    with _lock:
        for template in templates:
            _kept[(template.pk, template.changed)] = rendered[template.pk]
        while len(_kept) > MAX_ROWS:
            _kept.popitem(last=False)
    return rendered
