"""StepRunSourceInstance: launch the on-demand instance the image is made from and wait until it runs;
its cleanup terminates it and waits until it is gone."""

from __future__ import annotations

from typing import Any

from builds.engine.builders.amazon.common import instances, resources, tags
from builds.engine.builders.amazon.common.block_devices import BlockDevice, mappings
from builds.engine.builders.amazon.common.failures import step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.common.run_settings import RunSettings
from builds.engine.builders.amazon.errors import error_code
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.cancel import Cancelled
from builds.engine.gotemplate import TemplateContext
from builds.engine.steps import Action

LAUNCH_ATTEMPTS = 11  # a new instance profile takes a while to be usable
EPHEMERAL_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def no_ephemeral_mappings() -> list[dict[str, Any]]:
    """``no_ephemeral``: empty mappings for xvdca-xvdcz, so no instance store shows up."""
    return [{"DeviceName": f"xvdc{letter}", "NoDevice": ""} for letter in EPHEMERAL_LETTERS]


class StepRunSourceInstance:
    """Runs ``instance_type`` from the source AMI with the key pair, groups, profile and tags settled
    before, tagging the instance, its network interface and its volumes at launch."""

    def __init__(self, run: RunSettings, template: TemplateContext, launch_devices: list[BlockDevice],
                 volume_tags: dict[str, str], no_ephemeral: bool = False, expected_root_device: str = "ebs"):
        self.settings = run
        self.template = template
        self.launch_devices = launch_devices
        self.volume_tags = volume_tags
        self.no_ephemeral = no_ephemeral
        self.expected_root_device = expected_root_device
        self.instance_id = ""
        self._tags: list[dict[str, str]] = []
        self._volume_tags: list[dict[str, str]] = []

    def run(self, state: AmazonState) -> Action:
        request = self.request(state)
        state.ui.say("Launching a source AWS instance...")
        instances.check_root_device(state, self.expected_root_device)
        tags.report(state.ui, self._tags)
        tags.report(state.ui, self._volume_tags)
        response = self._launch(state, request)
        self.instance_id = response["Instances"][0]["InstanceId"]
        resources.record(state, resources.INSTANCE, self.instance_id, state.region)
        state.instance_id = self.instance_id
        instances.wait_until_running(state, self.instance_id)
        return Action.CONTINUE

    def request(self, state: AmazonState) -> dict[str, Any]:
        """The ``RunInstances`` arguments (raises StepError when tags or user data cannot be made)."""
        run = self.settings
        data = tags.build_info(state.region, state.source_image)
        try:
            self._tags = tags.render_tags(run.run_tags, data, self.template)
        except ValueError as exc:
            raise step_error(state, f"Error tagging source instance: {exc}") from exc
        try:
            self._volume_tags = tags.render_tags(self.volume_tags, data, self.template)
        except ValueError as exc:
            raise step_error(state, f"Error tagging volumes: {exc}") from exc
        user_data = instances.user_data_text(state, run)
        request: dict[str, Any] = {
            "ImageId": state.source_image["ImageId"],
            "InstanceType": run.instance_type,
            "MinCount": 1,
            "MaxCount": 1,
            "EbsOptimized": run.ebs_optimized,
            "InstanceInitiatedShutdownBehavior": run.shutdown_behavior,
        }
        if user_data:
            request["UserData"] = instances.user_data_bytes(user_data)
        if state.iam_instance_profile:
            request["IamInstanceProfile"] = {"Name": state.iam_instance_profile}
        block_devices = mappings(self.launch_devices) + (no_ephemeral_mappings() if self.no_ephemeral else [])
        if block_devices:
            request["BlockDeviceMappings"] = block_devices
        placement = {key: value for key, value in (
            ("AvailabilityZone", state.availability_zone), ("HostResourceGroupArn", run.host_resource_group_arn),
            ("HostId", run.host_id), ("Tenancy", run.tenancy)) if value}
        if placement:
            request["Placement"] = placement
        if run.enable_nitro_enclave:
            request["EnclaveOptions"] = {"Enabled": True}
        if run.enable_unlimited_credits:
            request["CreditSpecification"] = {"CpuCredits": "unlimited"}
        elif run.is_burstable:
            request["CreditSpecification"] = {"CpuCredits": "standard"}
        if run.metadata.http_endpoint == "enabled":
            request["MetadataOptions"] = {
                "HttpEndpoint": run.metadata.http_endpoint, "HttpTokens": run.metadata.http_tokens,
                "HttpPutResponseHopLimit": run.metadata.http_put_response_hop_limit}
            if run.metadata.instance_metadata_tags == "enabled":
                request["MetadataOptions"]["InstanceMetadataTags"] = "enabled"
        ledger = resources.ledger_tags(state)
        specifications = (tags.specifications(self._tags + ledger, "instance")
                          + tags.specifications(self._tags, "network-interface")
                          + tags.specifications(self._volume_tags + ledger, "volume"))
        if specifications:
            request["TagSpecifications"] = specifications
        if state.key_pair_name:
            request["KeyName"] = state.key_pair_name
        if state.subnet_id and run.associate_public_ip_address is not None:
            state.ui.say(f"changing public IP address config to {str(run.associate_public_ip_address).lower()} "
                         f'for instance on subnet "{state.subnet_id}"')
            request["NetworkInterfaces"] = [{
                "DeviceIndex": 0, "AssociatePublicIpAddress": run.associate_public_ip_address,
                "SubnetId": state.subnet_id, "Groups": list(state.security_group_ids), "DeleteOnTermination": True}]
        else:
            if state.subnet_id:
                request["SubnetId"] = state.subnet_id
            if state.security_group_ids:
                request["SecurityGroupIds"] = list(state.security_group_ids)
        if run.license_configuration_arns:
            request["LicenseSpecifications"] = [{"LicenseConfigurationArn": arn}
                                                for arn in run.license_configuration_arns]
        reservation = self._capacity_reservation()
        if reservation:
            request["CapacityReservationSpecification"] = reservation
        return request

    def _capacity_reservation(self) -> dict[str, Any]:
        run = self.settings
        spec: dict[str, Any] = {}
        if run.capacity_reservation_preference:
            spec["CapacityReservationPreference"] = run.capacity_reservation_preference
        target = {}
        if run.capacity_reservation_id:
            target["CapacityReservationId"] = run.capacity_reservation_id
        if run.capacity_reservation_group_arn:
            target["CapacityReservationResourceGroupArn"] = run.capacity_reservation_group_arn
        if target:
            spec["CapacityReservationTarget"] = target
        return spec

    def _launch(self, state: AmazonState, request: dict[str, Any]) -> dict[str, Any]:
        ec2 = state.ec2()
        attempt = 1
        while True:
            try:
                return ec2.run_instances(**request)
            except AWS_ERRORS as exc:
                code = error_code(exc)
                if code == "InvalidParameterValue" and "iamInstanceProfile" in str(exc) and attempt < LAUNCH_ATTEMPTS:
                    if state.cancel.wait(min(0.2 * attempt, 30.0)):
                        raise Cancelled(state.cancel.reason or "Build cancelled") from exc
                    attempt += 1
                    continue
                if code == "VPCIdNotSpecified" and not state.subnet_id:
                    raise step_error(state, "Error launching source instance: a valid Subnet Id was not "
                                            "specified") from exc
                raise step_error(state, f"Error launching source instance: {state.describe_error(exc)}") from exc

    def cleanup(self, state: AmazonState) -> None:
        if not self.instance_id:
            return
        instances.terminate(state, self.instance_id)
        self.instance_id = ""
