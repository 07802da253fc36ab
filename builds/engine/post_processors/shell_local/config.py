"""The HCL arguments of the ``shell-local`` post-processor: the same as the provisioner's."""

from __future__ import annotations

from builds.engine.provisioners.shell_local.config import SCHEMA

__all__ = ["SCHEMA"]
