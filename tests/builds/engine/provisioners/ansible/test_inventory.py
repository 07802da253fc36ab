"""Tests of the ansible provisioner's files: inventory layout and owner-only temporary files."""

import json
import os
import stat

import pytest

from builds.engine.provisioners.ansible.inventory import (
    inventory_text,
    write_inventory,
    write_password_vars,
    write_private_file,
)


def test_the_host_line_is_repeated_under_each_group_and_empty_groups_get_a_header():
    assert inventory_text("h ansible_host=1\n", ["a", "b"], ["c"]) == \
        "h ansible_host=1\n[a]\nh ansible_host=1\n[b]\nh ansible_host=1\n[c]\n"


def test_private_files_are_readable_by_their_owner_only(tmp_path):
    path = write_private_file("secret", "ansible-key", str(tmp_path))
    assert os.path.basename(path).startswith("ansible-key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path) as handle:
        assert handle.read() == "secret"


def test_the_inventory_goes_to_the_given_directory(tmp_path):
    path = write_inventory("x\n", str(tmp_path))
    assert os.path.dirname(path) == str(tmp_path)
    assert os.path.basename(path).startswith("packer-provisioner-ansible")


def test_a_password_is_written_as_json_vars_whatever_it_contains():
    path = write_password_vars('p"a\'s $s\n')
    try:
        with open(path) as handle:
            assert json.load(handle) == {"ansible_password": 'p"a\'s $s\n'}
        assert path.endswith(".json")
    finally:
        os.unlink(path)


def test_an_unwritable_directory_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        write_inventory("x", str(tmp_path / "missing"))
