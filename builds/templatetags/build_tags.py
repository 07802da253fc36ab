"""Template tags and filters of the build pages: durations as people read them, and a build's facts."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from builds.charts import format_duration
from builds.list_rows import escape as _escape
from imagehub import links

register = template.Library()


@register.filter
def duration(value: timedelta | float | None) -> str:
    """Return a timedelta or a number of seconds as "3m 05s" ("" for None)."""
    if value is None or value == "":
        return ""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    return format_duration(float(value))


@register.simple_tag
def build_facts(build, queue_position: int | None = None, cascade_step=None) -> SafeString:
    """The facts of the build page's summary (`build` from builds.views.get_build), as a description list.

    Written here rather than by the template engine: with its links, dates
    and conditions it was half of the time the engine took for the whole
    page, and most build pages are rendered for the first time.
    """
    template_ = build.template
    version = build.template_version.number
    facts = [
        ("Template", f'<a href="{_escape(links.url("catalog:template_detail", template_.slug))}">'
                     f'{_escape(template_.name)}</a>, <a href="'
                     f'{_escape(links.url("catalog:version_detail", template_.slug, version))}">version {version}</a>'),
    ]
    if queue_position:
        facts.append(("Queue position", f"{queue_position}{' (next to start)' if queue_position == 1 else ''}",
                      ' id="build-queue-position"'))
    facts.append(("Current step", _escape(build.current_step or "—"), " data-build-current-step"))
    requester = build.requested_by.username if build.requested_by_id else ""
    facts.append(("Started by", _escape(requester or "—")
                  + (" (from the command line)" if build.recorded_from_cli else "")))
    facts.append(("Queued", _time(build.queued_at)))
    if build.started_at:
        facts.append(("Started", _time(build.started_at)
                      + (f" on {_escape(build.worker_host)}" if build.worker_host else "")))
    if build.finished_at:
        facts.append(("Finished", _time(build.finished_at)))
    if build.duration:
        facts.append(("Duration", duration(build.duration) + ("" if build.is_over else " so far")))
    sources = "".join(f"<code>{_escape(source)}</code> " for source in build.sources) or "—"
    if build.only:
        sources += f' <span class="muted">(-only {",".join(_escape(name) for name in build.only)})</span>'
    if build.except_names:
        sources += f' <span class="muted">(-except {",".join(_escape(name) for name in build.except_names)})</span>'
    facts.append(("Sources", sources))
    facts.append(("On error", _escape(build.get_on_error_display())))
    if build.preset:
        facts.append(("Preset", f"<code>{_escape(build.preset)}</code>"))
    if cascade_step:
        cascade = cascade_step.cascade_id
        warning = f' <span class="muted">— {_escape(cascade_step.warning)}</span>' if cascade_step.warning else ""
        facts.append(("Cascade", f'<a href="{_escape(links.url("builds:cascade_detail", cascade))}">cascade #{cascade}'
                                 f"</a> ({_escape(cascade_step.cascade.get_status_display().lower())}), level "
                                 f"{cascade_step.level}{warning}"))
    if build.rebuild_of_id:
        facts.append(("Rebuild of", f'<a href="{_escape(links.url("builds:build_detail", build.rebuild_of_id))}">'
                                    f"#{build.rebuild_of_id}</a>"))
    if build.exit_reason:
        facts.append(("Outcome", _escape(build.exit_reason)))
    items = "".join(f"\n    <dt>{term}</dt><dd{attributes[0] if attributes else ''}>{value}</dd>"
                    for term, value, *attributes in facts)
    return mark_safe(f'<dl class="facts">{items}\n  </dl>')  # every value escaped above


def _time(moment: datetime) -> str:
    """A <time> element of `moment` in the current time zone, as the build pages show times."""
    local = timezone.localtime(moment)
    return f'<time datetime="{local.isoformat()}">{local:%Y-%m-%d %H:%M:%S}</time>'
