"""StepModifyAMIAttributes: set the AMI's description, launch permissions (``ami_users``, ``ami_groups``,
``ami_org_arns``, ``ami_ou_arns``), product codes and ``imds_support`` in every region, and the snapshots'
create-volume permissions (``snapshot_users``, ``snapshot_groups``)."""

from __future__ import annotations

from typing import Any

from builds.engine.builders.amazon.common.ami_settings import AmiSettings
from builds.engine.builders.amazon.common.failures import step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.common.tags import build_info, render_text
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.gotemplate import TemplateContext, TemplateError
from builds.engine.steps import Action


class StepModifyAMIAttributes:
    """Shares and describes the AMIs and their snapshots."""

    def __init__(self, ami: AmiSettings, template: TemplateContext, skip_create_ami: bool = False):
        self.ami = ami
        self.template = template
        self.skip_create_ami = skip_create_ami

    def image_changes(self, description: str) -> dict[str, dict[str, Any]]:
        """The ``ModifyImageAttribute`` calls to make, by what they change (without the image id)."""
        ami = self.ami
        changes: dict[str, dict[str, Any]] = {}
        if description:
            changes["description"] = {"Description": {"Value": description}}
        if ami.groups:
            changes["groups"] = {"UserGroups": list(ami.groups),
                                 "LaunchPermission": {"Add": [{"Group": g} for g in ami.groups]}}
        if ami.users:
            changes["users"] = {"UserIds": list(ami.users),
                                "LaunchPermission": {"Add": [{"UserId": u} for u in ami.users]}}
        if ami.org_arns:
            changes["ami org arns"] = {"OrganizationArns": list(ami.org_arns),
                                       "LaunchPermission": {"Add": [{"OrganizationArn": a} for a in ami.org_arns]}}
        if ami.ou_arns:
            changes["ami ou arns"] = {
                "OrganizationalUnitArns": list(ami.ou_arns),
                "LaunchPermission": {"Add": [{"OrganizationalUnitArn": a} for a in ami.ou_arns]}}
        if ami.product_codes:
            changes["product codes"] = {"ProductCodes": list(ami.product_codes)}
        if ami.imds_support:
            changes["imds_support"] = {"ImdsSupport": {"Value": ami.imds_support}}
        return changes

    def snapshot_changes(self) -> dict[str, dict[str, Any]]:
        """The ``ModifySnapshotAttribute`` calls to make (without the snapshot id)."""
        ami = self.ami
        changes: dict[str, dict[str, Any]] = {}
        if ami.snapshot_groups:
            changes["groups"] = {"GroupNames": list(ami.snapshot_groups),
                                 "CreateVolumePermission": {"Add": [{"Group": g} for g in ami.snapshot_groups]}}
        if ami.snapshot_users:
            changes["users"] = {"UserIds": list(ami.snapshot_users),
                                "CreateVolumePermission": {"Add": [{"UserId": u} for u in ami.snapshot_users]}}
        return changes

    def run(self, state: AmazonState) -> Action:
        if self.skip_create_ami:
            state.ui.say("Skipping AMI modify attributes...")
            return Action.CONTINUE
        try:
            description = render_text(self.ami.description, build_info(state.region, state.source_image),
                                      self.template)
        except TemplateError as exc:
            raise step_error(state, f"Error interpolating AMI description: {exc}") from exc
        image_changes = self.image_changes(description)
        snapshot_changes = self.snapshot_changes()
        if not image_changes and not snapshot_changes:
            return Action.CONTINUE
        for region, image_id in state.amis.items():
            if not image_changes:
                break
            state.ui.say(f"Modifying attributes on AMI ({image_id})...")
            ec2 = state.ec2(region)
            for name, change in image_changes.items():
                state.ui.message(f"Modifying: {name}")
                try:
                    ec2.modify_image_attribute(ImageId=image_id, **change)
                except AWS_ERRORS as exc:
                    raise step_error(state, f"Error modify AMI attributes: {state.describe_error(exc)}") from exc
        for region, snapshot_ids in state.snapshots.items():
            for snapshot_id in snapshot_ids:
                state.ui.say(f"Modifying attributes on snapshot ({snapshot_id})...")
                ec2 = state.ec2(region)
                for name, change in snapshot_changes.items():
                    state.ui.message(f"Modifying: {name}")
                    try:
                        ec2.modify_snapshot_attribute(SnapshotId=snapshot_id, **change)
                    except AWS_ERRORS as exc:
                        raise step_error(state, f"Error modify snapshot attributes: {state.describe_error(exc)}") \
                            from exc
        return Action.CONTINUE

    def cleanup(self, state: AmazonState) -> None:
        """Nothing to undo: a failed build deregisters the AMI anyway."""
