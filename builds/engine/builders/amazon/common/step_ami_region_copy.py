"""StepAMIRegionCopy: copy the AMI to ``ami_regions`` (encrypting with ``encrypt_boot`` and the regions'
``region_kms_key_ids``), all regions at once, and wait for every copy.

When the build-region AMI was only an unencrypted intermediary (``encrypt_boot``,
``skip_save_build_region``), it is copied into the build region too and deleted
in cleanup, whatever the outcome. Copies are tracked like the AMI itself: on a
failed or cancelled build they are deregistered with their snapshots (Packer
leaves them); on success they are handed over to the artifact.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from builds.engine.builders.amazon.common import images, resources
from builds.engine.builders.amazon.common.ami_settings import AmiSettings
from builds.engine.builders.amazon.common.failures import CleanupError, step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.common.waiting import WaitError
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.cancel import Cancelled
from builds.engine.steps import Action


class StepAMIRegionCopy:
    """Copies the new AMI to the other regions."""

    def __init__(self, ami: AmiSettings, skip_create_ami: bool = False):
        self.ami = ami
        self.skip_create_ami = skip_create_ami
        self.intermediary = ""  # the build-region AMI to delete once copied
        self.copies: dict[str, tuple[str, list[str]]] = {}  # region -> (AMI id, snapshot ids)

    def targets(self, build_region: str, intermediary: bool) -> list[str]:
        """The regions to copy to, in the order given."""
        regions = [build_region, *self.ami.regions] if intermediary else list(self.ami.regions)
        if self.ami.skip_build_region:
            regions = [r for r in regions if r != build_region]
        return list(dict.fromkeys(regions))

    def run(self, state: AmazonState) -> Action:
        if self.skip_create_ami:
            state.ui.say("Skipping AMI region copy...")
            return Action.CONTINUE
        source = state.amis[state.region]
        if state.intermediary_image:
            self.intermediary = source
        regions = self.targets(state.region, state.intermediary_image)
        if not regions:
            return Action.CONTINUE
        keys = dict(self.ami.region_kms_key_ids)
        if self.ami.encrypt_boot is True and self.ami.kms_key_id:
            keys.setdefault(state.region, self.ami.kms_key_id)
        state.ui.say(f"Copying/Encrypting AMI ({source}) to other regions...")
        for region in regions:
            state.ui.message(f"Copying to: {region}")
        state.ui.message("Waiting for all copies to complete...")
        with ThreadPoolExecutor(max_workers=len(regions)) as pool:
            futures = {region: pool.submit(self._copy, state, source, region,
                                           keys.get(region, "") if self.ami.encrypt_boot is True else "")
                       for region in regions}
        errors = []
        cancelled = False
        for future in futures.values():
            error = future.exception()
            if isinstance(error, Cancelled):
                cancelled = True
            elif error is not None:
                errors.append(str(error))
        if cancelled:
            raise Cancelled(state.cancel.reason or "Build cancelled")
        if state.intermediary_image and state.region in self.copies:
            del state.amis[state.region]
            state.snapshots.pop(state.region, None)
        for region, (image_id, snapshot_ids) in self.copies.items():
            state.amis[region] = image_id
            state.snapshots[region] = snapshot_ids
        if errors:
            raise step_error(state, "\n".join(errors))
        return Action.CONTINUE

    def _copy(self, state: AmazonState, source: str, region: str, kms_key_id: str) -> None:
        ec2 = state.ec2(region)
        request: dict[str, Any] = {"SourceRegion": state.region, "SourceImageId": source, "Name": self.ami.name,
                                   "CopyImageTags": True}
        if self.ami.encrypt_boot is not None:
            request["Encrypted"] = self.ami.encrypt_boot
        if kms_key_id:
            request["KmsKeyId"] = kms_key_id
        if self.ami.snapshot_copy_duration_minutes:
            request["SnapshotCopyCompletionDurationMinutes"] = self.ami.snapshot_copy_duration_minutes
        try:
            image_id = ec2.copy_image(**request)["ImageId"]
        except AWS_ERRORS as exc:
            raise RuntimeError(f"Error Copying AMI ({source}) to region ({region}): {state.describe_error(exc)}") \
                from exc
        resources.record(state, resources.IMAGE, image_id, region)
        self.copies[region] = (image_id, [])
        ledger = resources.ledger_tags(state)
        try:
            if ledger:
                ec2.create_tags(Resources=[image_id], Tags=ledger)
            image = images.wait_until_available(state, ec2, image_id)
        except (WaitError, *AWS_ERRORS) as exc:
            reason = str(exc) if isinstance(exc, WaitError) else state.describe_error(exc)
            raise RuntimeError(f"Error waiting for AMI ({image_id}) in region ({region}): {reason}") from exc
        snapshot_ids = images.image_snapshot_ids(image)
        for snapshot_id in snapshot_ids:
            resources.record(state, resources.SNAPSHOT, snapshot_id, region, image=image_id)
        self.copies[region] = (image_id, snapshot_ids)
        if snapshot_ids and ledger:
            try:
                ec2.create_tags(Resources=list(snapshot_ids), Tags=ledger)
            except AWS_ERRORS as exc:
                raise RuntimeError(f"Error tagging the snapshots of AMI ({image_id}) in region ({region}): "
                                   f"{state.describe_error(exc)}") from exc

    def cleanup(self, state: AmazonState) -> None:
        problems = []
        if self.intermediary:
            state.ui.say("Deregistering the AMI and deleting unencrypted temporary AMIs and snapshots")
            problems += self._deregister(state, state.region, self.intermediary, [])
            if not problems:
                self.intermediary = ""
        succeeded = state.error is None and not state.cancel.cancelled
        for region, (image_id, snapshot_ids) in list(self.copies.items()):
            if succeeded:
                try:
                    images.hand_over(state, region, image_id, snapshot_ids)
                except AWS_ERRORS as exc:
                    problems.append(f"Error removing the temporary tag from AMI {image_id} in {region}: "
                                    f"{state.describe_error(exc)}")
                    continue
            else:
                failed = self._deregister(state, region, image_id, snapshot_ids)
                if failed:
                    problems += failed
                    continue
                state.ui.say(f"Deregistered AMI id: {image_id} in {region}")
            del self.copies[region]
        if problems:
            raise CleanupError("; ".join(problems))

    def _deregister(self, state: AmazonState, region: str, image_id: str, snapshot_ids: list[str]) -> list[str]:
        try:
            _existed, deleted = images.deregister_image(state.ec2(region), image_id)
        except AWS_ERRORS as exc:
            return [f"Error deregistering AMI {image_id} in {region}: {state.describe_error(exc)}"]
        for snapshot_id in {*snapshot_ids, *deleted}:
            resources.forget(state, resources.SNAPSHOT, snapshot_id)
        resources.forget(state, resources.IMAGE, image_id)
        return []
