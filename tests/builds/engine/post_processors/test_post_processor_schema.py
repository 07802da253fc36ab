"""Tests for the post-processors' arguments."""

import pytest

from builds.engine.registry import lookup


def _names(text):
    return set(text.split())


# Each post-processor's HCL spec upstream, minus what the template language takes.
UPSTREAM = {
    "manifest": "custom_data output strip_path strip_time",
    "checksum": "checksum_types output",
    "compress": "algorithm archive compression_level format output",
    "artifice": "files",
    "docker-tag": "docker_path force repository tag tags",
    "docker-save": "docker_path path",
    "docker-import": "changes docker_path platform repository tag",
    "vagrant": """
        architecture compression_level include output override provider_override
        vagrantfile_template vagrantfile_template_generated
    """,
}


def _schema(type_name):
    return lookup("post-processor", type_name).schema


@pytest.mark.parametrize(("type_name", "names"), UPSTREAM.items())
def test_schema_declares_exactly_the_upstream_arguments(type_name, names):
    schema = _schema(type_name)
    assert set(schema.attributes) == _names(names)
    assert schema.blocks == {}


def test_shell_local_post_processor_takes_the_shell_local_arguments():
    assert _schema("shell-local") is lookup("provisioner", "shell-local").schema


def test_artifice_requires_its_files_and_leaves_keep_input_artifact_to_the_language():
    schema = _schema("artifice")
    assert schema.attributes["files"].required
    assert schema.attributes["files"].type == "list(string)"
    assert "keep_input_artifact" not in schema.attributes


@pytest.mark.parametrize("type_name", sorted(set(UPSTREAM) - {"artifice"}))
def test_other_post_processors_require_nothing(type_name):
    assert not any(a.required for a in _schema(type_name).attributes.values())


@pytest.mark.parametrize(
    ("type_name", "name", "type_"),
    [
        ("manifest", "custom_data", "map(string)"),
        ("manifest", "strip_path", "bool"),
        ("checksum", "checksum_types", "list(string)"),
        ("compress", "compression_level", "number"),
        ("docker-tag", "tags", "list(string)"),
        ("docker-tag", "tag", "list(string)"),
        ("docker-import", "tag", "string"),
        ("docker-import", "changes", "list(string)"),
        ("vagrant", "override", "map(string)"),
        ("vagrant", "include", "list(string)"),
    ],
)
def test_arguments_have_the_upstream_types(type_name, name, type_):
    assert _schema(type_name).attributes[name].type == type_


@pytest.mark.parametrize(
    ("type_name", "name", "hint"),
    [
        ("docker-tag", "tag", "tags"),
        ("compress", "archive", "extension of output"),
        ("compress", "algorithm", "extension of output"),
    ],
)
def test_superseded_arguments_warn(type_name, name, hint):
    assert hint in _schema(type_name).attributes[name].deprecated
