"""The HCL arguments of ``shell-local``, as provisioner and as post-processor (SDK v0.6.10).

Both plugins decode packer-plugin-sdk's ``shell-local`` config, so
:mod:`builds.engine.post_processors.shell_local.config` reuses this schema.

Cross-field rules (checked by prepare, not by the schema): one of ``command``,
``inline``, ``script`` and ``scripts`` is required and they exclude each other;
``only_on`` names Go operating systems (``linux``, ``darwin``, ``windows``...);
every ``environment_vars`` entry has the form ``KEY=value``.
"""

from __future__ import annotations

from builds.engine.schema import Attribute, Schema, attrs

SCHEMA = Schema(
    attrs(
        command=Attribute("string", deprecated="command is deprecated; use inline"),
        inline="list(string)",
        script="string",
        scripts="list(string)",
        valid_exit_codes="list(number)",
        environment_vars="list(string)",
        env="map(string)",
        env_var_format="string",
        execute_command="list(string)",
        inline_shebang="string",
        only_on="list(string)",
        tempfile_extension="string",
        use_linux_pathing="bool",
    )
)
