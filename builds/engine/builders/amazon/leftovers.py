"""Temporary AWS resources as the sweeper sees them: found by their ImageHub tags, deleted one kind at a time.

A resource is ImageHub's temporary resource when it carries both
``imagehub:build-id`` and ``imagehub:temporary = true``; anything else (an AMI
a build delivered, a resource of another tool) is never touched. The kinds
are the ledger's: ``spot-request``, ``instance``, ``launch-template``,
``ami``, ``snapshot``, ``volume``, ``security-group``, ``key-pair``,
``iam-instance-profile`` and ``iam-role`` (spot requests are found through the
ledger only: the build tags them with ``spot_tags`` alone).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from builds.engine.builders.amazon.access import AwsAccess
from builds.engine.builders.amazon.errors import ClientError, error_code
from builds.engine.ledger import TAG_BUILD_ID, TAG_CREATED_AT, TAG_TEMPORARY

IAM_REGION = "global"  # the region the ledger gives IAM resources

# The EC2 and IAM error codes that mean "there is no such resource".
NOT_FOUND = frozenset({
    "InvalidInstanceID.NotFound", "InvalidKeyPair.NotFound", "InvalidGroup.NotFound",
    "InvalidSecurityGroupID.NotFound", "InvalidVolume.NotFound", "InvalidAMIID.NotFound",
    "InvalidAMIID.Unavailable", "InvalidSnapshot.NotFound", "InvalidLaunchTemplateId.NotFound",
    "InvalidLaunchTemplateId.Malformed", "InvalidSpotInstanceRequestID.NotFound", "NoSuchEntity",
})

OPEN_SPOT_REQUEST_STATES = ("open", "active")

_TEMPORARY_FILTERS = [{"Name": f"tag:{TAG_TEMPORARY}", "Values": ["true"]},
                      {"Name": "tag-key", "Values": [TAG_BUILD_ID]}]


@dataclass(frozen=True)
class TaggedResource:
    """A resource found by its tags."""

    kind: str
    id: str
    region: str
    build_id: str
    created: float | None  # epoch seconds: the created-at tag, else the API's own timestamp


def is_not_found(exc: BaseException) -> bool:
    """Whether a failed call failed because the resource does not exist (any more)."""
    return error_code(exc) in NOT_FOUND


def _tagged(kind: str, resource_id: str, region: str, tags: list[dict[str, str]] | None,
            fallback_time: Any = None) -> TaggedResource | None:
    values = {tag["Key"]: tag.get("Value", "") for tag in tags or []}
    if values.get(TAG_TEMPORARY) != "true" or not values.get(TAG_BUILD_ID):
        return None
    created = parse_time(values.get(TAG_CREATED_AT)) or parse_time(fallback_time)
    return TaggedResource(kind, resource_id, region, values[TAG_BUILD_ID], created)


def _pages(client: Any, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])


def tagged_ec2_resources(access: AwsAccess, region: str) -> list[TaggedResource]:
    """ImageHub's temporary EC2 resources in ``region`` (instances not yet terminated)."""
    ec2 = access.ec2(region)
    found: list[TaggedResource | None] = []
    for reservation in _pages(ec2, "describe_instances", "Reservations", Filters=_TEMPORARY_FILTERS):
        found += [_tagged("instance", i["InstanceId"], region, i.get("Tags"), i.get("LaunchTime"))
                  for i in reservation["Instances"] if i["State"]["Name"] != "terminated"]
    found += [_tagged("launch-template", t["LaunchTemplateId"], region, t.get("Tags"), t.get("CreateTime"))
              for t in _pages(ec2, "describe_launch_templates", "LaunchTemplates", Filters=_TEMPORARY_FILTERS)]
    found += [_tagged("ami", i["ImageId"], region, i.get("Tags"), i.get("CreationDate"))
              for i in _pages(ec2, "describe_images", "Images", Owners=["self"], Filters=_TEMPORARY_FILTERS)]
    found += [_tagged("snapshot", s["SnapshotId"], region, s.get("Tags"), s.get("StartTime"))
              for s in _pages(ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"],
                              Filters=_TEMPORARY_FILTERS)]
    found += [_tagged("volume", v["VolumeId"], region, v.get("Tags"), v.get("CreateTime"))
              for v in _pages(ec2, "describe_volumes", "Volumes", Filters=_TEMPORARY_FILTERS)]
    found += [_tagged("security-group", g["GroupId"], region, g.get("Tags"))
              for g in _pages(ec2, "describe_security_groups", "SecurityGroups", Filters=_TEMPORARY_FILTERS)]
    found += [_tagged("key-pair", k["KeyName"], region, k.get("Tags"), k.get("CreateTime"))
              for k in ec2.describe_key_pairs(Filters=_TEMPORARY_FILTERS)["KeyPairs"]]
    return [item for item in found if item is not None]


