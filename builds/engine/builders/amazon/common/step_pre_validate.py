"""StepPreValidate: check what can be checked before anything is created: credentials, regions, the VPC,
and that the AMI name is free."""

from __future__ import annotations

from builds.engine.builders.amazon.common.ami_settings import AmiSettings
from builds.engine.builders.amazon.common.failures import step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.common.run_settings import RunSettings
from builds.engine.builders.amazon.errors import AwsError
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.steps import Action


class StepPreValidate:
    """Fails early, before any resource exists, when the build could not succeed."""

    def __init__(self, ami: AmiSettings, run: RunSettings, skip_create_ami: bool):
        self.ami = ami
        self.run_settings = run
        self.skip_create_ami = skip_create_ami

    def run(self, state: AmazonState) -> Action:
        access = state.access
        try:
            access.validate_credentials()
        except AwsError as exc:
            raise step_error(state, str(exc)) from exc
        ec2 = state.ec2()
        if not self.ami.skip_region_validation:
            self._check_regions(state, ec2)
        if self.ami.force_deregister:
            state.ui.say("Force Deregister flag found, skipping prevalidating AMI Name")
            return Action.CONTINUE
        if self.ami.skip_build_region:
            state.ui.say("skip_build_region was set; not prevalidating AMI name")
            return Action.CONTINUE
        if self.skip_create_ami:
            state.ui.say("skip_create_ami was set; not prevalidating AMI name")
            return Action.CONTINUE
        state.ui.say("Prevalidating any provided VPC information")
        self._check_vpc(state, ec2)
        state.ui.say(f"Prevalidating AMI Name: {self.ami.name}")
        try:
            images = ec2.describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [self.ami.name]}])
        except AWS_ERRORS as exc:
            raise step_error(state, f"Error querying AMI: {state.describe_error(exc)}") from exc
        if images["Images"]:
            image = images["Images"][0]
            raise step_error(state, f"Error: AMI Name: '{image.get('Name', '')}' is used by an existing AMI: "
                                    f"{image['ImageId']}")
        return Action.CONTINUE

    def _check_regions(self, state: AmazonState, ec2) -> None:
        try:
            known = [r["RegionName"] for r in ec2.describe_regions()["Regions"]]
        except AWS_ERRORS as exc:
            raise step_error(state, f"error validating regions: {state.describe_error(exc)}") from exc
        wanted = [*self.ami.regions, state.region]
        invalid = [region for region in wanted if region and region not in known]
        if invalid:
            raise step_error(state, f"error validating regions: Invalid region(s): [{' '.join(invalid)}], "
                                    f"available regions: [{' '.join(known)}]")

    def _check_vpc(self, state: AmazonState, ec2) -> None:
        run = self.run_settings
        if not run.vpc_id or run.subnet_id or not run.subnet_filter.empty:
            return
        try:
            vpcs = ec2.describe_vpcs(VpcIds=[run.vpc_id])["Vpcs"]
        except AWS_ERRORS as exc:
            raise step_error(state, f"Error retrieving VPC information for vpc_id {run.vpc_id}: "
                                    f"{state.describe_error(exc)}") from exc
        if len(vpcs) == 1 and not vpcs[0].get("IsDefault"):
            raise step_error(state, f"Error: subnet_id or subnet_filter must be provided for non-default VPCs "
                                    f"({run.vpc_id})")

    def cleanup(self, state: AmazonState) -> None:
        """Nothing to undo: this step creates nothing."""
