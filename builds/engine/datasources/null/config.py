"""The HCL arguments of Packer's own ``null`` data source: ``input``, returned as ``output``."""

from __future__ import annotations

from builds.engine.schema import Attribute, Schema, attrs

# Packer checks `input` itself (prepare), rather than as a required argument of the block.
SCHEMA = Schema(attrs(input=Attribute("string", description="returned as the output `output`")))
