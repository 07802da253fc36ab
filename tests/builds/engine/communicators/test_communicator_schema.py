"""Tests for the communicator arguments builders embed."""

import pytest

from builds.engine.communicators.config import SCHEMA, SSH_SCHEMA, WINRM_SCHEMA
from builds.engine.registry import lookup


def _names(text):
    return set(text.split())


# packer-plugin-sdk v0.6.10 communicator.Config, as its HCL spec lists it.
UPSTREAM_NAMES = _names(
    """
    communicator pause_before_connecting ssh_agent_auth ssh_bastion_agent_auth
    ssh_bastion_certificate_file ssh_bastion_host ssh_bastion_interactive ssh_bastion_password
    ssh_bastion_port ssh_bastion_private_key_file ssh_bastion_username ssh_certificate_file
    ssh_ciphers ssh_clear_authorized_keys ssh_disable_agent_forwarding ssh_file_transfer_method
    ssh_handshake_attempts ssh_host ssh_keep_alive_interval ssh_key_exchange_algorithms
    ssh_keypair_name ssh_local_tunnels ssh_password ssh_port ssh_private_key
    ssh_private_key_file ssh_proxy_host ssh_proxy_password ssh_proxy_port ssh_proxy_username
    ssh_pty ssh_public_key ssh_read_write_timeout ssh_remote_tunnels ssh_timeout ssh_username
    ssh_wait_timeout temporary_key_pair_bits temporary_key_pair_name temporary_key_pair_type
    winrm_host winrm_insecure winrm_no_proxy winrm_password winrm_port winrm_timeout
    winrm_use_ntlm winrm_use_ssl winrm_username
    """
)


def test_schema_declares_exactly_the_sdk_communicator_arguments():
    assert set(SCHEMA.attributes) == UPSTREAM_NAMES
    assert SCHEMA.blocks == {}


def test_ssh_and_winrm_groups_split_the_arguments_by_prefix():
    assert set(SSH_SCHEMA.attributes) == {
        n for n in UPSTREAM_NAMES if n.startswith(("ssh_", "temporary_key_pair_"))
    }
    assert set(WINRM_SCHEMA.attributes) == {n for n in UPSTREAM_NAMES if n.startswith("winrm_")}


@pytest.mark.parametrize(
    ("name", "type_"),
    [
        ("communicator", "string"),
        ("pause_before_connecting", "string"),
        ("ssh_port", "number"),
        ("ssh_timeout", "string"),
        ("ssh_pty", "bool"),
        ("ssh_ciphers", "list(string)"),
        ("ssh_remote_tunnels", "list(string)"),
        ("ssh_private_key", "list(number)"),
        ("temporary_key_pair_bits", "number"),
        ("winrm_port", "number"),
        ("winrm_use_ssl", "bool"),
    ],
)
def test_arguments_have_the_sdk_types(name, type_):
    assert SCHEMA.attributes[name].type == type_


def test_passwords_and_private_keys_are_sensitive():
    sensitive = {name for name, a in SCHEMA.attributes.items() if a.sensitive}
    assert sensitive == {
        "ssh_password",
        "ssh_bastion_password",
        "ssh_proxy_password",
        "ssh_private_key",
        "winrm_password",
    }


def test_no_communicator_argument_is_required_by_itself():
    assert not any(a.required for a in SCHEMA.attributes.values())


def test_ssh_wait_timeout_warns_that_it_is_the_old_name_of_ssh_timeout():
    assert "ssh_timeout" in SCHEMA.attributes["ssh_wait_timeout"].deprecated
    assert not SCHEMA.attributes["ssh_timeout"].deprecated


@pytest.mark.parametrize("builder", ["null", "docker", "amazon-ebs"])
def test_builders_with_a_communicator_embed_every_communicator_argument(builder):
    attributes = lookup("builder", builder).schema.attributes
    for name, attribute in SCHEMA.attributes.items():
        assert attributes[name] == attribute, name


def test_the_file_builder_has_no_communicator():
    assert "communicator" not in lookup("builder", "file").schema.attributes