def tagged_iam_resources(access: AwsAccess) -> list[TaggedResource]:
    """ImageHub's temporary IAM instance profiles and roles (one call per profile and role: the listings
    do not carry tags, GetInstanceProfile and GetRole do)."""
    iam = access.iam()
    found: list[TaggedResource | None] = []
    for listed in _pages(iam, "list_instance_profiles", "InstanceProfiles"):
        profile = iam.get_instance_profile(InstanceProfileName=listed["InstanceProfileName"])["InstanceProfile"]
        found.append(_tagged("iam-instance-profile", listed["InstanceProfileName"], IAM_REGION,
                             profile.get("Tags"), profile.get("CreateDate")))
    for listed in _pages(iam, "list_roles", "Roles"):
        role = iam.get_role(RoleName=listed["RoleName"])["Role"]
        found.append(_tagged("iam-role", listed["RoleName"], IAM_REGION, role.get("Tags"), role.get("CreateDate")))
    return [item for item in found if item is not None]


def terminate_instances(access: AwsAccess, region: str, instance_ids: list[str]) -> dict[str, BaseException | None]:
    """Terminate the instances and wait until they are; return, per instance, None when it is gone now
    and the error otherwise (a not-found error means it was already gone)."""
    ec2 = access.ec2(region)
    outcome: dict[str, BaseException | None] = {}
    for instance_id in instance_ids:
        try:
            ec2.terminate_instances(InstanceIds=[instance_id])
            outcome[instance_id] = None
        except ClientError as exc:
            outcome[instance_id] = exc
    waiting = [instance_id for instance_id, error in outcome.items() if error is None]
    if waiting:
        try:
            ec2.get_waiter("instance_terminated").wait(
                InstanceIds=waiting, WaiterConfig=access.polling.waiter_config(default_delay=5,
                                                                               default_max_attempts=120))
        except Exception as exc:  # the waiter's failure belongs to every instance it waited for
            outcome.update(dict.fromkeys(waiting, exc))
    return outcome


