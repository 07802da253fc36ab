"""``ShellLocalProvisioner``: runs commands or scripts on the machine running ImageHub during a build."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from builds.engine.plugins import PluginContext, Provisioner
from builds.engine.provisioners.shell_local import runner

if TYPE_CHECKING:
    from builds.engine.cancel import CancelToken
    from builds.engine.communicators.base import Communicator
    from builds.engine.ui import BuildUI


class ShellLocalProvisioner(Provisioner):
    """Packer's ``shell-local`` provisioner; the communicator is not used."""

    type_name = "shell-local"

    def __init__(self, config: dict[str, Any], context: PluginContext):
        super().__init__(config, context)
        self.config, self._problems = runner.parse(config)

    def prepare(self) -> list[str]:
        """Return the configuration's problems (empty when it is valid)."""
        return list(self._problems)

    def provision(self, ui: BuildUI, communicator: Communicator, generated: dict[str, Any],
                  cancel: CancelToken) -> None:
        """Run the scripts locally; raises ``ProvisionError`` on a failed script, ``Cancelled`` when cancelled."""
        runner.run(ui, self.config, self.context, generated, cancel)
