"""The image pages: an image's lineage (ancestors to the external root, descendants, a picture), and a template's
images with its channels.

Both are full pages for anyone who may see builds; the forms to revoke,
restore and move channels appear for those who may use them (the builder
role) and post to builds.image_actions.
"""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from builds import lineage
from builds.channel_models import Channel, ChannelEvent, ImageUse
from builds.image_status import statuses
from builds.lineage_graph import lineage_graph
from builds.lineage_models import ImageNode
from builds.models import Build
from imagehub.models import PackerTemplate
from imagehub.roles import MOVE_CHANNELS, REVOKE_IMAGES, VIEW_BUILDS, permission_required

MAX_DESCENDANTS = 200  # drawn and listed on an image's page; the count says when there are more
MAX_TEMPLATE_IMAGES = 60  # a template's latest images on its images page
CHANNEL_HISTORY = 30
ASSIGNABLE_BUILDS = 30

view_permission = permission_required(VIEW_BUILDS, "see images")


def image_url(node: ImageNode) -> str:
    return reverse("builds:image_detail", args=[node.pk])


def channel_names(build_ids) -> dict[int, list[str]]:
    """The names of the channels pointing at each of `build_ids`, by build id."""
    names: dict[int, list[str]] = {}
    for build_id, name in (Channel.objects.filter(build_id__in=set(build_ids)).order_by("name")
                           .values_list("build_id", "name")):
        names.setdefault(build_id, []).append(name)
    return names


def get_image(pk: int) -> ImageNode:
    """Return image `pk` with what its page shows; raise Http404 when there is none."""
    nodes = ImageNode.objects.select_related("template", "build__template_version", "build__requested_by",
                                             "parent", "revoked_by", "revoked_cause__template")
    return get_object_or_404(nodes, pk=pk)


@require_GET
@view_permission
def image_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Return an image's page: its status, ancestors up to the external root, descendants and their picture."""
    node = get_image(pk)
    chain = lineage.ancestors(node)
    below_ids = lineage.descendant_ids([node.pk], limit=MAX_DESCENDANTS + 1)
    found = lineage.nodes(below_ids[:MAX_DESCENDANTS])
    below = [found[pk] for pk in below_ids[:MAX_DESCENDANTS] if pk in found]
    every = {item.pk: item for item in [*chain, *below]}
    every[node.pk] = node
    judged = statuses(every)
    builds = {item.build_id for item in every.values() if item.build_id}
    names = channel_names(builds)
    pointing = list(Channel.objects.filter(build_id=node.build_id).select_related("template")) if node.build_id \
        else []
    context = {
        "image": node,
        "status": judged[node.pk],
        "ancestors": [(item, judged[item.pk]) for item in chain[:-1]],
        "descendants": [(item, judged[item.pk], every.get(item.parent_id)) for item in below],
        "more_descendants": len(below_ids) > MAX_DESCENDANTS,
        "graph": lineage_graph([*chain, *below], judged, image_url, focus=node.pk, channels=names),
        "pointing": pointing,
        "other_regions": list(ImageNode.objects.filter(build_id=node.build_id).exclude(pk=node.pk)
                              .order_by("region")) if node.build_id else [],
        "uses": list(ImageUse.objects.filter(image=node).select_related("build__template", "channel")
                     .order_by("-at")[:20]),
        "may_revoke": request.user.has_perm(REVOKE_IMAGES),
        "now": timezone.now(),
    }
    return render(request, "builds/image_detail.html", context)


@require_GET
@view_permission
def template_images(request: HttpRequest, slug: str) -> HttpResponse:
    """Return a template's images page: the picture of what its versions produced (with what they were built
    from and what was built from them), its latest images, and its channels with their history."""
    template = get_object_or_404(PackerTemplate.objects.select_related("latest_version"), slug=slug)
    own = list(ImageNode.objects.filter(template=template).select_related("template", "build__template_version")
               .order_by("-build_id", "region")[:MAX_TEMPLATE_IMAGES + 1])
    own_ids = [item.pk for item in own[:MAX_TEMPLATE_IMAGES]]
    ids = lineage.with_ancestors(own_ids) | set(lineage.descendant_ids(own_ids, limit=MAX_DESCENDANTS))
    every = lineage.nodes(ids)
    judged = statuses(every)
    ordered = sorted(every.values(), key=lambda item: item.pk)
    names = channel_names({item.build_id for item in ordered if item.build_id})
    channels = list(template.channels.select_related("build", "updated_by").prefetch_related(
        Prefetch("build__images", queryset=ImageNode.objects.order_by("region"))))
    now = timezone.now()
    context = {
        "template": template,
        "graph": lineage_graph(ordered, judged, image_url, channels=names),
        "images": [(item, judged[item.pk]) for item in own[:MAX_TEMPLATE_IMAGES]],
        "more_images": len(own) > MAX_TEMPLATE_IMAGES,
        "channels": [(channel, _revoked_images(channel, now)) for channel in channels],
        "history": list(ChannelEvent.objects.filter(channel__template=template)
                        .select_related("channel", "by").order_by("-at", "-id")[:CHANNEL_HISTORY]),
        "assignable": list(Build.objects.filter(template=template, status=Build.Status.SUCCEEDED,
                                                images__isnull=False).distinct()
                           .select_related("template_version").order_by("-pk")[:ASSIGNABLE_BUILDS]),
        "may_move_channels": request.user.has_perm(MOVE_CHANNELS),
    }
    return render(request, "builds/template_images.html", context)


def _revoked_images(channel: Channel, now) -> list[ImageNode]:
    """The revoked images of the build `channel` points at (the channel is flagged when there are any)."""
    if channel.build is None:
        return []
    return [image for image in channel.build.images.all() if image.is_revoked(now)]
