"""The HCL arguments of the ``breakpoint`` provisioner (Packer core v1.16.0)."""

from __future__ import annotations

from builds.engine.schema import Schema, attrs

SCHEMA = Schema(attrs(disable="bool", note="string"))
