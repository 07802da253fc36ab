"""The build actions: start a version with its defaults, cancel, rebuild, and continue at a breakpoint.

Each is a POST that calls builds.services and goes to the build's page; a
request the services refuse comes back with their message on the page it
came from.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from builds import services
from builds.models import Build
from imagehub.models import TemplateVersion
from imagehub.roles import CONTROL_BUILDS, START_BUILDS, permission_required

start_permission = permission_required(START_BUILDS, "start builds")
control_permission = permission_required(CONTROL_BUILDS, "cancel or continue builds")


def go_to(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to `url`: a redirect, or for htmx a client-side redirect of the whole page."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def refused(request: HttpRequest, error: ValidationError, url: str) -> HttpResponse:
    """Show the services' reasons for refusing on the page at `url`."""
    for message in error.messages:
        messages.error(request, message)
    return go_to(request, url)


def build_url(build: Build) -> str:
    return reverse("builds:build_detail", args=[build.pk])


@require_POST
@start_permission
def build_start(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Start a build of version `number` of template `slug` with the defaults of its launch form."""
    version = get_object_or_404(TemplateVersion.objects.select_related("template"), template__slug=slug,
                                number=number)
    try:
        build = services.start_build(version, request.user, {})
    except ValidationError as error:
        return refused(request, error, reverse("catalog:variable_form", args=[slug, number]))
    return go_to(request, build_url(build))


@require_POST
@control_permission
def build_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a queued or running build."""
    build = get_object_or_404(Build, pk=pk)
    try:
        services.cancel_build(build, request.user)
    except ValidationError as error:
        return refused(request, error, build_url(build))
    return go_to(request, build_url(build))


@require_POST
@start_permission
def build_rebuild(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a build like this one; with `latest=1`, of the template's latest version."""
    build = get_object_or_404(Build.objects.select_related("template", "template_version"), pk=pk)
    try:
        rebuilt = services.rebuild(build, request.user, latest=request.POST.get("latest") == "1")
    except ValidationError as error:
        return refused(request, error, build_url(build))
    return go_to(request, build_url(rebuilt))


@require_POST
@control_permission
def build_continue(request: HttpRequest, pk: int) -> HttpResponse:
    """Let a build waiting at a breakpoint go on."""
    build = get_object_or_404(Build, pk=pk)
    try:
        services.continue_breakpoint(build, request.user)
    except ValidationError as error:
        return refused(request, error, build_url(build))
    return go_to(request, build_url(build))
