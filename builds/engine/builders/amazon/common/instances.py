"""What the two run steps (on-demand and spot) share: user data, waiting for the instance, terminating it."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from builds.engine.builders.amazon.common import resources
from builds.engine.builders.amazon.common.failures import CleanupError, step_error
from builds.engine.builders.amazon.common.resources import AWS_ERRORS, is_not_found
from builds.engine.builders.amazon.common.run_settings import RunSettings
from builds.engine.builders.amazon.common.waiting import INSTANCE_STATE, WaitError
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.cancel import Cancelled
from builds.engine.steps import StepError

# States an instance waiting to run cannot come back from (the SDK waiter's failure states).
NOT_STARTING = ("shutting-down", "terminated", "stopping")


def user_data_text(state: AmazonState, run: RunSettings) -> str:
    """``user_data``, or the contents of ``user_data_file``; "" when neither is set."""
    if not run.user_data_file:
        return run.user_data
    try:
        with open(run.user_data_file, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise step_error(state, f"Problem reading user data file: {exc}") from exc


def user_data_base64(text: str) -> str:
    """User data as EC2 wants it: base64, unless it already is (as Packer decides)."""
    return text if _is_base64(text) else base64.b64encode(text.encode("utf-8")).decode("ascii")


def user_data_bytes(text: str) -> bytes:
    """User data for ``RunInstances``, whose SDK encodes it to base64 itself: text that already is base64
    is decoded first, so the instance receives what Packer would send."""
    return base64.b64decode(_compact(text)) if _is_base64(text) else text.encode("utf-8")


def _compact(text: str) -> str:
    return text.replace("\r", "").replace("\n", "")


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(_compact(text), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def check_root_device(state: AmazonState, expected: str) -> None:
    """Fail unless the source AMI's root device type is ``expected`` ("" accepts any)."""
    actual = state.source_image.get("RootDeviceType", "")
    if expected and actual != expected:
        raise step_error(state, f"The provided source AMI has an invalid root device type.\nExpected '{expected}', "
                                f"got '{actual}'.")


def describe(state: AmazonState, instance_id: str) -> dict[str, Any] | None:
    """The instance's description, or None when EC2 does not know it (yet)."""
    try:
        reservations = state.ec2().describe_instances(InstanceIds=[instance_id])["Reservations"]
    except AWS_ERRORS as exc:
        if is_not_found(exc):
            return None
        raise
    for reservation in reservations:
        for instance in reservation["Instances"]:
            return instance
    return None


def wait_until_running(state: AmazonState, instance_id: str) -> None:
    """Say what Packer says, wait for ``instance_id`` to run, then describe it into ``state.instance`` and
    record its volumes; raises StepError when it does not come up."""
    state.ui.message(f"Instance ID: {instance_id}")
    state.ui.say(f"Waiting for instance ({instance_id}) to become ready...")
    seen: dict[str, Any] = {}

    def running() -> bool:
        instance = describe(state, instance_id)
        if instance is None:
            return False
        seen["instance"] = instance
        name = instance["State"]["Name"]
        if name in NOT_STARTING:
            raise WaitError(f"the instance went to state {name!r}")
        return name == "running"

    try:
        state.waiter(INSTANCE_STATE).wait(f"instance {instance_id} to run", running, state.cancel)
    except Cancelled:
        raise
    except (WaitError, *AWS_ERRORS) as exc:
        reason = str(exc) if isinstance(exc, WaitError) else state.describe_error(exc)
        message = f"Error waiting for instance ({instance_id}) to become ready: {reason}"
        state.ui.error(message)
        instance = seen.get("instance") or {}
        if instance.get("StateTransitionReason") and instance.get("StateReason", {}).get("Message"):
            state.ui.error(f"Instance state change details: {instance['StateTransitionReason']}: "
                           f"{instance['StateReason']['Message']}")
        raise StepError(message) from exc
    instance = seen["instance"]
    state.instance = instance
    state.instance_id = instance_id
    for mapping in instance.get("BlockDeviceMappings", []):
        volume_id = mapping.get("Ebs", {}).get("VolumeId")
        if volume_id and volume_id not in state.volume_ids:
            state.volume_ids.append(volume_id)
            resources.record(state, resources.VOLUME, volume_id, state.region, instance=instance_id)
    if state.debug:
        for label, key in (("Public DNS", "PublicDnsName"), ("Public IP", "PublicIpAddress"),
                           ("Private IP", "PrivateIpAddress")):
            if instance.get(key):
                state.ui.message(f"{label}: {instance[key]}")


def terminate(state: AmazonState, instance_id: str) -> None:
    """Terminate ``instance_id`` and wait until it is gone (even after a cancel); raises CleanupError."""
    state.ui.say("Terminating the source AWS instance...")
    try:
        state.ec2().terminate_instances(InstanceIds=[instance_id])
    except AWS_ERRORS as exc:
        if not is_not_found(exc):
            raise CleanupError(f"Error terminating instance, may still be around: {state.describe_error(exc)}") \
                from exc

    def terminated() -> bool:
        instance = describe(state, instance_id)
        return instance is None or instance["State"]["Name"] == "terminated"

    try:
        state.waiter(INSTANCE_STATE).wait(f"instance {instance_id} to terminate", terminated)
    except (WaitError, *AWS_ERRORS) as exc:
        reason = str(exc) if isinstance(exc, WaitError) else state.describe_error(exc)
        raise CleanupError(f"Error waiting for instance {instance_id} to terminate: {reason}") from exc
    state.instance_terminated = True
    resources.forget(state, resources.INSTANCE, instance_id)
