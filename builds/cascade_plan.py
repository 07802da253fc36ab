"""The plan of a cascade rebuild: which templates were built from an image's template, in which order, how.

`plan_for(node)` walks the lineage graph down from every image of the
node's template (from the node alone when it is an external image) and
keeps, for each template found below, the latest successful build whose
images descend from it: the build a rebuild reuses the given variables of.
Templates are ordered topologically: a template waits for every template in
the plan that its images were built from, and its level is one more than
its deepest parent's (the trigger's template is level 0). Lineage links go
from older images to newer ones, so there are no cycles; templates that
would form one anyway are left out and named in `Plan.problems`.
"""

from dataclasses import dataclass, field

from django.db import connection

from builds import lineage
from builds.lineage_models import ImageNode
from builds.models import Build
from imagehub.models import PackerTemplate, TemplateVersion


@dataclass
class PlannedStep:
    """One template's rebuild: its latest version, the build whose values it reuses, what it waits for."""

    template: PackerTemplate
    version: TemplateVersion | None
    previous: Build
    level: int
    parents: list[PackerTemplate]  # the templates (in the plan or the trigger's) whose new images it needs
    starts_from: str
    warning: str = ""

    @property
    def variables(self) -> dict:
        """The previous build's values, sensitive ones masked."""
        return self.previous.displayed_variables()


@dataclass
class Plan:
    """The steps of a cascade from `trigger`, level by level; `problems` tell what was left out and why."""

    trigger: ImageNode
    steps: list[PlannedStep] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def levels(self) -> list[tuple[int, list[PlannedStep]]]:
        grouped: dict[int, list[PlannedStep]] = {}
        for step in self.steps:
            grouped.setdefault(step.level, []).append(step)
        return sorted(grouped.items())


def plan_for(trigger: ImageNode) -> Plan:
    """The cascade rebuilding every template built (directly or not) from `trigger`'s template's images."""
    root = trigger.template_id
    rows = _below(trigger)
    latest: dict[int, int] = {}  # template → its latest build below the trigger's template
    for row in rows:
        latest[row["template_id"]] = max(latest.get(row["template_id"], 0), row["build_id"])
    chosen = [row for row in rows if latest[row["template_id"]] == row["build_id"]]
    parent_templates = dict(ImageNode.objects.filter(pk__in={row["parent_id"] for row in chosen})
                            .values_list("pk", "template_id"))
    needs: dict[int, set[int]] = {template: set() for template in latest}
    for row in chosen:
        parent = parent_templates.get(row["parent_id"])
        if parent in latest and parent != row["template_id"]:
            needs[row["template_id"]].add(parent)
    levels, cyclic = _levels(needs)
    templates = (PackerTemplate.objects.select_related("latest_version").prefetch_related("latest_version__files")
                 .in_bulk([root, *latest] if root else latest))
    builds = Build.objects.select_related("template_version").in_bulk(latest.values())
    plan = Plan(trigger)
    if cyclic:
        names = ", ".join(sorted(templates[pk].name for pk in cyclic))
        plan.problems.append(f"{names} were built from each other's images, so no order fits them: they are left "
                             "out of this cascade.")
    by_template = {row["template_id"]: row["pk"] for row in chosen}
    nodes = ImageNode.objects.select_related("parent__template").in_bulk([by_template[pk] for pk in levels])
    for template_id in sorted(levels, key=lambda pk: (levels[pk], templates[pk].name.lower())):
        template = templates[template_id]
        parents = [templates[pk] for pk in sorted(needs[template_id], key=lambda pk: templates[pk].name.lower())]
        if not parents and root:
            parents = [templates[root]]
        previous = builds[latest[template_id]]
        version = _latest_version(template)
        starts_from, warning = _starts_from(previous, version, nodes[by_template[template_id]])
        plan.steps.append(PlannedStep(template, version, previous, levels[template_id], parents, starts_from,
                                      warning))
    return plan


