"""The HCL arguments of the ``shell`` provisioner (Packer core v1.16.0).

Cross-field rules (checked by prepare, not by the schema): exactly one of
``inline``, ``script`` and ``scripts``; every ``environment_vars`` entry has the
form ``KEY=value``; every script file exists.
"""

from __future__ import annotations

from builds.engine.schema import Schema, attrs

SCHEMA = Schema(
    attrs(
        inline="list(string)",
        script="string",
        scripts="list(string)",
        valid_exit_codes="list(number)",
        environment_vars="list(string)",
        env="map(string)",
        env_var_format="string",
        use_env_var_file="bool",
        inline_shebang="string",
        execute_command="string",
        remote_folder="string",
        remote_file="string",
        remote_path="string",
        binary="bool",
        expect_disconnect="bool",
        start_retry_timeout="string",
        pause_after="string",
        skip_clean="bool",
    )
)
