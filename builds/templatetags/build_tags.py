"""Template tags and filters of the build pages: durations as people read them, and a build's facts, actions
and artifacts.

The build page's parts are written here rather than by the template engine:
most build pages are rendered for the first time, and the engine took about
a millisecond for what these write in a tenth of that (links, dates,
conditions and loops over artifacts and their files). Every value is
escaped with builds.list_rows.escape.
"""

from datetime import datetime, timedelta

from django import template
from django.template.defaultfilters import filesizeformat
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
    """The facts of the build page's summary (`build` from builds.views.get_build), as a description list."""
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


@register.simple_tag(takes_context=True)
def build_actions(context) -> SafeString:
    """The status of the build page's summary and what the user may do: cancel, rebuild, export.

    From the summary's context (builds.views.summary_context): `build`,
    `may_control`, `may_start`, `latest_version`, and the page's CSRF token.
    """
    build = context["build"]
    token = _escape(context.get("csrf_token", ""))
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    parts = [f'<span class="status status-{_escape(build.status)}" data-build-status>'
             f"{_escape(build.get_status_display())}</span>"]
    if context.get("may_control") and not build.is_over:
        if build.cancel_requested_at:
            by = build.cancel_requested_by.username if build.cancel_requested_by_id else ""
            parts.append(f'<span class="muted">Cancel requested by {_escape(by or "someone")}; cleaning up…</span>')
        else:
            parts.append(f'<form method="post" action="{_escape(links.url("builds:build_cancel", build.pk))}">{csrf}'
                         '<button type="submit" class="button button-danger">Cancel</button></form>')
    if context.get("may_start"):
        rebuild = _escape(links.url("builds:build_rebuild", build.pk))
        parts.append(f'<form method="post" action="{rebuild}">{csrf}'
                     '<button type="submit" class="button button-secondary">Rebuild</button></form>')
        latest = context.get("latest_version")
        if latest:
            parts.append(f'<form method="post" action="{rebuild}">{csrf}<input type="hidden" name="latest" value="1">'
                         '<button type="submit" class="button button-secondary">Rebuild with latest version '
                         f"(v{latest.number})</button></form>")
    parts.append(f'<a class="button button-secondary" href="{_escape(links.url("builds:build_export", build.pk))}" '
                 "download>Export JSON</a>")
    return mark_safe('<div class="build-actions">\n    ' + "\n    ".join(parts) + "\n  </div>")  # escaped above


@register.simple_tag
def build_artifacts(build, artifacts) -> SafeString:
    """The artifacts of the build page: each one's facts, image IDs by region and files with download links."""
    if not artifacts:
        empty = ("This build produced no artifacts." if build.is_over
                 else "Artifacts appear here when the build ends.")
        return mark_safe(f'<p class="muted">{empty}</p>')
    return mark_safe("".join(_artifact(build, artifact) for artifact in artifacts))  # escaped in _artifact


def _artifact(build, artifact) -> str:
    facts = "".join(f"<dt>{term}</dt><dd>{value}</dd>" for term, value in (
        ("ID", f"<code>{_escape(artifact.artifact_id)}</code>" if artifact.artifact_id else ""),
        ("Description", _escape(artifact.description) if artifact.description else ""),
        ("Source image", f"<code>{_escape(artifact.source_image_id)}</code>" if artifact.source_image_id else ""),
        ("Made by", f"<code>{_escape(artifact.builder_id)}</code>" if artifact.builder_id else ""),
    ) if value)
    parts = [f'\n  <article class="artifact">\n    <h3>{_escape(artifact.source)} '
             f'<span class="badge">{_escape(artifact.builder_type)}</span></h3>\n'
             f'    <dl class="facts">{facts}</dl>']
    if artifact.region_ids:
        regions = "".join(f"<tr><td>{_escape(region)}</td><td><code>{_escape(image)}</code></td></tr>"
                          for region, image in artifact.region_ids.items())
        parts.append('\n    <table class="table artifact-regions">\n      <thead><tr><th scope="col">Region</th>'
                     f'<th scope="col">Image ID</th></tr></thead>\n      <tbody>{regions}</tbody>\n    </table>')
    if artifact.files:
        rows = []
        for index, file in enumerate(artifact.files):
            name = _escape(file.get("name", ""))
            if file.get("path"):
                url = _escape(links.url("builds:artifact_file", build.pk, artifact.pk, index))
                name = f'<a href="{url}" download>{name}</a>'
            else:
                name += ' <span class="muted">(not kept)</span>'
            size = file.get("size")
            size = _escape(filesizeformat(size)) if size is not None else ""
            sha256 = f"<code>{_escape(file['sha256'])}</code>" if file.get("sha256") else ""
            rows.append(f'\n        <tr><td>{name}</td><td class="number">{size}</td><td>{sha256}</td></tr>')
        parts.append('\n    <table class="table artifact-files">\n      <thead><tr><th scope="col">File</th>'
                     '<th scope="col" class="number">Size</th><th scope="col">SHA-256</th></tr></thead>\n'
                     f'      <tbody>{"".join(rows)}\n      </tbody>\n    </table>')
    parts.append("\n  </article>")
    return "".join(parts)
