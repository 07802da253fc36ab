"""StepVerifyCleanup: survivors of cleanup are reported by id and recorded again; the gone are marked deleted."""

from __future__ import annotations

from builds.engine.builders.amazon.common import resources
from builds.engine.builders.amazon.common.step_verify_cleanup import StepVerifyCleanup
from builds.engine.ui import ERROR


def test_a_resource_that_survived_cleanup_is_reported_by_id_and_stays_in_the_ledger(state, moto):
    moto.client("ec2").create_key_pair(KeyName="packer_survivor")
    resources.record(state, resources.KEY_PAIR, "packer_survivor", state.region)
    resources.forget(state, resources.KEY_PAIR, "packer_survivor")  # a delete that did not take

    StepVerifyCleanup().cleanup(state)

    errors = state.ui.sink.texts(ERROR)
    assert len(errors) == 1 and "key-pair packer_survivor in us-east-1" in errors[0]
    assert [f.step for f in state.cleanup_failures] == ["StepVerifyCleanup"]
    assert [e.id for e in state.ledger.entries("build-1")] == ["packer_survivor"]


def test_resources_found_gone_are_marked_deleted_and_kept_images_are_not_checked(state, moto):
    resources.record(state, resources.SECURITY_GROUP, "sg-0123456789abcdef0", state.region)
    resources.record(state, resources.IMAGE, "ami-0123456789abcdef0", state.region)
    state.kept_images.add("ami-0123456789abcdef0")

    StepVerifyCleanup().cleanup(state)

    assert state.ui.sink.texts(ERROR) == []
    assert state.cleanup_failures == []
    assert [e.id for e in state.ledger.entries("build-1")] == ["ami-0123456789abcdef0"]


def test_a_terminated_instance_counts_as_gone(state, moto):
    ec2 = moto.client("ec2")
    instance = ec2.run_instances(ImageId="ami-1e749f67", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.terminate_instances(InstanceIds=[instance])
    resources.record(state, resources.INSTANCE, instance, state.region)

    StepVerifyCleanup().cleanup(state)

    assert state.cleanup_failures == []
    assert state.ledger.entries("build-1") == []
