"""``BreakpointProvisioner``: pauses the build until the person running it says to go on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from builds.engine.plugins import Provisioner

if TYPE_CHECKING:
    from builds.engine.cancel import CancelToken
    from builds.engine.communicators.base import Communicator
    from builds.engine.ui import BuildUI


class BreakpointProvisioner(Provisioner):
    """Packer's ``breakpoint`` provisioner: the terminal waits for Enter, the dashboard for a button."""

    type_name = "breakpoint"

    def prepare(self) -> list[str]:
        """Return no problems: every combination of ``disable`` and ``note`` is valid."""
        return []

    def provision(self, ui: BuildUI, communicator: Communicator, generated: dict[str, Any],
                  cancel: CancelToken) -> None:
        """Announce the breakpoint and wait in ``ui.pause`` (or continue at once when disabled);
        raises ``Cancelled`` when the build was cancelled while paused."""
        note = self.raw.get("note") or ""
        if self.raw.get("disable"):
            if note:
                ui.say(f'Breakpoint provisioner with note "{note}" disabled; continuing...')
            else:
                ui.say("Breakpoint provisioner disabled; continuing...")
            return
        if note:
            ui.say(f'Pausing at breakpoint provisioner with note "{note}".')
        else:
            ui.say("Pausing at breakpoint provisioner.")
        cancel.raise_if_cancelled()
        ui.pause(note)
        cancel.raise_if_cancelled()
