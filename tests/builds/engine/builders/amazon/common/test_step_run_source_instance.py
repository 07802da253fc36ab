"""StepRunSourceInstance: what RunInstances is asked, the instance and its volumes recorded, termination once."""

from __future__ import annotations

import base64

import pytest

from builds.engine.builders.amazon.common.block_devices import BlockDevice
from builds.engine.builders.amazon.common.step_run_source_instance import StepRunSourceInstance
from builds.engine.gotemplate import TemplateContext
from builds.engine.ledger import TAG_BUILD_ID
from builds.engine.steps import StepError
from tests.builds.engine.builders.amazon.conftest import output, run_settings, tag_map


def _step(volume_tags=None, devices=(), no_ephemeral=False, **arguments):
    return StepRunSourceInstance(run_settings(**arguments), TemplateContext(), list(devices), volume_tags or {},
                                 no_ephemeral)


def test_the_request_carries_the_settled_resources_tags_and_options(state):
    state.key_pair_name, state.security_group_ids, state.iam_instance_profile = "kp", ["sg-1"], "profile"
    state.availability_zone = "us-east-1b"
    step = _step(run_tags={"Name": "build of {{ .SourceAMIName }}"}, volume_tags={"Disk": "root"},
                 user_data="#!/bin/sh\necho hi\n", metadata_options={"http_tokens": "required"},
                 devices=[BlockDevice("/dev/sdb", volume_size=5)], no_ephemeral=True)

    request = step.request(state)

    assert request["KeyName"] == "kp" and request["SecurityGroupIds"] == ["sg-1"]
    assert request["IamInstanceProfile"] == {"Name": "profile"}
    assert request["Placement"] == {"AvailabilityZone": "us-east-1b"}
    assert request["UserData"] == b"#!/bin/sh\necho hi\n"
    assert request["MetadataOptions"] == {"HttpEndpoint": "enabled", "HttpTokens": "required",
                                          "HttpPutResponseHopLimit": 1}
    assert request["CreditSpecification"] == {"CpuCredits": "standard"}  # t2 is burstable
    assert request["BlockDeviceMappings"][0] == {"DeviceName": "/dev/sdb",
                                                 "Ebs": {"DeleteOnTermination": False, "VolumeSize": 5}}
    assert len(request["BlockDeviceMappings"]) == 27  # and xvdca-xvdcz as no devices
    by_type = {spec["ResourceType"]: tag_map(spec) for spec in request["TagSpecifications"]}
    assert by_type["instance"]["Name"].startswith("build of ubuntu")
    assert TAG_BUILD_ID in by_type["instance"] and TAG_BUILD_ID in by_type["volume"]
    assert TAG_BUILD_ID not in by_type["network-interface"]
    assert by_type["volume"]["Disk"] == "root"


def test_base64_user_data_is_passed_as_the_bytes_it_encodes(state):
    encoded = base64.b64encode(b"#cloud-config\n").decode()

    assert _step(user_data=encoded).request(state)["UserData"] == b"#cloud-config\n"


def test_a_public_ip_choice_on_a_subnet_uses_a_network_interface(state):
    state.subnet_id, state.security_group_ids = "subnet-1", ["sg-1"]

    request = _step(associate_public_ip_address=False).request(state)

    assert request["NetworkInterfaces"] == [{"DeviceIndex": 0, "AssociatePublicIpAddress": False,
                                             "SubnetId": "subnet-1", "Groups": ["sg-1"], "DeleteOnTermination": True}]
    assert "SubnetId" not in request and "SecurityGroupIds" not in request


def test_the_instance_runs_is_recorded_with_its_volumes_and_is_terminated_once(state, moto):
    step = _step()

    step.run(state)

    instance = moto.client("ec2").describe_instances(InstanceIds=[state.instance_id])["Reservations"][0]["Instances"][0]
    assert instance["State"]["Name"] == "running"
    assert state.instance["InstanceId"] == state.instance_id and state.volume_ids
    kinds = sorted(e.kind for e in state.ledger.entries("build-1"))
    assert kinds == ["instance"] + ["volume"] * len(state.volume_ids)
    assert f"Waiting for instance ({state.instance_id}) to become ready..." in output(state)

    step.cleanup(state)
    step.cleanup(state)

    assert "instances" not in moto.leftovers()
    assert state.instance_terminated
    assert output(state).count("Terminating the source AWS instance...") == 1


def test_a_source_ami_without_an_ebs_root_is_refused(state):
    state.source_image = {**state.source_image, "RootDeviceType": "instance-store"}

    with pytest.raises(StepError, match="invalid root device type.\nExpected 'ebs', got 'instance-store'"):
        _step().run(state)


def test_a_launch_error_is_reported_in_packers_words(state, moto):
    state.subnet_id = "subnet-0123456789abcdef0"

    with pytest.raises(StepError, match="Error launching source instance: InvalidSubnetID.NotFound"):
        _step().run(state)
    assert "instances" not in moto.leftovers()
