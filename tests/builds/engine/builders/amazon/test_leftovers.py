"""Temporary AWS resources by their tags, and deleting them kind by kind (moto where AWS is needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from builds.engine.builders.amazon import leftovers
from builds.engine.builders.amazon.access import AwsAccess
from builds.engine.builders.amazon.errors import ClientError
from builds.engine.ledger import TAG_BUILD_ID, TAG_CREATED_AT, TAG_TEMPORARY

TAGS = [{"Key": TAG_BUILD_ID, "Value": "b-1"}, {"Key": TAG_CREATED_AT, "Value": "2024-05-01T10:00:00Z"},
        {"Key": TAG_TEMPORARY, "Value": "true"}]


def test_only_resources_tagged_temporary_with_a_build_id_are_found(moto):
    ec2 = moto.client("ec2")
    ec2.create_key_pair(KeyName="temporary", TagSpecifications=[{"ResourceType": "key-pair", "Tags": TAGS}])
    ec2.create_key_pair(KeyName="delivered", TagSpecifications=[{"ResourceType": "key-pair", "Tags": TAGS[:2]}])
    ec2.create_key_pair(KeyName="untagged")
    ec2.create_security_group(GroupName="g", Description="d",
                              TagSpecifications=[{"ResourceType": "security-group", "Tags": TAGS}])

    found = leftovers.tagged_ec2_resources(AwsAccess.from_arguments(moto.arguments()), "us-east-1")

    created = datetime(2024, 5, 1, 10, tzinfo=UTC).timestamp()
    assert sorted((item.kind, item.build_id, item.created) for item in found) == [
        ("key-pair", "b-1", created), ("security-group", "b-1", created)]
    assert [item.id for item in found if item.kind == "key-pair"] == ["temporary"]


def test_iam_profiles_and_roles_are_found_by_their_tags(moto):
    iam = moto.client("iam")
    iam.create_instance_profile(InstanceProfileName="temp-profile", Tags=TAGS)
    iam.create_instance_profile(InstanceProfileName="kept-profile")
    iam.create_role(RoleName="temp-role", AssumeRolePolicyDocument="{}", Tags=TAGS)

    found = leftovers.tagged_iam_resources(AwsAccess.from_arguments(moto.arguments()))

    assert sorted((item.kind, item.id, item.region) for item in found) == [
        ("iam-instance-profile", "temp-profile", "global"), ("iam-role", "temp-role", "global")]


def test_a_missing_key_pair_counts_as_already_gone(moto):
    deleter = leftovers.Deleter(AwsAccess.from_arguments(moto.arguments()), print)

    assert deleter.delete("key-pair", "never-created", "us-east-1", "b-1") is True


def test_an_unknown_kind_is_a_programming_error(moto):
    deleter = leftovers.Deleter(AwsAccess.from_arguments(moto.arguments()), print)

    with pytest.raises(KeyError):
        deleter.delete("spot-fleet", "sfr-1", "us-east-1", "b-1")


class _BusyGroups:
    """An EC2 client whose security group is in use for the first ``busy`` attempts to delete it."""

    def __init__(self, busy: int):
        self.busy = busy
        self.attempts = 0

    def delete_security_group(self, GroupId: str) -> None:
        self.attempts += 1
        if self.attempts <= self.busy:
            raise ClientError({"Error": {"Code": "DependencyViolation", "Message": f"{GroupId} is in use"}},
                              "DeleteSecurityGroup")


class _Access:
    def __init__(self, ec2):
        self._ec2 = ec2

    def ec2(self, region=None):
        return self._ec2


def test_a_security_group_still_in_use_is_retried_until_it_is_free():
    ec2 = _BusyGroups(busy=2)
    deleter = leftovers.Deleter(_Access(ec2), print, retry_delay=0.01, retry_timeout=5)

    assert deleter.security_group("sg-1", "us-east-1", "b-1") is False
    assert ec2.attempts == 3


def test_a_security_group_in_use_for_too_long_fails():
    deleter = leftovers.Deleter(_Access(_BusyGroups(busy=1000)), print, retry_delay=0.01, retry_timeout=0.05)

    with pytest.raises(ClientError, match="DependencyViolation"):
        deleter.security_group("sg-1", "us-east-1", "b-1")


def test_times_are_read_from_tags_and_api_timestamps():
    assert leftovers.parse_time("2024-05-01T10:00:00Z") == datetime(2024, 5, 1, 10, tzinfo=UTC).timestamp()
    assert leftovers.parse_time(datetime(2024, 5, 1, 10)) == datetime(2024, 5, 1, 10, tzinfo=UTC).timestamp()
    assert leftovers.parse_time("yesterday") is None
    assert leftovers.parse_time(None) is None
