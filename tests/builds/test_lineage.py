"""Tests of the lineage records: nodes from artifacts, parent links, the walks up and down, the backfill."""

import importlib

import pytest
from django.apps import apps

from builds import lineage
from builds.channel_models import Channel, ImageUse
from builds.lineage_models import ImageNode
from builds.models import Artifact, Build

pytestmark = pytest.mark.django_db

UBUNTU = "ami-0ubuntu0000000001"


@pytest.fixture
def base(make_template):
    return make_template("golden-base", {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\n'
                                          'build {\n  sources = ["source.null.a"]\n}\n'})


@pytest.fixture
def middle(make_template, base):
    return make_template("golden-middle", base.file_texts())


@pytest.fixture
def app(make_template, base):
    return make_template("app", base.file_texts())


def test_an_ami_build_has_a_node_per_region_whose_parent_is_an_external_base_with_what_the_builder_knew(
        base, make_ami_build):
    build = make_ami_build(base, UBUNTU, copies=("eu-west-1",))

    nodes = list(ImageNode.objects.filter(build=build).order_by("region"))
    assert [(node.region, node.kind, node.template_id) for node in nodes] == [
        ("eu-west-1", "artifact", base.template_id), ("us-east-1", "artifact", base.template_id)]
    assert {node.image_id for node in nodes} == set(build.artifacts.get().region_ids.values())
    assert nodes[0].parent_id == nodes[1].parent_id
    root = nodes[0].parent
    assert (root.kind, root.image_id, root.region) == ("external", UBUNTU, "us-east-1")
    assert root.name.startswith("ubuntu-noble") and root.owner == "099720109477" and root.owner_name == "amazon"
    assert root.image_created == "2026-01-02T03:04:05.000Z" and root.tags == {"Distribution": "Ubuntu"}
    assert nodes[0].parent_via == "source image id"


def test_a_build_from_an_imagehub_image_is_linked_to_that_image_and_two_builds_share_one_external_root(
        base, middle, make_ami_build, image_of):
    first = make_ami_build(base, UBUNTU)
    second = make_ami_build(base, UBUNTU)
    child = make_ami_build(middle, image_of(first).image_id)

    assert image_of(child).parent == image_of(first)
    assert image_of(first).parent == image_of(second).parent
    assert ImageNode.objects.filter(kind="external").count() == 1


def test_recording_a_build_again_changes_nothing(base, make_ami_build):
    build = make_ami_build(base, UBUNTU, copies=("eu-west-1",))
    before = list(ImageNode.objects.values_list("pk", "parent_id"))

    assert len(lineage.record_build(build)) == 2
    assert list(ImageNode.objects.values_list("pk", "parent_id")) == before


def test_an_image_a_build_took_from_a_channel_is_its_parent_by_the_data_source(base, middle, make_ami_build,
                                                                                image_of):
    old, new = make_ami_build(base, UBUNTU), make_ami_build(base, UBUNTU)
    channel = Channel.objects.create(template=base.template, name="production", build=old)
    child = make_ami_build(middle, image_of(old).image_id, record=False)
    # An image with the same id recorded later must not win over the one the data source gave.
    ImageNode.objects.filter(pk=image_of(new).pk).update(image_id=image_of(old).image_id)
    ImageUse.objects.create(build=child, image=image_of(old), channel=channel)

    lineage.record_build(child)

    node = image_of(child)
    assert node.parent == image_of(old)
    assert node.parent_via == "imagehub-image data source (golden-base / production)"


def test_ancestors_run_from_the_external_root_down_and_descendants_breadth_first(base, middle, app,
                                                                                  make_ami_build, image_of):
    top = make_ami_build(base, UBUNTU)
    mid = make_ami_build(middle, image_of(top).image_id)
    leaves = [make_ami_build(app, image_of(mid).image_id) for _ in range(2)]
    sibling = make_ami_build(middle, image_of(top).image_id)

    chain = lineage.ancestors(image_of(leaves[0]).pk)
    assert [node.image_id for node in chain] == [UBUNTU, *(image_of(b).image_id for b in (top, mid, leaves[0]))]
    below = lineage.descendants(image_of(top).pk)
    assert {node.pk for node in below[:2]} == {image_of(mid).pk, image_of(sibling).pk}
    assert {node.pk for node in below[2:]} == {image_of(leaf).pk for leaf in leaves}
    assert len(lineage.descendants(chain[0].pk)) == 5
    assert len(lineage.descendants(chain[0].pk, limit=3)) == 3
    assert lineage.descendants(image_of(leaves[1]).pk) == []


