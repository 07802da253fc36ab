"""The HCL arguments of the ``amazon-parameterstore`` data source (github.com/hashicorp/amazon v1.8.2)."""

from __future__ import annotations

from builds.engine.builders.amazon.schema import ACCESS_SCHEMA
from builds.engine.schema import Attribute, Schema, attrs

SCHEMA = ACCESS_SCHEMA.merged(
    Schema(
        attrs(
            name=Attribute("string", required=True),
            with_decryption="bool",
        )
    )
)
