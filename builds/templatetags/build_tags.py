"""Template filters of the build pages: durations as people read them."""

from datetime import timedelta

from django import template

from builds.charts import format_duration

register = template.Library()


@register.filter
def duration(value: timedelta | float | None) -> str:
    """Return a timedelta or a number of seconds as "3m 05s" ("" for None)."""
    if value is None or value == "":
        return ""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    return format_duration(float(value))