def test_with_ancestors_closes_a_set_of_nodes_under_their_parents(base, middle, make_ami_build, image_of):
    top = make_ami_build(base, UBUNTU)
    mid = make_ami_build(middle, image_of(top).image_id)

    closed = lineage.with_ancestors([image_of(mid).pk])

    assert closed == {image_of(mid).pk, image_of(top).pk, image_of(top).parent_id}


def test_a_committed_docker_image_is_linked_to_its_base_image_by_id(base, builder):
    build = Build.objects.create(template=base.template, template_version=base, requested_by=builder,
                                 status="succeeded")
    Artifact.objects.create(build=build, source="docker.app", builder_type="docker",
                            builder_id="packer.post-processor.docker-import", artifact_id="sha256:" + "b" * 64,
                            metadata={"generated_data": {"SourceImageSha256": "sha256:" + "a" * 64},
                                      "source_image": {"id": "sha256:" + "a" * 64, "name": "debian:12"}})
    Artifact.objects.create(build=build, source="docker.app", builder_type="docker", builder_id="packer.docker",
                            artifact_id="Container")

    [node] = lineage.record_build(build)

    assert (node.image_id, node.region, node.builder_type) == ("sha256:" + "b" * 64, "", "docker")
    assert (node.parent.kind, node.parent.image_id, node.parent.name) == ("external", "sha256:" + "a" * 64,
                                                                          "debian:12")


def test_an_image_first_taken_for_an_external_one_is_relinked_when_its_own_build_is_recorded(
        base, middle, make_ami_build, image_of):
    parent = make_ami_build(base, UBUNTU, record=False)
    parent_ami = parent.artifacts.get().region_ids["us-east-1"]
    child = make_ami_build(middle, parent_ami)
    assert image_of(child).parent.kind == "external"

    lineage.record_build(parent)

    assert image_of(child).parent == image_of(parent)
    assert not ImageNode.objects.filter(kind="external", image_id=parent_ami).exists()


def test_the_lineage_outlives_the_build_record(base, middle, make_ami_build, image_of):
    top = make_ami_build(base, UBUNTU)
    child = make_ami_build(middle, image_of(top).image_id)
    node = image_of(top)

    top.delete()

    node.refresh_from_db()
    assert (node.build_id, node.artifact_id, node.template_id) == (None, None, base.template_id)
    assert image_of(child).parent == node


def test_backfill_records_the_builds_without_nodes_oldest_first(base, middle, make_ami_build, image_of, builder):
    top = make_ami_build(base, UBUNTU, record=False)
    child = make_ami_build(middle, top.artifacts.get().region_ids["us-east-1"], record=False)
    files = Build.objects.create(template=base.template, template_version=base, requested_by=builder)
    Artifact.objects.create(build=files, source="file.out", builder_type="file", files=[{"name": "out.txt"}])

    assert lineage.backfill(batch=1) == 2
    assert image_of(child).parent == image_of(top)
    assert lineage.backfill() == 0


def test_the_migration_backfills_the_lineage_of_existing_builds(base, middle, make_ami_build, image_of):
    top = make_ami_build(base, UBUNTU, record=False)
    child = make_ami_build(middle, top.artifacts.get().region_ids["us-east-1"], record=False, copies=("eu-west-1",))

    importlib.import_module("builds.migrations.0004_lineage_permissions_backfill").backfill(apps, None)

    assert image_of(child).parent == image_of(top)
    assert image_of(child, "eu-west-1").parent == image_of(top)
    assert image_of(top).parent.name.startswith("ubuntu-noble")
