"""StepCleanupVolumes: after the instance is terminated, delete the volumes it leaves behind.

A volume whose mapping says ``delete_on_termination = false`` (the source
AMI's own mappings often do, and Packer's launch mappings default to it)
outlives the instance. Every volume of the build instance was only for the
build, since the AMI keeps snapshots of them, so all that survive are
deleted. The step comes before the run step, so its cleanup runs after the
instance's; its ``run`` does nothing.
"""

from __future__ import annotations

from typing import Any

from builds.engine.builders.amazon.common import resources
from builds.engine.builders.amazon.common.failures import CleanupError
from builds.engine.builders.amazon.common.resources import AWS_ERRORS, is_not_found
from builds.engine.builders.amazon.common.waiting import INSTANCE_STATE, WaitError
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.steps import Action

GONE = ("deleting", "deleted")


class StepCleanupVolumes:
    """Deletes the build instance's volumes that survive its termination."""

    def run(self, state: AmazonState) -> Action:
        return Action.CONTINUE

    def cleanup(self, state: AmazonState) -> None:
        if not state.volume_ids:
            if state.instance_id:
                state.ui.say("No volumes to clean up, skipping")
            return
        state.ui.say("Cleaning up any extra volumes...")
        ec2 = state.ec2()
        if state.instance_terminated:
            try:
                state.waiter(INSTANCE_STATE).wait("the instance's volumes to be released",
                                                  lambda: not any(v["State"] == "in-use" for v in
                                                                  _volumes(ec2, state.volume_ids)))
            except (WaitError, *AWS_ERRORS) as exc:
                reason = str(exc) if isinstance(exc, WaitError) else state.describe_error(exc)
                state.ui.error(f"Error waiting for the instance's volumes to be released: {reason}")
        try:
            volumes = {v["VolumeId"]: v for v in _volumes(ec2, state.volume_ids)}
        except AWS_ERRORS as exc:
            raise CleanupError(f"Error describing volumes: {state.describe_error(exc)}") from exc
        problems = []
        for volume_id in list(state.volume_ids):
            volume = volumes.get(volume_id)
            if volume is None or volume["State"] in GONE:
                resources.forget(state, resources.VOLUME, volume_id)
                state.volume_ids.remove(volume_id)
                continue
            if volume["State"] != "available":
                problems.append(f"volume {volume_id} is still {volume['State']}")
                continue
            state.ui.say(f"Destroying volume ({volume_id})...")
            try:
                ec2.delete_volume(VolumeId=volume_id)
            except AWS_ERRORS as exc:
                if not is_not_found(exc):
                    problems.append(f"Error deleting volume {volume_id}: {state.describe_error(exc)}")
                    continue
            resources.forget(state, resources.VOLUME, volume_id)
            state.volume_ids.remove(volume_id)
        if problems:
            raise CleanupError("; ".join(problems))


def _volumes(ec2: Any, volume_ids: list[str]) -> list[dict[str, Any]]:
    """The volumes among ``volume_ids`` that still exist (looked up by filter, so missing ones are no error)."""
    if not volume_ids:
        return []
    return ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": list(volume_ids)}])["Volumes"]
