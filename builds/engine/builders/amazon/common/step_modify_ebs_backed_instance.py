"""StepModifyEBSBackedInstance: turn on SR-IOV (``sriov_support``) and ENA (``ena_support``) on the stopped
instance, so the AMI made from it has them."""

from __future__ import annotations

from builds.engine.builders.amazon.common.failures import step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.steps import Action


class StepModifyEBSBackedInstance:
    """Sets the enhanced-networking attributes of the instance (not on spot instances)."""

    def __init__(self, sriov_support: bool, ena_support: bool | None, skip: bool = False):
        self.sriov_support = sriov_support
        self.ena_support = ena_support
        self.skip = skip

    def run(self, state: AmazonState) -> Action:
        if self.skip:
            return Action.CONTINUE
        ec2 = state.ec2()
        if self.sriov_support:
            state.ui.say("Enabling Enhanced Networking (SR-IOV)...")
            try:
                ec2.modify_instance_attribute(InstanceId=state.instance_id, SriovNetSupport={"Value": "simple"})
            except AWS_ERRORS as exc:
                raise step_error(state, f"Error enabling Enhanced Networking (SR-IOV) on {state.instance_id}: "
                                        f"{state.describe_error(exc)}") from exc
        if self.ena_support is not None:
            prefix = "En" if self.ena_support else "Dis"
            state.ui.say(f"{prefix}abling Enhanced Networking (ENA)...")
            try:
                ec2.modify_instance_attribute(InstanceId=state.instance_id, EnaSupport={"Value": self.ena_support})
            except AWS_ERRORS as exc:
                raise step_error(state, f"Error {prefix.lower()}abling Enhanced Networking (ENA) on "
                                        f"{state.instance_id}: {state.describe_error(exc)}") from exc
        return Action.CONTINUE

    def cleanup(self, state: AmazonState) -> None:
        """Nothing to undo: the instance is terminated anyway."""
