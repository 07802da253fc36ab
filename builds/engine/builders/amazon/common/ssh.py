"""Which address the communicator reaches the instance at: ``ssh_host``, else the ``ssh_interface`` one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from builds.engine.builders.amazon.common.failures import step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.cancel import Cancelled

INTERFACE_FIELDS = {"public_ip": "PublicIpAddress", "private_ip": "PrivateIpAddress",
                    "public_dns": "PublicDnsName", "private_dns": "PrivateDnsName", "ipv6": "Ipv6Address"}
LOOKUPS = 3  # the instance is described again twice when it has no address yet
LOOKUP_DELAY = 1.0


def instance_address(instance: dict[str, Any], interface: str, last_try: bool) -> str:
    """The address of ``instance`` for ``interface``; without one, as Packer picks: in a VPC the public IP,
    else (on the last try only) the private IP; outside a VPC the public DNS name. "" when it has none."""
    if interface:
        return instance.get(INTERFACE_FIELDS[interface]) or ""
    if instance.get("VpcId"):
        return instance.get("PublicIpAddress") or (instance.get("PrivateIpAddress") if last_try else "") or ""
    return instance.get("PublicDnsName") or ""


def ssh_host(interface: str, host: str) -> Callable[[AmazonState], str]:
    """The ``host`` function of the connect step: ``host`` (``ssh_host``) when set, else the instance's
    address for ``interface``, describing the instance again while it has none yet."""

    def find(state: AmazonState) -> str:
        if host:
            return host
        for attempt in range(LOOKUPS):
            address = instance_address(state.instance, interface, attempt == LOOKUPS - 1)
            if address:
                return address
            try:
                reservations = state.ec2().describe_instances(InstanceIds=[state.instance_id])["Reservations"]
            except AWS_ERRORS as exc:
                raise step_error(state, f"Error finding the instance's address: {state.describe_error(exc)}") \
                    from exc
            if not reservations or not reservations[0]["Instances"]:
                raise step_error(state, f"instance not found: {state.instance_id}")
            state.instance = reservations[0]["Instances"][0]
            if attempt < LOOKUPS - 1 and state.cancel.wait(LOOKUP_DELAY):
                raise Cancelled(state.cancel.reason or "Build cancelled")
        raise step_error(state, "couldn't determine address for instance")

    return find
