"""Channels: assigning, moving and rolling back a template's named pointers, and finding a channel's image.

Services (the views' and the worker's only entry points), raising
PermissionDenied without `builds.change_channel` (the builder role) and a
ValidationError saying what to do for a request that cannot be met:

- `assign(template, name, build, user)`: point channel `name` (made on first
  use) at `build`, a successful build of `template` with images, none of
  them revoked. Moving a channel is assigning it again.
- `rollback(channel, user)`: point it back at the build it pointed at before
  the current one (twice goes two steps back).
- `set_follow_latest(channel, user, follow)`: the ImageHub setting that
  moves the channel to every successful build of its template.
- `on_build_succeeded(build, names)`: the automatic assignment when a build
  succeeds (its worker calls it before recording the status): the channels the template's `hcp_packer_registry { channels }`
  names, and those following the latest build.

Each change is a `ChannelEvent` (who, when, from which build to which),
and a `channel.moved` webhook event once committed.
`channel_image(template, name, region)` answers the `imagehub-image` data
source and `check_source_image(image_id, region)` a build about to start
from an image; both raise `ImageRefused` with a message for the template's
author (unknown template or channel, no image in the region, revoked).
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from builds.channel_models import Channel, ChannelEvent, validate_channel_name
from builds.engine.imageregistry import RegistryRefusal
from builds.lineage_models import ImageNode
from builds.models import Build
from imagehub.models import PackerTemplate
from imagehub.roles import MOVE_CHANNELS
from imagehub.webhooks import events as webhook_events


class ImageRefused(RegistryRefusal):
    """A channel's image cannot be had, or an image may not be built from; the message says why and what to do
    (the engine's registry refusal, so the engine reports it as it reports any other)."""


class ImageRevoked(ImageRefused):
    """The image asked for is revoked."""


def _require(user, permission: str, action: str) -> None:
    if user is None or not user.has_perm(permission):
        raise PermissionDenied(f"Your account may not {action}; ask an administrator for the builder role.")


def assign(template: PackerTemplate, name: str, build: Build, user, note: str = "") -> Channel:
    """Point channel `name` of `template` at `build`; return the channel (see the module's docstring)."""
    _require(user, MOVE_CHANNELS, "move channels")
    return _point(template, name.strip(), build, user, ChannelEvent.Action.ASSIGN, note)


def _point(template: PackerTemplate, name: str, build: Build, by, action: str, note: str = "",
           succeeded: bool = False) -> Channel:
    """Point the channel at `build`; `succeeded` says the build is known to have succeeded (its worker, about to
    record it, assigns the channels first)."""
    validate_channel_name(name)
    if build.template_id != template.pk:
        raise ValidationError(f"Build #{build.pk} is a build of {build.template}, not of {template}.")
    if not succeeded and build.status != Build.Status.SUCCEEDED:
        raise ValidationError(f"Build #{build.pk} has not succeeded ({build.get_status_display().lower()}); "
                              "a channel points at a successful build.")
    images = ImageNode.objects.filter(build=build)
    if not images.exists():
        raise ValidationError(f"Build #{build.pk} made no image (an AMI or a Docker image) for a channel to "
                              "point at.")
    revoked = images.revoked().first()
    if revoked is not None:
        raise ValidationError(f"Build #{build.pk}'s image {revoked} is revoked; restore it first, or choose "
                              "another build.")
    with transaction.atomic():
        channel, _ = Channel.objects.get_or_create(template=template, name=name)
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        if channel.build_id == build.pk:
            return channel
        now = timezone.now()
        change = ChannelEvent.objects.create(channel=channel, action=action, build=build,
                                             previous_build_id=channel.build_id, by=by, at=now, note=note[:300])
        channel.build = build
        channel.updated_at = now
        channel.updated_by = by
        channel.save(update_fields=["build", "updated_at", "updated_by"])
        webhook_events.channel_moved(channel, change)
    return channel


def history_stack(channel: Channel) -> list[int]:
    """The builds the channel has pointed at that a rollback can return to, oldest first, current last."""
    stack: list[int] = []
    for action, build_id in channel.events.order_by("at", "id").values_list("action", "build_id"):
        if action == ChannelEvent.Action.ROLLBACK:
            if len(stack) > 1:
                stack.pop()
        elif build_id is not None:
            stack.append(build_id)
    return stack


def rollback(channel: Channel, user) -> Channel:
    """Point `channel` at the build it pointed at before its current one; return it.

    Raises ValidationError when there is none, or when that build is gone or its images are revoked.
    """
    _require(user, MOVE_CHANNELS, "move channels")
    stack = history_stack(channel)
    if len(stack) < 2:
        raise ValidationError(f'Channel "{channel.name}" has no earlier build to roll back to.')
    target = Build.objects.filter(pk=stack[-2]).first()
    if target is None:
        raise ValidationError(f'The build channel "{channel.name}" pointed at before was deleted.')
    return _point(channel.template, channel.name, target, user, ChannelEvent.Action.ROLLBACK,
                  f"rolled back from build #{channel.build_id}")


def set_follow_latest(channel: Channel, user, follow: bool) -> Channel:
    """Make `channel` move (or stop moving) to every build of its template that succeeds; return it."""
    _require(user, MOVE_CHANNELS, "move channels")
    Channel.objects.filter(pk=channel.pk).update(follow_latest=follow)
    channel.follow_latest = follow
    return channel


def on_build_succeeded(build: Build, names: Iterable[str]) -> tuple[list[Channel], list[str]]:
    """Assign `build` to the channels `names` of its template and to those following the latest build; return
    the channels assigned and the problems met (a bad channel name, a build without images)."""
    wanted = list(dict.fromkeys(str(name).strip() for name in names))
    following = Channel.objects.filter(template_id=build.template_id, follow_latest=True)
    wanted += [name for name in following.values_list("name", flat=True) if name not in wanted]
    assigned, problems = [], []
    for name in wanted:
        try:
            assigned.append(_point(build.template, name, build, build.requested_by, ChannelEvent.Action.AUTOMATIC,
                                   succeeded=True))
        except ValidationError as error:
            problems.append(f'Channel "{name}" was not assigned: {" ".join(error.messages)}')
    return assigned, problems


def find_template(reference: str) -> PackerTemplate:
    """The template whose slug or name (any case) is `reference`; raises ImageRefused when there is none."""
    template = (PackerTemplate.objects.filter(slug=reference).first()
                or PackerTemplate.objects.annotate(lower=Lower("name")).filter(lower=reference.lower()).first())
    if template is None:
        raise ImageRefused(f'ImageHub has no template "{reference}" (give its name or its slug).')
    return template


def channel_image(template_reference: str, name: str, region: str = "") -> tuple[ImageNode, Channel]:
    """The image channel `name` of the template points at in `region` ("" when the images have no region, or
    there is only one), with the channel; raises ImageRefused saying what is missing or that it is revoked."""
    template = find_template(template_reference)
    channel = Channel.objects.filter(template=template, name=name).select_related("template").first()
    if channel is None:
        known = ", ".join(f'"{c}"' for c in template.channels.values_list("name", flat=True)) or "none yet"
        raise ImageRefused(f'Template {template.name} has no channel "{name}" (its channels: {known}).')
    if channel.build_id is None:
        raise ImageRefused(f'Channel "{name}" of {template.name} points at no build; assign one first.')
    images = list(ImageNode.objects.filter(build_id=channel.build_id).select_related("revoked_by", "template"))
    matching = [image for image in images if image.region == region] if region else images
    regions = sorted({image.region for image in images if image.region})
    if not matching:
        raise ImageRefused(f'Channel "{name}" of {template.name} (build #{channel.build_id}) has no image in '
                           f'region "{region}"; it has images in {", ".join(regions) or "no region"}.')
    if len(matching) > 1:
        raise ImageRefused(f'Channel "{name}" of {template.name} (build #{channel.build_id}) has images in '
                           f'several regions ({", ".join(regions)}): say which with region = "...".')
    image = matching[0]
    if image.is_revoked():
        raise ImageRevoked(f'The image {image.image_id} that channel "{name}" of {template.name} points at '
                           f"(build #{channel.build_id}) is revoked{_revocation(image)}. Assign a build whose "
                           "image is not revoked to the channel, or restore the image.")
    return image, channel


def check_source_image(image_id: str, region: str = "") -> None:
    """Raise ImageRefused when the image `image_id` (in `region`) is revoked: builds may not start from it."""
    revoked = ImageNode.objects.filter(image_id=image_id, region=region).revoked().select_related(
        "revoked_by", "template").first()
    if revoked is not None:
        what = f"{revoked.template.name} build #{revoked.build_id}, " if revoked.template_id else ""
        raise ImageRevoked(f"The source image {image_id} ({what}{region or 'no region'}) is revoked"
                           f"{_revocation(revoked)}. A build may not start from a revoked image: use "
                           "another source image.")


def _revocation(image: ImageNode) -> str:
    text = f" since {timezone.localtime(image.revoke_at):%Y-%m-%d %H:%M}"
    if image.revoked_by_id:
        text += f" by {image.revoked_by.get_username()}"
    return f"{text}: {image.revoke_reason}" if image.revoke_reason else text
