"""The issue's seed example through ``imagehub build``: an AMI with tags from a temporary key pair's login, and
the vagrant box compressed by the chain, against the moto server and the test sshd."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "templates" / "seed.pkr.hcl"


def _imagehub() -> list[str]:
    script = Path(sys.executable).with_name("imagehub")
    return [str(script)] if script.exists() else [sys.executable, "-m", "builds.engine"]


def test_the_seed_example_builds_a_tagged_ami_and_a_compressed_box(moto, sshd_with_moto_keys, tmp_path):
    env = {**os.environ, "IMAGEHUB_LEDGER_DIR": str(tmp_path / "ledger"), "CHECKPOINT_DISABLE": "1"}
    run = subprocess.run(
        [*_imagehub(), "build", "-color=false", "-machine-readable", f"-var=endpoint={moto.endpoint}",
         f"-var=ssh_port={sshd_with_moto_keys.port}", f"-var=ssh_username={sshd_with_moto_keys.username}",
         str(TEMPLATE)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "Creating temporary keypair: packer_" in run.stdout
    assert "installing the web service" in run.stdout
    images = moto.client("ec2").describe_images(Owners=["self"])["Images"]
    assert len(images) == 1
    tags = {tag["Key"]: tag["Value"] for tag in images[0]["Tags"]}
    assert tags["Name"] == "web" and tags["Base"] == "ami-1e749f67"
    assert sorted(moto.leftovers()) == ["images", "snapshots"]
    archive = tmp_path / "packer_web_amazon-ebs"  # compress's default output; vagrant's box went into it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger", archive.name]
    with tarfile.open(archive, "r:gz") as outer:
        [member] = outer.getmembers()
        assert member.name.endswith(".box")
        with tarfile.open(fileobj=io.BytesIO(outer.extractfile(member).read())) as box:
            metadata = json.load(box.extractfile("metadata.json"))
            vagrantfile = box.extractfile("Vagrantfile").read().decode()
    assert metadata["provider"] == "aws"
    assert f'aws.region_config "us-east-1", ami: "{images[0]["ImageId"]}"' in vagrantfile
    ledger_files = list((tmp_path / "ledger").glob("*.jsonl"))
    assert ledger_files, "the build recorded its temporary resources"
