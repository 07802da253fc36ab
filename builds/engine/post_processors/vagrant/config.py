"""The HCL arguments of the ``vagrant`` post-processor (github.com/hashicorp/vagrant v1.1.7).

``override`` is declared exactly as the plugin declares it, a map of strings;
nested per-provider objects do not convert to it in HCL templates either.
Rule checked by prepare: ``provider_override`` names a provider the
post-processor supports.
"""

from __future__ import annotations

from builds.engine.schema import Schema, attrs

SCHEMA = Schema(
    attrs(
        compression_level="number",
        include="list(string)",
        output="string",
        override="map(string)",
        vagrantfile_template="string",
        vagrantfile_template_generated="bool",
        provider_override="string",
        architecture="string",
    )
)
