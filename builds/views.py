"""The build pages: the list of builds, a template's build history, and a build's own page.

Every view answers a full page, or for an htmx request that is not boosted
the page's fragment (a `{% partialdef %}` of the same template): the list's
results, which poll while a build on them is unfinished, and the build
page's summary, which the live log re-fetches when the status changes.
"""

from django.core.cache import cache, caches
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from builds import charts, lineage, list_rows, services
from builds.cascade_models import CascadeStep
from builds.filters import RequestFilters
from builds.image_status import statuses
from builds.lineage_models import ImageNode
from builds.models import SENSITIVE_MASK, Artifact, Build, BuildStep
from builds.pagination import KeysFirstPaginator
from builds.routing import log_socket_path
from imagehub import analysis, change_token, config, links
from imagehub.catalog_views import page_or_fragment
from imagehub.compiled_query import CompiledQuery
from imagehub.models import PackerTemplate
from imagehub.roles import CONTROL_BUILDS, START_BUILDS, VIEW_BUILDS, permission_required

BUILDS_PER_PAGE = 25
# How long a count of builds and the filters' form are kept at most; any change to the builds replaces them sooner.
COUNT_SECONDS = 300
# A list of at most this many builds keeps its keys (about 100 kB in a cache), read when a page from its
# DEEP_PAGES_FROM-th build on is first asked for.
KEPT_KEYS = 20_000
DEEP_PAGES_FROM = 250
# A finished build's steps and artifacts never change: they are kept until the process's cache needs the room.
RECORD_SECONDS = 3600
CHART_BUILDS = 100  # the duration chart shows a template's latest finished builds
POLL_SECONDS = 3  # how often a list showing unfinished builds refreshes them

view_permission = permission_required(VIEW_BUILDS, "see builds")


def listed_builds():
    """The builds the list shows, newest first: what the filters narrow, count and page through (by key)."""
    return Build.objects.order_by("-queued_at", "-id")


def _listed_with_artifact_counts(*keys) -> QuerySet:
    """The builds of `keys` with what a row of the list shows.

    A row shows its template's name and slug, its version's number and its
    requester's user name: they come as the build's own attributes
    (`template_name`, `template_slug`, `version_number`, `requester_name`,
    None when nobody requested it) rather than as related objects, which
    would make four model instances of every row instead of one; and
    `artifact_count`, how many artifacts the build made.
    """
    artifacts = (Artifact.objects.filter(build=OuterRef("pk")).order_by().values("build")
                 .annotate(count=Count("pk")).values("count"))
    return (
        listed_builds()
        .only("status", "queued_at", "started_at", "finished_at", "current_step", "paused_at", "template_id",
              "template_version_id", "requested_by_id")
        .annotate(template_name=F("template__name"), template_slug=F("template__slug"),
                  version_number=F("template_version__number"), requester_name=F("requested_by__username"),
                  artifact_count=Coalesce(Subquery(artifacts), 0))
        .filter(pk__in=keys)
    )


# A page of the list read by its keys, with how many artifacts each build made (`artifact_count`): every list's
# rows come from this query, compiled once; the filters and the page's place narrow only the query of its keys.
LISTED_BY_KEYS = CompiledQuery(_listed_with_artifact_counts, parameters=BUILDS_PER_PAGE)
NO_BUILD = 0  # fills a short page's keys: no build has it


def listed_by_keys(keys: list) -> list[Build]:
    """The builds of `keys` (at most a page of them) in listed_builds() order, with what their rows show."""
    return LISTED_BY_KEYS.all(*keys, *[NO_BUILD] * (BUILDS_PER_PAGE - len(keys)))


