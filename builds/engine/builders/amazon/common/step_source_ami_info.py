"""StepSourceAMIInfo: find the source AMI (``source_ami`` and/or ``source_ami_filter``) and remember it,
with its name, owner, creation date and tags for the build's template data and the artifact's lineage;
an AMI the ImageHub registry knows to be revoked stops the build here, before anything is made."""

from __future__ import annotations

from typing import Any

from builds.engine.builders.amazon.common.failures import step_error
from builds.engine.builders.amazon.common.filters import ec2_filters, most_recent
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.common.run_settings import AmiFilter
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.imageregistry import RegistryRefusal, current
from builds.engine.steps import Action


class StepSourceAMIInfo:
    """Looks the source AMI up and checks it can take enhanced networking when that is asked for."""

    def __init__(self, source_ami: str, ami_filter: AmiFilter, enhanced_networking: bool,
                 virtualization_type: str, where: str = ""):
        self.source_ami = source_ami
        self.ami_filter = ami_filter
        self.enhanced_networking = enhanced_networking
        self.virtualization_type = virtualization_type
        self.where = where  # "source_ami_filter at web.pkr.hcl:4,3-20", for the errors of the lookup

    def request(self) -> dict[str, Any]:
        """The ``DescribeImages`` arguments."""
        params: dict[str, Any] = {"IncludeDeprecated": self.ami_filter.include_deprecated}
        if self.source_ami:
            params["ImageIds"] = [self.source_ami]
        if self.ami_filter.filters:
            params["Filters"] = ec2_filters(self.ami_filter.filters)
        if self.ami_filter.owners:
            params["Owners"] = list(self.ami_filter.owners)
        return params

    def run(self, state: AmazonState) -> Action:
        params = self.request()
        where = f" ({self.where})" if self.where else ""
        try:
            images = state.ec2().describe_images(**params)["Images"]
        except AWS_ERRORS as exc:
            raise step_error(state, f"Error querying AMI: {state.describe_error(exc)}{where}") from exc
        if not images:
            raise step_error(state, f"No AMI was found matching filters: {_describe(params)}{where}")
        if len(images) > 1 and not self.ami_filter.most_recent:
            raise step_error(state, "Your query returned more than one result. Please try a more specific "
                                    "search, or set most_recent to true.")
        image = most_recent(images) if self.ami_filter.most_recent else images[0]
        state.ui.message(f"Found Image ID: {image['ImageId']}")
        try:
            current().check_source(image["ImageId"], state.region)
        except RegistryRefusal as exc:
            raise step_error(state, str(exc)) from None
        if self.enhanced_networking:
            self._check_enhanced_networking(state, image)
        state.source_image = image
        return Action.CONTINUE

    def _check_enhanced_networking(self, state: AmazonState, image: dict[str, Any]) -> None:
        if self.virtualization_type == "hvm":
            return
        if self.virtualization_type:
            raise step_error(state, "Cannot enable enhanced networking, AMIVirtType "
                                    f"'{self.virtualization_type}' is not HVM")
        if image.get("VirtualizationType") != "hvm":
            raise step_error(state, f"Cannot enable enhanced networking, source AMI '{image['ImageId']}' is "
                                    "not HVM")

    def cleanup(self, state: AmazonState) -> None:
        """Nothing to undo: this step creates nothing."""


def _describe(params: dict[str, Any]) -> str:
    parts = []
    if params.get("ImageIds"):
        parts.append(f"image ids {', '.join(params['ImageIds'])}")
    for item in params.get("Filters", []):
        parts.append(f"{item['Name']} = {', '.join(item['Values'])}")
    if params.get("Owners"):
        parts.append(f"owners {', '.join(params['Owners'])}")
    return "; ".join(parts) or "(none)"
