"""Image lineage: image nodes recorded from a build's artifacts, and walks up and down the parent links.

- `record_build(build)` gives each image the build's artifacts hold (each
  region's AMI, a committed Docker image) an `ImageNode` linked to the image
  it was built from: a channel's image the build was given by the
  `imagehub-image` data source, else an ImageHub image with the source image
  id, else an external node carrying what the builder knew of it. Recording
  twice changes nothing. `backfill()` records the builds that have artifacts
  and no nodes yet (the migration runs it once; `imagehub manage
  record_lineage` runs it on demand).
- `ancestors(node_id)` (root first, the node last) and `descendants(node_id)`
  (breadth first) walk the links with recursive SQL (WITH RECURSIVE, on
  SQLite and PostgreSQL alike), one query each for the rows whatever the
  depth, plus one for their templates; `ancestor_ids`, `descendant_ids` and
  `with_ancestors` give ids only.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction

from builds.channel_models import ImageUse
from builds.lineage_models import ImageNode
from builds.models import Artifact, Build

MAX_HOPS = 100  # no chain is this long; the walks stop here even if bad data made a cycle
DOCKER_IMAGE_PREFIX = "sha256:"
NODE_TABLE = ImageNode._meta.db_table


@dataclass(frozen=True)
class SourceImage:
    """The image an artifact was built from, as its builder reported it."""

    image_id: str
    region: str = ""
    name: str = ""
    owner: str = ""
    owner_name: str = ""
    created: str = ""
    tags: dict = field(default_factory=dict)


def artifact_images(artifact: Artifact) -> list[tuple[str, str]]:
    """The (region, image id) pairs of the images `artifact` is: one per region for AMIs, ("", id) for a
    committed Docker image; [] for files, boxes, discarded containers."""
    if artifact.region_ids:
        return sorted((str(region), str(image)) for region, image in artifact.region_ids.items() if image)
    if artifact.builder_type == "docker" and artifact.artifact_id.startswith(DOCKER_IMAGE_PREFIX):
        return [("", artifact.artifact_id)]
    return []


def source_image(artifact: Artifact) -> SourceImage | None:
    """The image `artifact` was built from (the amazon builders' source AMI in the build's region, the docker
    builder's base image), or None when its builder reports none."""
    state = artifact.metadata if isinstance(artifact.metadata, dict) else {}
    generated = state.get("generated_data") if isinstance(state.get("generated_data"), dict) else {}
    amazon = state.get("source_ami") if isinstance(state.get("source_ami"), dict) else None
    if amazon and amazon.get("id"):
        regions = sorted(artifact.region_ids)
        region = str(generated.get("BuildRegion") or (regions[0] if len(regions) == 1 else ""))
        tags = amazon.get("tags") if isinstance(amazon.get("tags"), dict) else {}
        return SourceImage(str(amazon["id"]), region, str(amazon.get("name", "")), str(amazon.get("owner", "")),
                           str(amazon.get("owner_name", "")), str(amazon.get("creation_date", "")), tags)
    docker = state.get("source_image") if isinstance(state.get("source_image"), dict) else {}
    image_id = artifact.source_image_id or str(docker.get("id") or generated.get("SourceImageSha256") or "")
    if not image_id:
        return None
    return SourceImage(image_id, "", str(docker.get("name", "")))


def record_build(build: Build) -> list[ImageNode]:
    """Record the image nodes of `build`'s artifacts with their parents; return the build's nodes."""
    existing = {(node.region, node.image_id) for node in ImageNode.objects.filter(build=build)}
    uses = {(use.image.image_id, use.image.region): use
            for use in ImageUse.objects.filter(build=build).select_related("image", "channel__template")}
    for artifact in build.artifacts.order_by("id"):
        images = [pair for pair in artifact_images(artifact) if pair not in existing]
        if not images:
            continue
        parent, via = _parent(source_image(artifact), uses)
        for region, image_id in images:
            _add_artifact_node(build, artifact, region, image_id, parent, via)
            existing.add((region, image_id))
    return list(ImageNode.objects.filter(build=build).order_by("region", "id"))


def _parent(source: SourceImage | None, uses: dict) -> tuple[ImageNode | None, str]:
    if source is None:
        return None, ""
    use = uses.get((source.image_id, source.region))
    if use is not None:
        where = f"{use.channel.template.name} / {use.channel.name}" if use.channel else "a channel"
        return use.image, f"imagehub-image data source ({where})"
    built = (ImageNode.objects.filter(kind=ImageNode.Kind.ARTIFACT, image_id=source.image_id, region=source.region)
             .order_by("-id").first())
    if built is not None:
        return built, "source image id"
    return _external_node(source), "source image id"


def _external_node(source: SourceImage) -> ImageNode:
    facts = {"name": source.name[:300], "owner": source.owner[:200], "owner_name": source.owner_name[:200],
             "image_created": source.created[:50], "tags": source.tags}
    lookup = {"kind": ImageNode.Kind.EXTERNAL, "image_id": source.image_id[:200], "region": source.region[:50]}
    node = ImageNode.objects.filter(**lookup).first()
    if node is None:
        try:
            with transaction.atomic():
                return ImageNode.objects.create(**lookup, **facts)
        except IntegrityError:  # recorded at the same moment by another worker
            node = ImageNode.objects.get(**lookup)
    missing = {name: value for name, value in facts.items() if value and not getattr(node, name)}
    if missing:
        ImageNode.objects.filter(pk=node.pk).update(**missing)
        for name, value in missing.items():
            setattr(node, name, value)
    return node


def _add_artifact_node(build: Build, artifact: Artifact, region: str, image_id: str, parent: ImageNode | None,
                       via: str) -> ImageNode:
    node = ImageNode.objects.create(
        kind=ImageNode.Kind.ARTIFACT, image_id=image_id[:200], region=region[:50],
        builder_type=artifact.builder_type, artifact=artifact, build=build, template_id=build.template_id,
        source=artifact.source, parent=parent, parent_via=via, created_at=artifact.created_at,
        **(parent.inherited_revocation() if parent is not None else {}))
    # A build recorded before this one may have taken this image for an external one: it is ours.
    mistaken = ImageNode.objects.filter(kind=ImageNode.Kind.EXTERNAL, image_id=node.image_id, region=node.region)
    for external in mistaken:
        external.children.update(parent=node)
        external.delete()
    return node


def backfill(batch: int = 200) -> int:
    """Record the nodes of every build that has artifacts but no nodes, oldest first; return how many builds."""
    done = 0
    last = 0
    while True:
        pks = list(Build.objects.filter(pk__gt=last, artifacts__isnull=False).exclude(images__isnull=False)
                   .order_by("pk").values_list("pk", flat=True).distinct()[:batch])
        if not pks:
            return done
        for build in Build.objects.filter(pk__in=pks).order_by("pk"):
            if record_build(build):
                done += 1
        last = pks[-1]


_ANCESTORS = """
WITH RECURSIVE chain(id, parent_id, hops) AS (
    SELECT id, parent_id, 0 FROM {table} WHERE id IN ({starts})
    UNION ALL
    SELECT n.id, n.parent_id, chain.hops + 1 FROM {table} n JOIN chain ON n.id = chain.parent_id
    WHERE chain.hops < %s
)
"""

_DESCENDANTS = """
WITH RECURSIVE chain(id, hops) AS (
    SELECT id, 1 FROM {table} WHERE parent_id IN ({starts})
    UNION ALL
    SELECT n.id, chain.hops + 1 FROM {table} n JOIN chain ON n.parent_id = chain.id WHERE chain.hops < %s
)
"""

_IDS = "SELECT id, hops FROM chain{limit}"
# The rows themselves, in one query with the walk (a LIMIT inside stops the walk early).
_ROWS = "SELECT n.*, walked.hops AS hops FROM (SELECT id, hops FROM chain{limit}) walked JOIN {table} n ON n.id = walked.id"


def _walk(walk: str, select: str, starts: list[int], limit: int | None = None) -> tuple[str, list]:
    query = walk.format(table=NODE_TABLE, starts=", ".join(["%s"] * len(starts))) + select.format(
        table=NODE_TABLE, limit="" if limit is None else " LIMIT %s")
    return query, [*starts, MAX_HOPS] + ([] if limit is None else [limit])


def _ids(walk: str, starts: list[int], limit: int | None = None) -> list[tuple[int, int]]:
    if not starts:
        return []
    query, params = _walk(walk, _IDS, starts, limit)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _unique(rows: list, key, hops) -> list:
    """`rows` in `hops` order, each once (a cycle in bad data would repeat nodes)."""
    seen, ordered = set(), []
    for row in sorted(rows, key=hops):
        if key(row) not in seen:
            seen.add(key(row))
            ordered.append(row)
    return ordered


def ancestor_ids(node_id: int) -> list[int]:
    """The ids from the root down to `node_id` (which comes last)."""
    return [node for node, _ in _unique(_ids(_ANCESTORS, [node_id]), lambda r: r[0], lambda r: -r[1])]


def with_ancestors(node_ids: Iterable[int]) -> set[int]:
    """`node_ids` and every ancestor of theirs."""
    return {node for node, _ in _ids(_ANCESTORS, list(node_ids))}


def descendant_ids(node_ids: Iterable[int], limit: int | None = None) -> list[int]:
    """The ids below `node_ids`, breadth first (children, then grandchildren...), at most `limit` of them."""
    starts = list(node_ids)
    rows = [row for row in _ids(_DESCENDANTS, starts, limit) if row[0] not in starts]
    return [node for node, _ in _unique(rows, lambda r: r[0], lambda r: r[1])]


def attach(found: Iterable[ImageNode]) -> list[ImageNode]:
    """Give `found` their templates, and revoked ones their revoker and the ancestor that caused it, in a
    query per kind whatever their number; return them as a list."""
    from django.contrib.auth import get_user_model

    from imagehub.models import PackerTemplate

    found = list(found)
    templates = PackerTemplate.objects.only("id", "name", "slug").in_bulk(
        {node.template_id for node in found if node.template_id})
    revoked = [node for node in found if node.revoke_at is not None]
    users = get_user_model().objects.only("id", "username").in_bulk(
        {node.revoked_by_id for node in revoked if node.revoked_by_id}) if revoked else {}
    by_id = {node.pk: node for node in found}
    causes = {node.revoked_cause_id for node in revoked if node.revoked_cause_id} - set(by_id)
    if causes:
        by_id.update({node.pk: node for node in attach(ImageNode.objects.filter(pk__in=causes))})
    for node in found:
        if node.template_id:
            node.template = templates.get(node.template_id)
        if node.revoke_at is not None:
            node.revoked_by = users.get(node.revoked_by_id)
            node.revoked_cause = by_id.get(node.revoked_cause_id)
    return found


def nodes(ids: Iterable[int]) -> dict[int, ImageNode]:
    """The nodes with `ids`, with their templates (and revocations), by id."""
    wanted = list(ids)
    if not wanted:
        return {}
    return {node.pk: node for node in attach(ImageNode.objects.filter(pk__in=wanted))}


def ancestors(node_id: int) -> list[ImageNode]:
    """Node `node_id`'s ancestors from the root down, the node itself last, with their templates ([] when there
    is no such node)."""
    query, params = _walk(_ANCESTORS, _ROWS, [node_id])
    rows = _unique(ImageNode.objects.raw(query, params), lambda n: n.pk, lambda n: -n.hops)
    return attach(rows)


def descendants(node_id: int, limit: int | None = None) -> list[ImageNode]:
    """Node `node_id`'s descendants, breadth first, at most `limit`, with their templates."""
    query, params = _walk(_DESCENDANTS, _ROWS, [node_id], limit)
    rows = [row for row in ImageNode.objects.raw(query, params) if row.pk != node_id]
    return attach(_unique(rows, lambda n: n.pk, lambda n: n.hops))