def results_context(request: HttpRequest, filters: RequestFilters, token: str) -> dict:
    """The context of the list's results: one page of the builds as `filters` narrow them, as rendered rows.

    The number of builds the filters leave is kept under the change token
    `token` (a database counts every one of them), so every page of a list
    counts once until a build is added or moves on; so are their keys, in
    order, when there are at most KEPT_KEYS of them: read for a page deep in
    the list (the database would walk every key before it), then used for
    every page of the list while they are kept.
    """
    builds = filters.apply(listed_builds())
    count = cache.get_or_set(change_token.cache_key("builds:count", token, filters.cache_key()), builds.count,
                             COUNT_SECONDS)
    keys_key = change_token.cache_key("builds:keys", token, filters.cache_key())
    kept = cache.get(keys_key) if count <= KEPT_KEYS else None

    def all_keys() -> list:
        if kept is not None:
            return kept
        return cache.get_or_set(keys_key, lambda: list(builds.values_list("pk", flat=True)), COUNT_SECONDS)

    page = KeysFirstPaginator(builds, BUILDS_PER_PAGE, count=count, read=listed_by_keys,
                              all_keys=all_keys if count <= KEPT_KEYS else None,
                              deep=0 if kept is not None else DEEP_PAGES_FROM).get_page(request.GET.get("page"))
    return {
        "page": page,
        "rows": list_rows.rows(list(page), fixed_template=filters.fixed_template is not None),
        "filters": filters,
        "live": any(not build.is_over for build in page),
        "poll_seconds": POLL_SECONDS,
    }


def filters_html(request: HttpRequest, filters: RequestFilters, token: str) -> str:
    """The filters' form, rendered once per list, filters and change token (its choices come from both)."""
    html = cache.get_or_set(
        change_token.cache_key("builds:filters", token, request.path, filters.cache_key()),
        lambda: render_to_string("builds/_build_filters.html", {"filters": filters.form}, request), COUNT_SECONDS)
    return mark_safe(html)  # rendered (escaped) by the template engine


def results_html(request: HttpRequest, template_name: str, filters: RequestFilters, token: str) -> str:
    """The list's results (the `results` partial of `template_name`), rendered, or kept from an earlier request.

    Results with no unfinished build are kept under the change token and the
    request's path and query: a page of finished builds changes only when a
    build is added or moves on (which changes the token), or a template is
    renamed (likewise). Results showing an unfinished build (status, current
    step and duration move on their own) are rendered every time.
    """
    key = change_token.cache_key("builds:results", token, request.get_full_path())
    html = cache.get(key)
    if html is None:
        context = results_context(request, filters, token)
        html = render_to_string(f"{template_name}#results", context, request)
        if not context["live"]:
            cache.set(key, html, COUNT_SECONDS)
    return mark_safe(html)  # rendered (escaped) by the template engine


@require_GET
@view_permission
def build_list(request: HttpRequest) -> HttpResponse:
    """Return the builds, newest first: filtered by template, status, user, date and builder; paginated."""
    token = change_token.current()
    filters = RequestFilters(request.GET, token=token)
    results = results_html(request, "builds/build_list.html", filters, token)
    if request.htmx and not request.htmx.boosted:
        return HttpResponse(results)
    context = {"results": results, "filters_html": filters_html(request, filters, token)}
    return render(request, "builds/build_list.html", context)


@require_GET
@view_permission
def template_builds(request: HttpRequest, slug: str) -> HttpResponse:
    """Return a template's build history: success rate, a chart of durations over time, and its builds."""
    template = TEMPLATE_WITH_LATEST_VERSION.first(slug)
    if template is None:
        raise Http404("No template matches the given query.")
    token = change_token.current()
    filters = RequestFilters(request.GET, fixed_template=template, token=token)
    results = results_html(request, "builds/template_builds.html", filters, token)
    if request.htmx and not request.htmx.boosted:
        return HttpResponse(results)
    context = {"template": template, "results": results, "filters_html": filters_html(request, filters, token),
               **history(template, token)}
    return render(request, "builds/template_builds.html", context)


