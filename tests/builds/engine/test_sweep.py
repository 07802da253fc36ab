"""The sweeper against a moto server: leftovers of crashed builds go, those of running builds stay."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest

from builds.engine.ledger import (
    TAG_BUILD_ID,
    TAG_CREATED_AT,
    TAG_TEMPORARY,
    FileLedger,
    LedgerEntry,
)
from builds.engine.sweep import Sweeper, SweepOptions

SOURCE_AMI = "ami-1e749f67"
POLICY = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:DescribeTags"], '
          '"Resource": ["*"]}]}')
TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, '
         '"Action": "sts:AssumeRole"}]}')


@dataclass
class CrashedBuild:
    """The temporary resources of one build, as the amazon-ebs builder leaves them when it dies mid-flight."""

    build_id: str
    instance: str
    key_pair: str
    security_group: str
    volume: str = ""
    image: str = ""
    snapshots: list[str] | None = None
    profile: str = ""
    role: str = ""


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def leave_resources(moto, ledger, build_id, *, age=0.0, record=True, running=False, full=False) -> CrashedBuild:
    """Create a build's temporary resources in moto, tagged as the builder tags them, created ``age`` seconds
    ago, and (with ``record``) in ``ledger``; with ``running`` this process claims the build.

    A key pair, a security group and an instance; with ``full`` also a volume, an AMI with its snapshot, and
    an IAM role in an instance profile."""
    created = time.time() - age
    tags = [{"Key": TAG_BUILD_ID, "Value": build_id}, {"Key": TAG_CREATED_AT, "Value": _iso(created)},
            {"Key": TAG_TEMPORARY, "Value": "true"}]

    def spec(*types):
        return [{"ResourceType": kind, "Tags": tags} for kind in types]

    ec2, iam = moto.client("ec2"), moto.client("iam")
    key = f"packer_{build_id}"
    ec2.create_key_pair(KeyName=key, KeyType="ed25519", TagSpecifications=spec("key-pair"))
    group = ec2.create_security_group(GroupName=f"packer_{build_id}", Description="temporary",
                                      TagSpecifications=spec("security-group"))["GroupId"]
    instance = ec2.run_instances(ImageId=SOURCE_AMI, MinCount=1, MaxCount=1, KeyName=key, SecurityGroupIds=[group],
                                 TagSpecifications=spec("instance", "volume"))["Instances"][0]["InstanceId"]
    build = CrashedBuild(build_id, instance, key, group)
    if full:
        build.volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1,
                                         TagSpecifications=spec("volume"))["VolumeId"]
        build.image = ec2.create_image(InstanceId=instance, Name=f"failed-{build_id}",
                                       TagSpecifications=spec("image"))["ImageId"]
        mappings = ec2.describe_images(ImageIds=[build.image])["Images"][0]["BlockDeviceMappings"]
        build.snapshots = [m["Ebs"]["SnapshotId"] for m in mappings]
        ec2.create_tags(Resources=build.snapshots, Tags=tags)  # moto fails CreateImage with snapshot tag specs
        build.role = build.profile = f"packer-{build_id}"
        iam.create_role(RoleName=build.role, AssumeRolePolicyDocument=TRUST, Tags=tags)
        iam.put_role_policy(RoleName=build.role, PolicyName=build.role, PolicyDocument=POLICY)
        iam.create_instance_profile(InstanceProfileName=build.profile, Tags=tags)
        iam.add_role_to_instance_profile(InstanceProfileName=build.profile, RoleName=build.role)
    if running:
        ledger.claim(build_id)
    if record:
        entries = [("key-pair", key), ("security-group", group), ("instance", instance)]
        if full:
            entries += [("volume", build.volume), ("ami", build.image), ("iam-instance-profile", build.profile),
                        ("iam-role", build.role)]
        for kind, resource_id in entries:
            iam_kind = kind.startswith("iam-")
            ledger.record(LedgerEntry(kind, resource_id, "global" if iam_kind else "us-east-1", build_id,
                                      created=created, extra={} if iam_kind else {"endpoint": moto.endpoint}))
    return build


@pytest.fixture
def ledger(tmp_path):
    return FileLedger(tmp_path / "ledger")


def sweep(ledger, **options):
    lines: list[str] = []
    result = Sweeper(ledger, SweepOptions(**options), lines.append).run()
    return result, lines


def test_the_leftovers_of_a_crashed_build_are_all_deleted(moto, ledger):
    build = leave_resources(moto, ledger, "crashed-1", full=True)

    result, lines = sweep(ledger)

    assert moto.leftovers() == {}
    assert not result.failed
    assert ledger.entries() == []
    assert f"Deleted key pair {build.key_pair} in us-east-1 (build crashed-1)" in lines
    assert f"Terminated instance {build.instance} in us-east-1 (build crashed-1)" in lines
    assert f"Deregistered AMI {build.image} in us-east-1 (build crashed-1)" in lines
    assert f"Deleted snapshot {build.snapshots[0]} of AMI {build.image} in us-east-1 (build crashed-1)" in lines
    assert f"Deleted IAM role {build.role} in global (build crashed-1)" in lines


def test_instances_go_first_and_security_groups_after_them(moto, ledger):
    build = leave_resources(moto, ledger, "crashed-2", full=True)

    _, lines = sweep(ledger)

    ids = (build.instance, build.volume, build.security_group, build.key_pair, build.profile)
    order = [word for line in lines if line.startswith(("Terminated", "Deleted")) for word in line.split()
             if word in ids]
    assert order.index(build.instance) < order.index(build.volume) < order.index(build.security_group)
    assert order.index(build.security_group) < order.index(build.key_pair) < order.index(build.profile)


def test_the_resources_of_a_running_build_are_left_alone(moto, ledger):
    leave_resources(moto, ledger, "running-1", running=True)
    before = moto.leftovers()

    result, lines = sweep(ledger, older_than=0)

    assert moto.leftovers() == before
    assert not result.deleted
    assert lines[0].startswith("Skipping ") and lines[0].endswith("of build running-1: it is still running")


def test_a_running_build_is_spared_while_a_crashed_one_is_swept(moto, ledger):
    running = leave_resources(moto, ledger, "running-2", running=True)
    leave_resources(moto, ledger, "crashed-3")

    sweep(ledger)

    left = moto.leftovers()
    assert left["key-pairs"] == [running.key_pair]
    assert left["instances"] == [running.instance]


def test_dry_run_deletes_nothing_and_says_what_it_would_delete(moto, ledger):
    build = leave_resources(moto, ledger, "crashed-4")
    before = moto.leftovers()

    result, lines = sweep(ledger, dry_run=True)

    assert moto.leftovers() == before
    assert len(ledger.entries()) == 3
    assert f"Would delete key pair {build.key_pair} in us-east-1 (build crashed-4)" in lines
    assert len(result.would_delete) == 4  # and the instance's root volume, found by its tags


def test_older_than_spares_younger_resources(moto, ledger):
    leave_resources(moto, ledger, "young-1", age=1800)
    before = moto.leftovers()

    result, _ = sweep(ledger, older_than=3600)

    assert moto.leftovers() == before and not result.deleted

    sweep(ledger, older_than=600)

    assert moto.leftovers() == {}


def test_without_the_ledger_the_tags_alone_find_the_leftovers(moto, ledger):
    build = leave_resources(moto, ledger, "unrecorded-1", record=False)

    result, lines = sweep(ledger, older_than=0, regions=["us-east-1"])

    assert moto.leftovers() == {}
    assert f"Deleted security group {build.security_group} in us-east-1 (build unrecorded-1)" in lines
    assert not ledger.directory.exists()  # nothing recorded for resources the ledger never knew


def test_resources_known_only_by_tags_wait_an_hour_by_default(moto, ledger):
    leave_resources(moto, ledger, "unrecorded-2", record=False, age=600)
    before = moto.leftovers()

    sweep(ledger, regions=["us-east-1"])

    assert moto.leftovers() == before

    leave_resources(moto, ledger, "unrecorded-3", record=False, age=7200)
    sweep(ledger, regions=["us-east-1"])

    assert "unrecorded-3" not in str(moto.leftovers())
    assert "unrecorded-2" in str(moto.leftovers())


def test_resources_not_marked_temporary_are_never_touched(moto, ledger):
    ec2 = moto.client("ec2")
    ec2.create_key_pair(KeyName="someone-elses")
    ec2.create_key_pair(KeyName="delivered", TagSpecifications=[{"ResourceType": "key-pair", "Tags": [
        {"Key": TAG_BUILD_ID, "Value": "done-1"}]}])

    sweep(ledger, older_than=0, regions=["us-east-1"])

    assert sorted(moto.leftovers()["key-pairs"]) == ["delivered", "someone-elses"]


def test_a_recorded_resource_that_is_already_gone_leaves_the_ledger(moto, ledger):
    ledger.record(LedgerEntry("key-pair", "packer_vanished", "us-east-1", "gone-1",
                              extra={"endpoint": moto.endpoint}))

    result, lines = sweep(ledger)

    assert lines[0] == "Key pair packer_vanished in us-east-1 (build gone-1) was already gone"
    assert ledger.entries() == [] and not result.failed


def test_what_cannot_be_deleted_is_reported_and_stays_in_the_ledger(moto, ledger):
    ledger.record(LedgerEntry("ami", "not-an-image-id", "us-east-1", "broken-1", extra={"endpoint": moto.endpoint}))
    ledger.record(LedgerEntry("spot-fleet", "sfr-1", "us-east-1", "broken-1", extra={"endpoint": moto.endpoint}))

    result, lines = sweep(ledger)

    assert len(result.failed) == 2
    assert lines[0].startswith("Could not delete AMI not-an-image-id in us-east-1 (build broken-1): InvalidAMIID")
    assert lines[1] == ("Could not delete spot-fleet sfr-1 in us-east-1 (build broken-1): the sweeper cannot delete "
                        "resources of kind 'spot-fleet'")
    assert len(ledger.entries()) == 2


BUILD_PROCESS = """
import sys, time
from builds.engine.ledger import FileLedger, LedgerEntry
ledger = FileLedger(sys.argv[1])
ledger.claim("killed-1")
ledger.record(LedgerEntry("key-pair", "packer_killed-1", "us-east-1", "killed-1", extra={"endpoint": sys.argv[2]}))
print("recorded", flush=True)
time.sleep(600)
"""


def test_a_build_whose_process_was_killed_is_over(moto, ledger):
    moto.client("ec2").create_key_pair(KeyName="packer_killed-1")
    process = subprocess.Popen([sys.executable, "-c", BUILD_PROCESS, str(ledger.directory), moto.endpoint],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "recorded\n"
        _, lines = sweep(ledger)
        assert lines == ["Skipping 1 resource(s) of build killed-1: it is still running"]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    _, lines = sweep(ledger)

    assert lines == ["Deleted key pair packer_killed-1 in us-east-1 (build killed-1)"]
    assert moto.leftovers() == {}


def test_a_ledger_of_iam_resources_alone_is_swept_without_any_region(moto, ledger, monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    iam = moto.client("iam")
    iam.create_role(RoleName="packer-iam-only", AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName="packer-iam-only")
    iam.add_role_to_instance_profile(InstanceProfileName="packer-iam-only", RoleName="packer-iam-only")
    for kind in ("iam-instance-profile", "iam-role"):
        ledger.record(LedgerEntry(kind, "packer-iam-only", "global", "iam-only-1"))

    result, lines = sweep(ledger)

    assert not result.failed, lines
    assert lines == ["Deleted IAM instance profile packer-iam-only in global (build iam-only-1)",
                     "Deleted IAM role packer-iam-only in global (build iam-only-1)"]
    assert moto.leftovers() == {}


def test_an_open_spot_request_is_cancelled_before_its_instance_is_terminated(moto, ledger):
    request = moto.client("ec2").request_spot_instances(
        SpotPrice="0.05", InstanceCount=1,
        LaunchSpecification={"ImageId": SOURCE_AMI, "InstanceType": "t2.micro"})["SpotInstanceRequests"][0]
    request_id, instance_id = request["SpotInstanceRequestId"], request["InstanceId"]
    for kind, resource_id in (("instance", instance_id), ("spot-request", request_id)):
        ledger.record(LedgerEntry(kind, resource_id, "us-east-1", "spot-1", extra={"endpoint": moto.endpoint}))

    result, lines = sweep(ledger)

    assert not result.failed, lines
    assert lines == [f"Cancelled spot request {request_id} in us-east-1 (build spot-1)",
                     f"Terminated instance {instance_id} in us-east-1 (build spot-1)"]
    assert moto.leftovers() == {}
    assert ledger.entries() == []


def test_a_spot_request_already_closed_leaves_the_ledger_as_gone(moto, ledger):
    ledger.record(LedgerEntry("spot-request", "sir-00000000", "us-east-1", "spot-2",
                              extra={"endpoint": moto.endpoint}))

    result, lines = sweep(ledger)

    assert lines == ["Spot request sir-00000000 in us-east-1 (build spot-2) was already gone"]
    assert ledger.entries() == [] and not result.failed
