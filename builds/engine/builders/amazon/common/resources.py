"""The build's temporary AWS resources: their ledger entries and tags, and whether one still exists.

Every temporary resource is tagged at creation with the build's id, its
creation time and ``imagehub:temporary = true`` (:func:`ledger_tags`), and
recorded in the build's ledger as soon as the API returns its id
(:func:`record`); cleanup marks it deleted (:func:`forget`). An AMI the
build delivers loses its temporary tag and leaves the ledger when the build
succeeds, so neither the ledger nor the tags ever point a sweeper at a result.
"""

from __future__ import annotations

import time
from typing import Any

from builds.engine.builders.amazon.errors import AwsError, BotoCoreError, ClientError, error_code
from builds.engine.ledger import TAG_BUILD_ID, TAG_CREATED_AT, TAG_TEMPORARY, LedgerEntry
from builds.engine.state import BuildState

# What a call to AWS may raise: an API error, an SDK error (connection, parsing), no usable credentials.
AWS_ERRORS = (ClientError, BotoCoreError, AwsError)

INSTANCE = "instance"
KEY_PAIR = "key-pair"
SECURITY_GROUP = "security-group"
VOLUME = "volume"
IAM_INSTANCE_PROFILE = "iam-instance-profile"
IAM_ROLE = "iam-role"
IMAGE = "ami"
SNAPSHOT = "snapshot"
LAUNCH_TEMPLATE = "launch-template"
SPOT_REQUEST = "spot-request"

# The EC2 and IAM error codes that mean "there is no such resource".
NOT_FOUND = frozenset({
    "InvalidInstanceID.NotFound", "InvalidKeyPair.NotFound", "InvalidGroup.NotFound",
    "InvalidSecurityGroupID.NotFound", "InvalidVolume.NotFound", "InvalidAMIID.NotFound",
    "InvalidAMIID.Unavailable", "InvalidSnapshot.NotFound", "InvalidLaunchTemplateId.NotFound",
    "InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.Malformed",
    "InvalidSpotInstanceRequestID.NotFound", "NoSuchEntity",
})


def is_not_found(exc: BaseException) -> bool:
    """Whether a failed call failed because the resource does not exist (any more)."""
    return error_code(exc) in NOT_FOUND


def ledger_tags(state: BuildState) -> list[dict[str, str]]:
    """The tags that mark a resource as this build's temporary resource (none outside a tracked build)."""
    if not state.build_id:
        return []
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return [{"Key": TAG_BUILD_ID, "Value": state.build_id}, {"Key": TAG_CREATED_AT, "Value": created},
            {"Key": TAG_TEMPORARY, "Value": "true"}]


def record(state: BuildState, kind: str, resource_id: str, region: str, **extra: Any) -> None:
    """Write ``resource_id`` to the build's ledger (durably, before returning)."""
    if state.ledger is None or not resource_id:
        return
    endpoint = _endpoint(state, kind)
    if endpoint:
        extra.setdefault("endpoint", endpoint)
    state.ledger.record(LedgerEntry(kind=kind, id=resource_id, region=region, build_id=state.build_id,
                                    extra=extra))


def forget(state: BuildState, kind: str, resource_id: str) -> None:
    """Note in the ledger that ``resource_id`` is gone (or is no longer temporary)."""
    if state.ledger is not None and resource_id:
        state.ledger.mark_deleted(state.build_id, kind, resource_id)


def _endpoint(state: BuildState, kind: str) -> str:
    access = getattr(state, "access", None)
    if access is None or kind in (IAM_INSTANCE_PROFILE, IAM_ROLE):
        return ""
    return access.ec2_endpoint or ""


def still_exists(state: Any, entry: LedgerEntry) -> bool:
    """Whether the resource of ``entry`` still exists (a terminated instance or a deregistered AMI does
    not). Raises the SDK's error when the question cannot be answered."""
    if entry.kind == IAM_INSTANCE_PROFILE:
        return _found(lambda: state.iam().get_instance_profile(InstanceProfileName=entry.id))
    if entry.kind == IAM_ROLE:
        return _found(lambda: state.iam().get_role(RoleName=entry.id))
    ec2 = state.ec2(entry.region)
    if entry.kind == INSTANCE:
        reservations = _answer(lambda: ec2.describe_instances(InstanceIds=[entry.id]), "Reservations")
        return any(instance["State"]["Name"] != "terminated"
                   for reservation in reservations for instance in reservation["Instances"])
    if entry.kind == KEY_PAIR:
        return bool(_answer(lambda: ec2.describe_key_pairs(KeyNames=[entry.id]), "KeyPairs"))
    if entry.kind == SECURITY_GROUP:
        return bool(_answer(lambda: ec2.describe_security_groups(GroupIds=[entry.id]), "SecurityGroups"))
    if entry.kind == VOLUME:
        return bool(_answer(lambda: ec2.describe_volumes(VolumeIds=[entry.id]), "Volumes"))
    if entry.kind == IMAGE:
        images = _answer(lambda: ec2.describe_images(ImageIds=[entry.id]), "Images")
        return any(image.get("State") != "deregistered" for image in images)
    if entry.kind == SNAPSHOT:
        return bool(_answer(lambda: ec2.describe_snapshots(SnapshotIds=[entry.id]), "Snapshots"))
    if entry.kind == SPOT_REQUEST:
        requests = _answer(lambda: ec2.describe_spot_instance_requests(SpotInstanceRequestIds=[entry.id]),
                           "SpotInstanceRequests")
        return any(request.get("State") in ("open", "active") for request in requests)
    if entry.kind == LAUNCH_TEMPLATE:
        return bool(_answer(lambda: ec2.describe_launch_templates(LaunchTemplateIds=[entry.id]),
                            "LaunchTemplates"))
    raise ValueError(f"no way to look up a ledger entry of kind {entry.kind!r}")


def _answer(call: Any, key: str) -> list[Any]:
    try:
        return call()[key]
    except ClientError as exc:
        if is_not_found(exc):
            return []
        raise


def _found(call: Any) -> bool:
    try:
        call()
    except ClientError as exc:
        if is_not_found(exc):
            return False
        raise
    return True
