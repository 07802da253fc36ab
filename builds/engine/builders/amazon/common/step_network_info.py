"""StepNetworkInfo: settle the VPC, subnet and availability zone the instance runs in.

``vpc_id``/``vpc_filter`` and ``subnet_id``/``subnet_filter`` as given; with
``associate_public_ip_address`` set and no subnet, a subnet of the VPC (the
default VPC when none is named) that offers the instance type, the one with
the most free addresses; a given subnet fills in the zone and VPC.
"""

from __future__ import annotations

import random
from typing import Any

from builds.engine.builders.amazon.common.failures import step_error
from builds.engine.builders.amazon.common.filters import ec2_filters
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.common.run_settings import RunSettings
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.steps import Action


class StepNetworkInfo:
    """Finds the network the instance is launched into."""

    def __init__(self, run: RunSettings):
        self.settings = run

    def run(self, state: AmazonState) -> Action:
        run = self.settings
        ec2 = state.ec2()
        vpc_id, subnet_id, zone = run.vpc_id, run.subnet_id, run.availability_zone
        if not vpc_id and not run.vpc_filter.empty:
            filters = ec2_filters({**run.vpc_filter.filters, "state": "available"})
            try:
                vpcs = ec2.describe_vpcs(Filters=filters)["Vpcs"]
            except AWS_ERRORS as exc:
                raise step_error(state, f"Error querying VPCs: {state.describe_error(exc)}") from exc
            if len(vpcs) != 1:
                raise step_error(state, f"Exactly one VPC should match the filter, but {len(vpcs)} VPC's was "
                                        f"found matching filters: {_show(filters)}")
            vpc_id = vpcs[0]["VpcId"]
            state.ui.message(f"Found VPC ID: {vpc_id}")
        if not subnet_id and not run.subnet_filter.empty:
            subnet_id = self._filtered_subnet(state, ec2, vpc_id, zone)
            state.ui.message(f"Found Subnet ID: {subnet_id}")
        if run.associate_public_ip_address is not None and not subnet_id:
            try:
                vpc_id, subnet_id, zone = self._default_subnet(state, ec2, vpc_id)
            except _NoSubnet as exc:
                state.ui.say("associate_public_ip_address is set without a subnet_id.")
                state.ui.say("ImageHub attempted to infer a subnet from default VPC (if unspecified), but failed "
                             f"due to: {exc}")
                state.ui.say("The associate_public_ip_address will be ignored for the remainder of the build, "
                             "and a public IP will only be associated if the VPC chosen enables it by default.")
        if subnet_id and (not zone or not vpc_id):
            try:
                subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
            except AWS_ERRORS as exc:
                raise step_error(state, f"Describing the subnet: {subnet_id} returned error: "
                                        f"{state.describe_error(exc)}.") from exc
            zone = zone or subnet["AvailabilityZone"]
            vpc_id = vpc_id or subnet["VpcId"]
        state.vpc_id, state.subnet_id, state.availability_zone = vpc_id, subnet_id, zone
        return Action.CONTINUE

    def _filtered_subnet(self, state: AmazonState, ec2: Any, vpc_id: str, zone: str) -> str:
        run = self.settings
        wanted = {**run.subnet_filter.filters, "state": "available"}
        if vpc_id:
            wanted["vpc-id"] = vpc_id
        if zone:
            wanted["availabilityZone"] = zone
        filters = ec2_filters(wanted)
        try:
            subnets = ec2.describe_subnets(Filters=filters)["Subnets"]
        except AWS_ERRORS as exc:
            raise step_error(state, f"Error querying Subnets: {state.describe_error(exc)}") from exc
        if not subnets:
            raise step_error(state, f"No Subnets was found matching filters: {_show(filters)}")
        if len(subnets) > 1 and not run.subnet_filter.random and not run.subnet_filter.most_free:
            raise step_error(state, f"Your filter matched {len(subnets)} Subnets. Please try a more specific "
                                    "search, or set random or most_free to true.")
        if run.subnet_filter.most_free:
            return _most_free(subnets)["SubnetId"]
        if run.subnet_filter.random:
            return random.choice(subnets)["SubnetId"]
        return subnets[0]["SubnetId"]

    def _default_subnet(self, state: AmazonState, ec2: Any, vpc_id: str) -> tuple[str, str, str]:
        public = "true" if self.settings.associate_public_ip_address else "false"
        state.ui.say(f"Setting public IP address to {public} on instance without a subnet ID")
        try:
            if not vpc_id:
                state.ui.say("No VPC ID provided, ImageHub will use the default VPC")
                vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
                if len(vpcs) != 1:
                    raise _NoSubnet("No default VPC found")
                vpc_id = vpcs[0]["VpcId"]
            state.ui.say(f'Inferring subnet from the selected VPC "{vpc_id}"')
            subnets = ec2.describe_subnets(Filters=ec2_filters({"vpc-id": vpc_id, "state": "available"}))["Subnets"]
        except AWS_ERRORS as exc:
            raise _NoSubnet(state.describe_error(exc)) from exc
        if not subnets:
            raise _NoSubnet(f"no available subnet in {vpc_id}")
        zones = self._zones_offering(ec2, sorted({s["AvailabilityZone"] for s in subnets}), state)
        if zones is not None:
            subnets = [s for s in subnets if s["AvailabilityZone"] in zones]
            if not subnets:
                raise _NoSubnet("Failed to get subnets for the filtered AZs")
        subnet = _most_free(subnets)
        state.ui.say(f'Set subnet as "{subnet["SubnetId"]}"')
        return vpc_id, subnet["SubnetId"], subnet["AvailabilityZone"]

    def _zones_offering(self, ec2: Any, zones: list[str], state: AmazonState) -> set[str] | None:
        machine = self.settings.instance_type
        try:
            offered = set()
            for zone in zones:
                offerings = ec2.describe_instance_type_offerings(
                    LocationType="availability-zone",
                    Filters=[{"Name": "location", "Values": [zone]}, {"Name": "instance-type", "Values": [machine]}],
                )["InstanceTypeOfferings"]
                if any(o.get("InstanceType") == machine for o in offerings):
                    offered.add(zone)
            if not offered:
                raise ValueError(f'no AZ match the requested machine type "{machine}"')
        except (*AWS_ERRORS, ValueError) as exc:
            reason = state.describe_error(exc) if not isinstance(exc, ValueError) else str(exc)
            state.ui.say(f'Failed to filter subnets/AZ for the requested machine type "{machine}": {reason}')
            state.ui.say("This may result in ImageHub picking a subnet/AZ that can't host the requested machine type")
            state.ui.say("Please check that you have the permissions required to run "
                         "DescribeInstanceTypeOfferings and try again.")
            return None
        return offered

    def cleanup(self, state: AmazonState) -> None:
        """Nothing to undo: this step creates nothing."""


class _NoSubnet(Exception):
    """No subnet could be inferred for ``associate_public_ip_address``."""


def _most_free(subnets: list[dict[str, Any]]) -> dict[str, Any]:
    return sorted(subnets, key=lambda s: s.get("AvailableIpAddressCount", 0))[-1]


def _show(filters: list[dict[str, Any]]) -> str:
    return ", ".join(f"{f['Name']} = {', '.join(f['Values'])}" for f in filters)