@dataclass
class Deleter:
    """Deletes one resource of a kind; each method returns True when the resource was already gone and
    raises the SDK's error when it cannot be deleted. ``say`` hears of dependent resources deleted along
    (an AMI's snapshots)."""

    access: AwsAccess
    say: Callable[[str], None]
    retry_delay: float = 5.0  # between attempts at a security group AWS still reports in use
    retry_timeout: float = 300.0

    def delete(self, kind: str, resource_id: str, region: str, build_id: str) -> bool:
        """Delete the resource; raise KeyError for a kind this module does not know."""
        method = {
            "spot-request": self.spot_request, "launch-template": self.launch_template, "ami": self.image, "snapshot": self.snapshot,
            "volume": self.volume, "security-group": self.security_group, "key-pair": self.key_pair,
            "iam-instance-profile": self.instance_profile, "iam-role": self.role,
        }[kind]
        return method(resource_id, region, build_id)

    def spot_request(self, request_id: str, region: str, build_id: str) -> bool:
        ec2 = self.access.ec2(region)
        requests = _listing(lambda: ec2.describe_spot_instance_requests(SpotInstanceRequestIds=[request_id]),
                            "SpotInstanceRequests")
        if not any(request.get("State") in OPEN_SPOT_REQUEST_STATES for request in requests):
            return True  # closed, cancelled or unknown: it launches nothing any more
        ec2.cancel_spot_instance_requests(SpotInstanceRequestIds=[request_id])
        return False

    def launch_template(self, template_id: str, region: str, build_id: str) -> bool:
        self.access.ec2(region).delete_launch_template(LaunchTemplateId=template_id)
        return False

    def image(self, image_id: str, region: str, build_id: str) -> bool:
        ec2 = self.access.ec2(region)
        images = [image for image in _listing(lambda: ec2.describe_images(ImageIds=[image_id]), "Images")
                  if image.get("State") != "deregistered"]
        if not images:
            return True
        ec2.deregister_image(ImageId=image_id)
        for mapping in images[0].get("BlockDeviceMappings", []):
            snapshot = mapping.get("Ebs", {}).get("SnapshotId")
            if snapshot:
                try:
                    ec2.delete_snapshot(SnapshotId=snapshot)
                except ClientError as exc:
                    if not is_not_found(exc):
                        raise
                self.say(f"Deleted snapshot {snapshot} of AMI {image_id} in {region} (build {build_id})")
        return False

    def snapshot(self, snapshot_id: str, region: str, build_id: str) -> bool:
        self.access.ec2(region).delete_snapshot(SnapshotId=snapshot_id)
        return False

    def volume(self, volume_id: str, region: str, build_id: str) -> bool:
        ec2 = self.access.ec2(region)
        volumes = _listing(lambda: ec2.describe_volumes(VolumeIds=[volume_id]), "Volumes")
        if not volumes:
            return True
        if volumes[0].get("State") == "in-use":
            ec2.get_waiter("volume_available").wait(
                VolumeIds=[volume_id],
                WaiterConfig=self.access.polling.waiter_config(default_delay=5, default_max_attempts=60))
        ec2.delete_volume(VolumeId=volume_id)
        return False

    def security_group(self, group_id: str, region: str, build_id: str) -> bool:
        ec2 = self.access.ec2(region)
        deadline = time.monotonic() + self.retry_timeout
        while True:
            try:
                ec2.delete_security_group(GroupId=group_id)
                return False
            except ClientError as exc:
                if error_code(exc) != "DependencyViolation" or time.monotonic() >= deadline:
                    raise
            time.sleep(self.retry_delay)

    def key_pair(self, name: str, region: str, build_id: str) -> bool:
        ec2 = self.access.ec2(region)
        if not _listing(lambda: ec2.describe_key_pairs(KeyNames=[name]), "KeyPairs"):
            return True  # DeleteKeyPair succeeds for a name that does not exist, so ask first
        ec2.delete_key_pair(KeyName=name)
        return False

    def instance_profile(self, name: str, region: str, build_id: str) -> bool:
        iam = self.access.iam()
        profile = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
        for role in profile.get("Roles", []):
            iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
        iam.delete_instance_profile(InstanceProfileName=name)
        return False

    def role(self, name: str, region: str, build_id: str) -> bool:
        iam = self.access.iam()
        for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
        for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
        for profile in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
            iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=name)
        iam.delete_role(RoleName=name)
        return False


def _listing(call: Callable[[], dict[str, Any]], key: str) -> list[Any]:
    try:
        return call()[key]
    except ClientError as exc:
        if is_not_found(exc):
            return []
        raise


def parse_time(value: Any) -> float | None:
    """Epoch seconds from a datetime or an ISO 8601 text (``2024-05-01T10:00:00Z``); None otherwise."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return None
