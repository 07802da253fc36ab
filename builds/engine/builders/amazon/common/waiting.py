"""Waiting for EC2 resources to reach a state, as the AWS SDK's waiters do, but cancellable.

The delays and attempt counts are those of the SDK waiters Packer uses,
overridden by ``aws_polling { }`` and the ``AWS_POLL_DELAY_SECONDS`` /
``AWS_MAX_ATTEMPTS`` / ``AWS_TIMEOUT_SECONDS`` environment variables
(:meth:`builds.engine.builders.amazon.access.Polling.waiter_config`). The
first check is made at once, so a resource that is already there costs one call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from builds.engine.cancel import Cancelled, CancelToken


class WaitError(Exception):
    """The resource did not reach the state in time, or reached a state it cannot leave."""


@dataclass(frozen=True)
class Waiter:
    """How often and how long to check."""

    delay: float
    max_attempts: int

    @classmethod
    def from_config(cls, config: dict) -> Waiter:
        """A waiter from a botocore ``WaiterConfig`` (``{"Delay": ..., "MaxAttempts": ...}``)."""
        return cls(float(config["Delay"]), max(1, int(config["MaxAttempts"])))

    def wait(self, what: str, check: Callable[[], bool], cancel: CancelToken | None = None) -> None:
        """Call ``check`` until it returns True.

        ``check`` raises :class:`WaitError` when the resource can no longer get there. Raises
        WaitError after the last attempt, and ``Cancelled`` when ``cancel`` is set between attempts
        (cleanups pass no token: they wait even after a cancel).
        """
        for attempt in range(1, self.max_attempts + 1):
            if check():
                return
            if attempt == self.max_attempts:
                break
            if cancel is not None:
                if cancel.wait(self.delay):
                    raise Cancelled(cancel.reason or "Build cancelled")
            else:
                time.sleep(self.delay)
        raise WaitError(f"exceeded wait attempts ({self.max_attempts}, {self.delay:g}s apart) waiting for {what}")


# The SDK waiters' defaults: (delay in seconds, attempts).
INSTANCE_STATE = (15, 40)  # InstanceRunning, InstanceStopped, InstanceTerminated
IMAGE_AVAILABLE = (15, 120)  # ImageAvailable, with Packer's longer default (copies take long)
SECURITY_GROUP_EXISTS = (5, 40)
INSTANCE_PROFILE_EXISTS = (1, 40)
ROLE_EXISTS = (1, 20)
