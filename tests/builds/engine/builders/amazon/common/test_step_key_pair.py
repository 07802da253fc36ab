"""StepKeyPair: temporary key pairs created tagged and recorded, deleted once; given keys used as they are."""

from __future__ import annotations

import os
import stat
import subprocess

from builds.engine.builders.amazon.common.step_key_pair import StepKeyPair
from builds.engine.gotemplate import TemplateContext
from builds.engine.ledger import TAG_BUILD_ID, TAG_TEMPORARY
from builds.engine.steps import Action
from tests.builds.engine.builders.amazon.conftest import output, run_settings, tag_map


def test_a_temporary_key_pair_is_created_tagged_recorded_and_deleted_once(state, moto):
    settings = run_settings(temporary_key_pair_name="packer_test", run_tags={"Owner": "{{ .SourceAMI }}"})
    step = StepKeyPair(settings, TemplateContext())

    assert step.run(state) is Action.CONTINUE

    pairs = moto.client("ec2").describe_key_pairs(KeyNames=["packer_test"])["KeyPairs"]
    tags = tag_map(pairs[0])
    assert tags["Owner"] == "ami-1e749f67" and tags[TAG_BUILD_ID] == "build-1" and tags[TAG_TEMPORARY] == "true"
    assert pairs[0]["KeyType"] == "rsa"
    assert state.key_pair_name == "packer_test"
    assert state.private_key.startswith("-----BEGIN")
    assert [(e.kind, e.id) for e in state.ledger.entries("build-1")] == [("key-pair", "packer_test")]
    assert "Creating temporary keypair: packer_test" in output(state)

    step.cleanup(state)
    step.cleanup(state)

    assert "key-pairs" not in moto.leftovers()
    assert state.ledger.entries("build-1") == []
    assert output(state).count("Deleting temporary keypair...") == 1


def test_an_ed25519_key_pair_is_created_when_asked(state, moto):
    step = StepKeyPair(run_settings(temporary_key_pair_name="packer_ed", temporary_key_pair_type="ed25519"),
                       TemplateContext())

    step.run(state)

    assert moto.client("ec2").describe_key_pairs(KeyNames=["packer_ed"])["KeyPairs"][0]["KeyType"] == "ed25519"
    step.cleanup(state)


def test_cleanup_of_a_key_pair_deleted_by_someone_else_succeeds(state, moto):
    step = StepKeyPair(run_settings(temporary_key_pair_name="packer_gone"), TemplateContext())
    step.run(state)
    moto.client("ec2").delete_key_pair(KeyName="packer_gone")

    step.cleanup(state)

    assert state.ledger.entries("build-1") == []


def test_a_given_private_key_file_creates_no_key_pair(state, moto, tmp_path):
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    step = StepKeyPair(run_settings(ssh_private_key_file=str(key), ssh_keypair_name="mine"), TemplateContext())

    step.run(state)
    step.cleanup(state)

    assert "Using existing SSH private key" in output(state)
    assert state.key_pair_name == "mine"
    assert "key-pairs" not in moto.leftovers()


def test_a_password_login_uses_no_key_pair(state, moto):
    step = StepKeyPair(run_settings(ssh_password="secret"), TemplateContext())

    step.run(state)

    assert "Not using temporary keypair" in output(state)
    assert state.key_pair_name == ""


def test_debug_saves_the_private_key_readable_only_by_its_owner_and_removes_it(state, tmp_path):
    path = tmp_path / "ec2_amazon-ebs.test.pem"
    step = StepKeyPair(run_settings(temporary_key_pair_name="packer_debug"), TemplateContext(), debug=True,
                       debug_key_path=str(path))

    step.run(state)

    assert path.read_text() == state.private_key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    step.cleanup(state)
    assert not path.exists()