def history(template: PackerTemplate, token: str) -> dict:
    """A template's success rate and its duration chart (drawn: SVG), kept under the change token."""
    return cache.get_or_set(change_token.cache_key("builds:history", token, template.pk),
                            lambda: _history(template), COUNT_SECONDS)


def _history(template: PackerTemplate) -> dict:
    finished = template.builds.exclude(status__in=Build.UNFINISHED)
    counts = finished.aggregate(
        succeeded=Count("pk", filter=Q(status=Build.Status.SUCCEEDED)),
        unsuccessful=Count("pk", filter=Q(status__in=(Build.Status.FAILED, Build.Status.LOST))),
        cancelled=Count("pk", filter=Q(status=Build.Status.CANCELLED)),
    )
    judged = counts["succeeded"] + counts["unsuccessful"]
    timed = (finished.filter(started_at__isnull=False, finished_at__isnull=False)
             .select_related("template_version")
             .only("status", "started_at", "finished_at", "template", "template_version", "template_version__number")
             .order_by("-started_at")[:CHART_BUILDS])
    points = [
        (build.started_at, build.duration.total_seconds(), build.status,
         f"#{build.pk} v{build.template_version.number}: {build.get_status_display().lower()} "
         f"in {charts.format_duration(build.duration.total_seconds())}",
         links.url("builds:build_detail", build.pk))
        for build in timed
    ]
    chart = charts.duration_chart(points)
    return {
        "counts": counts,
        "judged": judged,
        "success_rate": round(100 * counts["succeeded"] / judged) if judged else None,
        "chart": render_to_string("builds/_duration_chart.html", {"chart": chart}) if chart else None,
    }


def _builds_with_page_facts(pk) -> QuerySet:
    """Build `pk` with its template, versions and people, without what no build page shows."""
    steps = CascadeStep.objects.filter(build=OuterRef("pk")).order_by("cascade", "position").values("pk")[:1]
    return (
        Build.objects.select_related("template__latest_version", "template_version", "requested_by",
                                     "cancel_requested_by")
        .defer("template__description", "template__latest_version__diagnostics", "template__latest_version__summary",
               "template_version__diagnostics", "template_version__summary")
        .annotate(cascade_step_pk=Subquery(steps), made_images=Exists(ImageNode.objects.filter(build=OuterRef("pk"))))
        .filter(pk=pk)
    )


# Read on every build page (and its downloads); compiled once rather than on every request (imagehub.compiled_query).
BUILD_WITH_PAGE_FACTS = CompiledQuery(_builds_with_page_facts)
# A template's build history: the template by its slug, with its latest version (without what no such page shows).
TEMPLATE_WITH_LATEST_VERSION = CompiledQuery(
    lambda slug: PackerTemplate.objects.select_related("latest_version")
    .defer("description", "latest_version__diagnostics", "latest_version__summary").filter(slug=slug), text=True)
STEPS_OF_BUILD = CompiledQuery(lambda pk: BuildStep.objects.filter(build_id=pk))
ARTIFACTS_OF_BUILD = CompiledQuery(lambda pk: Artifact.objects.filter(build_id=pk))
IMAGES_OF_BUILD = CompiledQuery(lambda pk: ImageNode.objects.filter(build_id=pk).only("pk").order_by("region", "pk"))


def get_build(pk: int) -> Build:
    """Return build `pk` with its template, version and requester; raise Http404 when there is none.

    The versions' stored diagnostics and summaries and the template's
    description (large, and shown on no build page) are left in the database;
    `cascade_step_pk` is the cascade step that queued the build, if any, and
    `made_images` whether any image records the build as its maker.
    """
    build = BUILD_WITH_PAGE_FACTS.first(pk)
    if build is None:
        raise Http404("No build matches the given query.")
    return build


