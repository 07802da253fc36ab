"""Block device mappings (``launch_block_device_mappings``, ``ami_block_device_mappings``) as EC2 expects them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from builds.engine.builders.amazon.common.arguments import Arguments

# Packer's limits on provisioned IOPS and gp3 throughput.
MIN_IOPS, MAX_IOPS = 100, 64000
MIN_IOPS_GP3, MAX_IOPS_GP3 = 3000, 16000
MIN_THROUGHPUT, MAX_THROUGHPUT = 125, 1000
IOPS_RATIOS = {"io1": 50, "io2": 500}


@dataclass
class BlockDevice:
    """One block device mapping."""

    device_name: str
    delete_on_termination: bool = False
    encrypted: bool | None = None
    iops: int | None = None
    no_device: bool = False
    snapshot_id: str = ""
    throughput: int | None = None
    virtual_name: str = ""
    volume_type: str = ""
    volume_size: int = 0
    kms_key_id: str = ""

    @classmethod
    def from_arguments(cls, args: Arguments) -> BlockDevice:
        return cls(
            device_name=args.text("device_name"),
            delete_on_termination=args.flag("delete_on_termination"),
            encrypted=args.trilean("encrypted"),
            iops=args.optional_integer("iops"),
            no_device=args.flag("no_device"),
            snapshot_id=args.text("snapshot_id"),
            throughput=args.optional_integer("throughput"),
            virtual_name=args.text("virtual_name"),
            volume_type=args.text("volume_type"),
            volume_size=args.integer("volume_size"),
            kms_key_id=args.text("kms_key_id"),
        )

    def problem(self) -> str | None:
        """What is wrong with this mapping, in Packer's words, or None."""
        if not self.device_name:
            return "The `device_name` must be specified for every device in the block device mapping."
        if self.kms_key_id and self.encrypted is False:
            return f"The device {self.device_name}, must also have `encrypted: true` when setting a kms_key_id."
        ratio = IOPS_RATIOS.get(self.volume_type)
        if ratio and self.volume_size and self.iops is not None:
            if self.iops / self.volume_size > ratio:
                return (f"{self.device_name}: the maximum ratio of provisioned IOPS to requested volume size "
                        f"(in GiB) is {ratio}:1 for {self.volume_type} volumes")
            if not MIN_IOPS <= self.iops <= MAX_IOPS:
                return f"IOPS must be between {MIN_IOPS} and {MAX_IOPS} for device {self.device_name}"
        if self.volume_type == "gp3":
            if self.throughput is not None and not MIN_THROUGHPUT <= self.throughput <= MAX_THROUGHPUT:
                return (f"Throughput must be between {MIN_THROUGHPUT} and {MAX_THROUGHPUT} for device "
                        f"{self.device_name}")
            if self.iops is not None and not MIN_IOPS_GP3 <= self.iops <= MAX_IOPS_GP3:
                return f"IOPS must be between {MIN_IOPS_GP3} and {MAX_IOPS_GP3} for device {self.device_name}"
        elif self.throughput is not None:
            return (f'Throughput is only valid for gp3 volumes, "{self.device_name}" is of type '
                    f"{self.volume_type}")
        return None

    def mapping(self) -> dict[str, Any]:
        """The EC2 ``BlockDeviceMapping`` for this device."""
        mapping: dict[str, Any] = {"DeviceName": self.device_name}
        if self.no_device:
            mapping["NoDevice"] = ""
            return mapping
        if self.virtual_name:
            if self.virtual_name.startswith("ephemeral"):
                mapping["VirtualName"] = self.virtual_name
            return mapping
        ebs: dict[str, Any] = {"DeleteOnTermination": self.delete_on_termination}
        if self.volume_type:
            ebs["VolumeType"] = self.volume_type
        if self.volume_size > 0:
            ebs["VolumeSize"] = self.volume_size
        if self.volume_type in ("io1", "io2", "gp3") and self.iops is not None:
            ebs["Iops"] = self.iops
        if self.volume_type == "gp3" and self.throughput is not None:
            ebs["Throughput"] = self.throughput
        if self.snapshot_id:
            ebs["SnapshotId"] = self.snapshot_id
        if self.encrypted is not None:
            ebs["Encrypted"] = self.encrypted
        if self.kms_key_id:
            ebs["KmsKeyId"] = self.kms_key_id
        mapping["Ebs"] = ebs
        return mapping


def read_block_devices(blocks: list[Arguments]) -> tuple[list[BlockDevice], list[str]]:
    """Return the mappings of ``blocks`` and the problems found in them."""
    devices = [BlockDevice.from_arguments(block) for block in blocks]
    problems = [problem for device in devices if (problem := device.problem())]
    return devices, problems


def mappings(devices: list[BlockDevice]) -> list[dict[str, Any]]:
    """The EC2 ``BlockDeviceMappings`` of ``devices``."""
    return [device.mapping() for device in devices]
