"""The HCL arguments of the ``docker`` builder (github.com/hashicorp/docker v1.1.4).

Cross-field rules (checked by prepare, not by the schema):

* exactly one of ``commit``, ``discard`` and ``export_path`` must be set;
* one of ``image`` and a ``build { }`` block is required, and they exclude each other;
* ``ecr_login`` needs ``login_server``;
* ``communicator`` defaults to ``docker`` (``dockerWindowsContainer`` with
  ``windows_container``).
"""

from __future__ import annotations

from builds.engine.communicators.config import SCHEMA as COMMUNICATOR_SCHEMA
from builds.engine.schema import Attribute, Block, Schema, attrs

# ``build { }``: bootstrap the image with ``docker build`` instead of pulling ``image``.
DOCKERFILE_BUILD_SCHEMA = Schema(
    attrs(
        path=Attribute("string", required=True, description="the Dockerfile to build"),
        build_dir="string",
        arguments="map(string)",
        pull="bool",
        compress="bool",
    )
)

# The ECR credentials used with ``ecr_login``.
AWS_ACCESS_SCHEMA = Schema(
    attrs(
        aws_access_key=Attribute("string", sensitive=True),
        aws_secret_key=Attribute("string", sensitive=True),
        aws_token=Attribute("string", sensitive=True),
        aws_profile="string",
        aws_force_use_public_ecr="bool",
    )
)

DOCKER_SCHEMA = Schema(
    attrs(
        author="string",
        changes="list(string)",
        commit="bool",
        container_dir="string",
        device="list(string)",
        cap_add="list(string)",
        cap_drop="list(string)",
        discard="bool",
        exec_user="string",
        export_path="string",
        image="string",
        message="string",
        platform="string",
        privileged="bool",
        pty="bool",
        pull="bool",
        run_command="list(string)",
        runtime="string",
        tmpfs="list(string)",
        volumes="map(string)",
        fix_upload_owner="bool",
        windows_container="bool",
        docker_path="string",
        login="bool",
        login_password=Attribute("string", sensitive=True),
        login_server="string",
        login_username="string",
        ecr_login="bool",
    ),
    {"build": Block(DOCKERFILE_BUILD_SCHEMA)},
)

SCHEMA = DOCKER_SCHEMA.merged(AWS_ACCESS_SCHEMA, COMMUNICATOR_SCHEMA)
