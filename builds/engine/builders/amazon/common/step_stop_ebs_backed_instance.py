"""StepStopEBSBackedInstance: stop the instance (unless ``disable_stop_instance``: then the provisioners
stop it) and wait until it has stopped, so the snapshots are consistent. Spot instances are not stopped."""

from __future__ import annotations

from builds.engine.builders.amazon.common import instances
from builds.engine.builders.amazon.common.failures import step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.common.waiting import INSTANCE_STATE, WaitError
from builds.engine.builders.amazon.errors import error_code
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.cancel import Cancelled
from builds.engine.steps import Action

STOP_ATTEMPTS = 6  # a new instance may not be known everywhere in EC2 yet


class StepStopEBSBackedInstance:
    """Stops the source instance and waits for it."""

    def __init__(self, skip: bool, disable_stop_instance: bool):
        self.skip = skip
        self.disable_stop_instance = disable_stop_instance

    def run(self, state: AmazonState) -> Action:
        if self.skip:
            return Action.CONTINUE
        if not self.disable_stop_instance:
            state.ui.say("Stopping the source instance...")
            self._stop(state)
        else:
            state.ui.say("Automatic instance stop disabled. Please stop instance manually.")
        state.ui.say("Waiting for the instance to stop...")

        def stopped() -> bool:
            instance = instances.describe(state, state.instance_id)
            if instance is None:
                return False
            name = instance["State"]["Name"]
            if name in ("pending", "shutting-down", "terminated"):
                raise WaitError(f"the instance is {name}")
            return name == "stopped"

        try:
            state.waiter(INSTANCE_STATE).wait(f"instance {state.instance_id} to stop", stopped, state.cancel)
        except (WaitError, *AWS_ERRORS) as exc:
            reason = str(exc) if isinstance(exc, WaitError) else state.describe_error(exc)
            raise step_error(state, f"Error waiting for instance to stop: {reason}") from exc
        return Action.CONTINUE

    def _stop(self, state: AmazonState) -> None:
        for attempt in range(1, STOP_ATTEMPTS + 1):
            state.ui.message("Stopping instance")
            try:
                state.ec2().stop_instances(InstanceIds=[state.instance_id])
                return
            except AWS_ERRORS as exc:
                if error_code(exc) != "InvalidInstanceID.NotFound" or attempt == STOP_ATTEMPTS:
                    raise step_error(state, f"Error stopping instance: {state.describe_error(exc)}") from exc
                if state.cancel.wait(min(10.0 * attempt, 60.0)):
                    raise Cancelled(state.cancel.reason or "Build cancelled") from exc

    def cleanup(self, state: AmazonState) -> None:
        """Nothing to undo: the run step's cleanup terminates the instance."""
