"""The communicator arguments that builders embed: ``communicator``, ``ssh_*`` and ``winrm_*``.

These are the arguments of packer-plugin-sdk's ``communicator.Config`` (SDK
v0.6.10). Builders merge :data:`SCHEMA` into their own; a builder that adds
communicator options of its own (amazon's ``ssh_interface``) declares them itself.

Cross-field rules (checked by the communicator's prepare step, not by the schema):

* ``communicator`` is one of ``ssh``, ``winrm``, ``docker``,
  ``dockerWindowsContainer``, ``none``; each builder picks the default.
* with ``communicator = "ssh"``, ``ssh_username`` is required.
* with ``communicator = "winrm"``, ``winrm_username`` is required.
* ``ssh_certificate_file`` needs ``ssh_private_key_file``;
  ``ssh_bastion_certificate_file`` needs ``ssh_bastion_private_key_file``.
* ``ssh_bastion_host`` and ``ssh_proxy_host`` exclude each other.
* ``ssh_file_transfer_method`` is ``scp`` or ``sftp``;
  ``temporary_key_pair_type`` is ``rsa``, ``dsa``, ``ecdsa`` or ``ed25519``.
"""

from __future__ import annotations

from builds.engine.schema import Attribute, Schema, attrs

SSH_SCHEMA = Schema(
    attrs(
        ssh_host="string",
        ssh_port="number",
        ssh_username="string",
        ssh_password=Attribute("string", sensitive=True),
        ssh_keypair_name="string",
        temporary_key_pair_name="string",
        temporary_key_pair_type="string",
        temporary_key_pair_bits="number",
        ssh_ciphers="list(string)",
        ssh_clear_authorized_keys="bool",
        ssh_key_exchange_algorithms="list(string)",
        ssh_private_key_file="string",
        ssh_certificate_file="string",
        ssh_pty="bool",
        ssh_timeout="string",
        ssh_wait_timeout=Attribute(
            "string", deprecated="ssh_wait_timeout is an old name for ssh_timeout; use ssh_timeout"
        ),
        ssh_agent_auth="bool",
        ssh_disable_agent_forwarding="bool",
        ssh_handshake_attempts="number",
        ssh_bastion_host="string",
        ssh_bastion_port="number",
        ssh_bastion_agent_auth="bool",
        ssh_bastion_username="string",
        ssh_bastion_password=Attribute("string", sensitive=True),
        ssh_bastion_interactive="bool",
        ssh_bastion_private_key_file="string",
        ssh_bastion_certificate_file="string",
        ssh_file_transfer_method="string",
        ssh_proxy_host="string",
        ssh_proxy_port="number",
        ssh_proxy_username="string",
        ssh_proxy_password=Attribute("string", sensitive=True),
        ssh_keep_alive_interval="string",
        ssh_read_write_timeout="string",
        ssh_remote_tunnels="list(string)",
        ssh_local_tunnels="list(string)",
        # Key material as bytes; builders fill these in, templates rarely do.
        ssh_public_key=Attribute("list(number)", description="public key bytes (set by builders)"),
        ssh_private_key=Attribute(
            "list(number)", sensitive=True, description="private key bytes (set by builders)"
        ),
    )
)

WINRM_SCHEMA = Schema(
    attrs(
        winrm_username="string",
        winrm_password=Attribute("string", sensitive=True),
        winrm_host="string",
        winrm_no_proxy="bool",
        winrm_port="number",
        winrm_timeout="string",
        winrm_use_ssl="bool",
        winrm_insecure="bool",
        winrm_use_ntlm="bool",
    )
)

SCHEMA = Schema(
    attrs(
        communicator="string",
        pause_before_connecting="string",
    )
).merged(SSH_SCHEMA, WINRM_SCHEMA)
