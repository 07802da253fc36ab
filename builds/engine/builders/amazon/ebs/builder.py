"""The ``amazon-ebs`` builder: launches an EC2 instance from a source AMI, provisions it, and creates an
EBS-backed AMI from it, cleaning up every temporary resource and checking that nothing is left."""

from __future__ import annotations

from typing import TYPE_CHECKING

from builds.engine.builders.amazon.ebs.settings import read_settings
from builds.engine.plugins import Builder

if TYPE_CHECKING:  # what a build needs loads when it runs, not when a template is validated
    from builds.engine.artifact import Artifact
    from builds.engine.builders.amazon.state import AmazonState
    from builds.engine.state import BuildState
    from builds.engine.steps import Step

BUILDER_ID = "mitchellh.amazonebs"


class AmazonEbsBuilder(Builder):
    """Packer's ``amazon-ebs`` builder (github.com/hashicorp/amazon v1.8.2), on Linux instances over SSH."""

    type_name = "amazon-ebs"
    builder_id = BUILDER_ID

    def prepare(self) -> list[str]:
        self.settings, problems = read_settings(self.raw, self.context)
        return problems

    def new_state(self, base: BuildState) -> AmazonState:
        from builds.engine.builders.amazon.state import AmazonState

        return AmazonState.extend(base, self.settings.access)

    def steps(self) -> list[Step]:
        from builds.engine.builders.amazon.ebs.recipe import recipe

        return recipe(self)

    def where(self, *arguments: str) -> str:
        """``"<argument> at <file:line,col>"`` for the first of ``arguments`` the template writes, else ""."""
        for name in arguments:
            if self.context.positions.get(name):
                return f"{name} at {self.context.positions[name]}"
        return ""

    def artifact(self, state: AmazonState) -> Artifact | None:
        from builds.engine.builders.amazon.artifact import AmiArtifact

        if not state.amis:
            return None
        return AmiArtifact.of(BUILDER_ID, state.amis, state.snapshots, state.source_image, state.generated,
                              self.settings.access)

    def sensitive_values(self) -> list[str]:
        values = list(self.settings.access.secrets()) if hasattr(self, "settings") else []
        values += [v for k in ("ssh_password", "ssh_bastion_password", "winrm_password")
                   if isinstance(v := self.raw.get(k), str) and v]
        return values
