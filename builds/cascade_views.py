"""The cascade pages: the plan of a cascade from an image, its start, its progress, its cancel, and the list.

The plan page is for anyone who may see builds (the Start button for those
who may start them); starting and cancelling call builds.cascades. The
cascade's page re-fetches its progress every POLL_SECONDS while the cascade
is unfinished, or a step still is (a cancelled cascade's running build
stops later), an htmx request getting only that fragment.
"""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from builds import cascade_plan, cascades
from builds.action_views import go_to, refused
from builds.cascade_models import Cascade, CascadeStep
from builds.lineage_models import ImageNode
from imagehub.catalog_views import page_or_fragment
from imagehub.roles import CONTROL_BUILDS, START_BUILDS, VIEW_BUILDS, permission_required

POLL_SECONDS = 2
CASCADES_PER_PAGE = 25

view_permission = permission_required(VIEW_BUILDS, "see builds")
start_permission = permission_required(START_BUILDS, "start builds")
control_permission = permission_required(CONTROL_BUILDS, "cancel builds")


def trigger_of(pk: int) -> ImageNode:
    return get_object_or_404(ImageNode.objects.select_related("template", "build"), pk=pk)


@require_GET
@view_permission
def cascade_plan_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the plan of the cascade rebuilding what was built from image `pk`'s template: the builds it would
    queue, level by level, with the versions, the previous builds and their (masked) values."""
    node = trigger_of(pk)
    context = {"image": node, "plan": cascade_plan.plan_for(node), "may_start": request.user.has_perm(START_BUILDS),
               "running": Cascade.objects.filter(template_id=node.template_id, status__in=Cascade.UNFINISHED)
               if node.template_id else Cascade.objects.none()}
    return render(request, "builds/cascade_plan.html", context)


@require_POST
@start_permission
def cascade_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the cascade from image `pk` (planned anew, as the plan page showed it) and go to its page."""
    node = trigger_of(pk)
    try:
        cascade = cascades.start(node, request.user)
    except ValidationError as error:
        return refused(request, error, reverse("builds:cascade_plan", args=[pk]))
    return go_to(request, reverse("builds:cascade_detail", args=[cascade.pk]))


def cascade_context(request: HttpRequest, cascade: Cascade) -> dict:
    steps = list(cascade.steps.select_related("template", "version", "previous_build", "build")
                 .prefetch_related("waits_for__template").order_by("position"))
    done = sum(1 for step in steps if step.is_over)
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.get_status_display()] = counts.get(step.get_status_display(), 0) + 1
    return {
        "cascade": cascade, "steps": steps, "done": done, "total": len(steps), "counts": sorted(counts.items()),
        "percent": round(100 * done / len(steps)) if steps else 100, "poll_seconds": POLL_SECONDS,
        "following": not cascade.is_over or done < len(steps),
        "may_cancel": request.user.has_perm(CONTROL_BUILDS) and not cascade.is_over,
        "refresh_url": reverse("builds:cascade_detail", args=[cascade.pk]),
    }


@require_GET
@view_permission
def cascade_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Return a cascade's page: what started it, its progress and every step with its build."""
    cascade = get_object_or_404(Cascade.objects.select_related("trigger_image", "template", "started_by",
                                                               "cancelled_by"), pk=pk)
    return page_or_fragment(request, "builds/cascade_detail.html", "progress", cascade_context(request, cascade))


@require_POST
@control_permission
def cascade_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a cascade: its queued and running builds are cancelled, the steps still waiting skipped."""
    cascade = get_object_or_404(Cascade, pk=pk)
    url = reverse("builds:cascade_detail", args=[pk])
    try:
        cascades.cancel(cascade, request.user)
    except ValidationError as error:
        return refused(request, error, url)
    return go_to(request, url)


@require_GET
@view_permission
def cascade_list(request: HttpRequest) -> HttpResponse:
    """Return the cascades, newest first, each with its progress."""
    over = [status for status in CascadeStep.Status if status not in CascadeStep.UNFINISHED]
    rows = (Cascade.objects.select_related("trigger_image", "template", "started_by")
            .annotate(total=Count("steps"), done=Count("steps", filter=Q(steps__status__in=over)))
            .order_by("-created_at", "-pk"))
    page = Paginator(rows, CASCADES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "builds/cascade_list.html", {"page": page})
