"""The image pages: an image's lineage (ancestors to the external root, descendants, a picture), and a template's
images with its channels.

Both are full pages for anyone who may see builds; the forms to revoke,
restore and move channels appear for those who may use them (the builder
role) and post to builds.image_actions.
"""

from collections.abc import Callable

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from builds import cascade_plan, lineage
from builds.channel_models import Channel, ChannelEvent, ImageUse
from builds.image_status import statuses
from builds.lineage_graph import lineage_graph
from builds.lineage_models import ImageNode
from builds.models import Build
from imagehub.models import PackerTemplate
from imagehub.roles import MOVE_CHANNELS, REVOKE_IMAGES, VIEW_BUILDS, permission_required

DESCENDANTS_PER_PAGE = 100  # drawn and listed on an image's page, nearest first; ?page=2 for the next
MAX_TEMPLATE_IMAGES = 60  # a template's latest images on its images page
CHANNEL_HISTORY = 30
ASSIGNABLE_BUILDS = 30

view_permission = permission_required(VIEW_BUILDS, "see images")


_PK_MARK = 987654321


def image_urls() -> Callable[[ImageNode], str]:
    """A function giving an image's page address, reversing the URL once for them all (pages list hundreds)."""
    pattern = reverse("builds:image_detail", args=[_PK_MARK])
    return lambda node: pattern.replace(str(_PK_MARK), str(node.pk))


def channel_names(build_ids) -> dict[int, list[str]]:
    """The names of the channels pointing at each of `build_ids`, by build id."""
    names: dict[int, list[str]] = {}
    for build_id, name in (Channel.objects.filter(build_id__in=set(build_ids)).order_by("name")
                           .values_list("build_id", "name")):
        names.setdefault(build_id, []).append(name)
    return names


def image_context(pk: int, page: int = 1) -> dict:
    """What image `pk`'s page shows: the image with its build, status, ancestors, page `page` of its
    descendants (breadth first), their picture, channels and uses, in a fixed number of queries; raises
    Http404."""
    chain = lineage.ancestors(pk)
    if not chain or chain[-1].pk != pk:
        raise Http404("No such image.")
    node = chain[-1]
    if len(chain) > 1:
        node.parent = chain[-2]
    if node.build_id:
        node.build = Build.objects.select_related("template_version", "requested_by").get(pk=node.build_id)
    walked = lineage.descendants(pk, limit=page * DESCENDANTS_PER_PAGE + 1)
    more = len(walked) > page * DESCENDANTS_PER_PAGE
    below = walked[(page - 1) * DESCENDANTS_PER_PAGE:page * DESCENDANTS_PER_PAGE]
    every = {item.pk: item for item in [*chain, *below]}
    # Past the first page, the parents of a page's images were on earlier pages: statuses need them.
    missing = {item.parent_id for item in below if item.parent_id and item.parent_id not in every}
    between = lineage.nodes(lineage.with_ancestors(missing) - set(every)) if missing else {}
    every.update(between)
    judged = statuses(every)
    url = image_urls()
    for item in every.values():
        item.page_url = url(item)
    channels = list(Channel.objects.filter(build_id__in={item.build_id for item in every.values() if item.build_id})
                    .order_by("name"))
    names: dict[int, list[str]] = {}
    for channel in channels:
        names.setdefault(channel.build_id, []).append(channel.name)
    return {
        "image": node,
        "status": judged[node.pk],
        "ancestors": [(item, judged[item.pk]) for item in chain[:-1]],
        "descendants": [(item, judged[item.pk], every.get(item.parent_id)) for item in below],
        "page": page,
        "first_descendant": (page - 1) * DESCENDANTS_PER_PAGE + 1,
        "last_descendant": (page - 1) * DESCENDANTS_PER_PAGE + len(below),
        "more_descendants": more,
        "graph": lineage_graph([*chain, *sorted(between.values(), key=lambda item: item.pk), *below], judged, url,
                               focus=node.pk, channels=names),
        "pointing": [channel for channel in channels if node.build_id and channel.build_id == node.build_id],
        "other_regions": list(ImageNode.objects.filter(build_id=node.build_id).exclude(pk=node.pk)
                              .order_by("region")) if node.build_id else [],
        "uses": list(ImageUse.objects.filter(image_id=node.pk).select_related("build__template", "channel")
                     .order_by("-at")[:20]),
    }


@require_GET
@view_permission
def image_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Return an image's page: its status, ancestors up to the external root, descendants and their picture."""
    page = request.GET.get("page", "1")
    context = image_context(pk, int(page) if page.isdigit() and int(page) > 0 else 1)
    context["may_revoke"] = request.user.has_perm(REVOKE_IMAGES)
    context["rebuild_descendants"] = cascade_plan.has_descendants(context["image"])
    return render(request, "builds/image_detail.html", context)


@require_GET
@view_permission
def template_images(request: HttpRequest, slug: str) -> HttpResponse:
    """Return a template's images page: the picture of what its versions produced (with what they were built
    from and what was built from them), its latest images, and its channels with their history."""
    template = get_object_or_404(PackerTemplate.objects.select_related("latest_version"), slug=slug)
    own = list(ImageNode.objects.filter(template=template)
               .select_related("template", "build__template_version", "parent")
               .order_by("-build_id", "region")[:MAX_TEMPLATE_IMAGES + 1])
    own_ids = [item.pk for item in own[:MAX_TEMPLATE_IMAGES]]
    ids = lineage.with_ancestors(own_ids) | set(lineage.descendant_ids(own_ids, limit=DESCENDANTS_PER_PAGE))
    every = lineage.nodes(ids)
    judged = statuses(every)
    ordered = sorted(every.values(), key=lambda item: item.pk)
    names = channel_names({item.build_id for item in ordered if item.build_id})
    channels = list(template.channels.select_related("build", "updated_by").prefetch_related(
        Prefetch("build__images", queryset=ImageNode.objects.order_by("region"))))
    now = timezone.now()
    context = {
        "template": template,
        "graph": lineage_graph(ordered, judged, image_urls(), channels=names),
        "images": [(item, judged[item.pk]) for item in own[:MAX_TEMPLATE_IMAGES]],
        "more_images": len(own) > MAX_TEMPLATE_IMAGES,
        "channels": [(channel, _revoked_images(channel, now)) for channel in channels],
        "history": list(ChannelEvent.objects.filter(channel__template=template)
                        .select_related("channel", "by").order_by("-at", "-id")[:CHANNEL_HISTORY]),
        "assignable": list(Build.objects.filter(template=template, status=Build.Status.SUCCEEDED,
                                                images__isnull=False).distinct()
                           .select_related("template_version").order_by("-pk")[:ASSIGNABLE_BUILDS]),
        "may_move_channels": request.user.has_perm(MOVE_CHANNELS),
        "rebuild_descendants": bool(own) and cascade_plan.has_descendants(own[0]),
    }
    return render(request, "builds/template_images.html", context)


def _revoked_images(channel: Channel, now) -> list[ImageNode]:
    """The revoked images of the build `channel` points at (the channel is flagged when there are any)."""
    if channel.build is None:
        return []
    return [image for image in channel.build.images.all() if image.is_revoked(now)]
