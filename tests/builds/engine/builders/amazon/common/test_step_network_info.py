"""StepNetworkInfo: VPC and subnet from ids or filters, a default-VPC subnet for public IPs, zone and VPC filled in."""

from __future__ import annotations

import pytest

from builds.engine.builders.amazon.common.step_network_info import StepNetworkInfo
from builds.engine.steps import StepError
from tests.builds.engine.builders.amazon.conftest import output, run_settings


def _subnets(moto):
    return moto.client("ec2").describe_subnets()["Subnets"]


def test_a_given_subnet_fills_in_its_zone_and_vpc(state, moto):
    subnet = _subnets(moto)[2]

    StepNetworkInfo(run_settings(subnet_id=subnet["SubnetId"])).run(state)

    assert (state.subnet_id, state.availability_zone, state.vpc_id) == (
        subnet["SubnetId"], subnet["AvailabilityZone"], subnet["VpcId"])


def test_a_subnet_filter_matching_several_subnets_needs_random_or_most_free(state, moto):
    with pytest.raises(StepError, match="Your filter matched 6 Subnets"):
        StepNetworkInfo(run_settings(subnet_filter={"filters": {"default-for-az": "true"}})).run(state)

    StepNetworkInfo(run_settings(subnet_filter={"filters": {"default-for-az": "true"}, "most_free": True})).run(state)

    assert state.subnet_id in {s["SubnetId"] for s in _subnets(moto)}
    assert "Found Subnet ID: " in output(state)


def test_a_vpc_filter_must_match_exactly_one_vpc(state, moto):
    with pytest.raises(StepError, match="Exactly one VPC should match the filter, but 0 VPC's was found"):
        StepNetworkInfo(run_settings(vpc_filter={"filters": {"tag:Name": "nothing"}})).run(state)

    StepNetworkInfo(run_settings(vpc_filter={"filters": {"is-default": "true"}})).run(state)

    assert state.vpc_id == moto.client("ec2").describe_vpcs()["Vpcs"][0]["VpcId"]


def test_a_public_ip_without_a_subnet_picks_a_subnet_of_the_default_vpc_offering_the_instance_type(state, moto):
    StepNetworkInfo(run_settings(associate_public_ip_address=True)).run(state)

    assert state.subnet_id in {s["SubnetId"] for s in _subnets(moto)}
    assert state.availability_zone.startswith("us-east-1")
    assert "No VPC ID provided, ImageHub will use the default VPC" in output(state)
    assert f'Set subnet as "{state.subnet_id}"' in output(state)


def test_without_network_settings_nothing_is_chosen_and_ec2_decides(state):
    StepNetworkInfo(run_settings()).run(state)

    assert (state.vpc_id, state.subnet_id, state.availability_zone) == ("", "", "")
