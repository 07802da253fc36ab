"""StepCreateTags: put ``tags`` on every AMI and its snapshots, and ``snapshot_tags`` on the snapshots, with
the build's template data (``{{ .SourceAMI }}``, ``{{ .BuildRegion }}``...)."""

from __future__ import annotations

from typing import Any

from builds.engine.builders.amazon.common import tags
from builds.engine.builders.amazon.common.failures import step_error
from builds.engine.builders.amazon.common.images import image_snapshot_ids
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.errors import error_code
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.cancel import Cancelled
from builds.engine.gotemplate import TemplateContext
from builds.engine.steps import Action

TAG_ATTEMPTS = 11  # a fresh copy may not be visible everywhere in EC2 yet
RETRIED = ("InvalidAMIID.NotFound", "InvalidSnapshot.NotFound")


class StepCreateTags:
    """Tags the AMIs and snapshots of every region."""

    def __init__(self, ami_tags: dict[str, str], snapshot_tags: dict[str, str], template: TemplateContext,
                 skip_create_ami: bool = False):
        self.ami_tags = ami_tags
        self.snapshot_tags = snapshot_tags
        self.template = template
        self.skip_create_ami = skip_create_ami

    def run(self, state: AmazonState) -> Action:
        if self.skip_create_ami:
            state.ui.say("Skipping AMI create tags...")
            return Action.CONTINUE
        if not self.ami_tags and not self.snapshot_tags:
            return Action.CONTINUE
        data = tags.build_info(state.region, state.source_image)
        for region, image_id in state.amis.items():
            state.ui.say(f"Adding tags to AMI ({image_id})...")
            ec2 = state.ec2(region)
            try:
                images = ec2.describe_images(ImageIds=[image_id])["Images"]
            except AWS_ERRORS as exc:
                raise step_error(state, f"Error retrieving details for AMI ({image_id}): "
                                        f"{state.describe_error(exc)}") from exc
            if not images:
                raise step_error(state, f"Error retrieving details for AMI ({image_id}), no images found")
            snapshot_ids = image_snapshot_ids(images[0])
            for snapshot_id in snapshot_ids:
                state.ui.say(f"Tagging snapshot: {snapshot_id}")
            state.ui.say("Creating AMI tags")
            ami_tags = self._render(state, self.ami_tags, data)
            tags.report(state.ui, ami_tags)
            state.ui.say("Creating snapshot tags")
            snapshot_tags = self._render(state, self.snapshot_tags, data)
            tags.report(state.ui, snapshot_tags)
            resources = [image_id, *snapshot_ids]
            try:
                self._tag(state, ec2, resources, ami_tags)
                self._tag(state, ec2, snapshot_ids, snapshot_tags)
            except AWS_ERRORS as exc:
                raise step_error(state, f"Error adding tags to Resources ({', '.join(resources)}): "
                                        f"{state.describe_error(exc)}") from exc
        return Action.CONTINUE

    def _render(self, state: AmazonState, tag_map: dict[str, str], data: dict[str, Any]) -> list[dict[str, str]]:
        try:
            return tags.render_tags(tag_map, data, self.template)
        except ValueError as exc:
            raise step_error(state, str(exc)) from exc

    def _tag(self, state: AmazonState, ec2: Any, resource_ids: list[str], tag_list: list[dict[str, str]]) -> None:
        if not resource_ids or not tag_list:
            return
        attempt = 1
        while True:
            try:
                ec2.create_tags(Resources=resource_ids, Tags=tag_list)
                return
            except AWS_ERRORS as exc:
                if error_code(exc) not in RETRIED or attempt == TAG_ATTEMPTS:
                    raise
                if state.cancel.wait(min(0.2 * attempt, 30.0)):
                    raise Cancelled(state.cancel.reason or "Build cancelled") from exc
                attempt += 1

    def cleanup(self, state: AmazonState) -> None:
        """Nothing to undo: a failed build deregisters the AMI anyway."""
