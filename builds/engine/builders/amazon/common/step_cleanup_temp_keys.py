"""StepCleanupTempKeys: with ``ssh_clear_authorized_keys``, remove the temporary key pair's public key from
the instance's ``authorized_keys`` files before the image is made, as Packer does."""

from __future__ import annotations

import shlex

from builds.engine.builders.amazon.state import AmazonState
from builds.engine.communicators.base import CommunicatorError, RemoteCommand
from builds.engine.steps import Action


class StepCleanupTempKeys:
    """Deletes the lines ending with the temporary key pair's name from the user's and root's
    ``authorized_keys``; failures are only reported (the key pair itself is deleted anyway)."""

    def __init__(self, clear_authorized_keys: bool, communicator: str):
        self.enabled = clear_authorized_keys and communicator == "ssh"

    def run(self, state: AmazonState) -> Action:
        name = state.temporary_key_pair_name
        if not self.enabled or not name or state.communicator is None:
            return Action.CONTINUE
        state.ui.say("Trying to remove ephemeral keys from authorized_keys files")
        pattern = shlex.quote(f"/ {name}$/d")
        for command in (f"sed -i.bak {pattern} ~/.ssh/authorized_keys; rm ~/.ssh/authorized_keys.bak",
                        f"sudo -n sed -i.bak {pattern} /root/.ssh/authorized_keys; "
                        "sudo -n rm /root/.ssh/authorized_keys.bak"):
            try:
                status = state.communicator.run(RemoteCommand(command, stdout=state.ui.message,
                                                              stderr=state.ui.message), state.cancel)
            except CommunicatorError as exc:
                state.ui.message(f"Error cleaning up authorized_keys; please clean up keys manually: {exc}")
                continue
            if status != 0:
                state.ui.message(f"Removing the key exited with status {status}; please check authorized_keys "
                                 "by hand")
        return Action.CONTINUE

    def cleanup(self, state: AmazonState) -> None:
        """Nothing to undo: the keys stay removed."""
