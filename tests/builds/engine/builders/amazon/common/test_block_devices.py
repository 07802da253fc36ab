"""Block device mappings: EC2's form, and Packer's checks of IOPS, throughput and keys."""

from __future__ import annotations

from builds.engine.builders.amazon.common.arguments import Arguments
from builds.engine.builders.amazon.common.block_devices import BlockDevice, read_block_devices


def test_an_ebs_mapping_carries_only_what_its_volume_type_takes():
    gp3 = BlockDevice("/dev/sda1", volume_type="gp3", volume_size=20, iops=4000, throughput=250, encrypted=True,
                      kms_key_id="alias/k", delete_on_termination=True)
    gp2 = BlockDevice("/dev/sdb", volume_type="gp2", iops=300)

    assert gp3.mapping() == {"DeviceName": "/dev/sda1", "Ebs": {
        "DeleteOnTermination": True, "VolumeType": "gp3", "VolumeSize": 20, "Iops": 4000, "Throughput": 250,
        "Encrypted": True, "KmsKeyId": "alias/k"}}
    assert gp2.mapping() == {"DeviceName": "/dev/sdb", "Ebs": {"DeleteOnTermination": False, "VolumeType": "gp2"}}


def test_no_device_and_ephemeral_mappings_have_no_ebs_part():
    assert BlockDevice("/dev/sdc", no_device=True).mapping() == {"DeviceName": "/dev/sdc", "NoDevice": ""}
    assert BlockDevice("/dev/sdd", virtual_name="ephemeral0").mapping() == {"DeviceName": "/dev/sdd",
                                                                            "VirtualName": "ephemeral0"}


def test_bad_mappings_are_reported_in_packers_words():
    _devices, problems = read_block_devices([
        Arguments({"volume_size": 1}),
        Arguments({"device_name": "/dev/sdb", "kms_key_id": "k", "encrypted": False}),
        Arguments({"device_name": "/dev/sdc", "volume_type": "io1", "volume_size": 10, "iops": 1000}),
        Arguments({"device_name": "/dev/sdd", "volume_type": "gp3", "iops": 100}),
    ])

    assert problems == [
        "The `device_name` must be specified for every device in the block device mapping.",
        "The device /dev/sdb, must also have `encrypted: true` when setting a kms_key_id.",
        "/dev/sdc: the maximum ratio of provisioned IOPS to requested volume size (in GiB) is 50:1 for io1 volumes",
        "IOPS must be between 3000 and 16000 for device /dev/sdd",
    ]
