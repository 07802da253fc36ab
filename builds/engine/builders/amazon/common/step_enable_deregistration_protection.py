"""StepEnableDeregistrationProtection: with ``deregistration_protection { enabled = true }``, protect every
AMI made against deregistration (with the optional 24-hour cooldown).

A protected AMI cannot be deregistered, so the amazon-ebs recipe runs this step
last, and its cleanup lifts the protection again when the build still fails or
is cancelled, before the AMI's own cleanup deregisters it.
"""

from __future__ import annotations

from builds.engine.builders.amazon.common.failures import CleanupError, step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.steps import Action


class StepEnableDeregistrationProtection:
    """Calls ``EnableImageDeregistrationProtection`` on each AMI made."""

    def __init__(self, enabled: bool, with_cooldown: bool, skip_create_ami: bool = False):
        self.enabled = enabled
        self.with_cooldown = with_cooldown
        self.skip_create_ami = skip_create_ami
        self.protected: dict[str, str] = {}  # region -> AMI id

    def run(self, state: AmazonState) -> Action:
        if self.skip_create_ami or not self.enabled:
            return Action.CONTINUE
        for region, image_id in state.amis.items():
            state.ui.say(f'Enabling deregistration protection on AMI ({image_id}) in region "{region}" ...')
            try:
                state.ec2(region).enable_image_deregistration_protection(ImageId=image_id,
                                                                        WithCooldown=self.with_cooldown)
            except AWS_ERRORS as exc:
                raise step_error(state, "Error enabling deregistration protection on AMI: "
                                        f"{state.describe_error(exc)}") from exc
            self.protected[region] = image_id
        return Action.CONTINUE

    def cleanup(self, state: AmazonState) -> None:
        if state.error is None and not state.cancel.cancelled:
            self.protected.clear()
            return
        problems = []
        for region, image_id in list(self.protected.items()):
            try:
                state.ec2(region).disable_image_deregistration_protection(ImageId=image_id)
            except AWS_ERRORS as exc:
                problems.append(f"Error lifting the deregistration protection of AMI {image_id} in {region}: "
                                f"{state.describe_error(exc)}")
                continue
            del self.protected[region]
        if problems:
            raise CleanupError("; ".join(problems))
