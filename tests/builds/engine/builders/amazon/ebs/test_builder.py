"""The amazon-ebs builder end to end against the moto server and the test sshd."""

from __future__ import annotations

import os
import threading
import time
import uuid

from builds.engine.cancel import CancelToken
from builds.engine.ledger import TAG_BUILD_ID, TAG_TEMPORARY


def _tags(resource: dict) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def test_seed_example_builds_a_tagged_ami_with_a_temporary_key_pair_and_leaves_nothing_behind(ebs, moto,
                                                                                             sshd_with_moto_keys):
    marker = os.path.join(sshd_with_moto_keys.home, f"provisioned-{uuid.uuid4().hex[:8]}")
    outcome = ebs(inline=["echo installing the service", f"touch {marker}", "whoami"],
                  tags={"Name": "web {{ .SourceAMIName }}", "Base": "{{ .SourceAMI }}",
                        "Region": "{{ .BuildRegion }}"})

    assert outcome.ok, outcome.output
    artifact = outcome.artifact()
    region, image_id = next(iter(artifact.amis.items()))
    assert artifact.id == f"{region}:{image_id}"
    assert artifact.string() == f"AMIs were created:\n{region}: {image_id}\n"
    image = moto.client("ec2").describe_images(ImageIds=[image_id])["Images"][0]
    tags = _tags(image)
    assert tags["Base"] == "ami-1e749f67" and tags["Region"] == "us-east-1"
    assert tags["Name"].startswith("web ubuntu")
    assert tags[TAG_BUILD_ID] == "build-1" and TAG_TEMPORARY not in tags
    assert "Creating temporary keypair: packer_" in outcome.output
    assert sshd_with_moto_keys.username in outcome.output.splitlines()  # whoami, over the temporary key
    assert os.path.exists(marker)
    os.remove(marker)
    assert moto.leftovers() == {"images": [image_id], "snapshots": artifact.state["snapshots"][region]}
    assert outcome.state.cleanup_failures == []


def test_a_failing_provisioner_ends_with_nothing_left_and_the_error_reported(ebs, moto):
    outcome = ebs(inline=["exit 3"])

    assert not outcome.ok
    assert "Script exited with non-zero exit status: 3" in str(outcome.state.error)
    assert moto.leftovers() == {}
    assert outcome.ledger.entries("build-1") == []
    assert outcome.state.cleanup_failures == []


