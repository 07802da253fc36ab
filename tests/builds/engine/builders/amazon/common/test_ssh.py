"""The address the communicator connects to: ssh_host first, else the instance's, by ssh_interface."""

from __future__ import annotations

import pytest

from builds.engine.builders.amazon.common.ssh import instance_address, ssh_host

INSTANCE = {"InstanceId": "i-1", "VpcId": "vpc-1", "PublicIpAddress": "54.0.0.1", "PrivateIpAddress": "10.0.0.1",
            "PublicDnsName": "ec2-54-0-0-1.compute-1.amazonaws.com", "PrivateDnsName": "ip-10-0-0-1.ec2.internal",
            "Ipv6Address": "2001:db8::1"}


@pytest.mark.parametrize(("interface", "address"), [
    ("public_ip", "54.0.0.1"), ("private_ip", "10.0.0.1"), ("public_dns", "ec2-54-0-0-1.compute-1.amazonaws.com"),
    ("private_dns", "ip-10-0-0-1.ec2.internal"), ("ipv6", "2001:db8::1")])
def test_each_interface_picks_its_address(interface, address):
    assert instance_address(INSTANCE, interface, last_try=False) == address


def test_without_an_interface_a_vpc_instance_is_reached_at_its_public_ip_else_at_last_its_private_ip():
    private_only = {"VpcId": "vpc-1", "PrivateIpAddress": "10.0.0.1"}

    assert instance_address(INSTANCE, "", last_try=False) == "54.0.0.1"
    assert instance_address(private_only, "", last_try=False) == ""
    assert instance_address(private_only, "", last_try=True) == "10.0.0.1"
    assert instance_address({"PublicDnsName": "ec2.example"}, "", last_try=False) == "ec2.example"


def test_ssh_host_wins_over_the_instance(state):
    state.instance = INSTANCE

    assert ssh_host("private_ip", "127.0.0.1")(state) == "127.0.0.1"
    assert ssh_host("private_ip", "")(state) == "10.0.0.1"
