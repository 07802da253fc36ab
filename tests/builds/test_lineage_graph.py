"""Tests of the lineage picture's geometry: columns by generation, parents centred on their children, links."""

import pytest

from builds import lineage
from builds.image_status import OUTDATED, ImageStatus
from builds.lineage_graph import COLUMN_GAP, MARGIN, NODE_HEIGHT, NODE_WIDTH, ROW_GAP, lineage_graph

pytestmark = pytest.mark.django_db

UBUNTU = "ami-0ubuntu0000000001"
FILES = {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n'}


def test_generations_are_columns_and_a_parent_sits_centred_on_its_children(make_template, make_ami_build, image_of):
    base_version, app_version = make_template("base", FILES), make_template("app", FILES)
    base = make_ami_build(base_version, UBUNTU)
    apps = [make_ami_build(app_version, image_of(base).image_id) for _ in range(3)]
    nodes = lineage.nodes(lineage.with_ancestors([image_of(app).pk for app in apps]))
    ordered = sorted(nodes.values(), key=lambda node: node.pk)
    root = ordered[0]

    graph = lineage_graph(ordered, {image_of(apps[1]).pk: ImageStatus(OUTDATED, "its base is old")},
                          lambda node: f"/images/{node.pk}/", focus=image_of(base).pk,
                          channels={base.pk: ["production"]})

    placed = {node.pk: node for node in graph.nodes}
    column = NODE_WIDTH + COLUMN_GAP
    row = NODE_HEIGHT + ROW_GAP
    assert placed[root.pk].x == MARGIN and placed[image_of(base).pk].x == MARGIN + column
    assert [placed[image_of(app).pk].x for app in apps] == [MARGIN + 2 * column] * 3
    assert [placed[image_of(app).pk].y for app in apps] == [MARGIN, MARGIN + row, MARGIN + 2 * row]
    assert placed[image_of(base).pk].y == placed[root.pk].y == MARGIN + row
    middle = placed[image_of(apps[1]).pk]
    assert (middle.state, middle.url, middle.tooltip) == ("outdated", f"/images/{middle.pk}/",
                                                          f"app #{apps[1].pk}: Outdated. its base is old")
    focused = placed[image_of(base).pk]
    assert focused.focus and focused.note == "Current · production" and focused.title == f"base #{base.pk}"
    assert placed[root.pk].title.startswith("ubuntu-noble") and placed[root.pk].subtitle == f"{UBUNTU} · us-east-1"
    assert len(graph.edges) == 4
    assert graph.edges[0].path.startswith(f"M{MARGIN + NODE_WIDTH},")
    assert graph.width == MARGIN + 2 * column + NODE_WIDTH + MARGIN
    assert graph.height == MARGIN + 2 * row + NODE_HEIGHT + MARGIN


def test_a_picture_too_large_to_read_is_cut_and_says_how_many_were_left_out(make_template, make_ami_build,
                                                                            image_of, monkeypatch):
    from builds import lineage_graph as module

    monkeypatch.setattr(module, "MAX_NODES", 2)
    version = make_template("base", FILES)
    builds = [make_ami_build(version, UBUNTU) for _ in range(3)]
    nodes = sorted(lineage.nodes(lineage.with_ancestors([image_of(b).pk for b in builds])).values(),
                   key=lambda node: node.pk)

    graph = module.lineage_graph(nodes, {}, lambda node: "")

    assert len(graph.nodes) == 2 and graph.left_out == 2
