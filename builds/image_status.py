"""Whether images are current, outdated or revoked, and why.

`statuses(nodes)` judges a set of nodes that holds each one's ancestors
(`builds.lineage.with_ancestors` makes one), in a few queries whatever its size
(`image_states(ids)` reads those nodes and judges them):

- *revoked*: the node's revocation time has come (its own, or an ancestor's
  that reached it);
- *outdated*: its parent is revoked; or the build that made it took its
  parent from a channel (the `imagehub-image` data source) and that channel
  now points at another build; or, without a channel, the parent's template
  has a newer successful build with an image for the same source and
  region; or its parent is outdated (so a new base image marks the whole
  chain below it);
- *current* otherwise. External images are current unless revoked: ImageHub
  cannot know of newer ones.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.utils import timezone

from builds import lineage
from builds.channel_models import Channel, ImageUse
from builds.lineage_models import ImageNode
from builds.models import Build

CURRENT = "current"
OUTDATED = "outdated"
REVOKED = "revoked"


@dataclass(frozen=True)
class ImageStatus:
    """A node's state (CURRENT, OUTDATED, REVOKED), why, and a revocation still to come."""

    state: str
    reason: str = ""
    revoke_scheduled_at: datetime | None = None

    @property
    def label(self) -> str:
        return {CURRENT: "Current", OUTDATED: "Outdated", REVOKED: "Revoked"}[self.state]


def statuses(nodes: dict[int, ImageNode], now: datetime | None = None) -> dict[int, ImageStatus]:
    """The status of every node in `nodes` (id → node), which should hold each node's ancestors."""
    now = now or timezone.now()
    newer = _newer_parent_images(nodes, now)
    channels = _channel_links(nodes)
    judged: dict[int, ImageStatus] = {}

    def judge(node: ImageNode, hops: int = 0) -> ImageStatus:
        if node.pk in judged:
            return judged[node.pk]
        scheduled = node.revoke_at if node.is_revocation_scheduled(now) else None
        parent = nodes.get(node.parent_id) if node.parent_id else None
        if node.is_revoked(now):
            status = ImageStatus(REVOKED, _revocation_reason(node))
        elif parent is None or hops > 100:
            status = ImageStatus(CURRENT, revoke_scheduled_at=scheduled)
        elif parent.is_revoked(now):
            status = ImageStatus(OUTDATED, f"It was built from {_name(parent)}, which is revoked.", scheduled)
        elif node.pk in channels.moved:
            status = ImageStatus(OUTDATED, channels.moved[node.pk], scheduled)
        elif parent.pk in newer and node.pk not in channels.taken:
            status = ImageStatus(OUTDATED, newer[parent.pk], scheduled)
        elif judge(parent, hops + 1).state != CURRENT:
            status = ImageStatus(OUTDATED, f"It was built from {_name(parent)}, which is outdated.", scheduled)
        else:
            status = ImageStatus(CURRENT, revoke_scheduled_at=scheduled)
        judged[node.pk] = status
        return status

    for node in nodes.values():
        judge(node)
    return judged


def image_states(ids, now: datetime | None = None) -> dict[int, tuple[ImageNode, ImageStatus]]:
    """Images `ids` with their status (id → (node, status)); ids of no image are left out."""
    wanted = list(ids)
    nodes = lineage.nodes(lineage.with_ancestors(wanted)) if wanted else {}
    judged = statuses(nodes, now)
    return {pk: (nodes[pk], judged[pk]) for pk in wanted if pk in nodes}


def _name(node: ImageNode) -> str:
    return f"{node.label()} ({node.image_id})" if not node.is_external else node.label()


def _revocation_reason(node: ImageNode) -> str:
    when = timezone.localtime(node.revoke_at).strftime("%Y-%m-%d %H:%M")
    who = f" by {node.revoked_by.get_username()}" if node.revoked_by_id else ""
    text = f"Revoked {when}{who}"
    if node.revoked_cause_id:
        text += f" with its ancestor {_name(node.revoked_cause)}"
    return f"{text}: {node.revoke_reason}" if node.revoke_reason else f"{text}."


@dataclass
class _ChannelLinks:
    taken: set[int] = field(default_factory=set)  # nodes whose build took their parent from a channel
    moved: dict[int, str] = field(default_factory=dict)  # those whose channel has moved since: why outdated


# The newest successful, unrevoked image of each parent's template, source and region, newer than the parent.
_NEWEST = """(SELECT n.{column} FROM {nodes} n JOIN {builds} b ON b.id = n.build_id
    WHERE n.kind = 'artifact' AND n.template_id = p.template_id AND n.source = p.source AND n.region = p.region
      AND n.build_id > p.build_id AND b.status = %s AND (n.revoke_at IS NULL OR n.revoke_at > %s)
    ORDER BY n.build_id DESC LIMIT 1)"""
_NEWER = "SELECT p.id, {build}, {image} FROM {nodes} p WHERE p.id IN ({ids})"


def _newer_parent_images(nodes: dict[int, ImageNode], now: datetime) -> dict[int, str]:
    """For each artifact parent in `nodes` whose template has a newer successful, unrevoked image of the same
    source and region: parent id → the reason its children are outdated."""
    parent_ids = {node.parent_id for node in nodes.values() if node.parent_id in nodes}
    parents = sorted(pk for pk in parent_ids if not nodes[pk].is_external and nodes[pk].template_id)
    if not parents:
        return {}
    tables = {"nodes": ImageNode._meta.db_table, "builds": Build._meta.db_table}
    query = _NEWER.format(build=_NEWEST.format(column="build_id", **tables),
                          image=_NEWEST.format(column="image_id", **tables),
                          ids=", ".join(["%s"] * len(parents)), **tables)
    newest = [Build.Status.SUCCEEDED, connection.ops.adapt_datetimefield_value(now)]
    with connection.cursor() as cursor:
        cursor.execute(query, [*newest, *newest, *parents])
        rows = cursor.fetchall()
    reasons = {}
    for pk, build_id, image_id in rows:
        if build_id is not None:
            parent = nodes[pk]
            reasons[pk] = (f"{parent.template.name} has a newer image than {parent.image_id}, the one it was "
                           f"built from: {image_id} from build #{build_id}.")
    return reasons


def _channel_links(nodes: dict[int, ImageNode]) -> _ChannelLinks:
    """The nodes whose build took their parent from a channel, and those of them whose channel has moved."""
    links = _ChannelLinks()
    children = {node.pk: node for node in nodes.values() if node.parent_id in nodes and node.build_id}
    if not children:
        return links
    uses = (ImageUse.objects.filter(build_id__in={node.build_id for node in children.values()},
                                    channel__isnull=False)
            .values_list("build_id", "image_id", "channel_id"))
    by_build_image: dict[tuple[int, int], int] = {(build, image): channel for build, image, channel in uses}
    if not by_build_image:
        return links
    channels = {channel.pk: channel for channel in
                Channel.objects.filter(pk__in=set(by_build_image.values())).select_related("template")}
    for node in children.values():
        channel = channels.get(by_build_image.get((node.build_id, node.parent_id)))
        if channel is None:
            continue
        links.taken.add(node.pk)
        parent = nodes[node.parent_id]
        if channel.build_id != parent.build_id:
            now_at = f"build #{channel.build_id}" if channel.build_id else "no build"
            links.moved[node.pk] = (f'It was built from channel "{channel.name}" of {channel.template.name}, which '
                                    f"now points at {now_at} instead of build #{parent.build_id}.")
    return links
