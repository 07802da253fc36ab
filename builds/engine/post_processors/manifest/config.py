"""The HCL arguments of the ``manifest`` post-processor (Packer core v1.16.0)."""

from __future__ import annotations

from builds.engine.schema import Schema, attrs

SCHEMA = Schema(
    attrs(
        output="string",
        strip_path="bool",
        strip_time="bool",
        custom_data="map(string)",
    )
)
