"""StepProvision: run the build's provisioners through the connected communicator."""

from __future__ import annotations

from builds.engine.state import BuildState
from builds.engine.steps import Action


class StepProvision:
    """Runs the provisioners; on a failed build its cleanup runs the ``error-cleanup-provisioner``."""

    runs_error_cleanup_provisioner = True  # -on-error=run-cleanup-provisioner keeps this cleanup

    def run(self, state: BuildState) -> Action:
        state.hook.provision(state)
        return Action.CONTINUE

    def cleanup(self, state: BuildState) -> None:
        if state.error is None:
            return
        state.ui.say("Provisioning step had errors: Running the cleanup provisioner, if present...")
        state.hook.run_error_cleanup(state)