_BELOW = """
WITH RECURSIVE chain(id, hops) AS (
    SELECT id, 1 FROM {nodes} WHERE parent_id IN ({starts})
    UNION ALL
    SELECT n.id, chain.hops + 1 FROM {nodes} n JOIN chain ON n.parent_id = chain.id WHERE chain.hops < %s
)
SELECT DISTINCT n.id, n.parent_id, n.template_id, n.build_id FROM chain
JOIN {nodes} n ON n.id = chain.id JOIN {builds} b ON b.id = n.build_id
WHERE n.kind = %s AND n.template_id IS NOT NULL AND b.status = %s{other}
"""


def _below(trigger: ImageNode) -> list[dict]:
    """The artifact nodes of successful builds of other templates below `trigger`'s template's images (below
    `trigger` when it has no template), in one query whatever their number and depth."""
    if trigger.template_id:
        starts, params = f"SELECT id FROM {lineage.NODE_TABLE} WHERE template_id = %s", [trigger.template_id]
    else:
        starts, params = "%s", [trigger.pk]
    query = _BELOW.format(nodes=lineage.NODE_TABLE, builds=Build._meta.db_table, starts=starts,
                          other=" AND n.template_id <> %s" if trigger.template_id else "")
    params += [lineage.MAX_HOPS, ImageNode.Kind.ARTIFACT, Build.Status.SUCCEEDED]
    params += [trigger.template_id] if trigger.template_id else []
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return [{"pk": pk, "parent_id": parent, "template_id": template, "build_id": build}
                for pk, parent, template, build in cursor.fetchall()]


def _levels(needs: dict[int, set[int]]) -> tuple[dict[int, int], set[int]]:
    """Each template's level (1 + its deepest parent's), and the templates left in a cycle."""
    levels: dict[int, int] = {}
    waiting = {template: set(parents) for template, parents in needs.items()}
    level = 1
    while waiting:
        ready = [template for template, parents in waiting.items() if not parents - set(levels)]
        if not ready:
            break
        for template in ready:
            levels[template] = level
            del waiting[template]
        level += 1
    return levels, set(waiting)


def _latest_version(template: PackerTemplate) -> TemplateVersion | None:
    return template.latest_version or template.versions.order_by("-number").first()


def _starts_from(previous: Build, version: TemplateVersion | None, node: ImageNode) -> tuple[str, str]:
    """How `previous`'s image found its parent (so how the rebuild will find the new one), and a warning when
    `version` uses a variable whose reused value names that same parent."""
    parent = node.parent
    if parent is None:
        return "an image ImageHub does not know", ""
    shown = f"{parent.template.name} #{parent.build_id}" if parent.template_id and parent.build_id else parent.label()
    text = f"last time {shown} ({parent.image_id}), found by {node.parent_via or 'its source image'}"
    texts = "\n".join(version.file_texts().values()) if version else ""
    held = sorted(name for name, value in previous.variables.items()
                  if value == parent.image_id and f"var.{name}" in texts)
    if held:
        return text, (f"Its variable {', '.join(held)} holds the image it was built from last time "
                      f"({parent.image_id}): the rebuild reuses that value and will start from the same image "
                      "again. Let the template find its source image itself (an imagehub-image data source on a "
                      "channel, or source_ami_filter with most_recent).")
    return text, ""


def has_descendants(node: ImageNode) -> bool:
    """Whether a cascade from `node` would rebuild anything: an image of another template was built from an
    image of `node`'s template (from `node` itself when it has no template)."""
    children = ImageNode.objects.filter(kind=ImageNode.Kind.ARTIFACT, template__isnull=False,
                                        build__status=Build.Status.SUCCEEDED)
    if node.template_id is None:
        return children.filter(parent=node).exists()
    return children.filter(parent__template_id=node.template_id).exclude(template_id=node.template_id).exists()
