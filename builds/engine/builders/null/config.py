"""The HCL arguments of the ``null`` builder (Packer core v1.16.0).

The builder has no arguments of its own: it is the communicator configuration.

Cross-field rules (checked by prepare, not by the schema), unless
``communicator = "none"``:

* ``ssh_host`` (or ``winrm_host``) is required: "a Host must be specified".
* ``ssh_username`` (or ``winrm_username``) is required.
* for SSH exactly one of ``ssh_password``, ``ssh_private_key_file`` and
  ``ssh_agent_auth`` must be given.
"""

from __future__ import annotations

from builds.engine.communicators.config import SCHEMA as COMMUNICATOR_SCHEMA

SCHEMA = COMMUNICATOR_SCHEMA