def test_a_cancel_during_provisioning_ends_with_nothing_left(ebs, moto, sshd_with_moto_keys):
    marker = os.path.join(sshd_with_moto_keys.home, f"provisioning-{uuid.uuid4().hex[:8]}")
    cancel = CancelToken()

    def cancel_once_provisioning() -> None:
        deadline = time.monotonic() + 60
        while not os.path.exists(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        cancel.cancel()

    watcher = threading.Thread(target=cancel_once_provisioning, daemon=True)
    watcher.start()
    try:
        outcome = ebs(inline=[f"touch {marker}", "sleep 30"], cancel=cancel)
    finally:
        watcher.join(70)
        if os.path.exists(marker):
            os.remove(marker)

    assert outcome.state.cancel.cancelled
    assert "Terminating the source AWS instance..." in outcome.output
    assert moto.leftovers() == {}
    assert outcome.ledger.entries("build-1") == []


def test_a_failure_after_the_amis_exist_deregisters_them_in_every_region_with_their_snapshots(ebs, moto):
    # moto has no EnableImageDeprecation: the step after CreateImage and CopyImage fails
    outcome = ebs(inline=["true"], ami_regions=["us-west-2"], deprecate_at="2040-01-01T00:00:00Z", max_retries=1)

    assert not outcome.ok
    assert "Enabling deprecation on AMI" in outcome.output
    assert "Deregistering the AMI and deleting associated snapshots because of cancellation, or error..." \
        in outcome.output
    assert moto.leftovers(["us-east-1", "us-west-2"]) == {}
    assert outcome.ledger.entries("build-1") == []


def test_force_deregister_replaces_an_ami_of_the_same_name_and_deletes_its_snapshots(ebs, moto):
    first = ebs(inline=["true"], ami_name="fixed-name")
    old_image = first.artifact().amis["us-east-1"]
    old_snapshots = first.artifact().state["snapshots"]["us-east-1"]

    second = ebs(inline=["true"], ami_name="fixed-name", force_deregister=True, force_delete_snapshot=True)

    assert second.ok, second.output
    assert "Force Deregister flag found, skipping prevalidating AMI Name" in second.output
    assert f"Deregistered AMI fixed-name, id: {old_image}" in second.output
    assert f"Deleted snapshot: {old_snapshots[0]}" in second.output
    left = moto.leftovers()
    assert left["images"] == [second.artifact().amis["us-east-1"]]
    assert old_snapshots[0] not in left["snapshots"]


def test_the_ami_is_copied_to_ami_regions_and_every_copy_is_tagged_and_shared(ebs, moto):
    outcome = ebs(inline=["true"], ami_regions=["us-west-2", "us-east-1"], tags={"Role": "web"},
                  ami_users=["210987654321"], ami_description="from {{ .SourceAMI }}")

    assert outcome.ok, outcome.output
    amis = outcome.artifact().amis
    assert sorted(amis) == ["us-east-1", "us-west-2"]
    assert outcome.artifact().id == f"us-east-1:{amis['us-east-1']},us-west-2:{amis['us-west-2']}"
    for region, image_id in amis.items():
        ec2 = moto.client("ec2", region)
        image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
        assert _tags(image)["Role"] == "web" and TAG_TEMPORARY not in _tags(image)
        permissions = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
        assert {"UserId": "210987654321"} in permissions["LaunchPermissions"]
    assert "Copying to: us-west-2" in outcome.output
    assert "Modifying: description" in outcome.output  # moto keeps no description; the call is made
    assert outcome.state.cleanup_failures == []


def test_encrypt_boot_copies_the_intermediary_ami_and_deletes_it(ebs, moto):
    outcome = ebs(inline=["true"], encrypt_boot=True, ami_name="encrypted-one")

    assert outcome.ok, outcome.output
    image_id = outcome.artifact().amis["us-east-1"]
    images = moto.client("ec2").describe_images(Owners=["self"])["Images"]
    assert [(i["ImageId"], i["Name"]) for i in images] == [(image_id, "encrypted-one")]
    assert "Deregistering the AMI and deleting unencrypted temporary AMIs and snapshots" in outcome.output


def test_a_spot_instance_is_launched_from_a_launch_template_and_cleaned_up(ebs, moto):
    outcome = ebs(inline=["true"], spot_price="0.05", instance_type=None, spot_instance_types=["t2.micro"],
                  spot_tags={"Kind": "spot"})

    assert outcome.ok, outcome.output
    assert "Launching a spot AWS instance..." in outcome.output
    assert "Created Spot Fleet launch template: lt-" in outcome.output
    assert moto.client("ec2").describe_launch_templates()["LaunchTemplates"] == []
    left = moto.leftovers()
    assert sorted(left) == ["images", "snapshots"]


def test_every_kind_of_temporary_resource_is_created_tagged_recorded_and_removed(ebs, moto):
    outcome = ebs(
        inline=["true"], temporary_key_pair_type="ed25519",
        temporary_iam_instance_profile_policy_document={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]},
        launch_block_device_mappings=[{"device_name": "/dev/sdb", "volume_size": 2, "delete_on_termination": False}])

    assert outcome.ok, outcome.output
    kinds = {entry.kind for entry in outcome.ledger.entries("build-1", include_deleted=True)}
    assert {"key-pair", "security-group", "iam-instance-profile", "iam-role", "instance", "volume", "ami",
            "snapshot"} <= kinds
    assert outcome.ledger.entries("build-1") == []
    assert "Creating temporary instance profile for this instance: packer-" in outcome.output
    assert "Destroying volume (vol-" in outcome.output
    assert sorted(moto.leftovers()) == ["images", "snapshots"]
    assert outcome.state.cleanup_failures == []


def test_skip_create_ami_makes_no_artifact_leaves_nothing_and_masks_secrets(ebs, moto):
    outcome = ebs(inline=["echo testing-secret-key"], skip_create_ami=True, secret_key="testing-secret-key")

    assert outcome.ok, outcome.output
    assert outcome.artifact() is None
    assert "Skipping AMI creation..." in outcome.output
    assert "testing-secret-key" not in outcome.output
    assert moto.leftovers() == {}
