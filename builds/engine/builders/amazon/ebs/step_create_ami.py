"""StepCreateAMI: create the AMI from the stopped instance and wait until it is available; when the build
fails or is cancelled afterwards, its cleanup deregisters the AMI and deletes its snapshots, as Packer does.
When the build succeeds, the AMI is handed over to the artifact."""

from __future__ import annotations

import secrets
import string
from typing import Any

from builds.engine.builders.amazon.common import images, resources, tags
from builds.engine.builders.amazon.common.ami_settings import AmiSettings
from builds.engine.builders.amazon.common.block_devices import BlockDevice, mappings
from builds.engine.builders.amazon.common.failures import CleanupError, step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.common.waiting import WaitError
from builds.engine.builders.amazon.errors import error_code
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.cancel import Cancelled
from builds.engine.gotemplate import TemplateContext
from builds.engine.steps import Action

CREATE_TIMEOUT = 15 * 60.0  # retrying while the instance is not stopped yet


def _random_name(length: int = 7) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


class StepCreateAMI:
    """Creates the AMI (``ami_name``, or a throw-away name when it is only the source of encrypted or
    ``skip_save_build_region`` copies) with ``ami_block_device_mappings`` and the run tags."""

    def __init__(self, ami: AmiSettings, block_devices: list[BlockDevice], run_tags: dict[str, str],
                 template: TemplateContext, skip_create_ami: bool = False, skip_run_tags: bool = False):
        self.ami = ami
        self.block_devices = block_devices
        self.run_tags = run_tags
        self.template = template
        self.skip_create_ami = skip_create_ami
        self.skip_run_tags = skip_run_tags
        self.image_id = ""
        self.snapshot_ids: list[str] = []

    def run(self, state: AmazonState) -> Action:
        if self.skip_create_ami:
            state.ui.say("Skipping AMI creation...")
            return Action.CONTINUE
        name = self.ami.name
        state.intermediary_image = self.ami.encrypt_boot is True or self.ami.skip_build_region
        if state.intermediary_image:
            name = _random_name()
        state.ui.say(f"Creating AMI {name} from instance {state.instance_id}")
        request: dict[str, Any] = {"InstanceId": state.instance_id, "Name": name}
        if self.block_devices:
            request["BlockDeviceMappings"] = mappings(self.block_devices)
        run_tags: list[dict[str, str]] = []
        if not self.skip_run_tags:
            try:
                run_tags = tags.render_tags(self.run_tags, tags.build_info(state.region, state.source_image),
                                            self.template)
            except ValueError as exc:
                raise step_error(state, f"Error tagging AMI: {exc}") from exc
            state.ui.say("Attaching run tags to AMI...")
        else:
            state.ui.say("Skipping attaching run tags to AMI...")
        image_tags = run_tags + resources.ledger_tags(state)
        if image_tags:
            request["TagSpecifications"] = tags.specifications(image_tags, "image")
        ec2 = state.ec2()
        self.image_id = self._create(state, ec2, request)
        resources.record(state, resources.IMAGE, self.image_id, state.region)
        state.ui.message(f"AMI: {self.image_id}")
        state.amis[state.region] = self.image_id
        state.ui.say("Waiting for AMI to become ready...")
        try:
            image = images.wait_until_available(state, ec2, self.image_id)
        except (WaitError, *AWS_ERRORS) as exc:
            reason = str(exc) if isinstance(exc, WaitError) else state.describe_error(exc)
            raise step_error(state, f"Error waiting for AMI: {reason}") from exc
        self.snapshot_ids = images.image_snapshot_ids(image)
        for snapshot_id in self.snapshot_ids:
            resources.record(state, resources.SNAPSHOT, snapshot_id, state.region, image=self.image_id)
        state.snapshots[state.region] = list(self.snapshot_ids)
        if self.snapshot_ids and image_tags:
            try:
                ec2.create_tags(Resources=list(self.snapshot_ids), Tags=image_tags)
            except AWS_ERRORS as exc:
                raise step_error(state, f"Error tagging the AMI's snapshots: {state.describe_error(exc)}") from exc
        return Action.CONTINUE

    def _create(self, state: AmazonState, ec2: Any, request: dict[str, Any]) -> str:
        waited = 0.0
        attempt = 1
        while True:
            try:
                return ec2.create_image(**request)["ImageId"]
            except AWS_ERRORS as exc:
                retry = (error_code(exc) == "InvalidParameterValue" and "Instance is not in state" in str(exc)
                         and waited < CREATE_TIMEOUT)
                if not retry:
                    raise step_error(state, f"Error creating AMI: {state.describe_error(exc)}") from exc
                delay = min(0.2 * attempt, 30.0)
                if state.cancel.wait(delay):
                    raise Cancelled(state.cancel.reason or "Build cancelled") from exc
                waited += delay
                attempt += 1

    def cleanup(self, state: AmazonState) -> None:
        if not self.image_id:
            return
        image_id, snapshot_ids = self.image_id, list(self.snapshot_ids)
        if state.error is None and not state.cancel.cancelled:
            if image_id in state.amis.values():
                try:
                    images.hand_over(state, state.region, image_id, snapshot_ids)
                except AWS_ERRORS as exc:
                    raise CleanupError(f"Error removing the temporary tag from AMI {image_id}: "
                                       f"{state.describe_error(exc)}") from exc
            self.image_id, self.snapshot_ids = "", []
            return
        state.ui.say("Deregistering the AMI and deleting associated snapshots because of cancellation, or error...")
        try:
            existed, deleted = images.deregister_image(state.ec2(), image_id)
        except AWS_ERRORS as exc:
            raise CleanupError(f"Error deregistering AMI {image_id}: {state.describe_error(exc)}") from exc
        if existed:
            state.ui.say(f"Deregistered AMI id: {image_id}")
        for snapshot_id in deleted:
            state.ui.say(f"Deleted snapshot: {snapshot_id}")
        for snapshot_id in {*snapshot_ids, *deleted}:
            resources.forget(state, resources.SNAPSHOT, snapshot_id)
        resources.forget(state, resources.IMAGE, image_id)
        self.image_id, self.snapshot_ids = "", []
