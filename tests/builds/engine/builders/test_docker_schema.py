"""Tests for the docker builder's arguments (github.com/hashicorp/docker v1.1.4)."""

from builds.engine.builders.docker.config import SCHEMA
from builds.engine.communicators.config import SCHEMA as COMMUNICATOR_SCHEMA


def _names(text):
    return set(text.split())


# The builder's HCL spec in the plugin's v1.1.4 release, minus the communicator arguments.
UPSTREAM_ARGUMENTS = _names(
    """
    author aws_access_key aws_force_use_public_ecr aws_profile aws_secret_key aws_token
    cap_add cap_drop changes commit container_dir device discard docker_path ecr_login exec_user
    export_path fix_upload_owner image login login_password login_server login_username message
    platform privileged pty pull run_command runtime tmpfs volumes windows_container
    """
)


def test_schema_declares_exactly_the_upstream_arguments_and_the_communicator():
    assert set(SCHEMA.attributes) == UPSTREAM_ARGUMENTS | set(COMMUNICATOR_SCHEMA.attributes)
    assert set(SCHEMA.blocks) == {"build"}


def test_the_build_block_needs_the_dockerfile_path():
    build = SCHEMA.blocks["build"]
    assert not build.repeated and not build.required
    assert set(build.schema.attributes) == {"path", "build_dir", "arguments", "pull", "compress"}
    assert build.schema.attributes["path"].required
    assert build.schema.attributes["arguments"].type == "map(string)"


def test_commit_discard_export_path_and_image_are_a_cross_field_choice_not_required():
    for name in ("commit", "discard", "export_path", "image", "message"):
        assert not SCHEMA.attributes[name].required, name


def test_docker_arguments_have_the_upstream_types():
    types = {name: SCHEMA.attributes[name].type for name in ("changes", "run_command", "volumes")}
    assert types == {
        "changes": "list(string)",
        "run_command": "list(string)",
        "volumes": "map(string)",
    }
    assert SCHEMA.attributes["commit"].type == "bool"


def test_registry_credentials_are_sensitive():
    for name in ("login_password", "aws_access_key", "aws_secret_key", "aws_token"):
        assert SCHEMA.attributes[name].sensitive, name
    assert not SCHEMA.attributes["login_username"].sensitive
