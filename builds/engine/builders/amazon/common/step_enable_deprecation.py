"""StepEnableDeprecation: with ``deprecate_at``, schedule the deprecation of the AMI in every region."""

from __future__ import annotations

from datetime import datetime

from builds.engine.builders.amazon.common.failures import step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.steps import Action


class StepEnableDeprecation:
    """Calls ``EnableImageDeprecation`` on each AMI made."""

    def __init__(self, deprecate_at: str, skip_create_ami: bool = False):
        self.deprecate_at = deprecate_at
        self.skip_create_ami = skip_create_ami

    def run(self, state: AmazonState) -> Action:
        if self.skip_create_ami or not self.deprecate_at:
            state.ui.say("Skipping Enable AMI deprecation...")
            return Action.CONTINUE
        if not state.amis:
            raise step_error(state, "no AMIs found in state to deprecate")
        when = datetime.fromisoformat(self.deprecate_at.replace("Z", "+00:00"))
        for region, image_id in state.amis.items():
            state.ui.say(f'Enabling deprecation on AMI ({image_id}) in region "{region}" ...')
            try:
                state.ec2(region).enable_image_deprecation(ImageId=image_id, DeprecateAt=when)
            except AWS_ERRORS as exc:
                raise step_error(state, f"Error enable AMI deprecation: {state.describe_error(exc)}") from exc
        return Action.CONTINUE

    def cleanup(self, state: AmazonState) -> None:
        """Nothing to undo: a failed build deregisters the AMI anyway."""
