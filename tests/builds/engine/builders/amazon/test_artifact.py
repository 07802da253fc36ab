"""AmiArtifact: Packer's id and text, the source AMI for lineage, and destroy deregistering every AMI."""

from __future__ import annotations

import pytest

from builds.engine.builders.amazon.access import AwsAccess
from builds.engine.builders.amazon.artifact import AmiArtifact

SOURCE = {"ImageId": "ami-src", "Name": "base", "OwnerId": "099720109477", "ImageOwnerAlias": "amazon",
          "CreationDate": "2020-01-01T00:00:00.000Z", "Tags": [{"Key": "OS", "Value": "ubuntu"}]}


def test_the_id_and_text_list_the_regions_in_order():
    artifact = AmiArtifact.of("mitchellh.amazonebs", {"us-west-2": "ami-2", "us-east-1": "ami-1"}, {}, SOURCE,
                              {"SourceAMI": "ami-src"}, None)

    assert artifact.id == "us-east-1:ami-1,us-west-2:ami-2"
    assert artifact.string() == "AMIs were created:\nus-east-1: ami-1\nus-west-2: ami-2\n"
    assert artifact.files == []


def test_the_state_carries_the_source_ami_for_lineage_and_the_generated_data():
    artifact = AmiArtifact.of("mitchellh.amazonebs", {"us-east-1": "ami-1"}, {"us-east-1": ["snap-1"]}, SOURCE,
                              {"SourceAMI": "ami-src"}, None)

    assert artifact.state["source_ami"] == {"id": "ami-src", "name": "base", "owner": "099720109477",
                                            "owner_name": "amazon", "creation_date": "2020-01-01T00:00:00.000Z",
                                            "tags": {"OS": "ubuntu"}}
    assert artifact.state["generated_data"] == {"SourceAMI": "ami-src"}
    assert artifact.state["snapshots"] == {"us-east-1": ["snap-1"]}


def test_destroy_deregisters_the_amis_and_deletes_their_snapshots(moto):
    ec2 = moto.client("ec2")
    instance = ec2.run_instances(ImageId="ami-1e749f67", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance, Name="doomed")["ImageId"]
    ec2.terminate_instances(InstanceIds=[instance])
    artifact = AmiArtifact.of("mitchellh.amazonebs", {"us-east-1": image_id}, {}, SOURCE, {},
                              AwsAccess.from_arguments(moto.arguments()))

    artifact.destroy()

    assert moto.leftovers() == {}
    with pytest.raises(RuntimeError, match="no images found"):
        artifact.destroy()
