"""The image and channel actions: revoke and restore an image, assign, roll back and set a channel to follow.

Each is a POST that calls builds.revocation or builds.channels and goes back
to the page it came from, with a message saying what was done, or the
services' reasons for refusing.
"""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from builds import channels, revocation
from builds.action_views import go_to, refused
from builds.channel_models import Channel
from builds.lineage_models import ImageNode
from builds.models import Build
from imagehub.models import PackerTemplate
from imagehub.roles import MOVE_CHANNELS, REVOKE_IMAGES, permission_required

revoke_permission = permission_required(REVOKE_IMAGES, "revoke or restore images")
channel_permission = permission_required(MOVE_CHANNELS, "move channels")


def _when(request: HttpRequest) -> datetime | None:
    """The revocation time the form asks for: None for now; raises ValidationError for a bad or past time."""
    if request.POST.get("when", "now") != "later":
        return None
    text = request.POST.get("at", "").strip()
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError("Give the time of the revocation as a date and time, e.g. 2030-01-31 18:00.")
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at <= timezone.now():
        raise ValidationError("A scheduled revocation is for a time to come; to revoke now, choose “now”.")
    return at


@require_POST
@revoke_permission
def image_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke an image now or at a given time, with its descendants when asked."""
    image = get_object_or_404(ImageNode, pk=pk)
    url = reverse("builds:image_detail", args=[pk])
    try:
        count = revocation.revoke(image, request.user, request.POST.get("reason", ""), at=_when(request),
                                  descendants=request.POST.get("descendants") == "on")
    except ValidationError as error:
        return refused(request, error, url)
    when = "" if image.is_revoked() else f" from {timezone.localtime(image.revoke_at):%Y-%m-%d %H:%M}"
    others = f" and {count - 1} image{'s' if count != 2 else ''} built from it" if count > 1 else ""
    messages.success(request, f"Revoked {image}{others}{when}.")
    return go_to(request, url)


@require_POST
@revoke_permission
def image_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Lift an image's revocation, and that of the descendants it reached."""
    image = get_object_or_404(ImageNode, pk=pk)
    count = revocation.restore(image, request.user)
    messages.success(request, f"Restored {count} image{'s' if count != 1 else ''}." if count else
                     f"{image} was not revoked.")
    return go_to(request, reverse("builds:image_detail", args=[pk]))


def _images_url(slug: str) -> str:
    return reverse("builds:template_images", args=[slug]) + "#channels"


@require_POST
@channel_permission
def channel_assign(request: HttpRequest, slug: str) -> HttpResponse:
    """Point a channel (made on first use) at a build of the template."""
    template = get_object_or_404(PackerTemplate, slug=slug)
    name = request.POST.get("name", "").strip()
    chosen = request.POST.get("build", "")
    build = Build.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if build is None:
        return refused(request, ValidationError("Choose the build the channel is to point at."), _images_url(slug))
    try:
        channel = channels.assign(template, name, build, request.user, note=request.POST.get("note", ""))
    except ValidationError as error:
        return refused(request, error, _images_url(slug))
    messages.success(request, f'Channel "{channel.name}" now points at build #{build.pk}.')
    return go_to(request, _images_url(slug))


@require_POST
@channel_permission
def channel_rollback(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """Point a channel back at the build it pointed at before."""
    channel = get_object_or_404(Channel.objects.select_related("template"), template__slug=slug, name=name)
    try:
        channel = channels.rollback(channel, request.user)
    except ValidationError as error:
        return refused(request, error, _images_url(slug))
    messages.success(request, f'Channel "{channel.name}" rolled back to build #{channel.build_id}.')
    return go_to(request, _images_url(slug))


@require_POST
@channel_permission
def channel_follow(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """Make a channel move to every successful build of its template, or stop it."""
    channel = get_object_or_404(Channel, template__slug=slug, name=name)
    follow = request.POST.get("follow") == "1"
    channels.set_follow_latest(channel, request.user, follow)
    messages.success(request, f'Channel "{channel.name}" ' + ("now moves to every successful build."
                                                             if follow else "no longer moves by itself."))
    return go_to(request, _images_url(slug))
