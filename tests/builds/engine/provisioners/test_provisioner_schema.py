"""Tests for the provisioners' arguments: shell, file, shell-local, breakpoint, ansible."""

import pytest

from builds.engine.registry import lookup


def _names(text):
    return set(text.split())


# Each provisioner's HCL spec upstream (Packer v1.16.0, SDK v0.6.10, ansible v1.1.6).
UPSTREAM = {
    "shell": """
        binary env env_var_format environment_vars execute_command expect_disconnect inline
        inline_shebang pause_after remote_file remote_folder remote_path script scripts
        skip_clean start_retry_timeout use_env_var_file valid_exit_codes
    """,
    "file": "content destination direction generated source sources",
    "shell-local": """
        command env env_var_format environment_vars execute_command inline inline_shebang
        only_on script scripts tempfile_extension use_linux_pathing valid_exit_codes
    """,
    "breakpoint": "disable note",
    "ansible": """
        ansible_env_vars ansible_proxy_key_type ansible_ssh_extra_args ansible_winrm_use_http
        collections_path command empty_groups extra_arguments galaxy_command galaxy_file
        galaxy_force_install galaxy_force_with_deps groups host_alias inventory_directory
        inventory_file inventory_file_template keep_inventory_file local_port playbook_file
        roles_path sftp_command skip_version_check ssh_authorized_key_file ssh_host_key_file
        use_proxy use_sftp user
    """,
}


def _schema(type_name):
    return lookup("provisioner", type_name).schema


@pytest.mark.parametrize(("type_name", "names"), UPSTREAM.items())
def test_schema_declares_exactly_the_upstream_arguments(type_name, names):
    schema = _schema(type_name)
    assert set(schema.attributes) == _names(names)
    assert schema.blocks == {}


@pytest.mark.parametrize(
    ("type_name", "required"),
    [
        ("shell", set()),
        ("file", {"destination"}),
        ("shell-local", set()),
        ("breakpoint", set()),
        ("ansible", {"playbook_file"}),
    ],
)
def test_only_arguments_prepare_always_needs_are_required(type_name, required):
    schema = _schema(type_name)
    assert {n for n, a in schema.attributes.items() if a.required} == required


def test_shell_and_shell_local_differ_in_the_type_of_execute_command():
    assert _schema("shell").attributes["execute_command"].type == "string"
    assert _schema("shell-local").attributes["execute_command"].type == "list(string)"


@pytest.mark.parametrize("type_name", ["shell", "shell-local"])
def test_shell_script_arguments_have_the_upstream_types(type_name):
    attributes = _schema(type_name).attributes
    assert attributes["inline"].type == "list(string)"
    assert attributes["scripts"].type == "list(string)"
    assert attributes["valid_exit_codes"].type == "list(number)"
    assert attributes["env"].type == "map(string)"
    assert attributes["environment_vars"].type == "list(string)"


def test_shell_local_command_is_deprecated_in_favour_of_inline():
    assert "inline" in _schema("shell-local").attributes["command"].deprecated


def test_ansible_argument_types():
    attributes = _schema("ansible").attributes
    assert attributes["extra_arguments"].type == "list(string)"
    assert attributes["local_port"].type == "number"
    assert attributes["use_proxy"].type == "bool"
    assert attributes["groups"].type == "list(string)"
