"""StepStopEBSBackedInstance: the instance is stopped and waited for; spot instances are left running."""

from __future__ import annotations

from builds.engine.builders.amazon.common.step_stop_ebs_backed_instance import (
    StepStopEBSBackedInstance,
)
from tests.builds.engine.builders.amazon.conftest import output


def _running(moto) -> str:
    return moto.client("ec2").run_instances(ImageId="ami-1e749f67", MinCount=1,
                                            MaxCount=1)["Instances"][0]["InstanceId"]


def _state_of(moto, instance: str) -> str:
    return moto.client("ec2").describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0][
        "State"]["Name"]


def test_the_instance_is_stopped(state, moto):
    state.instance_id = _running(moto)

    StepStopEBSBackedInstance(skip=False, disable_stop_instance=False).run(state)

    assert _state_of(moto, state.instance_id) == "stopped"
    assert "Waiting for the instance to stop..." in output(state)


def test_with_disable_stop_instance_the_step_only_waits_for_the_provisioners_to_stop_it(state, moto):
    state.instance_id = _running(moto)
    moto.client("ec2").stop_instances(InstanceIds=[state.instance_id])

    StepStopEBSBackedInstance(skip=False, disable_stop_instance=True).run(state)

    assert "Automatic instance stop disabled. Please stop instance manually." in output(state)


def test_spot_instances_are_not_stopped(state, moto):
    state.instance_id = _running(moto)

    StepStopEBSBackedInstance(skip=True, disable_stop_instance=False).run(state)

    assert _state_of(moto, state.instance_id) == "running"
