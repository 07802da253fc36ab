"""The amazon builders' typed build state: what their steps hand each other."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from builds.engine.builders.amazon.access import AwsAccess
from builds.engine.builders.amazon.common.waiting import Waiter
from builds.engine.state import BuildState


@dataclass
class AmazonState(BuildState):
    """The common build state plus the cloud resources of one EC2 build.

    Ids of resources the build created itself are kept apart from those it was
    given (``temporary_*``, ``created_*``), so each cleanup removes only its own.
    """

    access: AwsAccess | None = field(default=None, repr=False)
    region: str = ""
    # source AMI (an EC2 Image description)
    source_image: dict[str, Any] = field(default_factory=dict)
    # network
    vpc_id: str = ""
    subnet_id: str = ""
    availability_zone: str = ""
    # access to the instance
    key_pair_name: str = ""  # the key pair the instance is launched with ("" for none)
    temporary_key_pair_name: str = ""  # a key pair this build created
    private_key: str = field(default="", repr=False)  # the key to log in with, when the build holds it
    security_group_ids: list[str] = field(default_factory=list)
    temporary_security_group_id: str = ""
    iam_instance_profile: str = ""
    # the instance
    instance: dict[str, Any] = field(default_factory=dict)  # its EC2 Instance description
    instance_id: str = ""
    launch_template_id: str = ""  # spot builds launch from a temporary launch template
    volume_ids: list[str] = field(default_factory=list)  # volumes attached to the instance at launch
    instance_terminated: bool = False  # set once the instance is known to be terminated
    # the images
    amis: dict[str, str] = field(default_factory=dict)  # region -> AMI id
    snapshots: dict[str, list[str]] = field(default_factory=dict)  # region -> snapshot ids
    intermediary_image: bool = False  # the build-region AMI is only a source for (encrypted) copies
    kept_images: set[str] = field(default_factory=set)  # AMIs and snapshots handed over to the artifact

    @classmethod
    def extend(cls, base: BuildState, access: AwsAccess) -> AmazonState:
        """An amazon state carrying the common fields of ``base``, building in ``access``'s region."""
        common = {f.name: getattr(base, f.name) for f in fields(BuildState)}
        return cls(**common, access=access, region=access.resolved_region())

    def _access(self) -> AwsAccess:
        if self.access is None:
            raise RuntimeError("AmazonState has no AwsAccess: build it with AmazonState.extend")
        return self.access

    def ec2(self, region: str | None = None) -> Any:
        """The EC2 client of ``region`` (the build region by default)."""
        return self._access().ec2(region or self.region)

    def iam(self) -> Any:
        """The IAM client."""
        return self._access().iam()

    def describe_error(self, exc: BaseException) -> str:
        """A one-line explanation of a failed AWS call, secrets masked."""
        return self._access().describe_error(exc)

    def waiter(self, default: tuple[float, int]) -> Waiter:
        """The waiter for one kind of wait: ``default`` (delay, attempts) unless ``aws_polling`` or the
        environment say otherwise."""
        return Waiter.from_config(self._access().polling.waiter_config(*default))
