"""The HCL arguments of the ``docker-import`` post-processor (github.com/hashicorp/docker v1.1.4)."""

from __future__ import annotations

from builds.engine.schema import Schema, attrs

SCHEMA = Schema(
    attrs(
        repository="string",
        tag="string",
        changes="list(string)",
        platform="string",
        docker_path="string",
    )
)
