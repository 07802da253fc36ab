"""StepDeregisterAMI: with ``force_deregister`` (or ``-force``), deregister the existing AMIs of the same name
in the build region and every copy region, deleting their snapshots with ``force_delete_snapshot``."""

from __future__ import annotations

from builds.engine.builders.amazon.common.failures import step_error
from builds.engine.builders.amazon.common.images import image_snapshot_ids
from builds.engine.builders.amazon.common.resources import AWS_ERRORS, is_not_found
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.steps import Action


class StepDeregisterAMI:
    """Makes room for the new AMI's name."""

    def __init__(self, name: str, regions: list[str], force_deregister: bool, force_delete_snapshot: bool):
        self.ami_name = name  # not `name`: the runner shows a step under its `name` attribute
        self.regions = regions
        self.force_deregister = force_deregister
        self.force_delete_snapshot = force_delete_snapshot

    def run(self, state: AmazonState) -> Action:
        if not self.force_deregister:
            return Action.CONTINUE
        for region in [*self.regions, state.region]:
            ec2 = state.ec2(region)
            try:
                images = ec2.describe_images(Owners=["self"],
                                             Filters=[{"Name": "name", "Values": [self.ami_name]}])["Images"]
            except AWS_ERRORS as exc:
                raise step_error(state, f"Error describing AMI: {state.describe_error(exc)}") from exc
            for image in images:
                try:
                    ec2.deregister_image(ImageId=image["ImageId"])
                except AWS_ERRORS as exc:
                    raise step_error(state, f"Error deregistering existing AMI: {state.describe_error(exc)}") \
                        from exc
                state.ui.say(f"Deregistered AMI {self.ami_name}, id: {image['ImageId']}")
                if not self.force_delete_snapshot:
                    continue
                for snapshot_id in image_snapshot_ids(image):
                    try:
                        ec2.delete_snapshot(SnapshotId=snapshot_id)
                    except AWS_ERRORS as exc:
                        if is_not_found(exc):
                            continue
                        raise step_error(state, f"Error deleting existing snapshot: {state.describe_error(exc)}") \
                            from exc
                    state.ui.say(f"Deleted snapshot: {snapshot_id}")
        return Action.CONTINUE

    def cleanup(self, state: AmazonState) -> None:
        """Nothing to undo: what was deregistered stays deregistered, as in Packer."""
