"""StepSetGeneratedData: publish the build's region and source AMI as generated data (``build.SourceAMI``,
``{{ .SourceAMIName }}``...) for provisioners and post-processors."""

from __future__ import annotations

from builds.engine.builders.amazon.common.tags import build_info
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.steps import Action

# The names the amazon builders publish (Packer's GetGeneratedDataList).
GENERATED_DATA = ("SourceAMIName", "BuildRegion", "SourceAMI", "SourceAMICreationDate", "SourceAMIOwner",
                  "SourceAMIOwnerName")


class StepSetGeneratedData:
    """Copies the build information into ``state.generated``."""

    def run(self, state: AmazonState) -> Action:
        info = build_info(state.region, state.source_image)
        state.generated.update({name: info[name] for name in GENERATED_DATA if name in info})
        return Action.CONTINUE

    def cleanup(self, state: AmazonState) -> None:
        """Nothing to undo: this step creates nothing."""