def summary_context(request: HttpRequest, build: Build) -> dict:
    """What the build page's summary shows: status, facts, actions, step timeline and artifacts."""
    timeline, artifacts = steps_and_artifacts(build)
    user = request.user
    latest = build.template.latest_version
    return {
        "build": build,
        "timeline": mark_safe(timeline) if timeline else None,  # rendered (escaped) by the template engine
        "artifacts": artifacts,
        "images": build_images(build),
        "queue_position": services.queue_position(build) if build.status == Build.Status.QUEUED else None,
        "may_control": user.has_perm(CONTROL_BUILDS),
        "may_start": user.has_perm(START_BUILDS),
        "paused": build.paused_at is not None and not build.is_over,
        "latest_version": latest if latest and latest.pk != build.template_version_id else None,
        "refresh_url": links.url("builds:build_detail", build.pk),
        # Few builds belong to a cascade: the step is read only for those.
        "cascade_step": (CascadeStep.objects.select_related("cascade").get(pk=build.cascade_step_pk)
                         if build.cascade_step_pk else None),
    }


def steps_and_artifacts(build: Build) -> tuple:
    """The picture of `build`'s steps (SVG; None before any step ran) and its artifacts.

    A finished build's are read and drawn once and kept in the process: its
    steps and artifacts are all stored before its status says it has
    finished, and never change after. Two small queries read them again, a
    little more than fetching them from Redis would cost, so they are not
    shared between processes.
    """
    kept_here = caches[config.PROCESS_CACHE_ALIAS]
    key = f"builds:record:{build.pk}:{build.status}:{build.finished_at.timestamp() if build.finished_at else ''}"
    if build.is_over:
        kept = kept_here.get(key)
        if kept is not None:
            return kept
    steps = STEPS_OF_BUILD.all(build.pk)
    timeline = None
    if steps:
        start = min(step.started_at for step in steps)
        end = build.finished_at or max([timezone.now(), *(step.finished_at for step in steps if step.finished_at)])
        # With one source, its name on every step says nothing.
        several = len({step.source for step in steps}) > 1
        timeline = charts.step_timeline(
            [((f"{step.source}: " if several else "") + step.name + (" (cleanup)" if step.phase == "cleanup" else ""),
              step.started_at, step.finished_at, _outcome(step, build)) for step in steps],
            start=start, end=end)
        timeline = timeline.svg()
    found = (timeline, ARTIFACTS_OF_BUILD.all(build.pk))
    if build.is_over:
        kept_here.set(key, found, RECORD_SECONDS)
    return found


def build_images(build: Build) -> list:
    """The images `build` (from get_build) made, each with its status (current, outdated, revoked), by region."""
    if not build.made_images:
        return []
    ids = [image.pk for image in IMAGES_OF_BUILD.all(build.pk)]
    if not ids:
        return []
    every = lineage.nodes(lineage.with_ancestors(ids))
    judged = statuses(every)
    return [(every[pk], judged[pk]) for pk in ids]


def _outcome(step, build: Build) -> str:
    """The timeline's colour of a step: its outcome, "running" while it runs."""
    if step.finished_at is None:
        return "running" if not build.is_over else "failed"
    return {"ok": "succeeded", "failed": "failed", "cancelled": "cancelled",
            "interrupted": "lost"}.get(step.outcome, "other")


@require_GET
@view_permission
def build_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Return a build's page: summary, variables (sensitive ones masked), timeline, artifacts and the live log.

    The log is not in the page: the page's script fetches it over the websocket.
    """
    build = get_build(pk)
    context = summary_context(request, build)
    if request.htmx and not request.htmx.boosted:
        return page_or_fragment(request, "builds/build_detail.html", "summary", context)
    sensitive = set(build.sensitive_names)
    context["variables"] = [
        (name, SENSITIVE_MASK, True) if name in sensitive else (name, analysis.display_value(value), False)
        for name, value in build.displayed_variables().items()
    ]
    context["socket_path"] = log_socket_path(build.pk)
    return render(request, "builds/build_detail.html", context)
