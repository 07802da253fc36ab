"""The HCL arguments of the ``ansible`` provisioner (github.com/hashicorp/ansible v1.1.6).

Cross-field rules (checked by prepare, not by the schema): ``playbook_file``,
``galaxy_file``, ``ssh_host_key_file`` and ``ssh_authorized_key_file`` must
exist; ``ansible_proxy_key_type`` is ``RSA`` or ``ECDSA``; ``local_port`` is a
valid port; unless ``skip_version_check``, ``ansible-playbook`` must run.
"""

from __future__ import annotations

from builds.engine.schema import Attribute, Schema, attrs

SCHEMA = Schema(
    attrs(
        command="string",
        extra_arguments="list(string)",
        ansible_env_vars="list(string)",
        playbook_file=Attribute("string", required=True),
        galaxy_file="string",
        galaxy_command="string",
        galaxy_force_install="bool",
        galaxy_force_with_deps="bool",
        roles_path="string",
        collections_path="string",
        groups="list(string)",
        empty_groups="list(string)",
        host_alias="string",
        user="string",
        local_port="number",
        ssh_host_key_file="string",
        ssh_authorized_key_file="string",
        ansible_proxy_key_type="string",
        ansible_ssh_extra_args="list(string)",
        sftp_command="string",
        skip_version_check="bool",
        use_sftp="bool",
        inventory_directory="string",
        inventory_file_template="string",
        inventory_file="string",
        keep_inventory_file="bool",
        use_proxy="bool",
        ansible_winrm_use_http="bool",
    )
)
