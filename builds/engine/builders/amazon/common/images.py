"""The AMIs a build makes: waiting for them, handing them over to the artifact, deregistering them."""

from __future__ import annotations

from typing import Any

from builds.engine.builders.amazon.common import resources
from builds.engine.builders.amazon.common.resources import AWS_ERRORS
from builds.engine.builders.amazon.common.waiting import IMAGE_AVAILABLE, WaitError
from builds.engine.builders.amazon.errors import ClientError, error_code
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.ledger import TAG_TEMPORARY


def wait_until_available(state: AmazonState, ec2: Any, image_id: str) -> dict[str, Any]:
    """Wait for ``image_id`` to be available and return its description; raises WaitError (with the
    image's state reason when it failed) or the SDK's error."""
    seen: dict[str, Any] = {}

    def available() -> bool:
        try:
            images = ec2.describe_images(ImageIds=[image_id])["Images"]
        except AWS_ERRORS as exc:
            if error_code(exc) == "InvalidAMIID.NotFound":
                return False
            raise
        if not images:
            return False
        seen["image"] = images[0]
        if images[0].get("State") == "failed":
            reason = images[0].get("StateReason", {})
            raise WaitError(f"the AMI failed: {reason.get('Code', '')} {reason.get('Message', '')}".strip())
        return images[0].get("State") == "available"

    state.waiter(IMAGE_AVAILABLE).wait(f"AMI {image_id} to be available", available, state.cancel)
    return seen["image"]


def deregister_image(ec2: Any, image_id: str) -> tuple[bool, list[str]]:
    """Deregister ``image_id`` and delete its snapshots; return whether it existed and the snapshots deleted.

    Raises the SDK's error when a call fails for another reason than the resource being gone.
    """
    images = _images(ec2, image_id)
    images = [image for image in images if image.get("State") != "deregistered"]
    if not images:
        return False, []
    try:
        ec2.deregister_image(ImageId=image_id)
    except ClientError as exc:
        if not resources.is_not_found(exc):
            raise
    deleted = []
    for snapshot_id in image_snapshot_ids(images[0]):
        try:
            ec2.delete_snapshot(SnapshotId=snapshot_id)
        except ClientError as exc:
            if not resources.is_not_found(exc):
                raise
        deleted.append(snapshot_id)
    return True, deleted


def image_snapshot_ids(image: dict[str, Any]) -> list[str]:
    """The snapshots behind an EC2 Image description's EBS block devices."""
    return [mapping["Ebs"]["SnapshotId"] for mapping in image.get("BlockDeviceMappings", [])
            if mapping.get("Ebs", {}).get("SnapshotId")]


def hand_over(state: AmazonState, region: str, image_id: str, snapshot_ids: list[str]) -> None:
    """Make a finished AMI and its snapshots the build's result: drop their temporary tag (keeping the
    build id, for lineage), take them out of the ledger, and keep cleanup checks off them.

    Raises the SDK's error when the tag cannot be removed (the AMI then stays in the ledger).
    """
    state.ec2(region).delete_tags(Resources=[image_id, *snapshot_ids], Tags=[{"Key": TAG_TEMPORARY}])
    for snapshot_id in snapshot_ids:
        resources.forget(state, resources.SNAPSHOT, snapshot_id)
        state.kept_images.add(snapshot_id)
    resources.forget(state, resources.IMAGE, image_id)
    state.kept_images.add(image_id)


def _images(ec2: Any, image_id: str) -> list[dict[str, Any]]:
    try:
        return ec2.describe_images(ImageIds=[image_id])["Images"]
    except ClientError as exc:
        if resources.is_not_found(exc):
            return []
        raise
