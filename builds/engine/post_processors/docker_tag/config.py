"""The HCL arguments of the ``docker-tag`` post-processor (github.com/hashicorp/docker v1.1.4)."""

from __future__ import annotations

from builds.engine.schema import Attribute, Schema, attrs

SCHEMA = Schema(
    attrs(
        repository="string",
        tags="list(string)",
        tag=Attribute("list(string)", deprecated="tag is replaced by tags"),
        force="bool",
        docker_path="string",
    )
)
