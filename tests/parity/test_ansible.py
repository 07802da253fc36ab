"""Parity of the ansible provisioner: a playbook run against the target over SSH, with Packer's variables."""

from __future__ import annotations

import pytest

from tests.parity.conftest import tree

TEMPLATE = "ansible"


@pytest.fixture(scope="module")
def runs(parity):
    return parity.run_tools(TEMPLATE, out_dir=False)


def test_playbook_creates_files_with_modes_as_the_ssh_user_with_packers_variables(runs):
    run = runs["imagehub"]
    assert run.returncode == 0, run.describe()
    assert tree(run.remote_dir) == {
        "app": ("dir", 0o750, None),
        "app/motd": ("file", 0o604, b"built by ansible\n"),
        # user, inventory host alias, packer_build_name, packer_builder_type, an ansible_env_vars entry
        "app/facts": ("file", 0o644, b"imagehub-test default target null from the controller\n"),
    }
    assert "default                    : ok=3    changed=3    unreachable=0    failed=0" in run.stdout


@pytest.mark.packer
def test_packer_runs_the_playbook_to_the_same_effect(packer, runs):
    ours, theirs = runs["imagehub"], runs["packer"]
    assert (ours.returncode, theirs.returncode) == (0, 0), theirs.describe()
    assert tree(ours.remote_dir) == tree(theirs.remote_dir)
