"""StepPreValidate: a taken AMI name, unknown regions and a non-default VPC without a subnet stop the build early."""

from __future__ import annotations

import dataclasses

import pytest

from builds.engine.builders.amazon.common.ami_settings import AmiSettings
from builds.engine.builders.amazon.common.step_pre_validate import StepPreValidate
from builds.engine.steps import StepError
from tests.builds.engine.builders.amazon.conftest import output, run_settings


def _own_image(moto, name: str) -> str:
    ec2 = moto.client("ec2")
    instance = ec2.run_instances(ImageId="ami-1e749f67", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image = ec2.create_image(InstanceId=instance, Name=name)["ImageId"]
    ec2.terminate_instances(InstanceIds=[instance])
    return image


def test_a_taken_ami_name_stops_the_build(state, moto):
    image = _own_image(moto, "taken-name")

    with pytest.raises(StepError, match=f"Error: AMI Name: 'taken-name' is used by an existing AMI: {image}"):
        StepPreValidate(AmiSettings(name="taken-name"), run_settings(), False).run(state)


def test_force_deregister_skips_the_name_check(state, moto):
    _own_image(moto, "taken-name")

    StepPreValidate(AmiSettings(name="taken-name", force_deregister=True), run_settings(), False).run(state)

    assert "Force Deregister flag found, skipping prevalidating AMI Name" in output(state)


def test_a_free_name_passes(state):
    StepPreValidate(AmiSettings(name="free-name"), run_settings(), False).run(state)

    assert "Prevalidating AMI Name: free-name" in output(state)


def test_a_copy_region_the_endpoint_does_not_know_stops_the_build(state):
    settings = AmiSettings(name="free-name", regions=["mars-north-1"])

    with pytest.raises(StepError, match=r"error validating regions: Invalid region\(s\): \[mars-north-1\]"):
        StepPreValidate(settings, run_settings(), False).run(state)

    StepPreValidate(dataclasses.replace(settings, skip_region_validation=True), run_settings(), False).run(state)


def test_a_non_default_vpc_needs_a_subnet(state, moto):
    vpc = moto.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]

    with pytest.raises(StepError, match=f"subnet_id or subnet_filter must be provided for non-default VPCs \\({vpc}\\)"):
        StepPreValidate(AmiSettings(name="free-name"), run_settings(vpc_id=vpc), False).run(state)
