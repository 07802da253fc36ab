"""The amazon-ebs builder end to end against the moto server and the test sshd."""

from __future__ import annotations

import os
import time
import uuid

from builds.engine.ledger import TAG_BUILD_ID, TAG_TEMPORARY


def _tags(resource: dict) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def test_seed_example_builds_a_tagged_ami_with_a_temporary_key_pair_and_leaves_nothing_behind(ebs, moto,
                                                                                             sshd_with_moto_keys):
    marker = os.path.join(sshd_with_moto_keys.home, f"provisioned-{uuid.uuid4().hex[:8]}")
    started = time.monotonic()
    outcome = ebs(inline=["echo installing the service", f"touch {marker}", "whoami"],
                  tags={"Name": "web {{ .SourceAMIName }}", "Base": "{{ .SourceAMI }}",
                        "Region": "{{ .BuildRegion }}"})
    took = time.monotonic() - started

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
    assert "imagehub-test" in outcome.sink.texts("stdout") or "imagehub-test" in outcome.output
    assert os.path.exists(marker)
    os.remove(marker)
    assert moto.leftovers() == {"images": [image_id], "snapshots": artifact.state["snapshots"][region]}
    assert outcome.state.cleanup_failures == []
    assert took < 10
