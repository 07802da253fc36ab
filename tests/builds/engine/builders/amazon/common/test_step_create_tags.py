"""StepCreateTags: ``tags`` on every AMI and its snapshots, ``snapshot_tags`` on the snapshots only."""

from __future__ import annotations

from builds.engine.builders.amazon.common.images import image_snapshot_ids
from builds.engine.builders.amazon.common.step_create_tags import StepCreateTags
from builds.engine.gotemplate import TemplateContext
from tests.builds.engine.builders.amazon.conftest import tag_map


def test_the_ami_and_its_snapshots_are_tagged_with_the_build_data(state, moto):
    ec2 = moto.client("ec2")
    instance = ec2.run_instances(ImageId="ami-1e749f67", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance, Name="tagged")["ImageId"]
    state.amis = {"us-east-1": image_id}

    StepCreateTags({"Base": "{{ .SourceAMI }}"}, {"Kind": "snapshot of {{ .BuildRegion }}"},
                   TemplateContext()).run(state)

    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert tag_map(image) == {"Base": "ami-1e749f67"}
    snapshot = ec2.describe_snapshots(SnapshotIds=image_snapshot_ids(image))["Snapshots"][0]
    assert tag_map(snapshot) == {"Base": "ami-1e749f67", "Kind": "snapshot of us-east-1"}
    ec2.terminate_instances(InstanceIds=[instance])
