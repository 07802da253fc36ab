"""AMIs: handing one over to the artifact, deregistering one with its snapshots (twice is harmless)."""

from __future__ import annotations

from builds.engine.builders.amazon.common import images, resources
from builds.engine.ledger import TAG_BUILD_ID, TAG_TEMPORARY
from tests.builds.engine.builders.amazon.conftest import tag_map


def _image(moto, state):
    ec2 = moto.client("ec2")
    instance = ec2.run_instances(ImageId="ami-1e749f67", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance, Name="made", TagSpecifications=[
        {"ResourceType": "image", "Tags": resources.ledger_tags(state)}])["ImageId"]
    ec2.terminate_instances(InstanceIds=[instance])
    snapshots = images.image_snapshot_ids(ec2.describe_images(ImageIds=[image_id])["Images"][0])
    ec2.create_tags(Resources=snapshots, Tags=resources.ledger_tags(state))
    return image_id, snapshots


def test_handing_over_drops_the_temporary_tag_keeps_the_build_id_and_leaves_the_ledger(state, moto):
    image_id, snapshots = _image(moto, state)
    resources.record(state, resources.IMAGE, image_id, state.region)
    for snapshot in snapshots:
        resources.record(state, resources.SNAPSHOT, snapshot, state.region)

    images.hand_over(state, state.region, image_id, snapshots)

    ec2 = moto.client("ec2")
    tags = tag_map(ec2.describe_images(ImageIds=[image_id])["Images"][0])
    assert TAG_TEMPORARY not in tags and tags[TAG_BUILD_ID] == "build-1"
    assert TAG_TEMPORARY not in tag_map(ec2.describe_snapshots(SnapshotIds=snapshots)["Snapshots"][0])
    assert state.ledger.entries("build-1") == []
    assert state.kept_images == {image_id, *snapshots}


def test_deregistering_removes_the_ami_and_its_snapshots_and_is_harmless_twice(state, moto):
    image_id, snapshots = _image(moto, state)
    ec2 = moto.client("ec2")

    assert images.deregister_image(ec2, image_id) == (True, snapshots)
    assert images.deregister_image(ec2, image_id) == (False, [])
    assert moto.leftovers() == {}
