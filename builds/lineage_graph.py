"""Geometry of the server-drawn lineage picture: images as boxes from base (left) to descendants (right).

`lineage_graph(nodes, statuses, ...)` lays a set of image nodes out as a
tree drawn left to right: a node's column is its number of links below the
picture's roots (nodes whose parent is not in the set), its children sit in
the next column, and a parent is centred on its children. It computes
coordinates, texts and links only; `builds/_lineage_graph.html` draws them,
so every text is escaped by the template engine.
"""

from collections.abc import Callable
from dataclasses import dataclass

from builds.image_status import ImageStatus
from builds.lineage_models import ImageNode

NODE_WIDTH = 240
NODE_HEIGHT = 58
COLUMN_GAP = 56
ROW_GAP = 14
MARGIN = 8
MAX_NODES = 300  # a picture with more boxes reads no better; the tables list the rest


TEXT_INSET = 8
LINES_Y = (17, 33, 49)  # the baselines of the title, the image id and the note in a box
TITLE_CHARACTERS = 32
LINE_CHARACTERS = 36


@dataclass(frozen=True)
class GraphNode:
    pk: int
    x: int
    y: int
    title: str
    subtitle: str
    note: str
    state: str
    url: str
    focus: bool
    tooltip: str

    @property
    def text_x(self) -> int:
        return self.x + TEXT_INSET

    @property
    def lines_y(self) -> tuple[int, int, int]:
        return tuple(self.y + offset for offset in LINES_Y)


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1] + "…"


@dataclass(frozen=True)
class GraphEdge:
    path: str


@dataclass(frozen=True)
class Graph:
    width: int
    height: int
    node_width: int
    node_height: int
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    left_out: int  # nodes not drawn (past MAX_NODES)


def _title(node: ImageNode) -> str:
    if node.is_external:
        return node.name or "External image"
    if node.template_id is not None:
        return f"{node.template.name} #{node.build_id}" if node.build_id else node.template.name
    return node.image_id


def _subtitle(node: ImageNode) -> str:
    return f"{node.image_id} · {node.region}" if node.region else node.image_id


def lineage_graph(nodes: list[ImageNode], statuses: dict[int, ImageStatus], url: Callable[[ImageNode], str], *,
                  focus: int | None = None, channels: dict[int, list[str]] | None = None) -> Graph:
    """The picture of `nodes` (a parent before its children is not needed), coloured by `statuses`, each box
    linking to `url(node)`; `focus` is drawn highlighted, `channels` maps a build id to its channel names."""
    channels = channels or {}
    kept = nodes[:MAX_NODES]
    by_id = {node.pk: node for node in kept}
    children: dict[int, list[ImageNode]] = {}
    roots = []
    for node in sorted(kept, key=lambda n: n.pk):
        if node.parent_id in by_id and node.parent_id != node.pk:
            children.setdefault(node.parent_id, []).append(node)
        else:
            roots.append(node)
    rows: dict[int, float] = {}
    columns: dict[int, int] = {}
    next_row = 0

    def place(node: ImageNode, column: int) -> float:
        nonlocal next_row
        columns[node.pk] = column
        below = [child for child in children.get(node.pk, []) if child.pk not in columns]
        if not below:
            rows[node.pk] = next_row
            next_row += 1
        else:
            placed = [place(child, column + 1) for child in below]
            rows[node.pk] = (placed[0] + placed[-1]) / 2
        return rows[node.pk]

    for root in roots:
        place(root, 0)
    drawn = []
    for node in kept:
        if node.pk not in rows:
            continue  # in a cycle of bad data: left out
        status = statuses.get(node.pk) or ImageStatus("current")
        note = status.label
        names = channels.get(node.build_id, []) if node.build_id else []
        if names:
            note += " · " + ", ".join(names)
        drawn.append(GraphNode(
            node.pk, MARGIN + columns[node.pk] * (NODE_WIDTH + COLUMN_GAP),
            round(MARGIN + rows[node.pk] * (NODE_HEIGHT + ROW_GAP)), _cut(_title(node), TITLE_CHARACTERS),
            _cut(_subtitle(node), LINE_CHARACTERS), _cut(note, LINE_CHARACTERS), status.state, url(node),
            node.pk == focus, f"{_title(node)}: {status.label}. {status.reason}".strip()))
    placed = {item.pk: item for item in drawn}
    edges = []
    for item in drawn:
        parent = placed.get(by_id[item.pk].parent_id)
        if parent is None:
            continue
        x1, y1 = parent.x + NODE_WIDTH, parent.y + NODE_HEIGHT // 2
        x2, y2 = item.x, item.y + NODE_HEIGHT // 2
        middle = (x1 + x2) // 2
        edges.append(GraphEdge(f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}"))
    width = max((item.x for item in drawn), default=0) + NODE_WIDTH + MARGIN
    height = max((item.y for item in drawn), default=0) + NODE_HEIGHT + MARGIN
    return Graph(width, height, NODE_WIDTH, NODE_HEIGHT, drawn, edges, max(0, len(nodes) - MAX_NODES))
