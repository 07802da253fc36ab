"""The ``shell-local`` post-processor: runs commands on this machine once the artifact exists, as Packer's does.

It shares its configuration and its runner with the ``shell-local``
provisioner (:mod:`builds.engine.provisioners.shell_local.runner`); the
scripts see the artifact's generated data in their templates and
``PACKER_BUILD_NAME``/``PACKER_BUILDER_TYPE`` in their environment. The
artifact passes through unchanged and is always kept: to drop it, follow with
``artifice``.
"""

from __future__ import annotations

from typing import Any

from builds.engine.artifact import Artifact
from builds.engine.cancel import CancelToken
from builds.engine.plugins import (
    PluginContext,
    PostProcessError,
    PostProcessor,
    PostProcessResult,
    ProvisionError,
)
from builds.engine.post_processors.common import generated_data
from builds.engine.provisioners.shell_local import runner
from builds.engine.ui import BuildUI


class ShellLocalPostProcessor(PostProcessor):
    """Runs ``inline`` commands, a ``script`` or ``scripts`` locally with the artifact's build data."""

    type_name = "shell-local"

    def __init__(self, config: dict[str, Any], context: PluginContext):
        super().__init__(config, context)
        self.config, self._problems = runner.parse(config)
        if len(config.get("execute_command") or []) == 1:
            # The post-processor once took execute_command as one string run by "sh -c"; Packer
            # still reads a one-element list that way.
            self.config.execute_command = ["sh", "-c", *self.config.execute_command]

    def prepare(self) -> list[str]:
        """Return the configuration's problems (empty when it is valid)."""
        return list(self._problems)

    def post_process(self, ui: BuildUI, artifact: Artifact, cancel: CancelToken) -> PostProcessResult:
        """Run the scripts; raises :class:`PostProcessError` when one fails, ``Cancelled`` when cancelled."""
        try:
            runner.run(ui, self.config, self.context, generated_data(artifact), cancel)
        except ProvisionError as exc:
            raise PostProcessError(str(exc)) from None
        return PostProcessResult(artifact, keep_input=True, force_keep_input=True)
