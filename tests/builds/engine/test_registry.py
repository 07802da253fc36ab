"""Tests for the plugin registry: lookups, upstream versions and lazy schema loading."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from builds.engine import registry
from builds.engine.hcl.types import parse_type_string
from builds.engine.registry import PluginSpec, lookup, plugin_sources, plugins, type_names
from builds.engine.schema import Schema

REPO_ROOT = Path(__file__).resolve().parents[3]

EXPECTED_TYPES = {
    "builder": ["null", "file", "docker", "amazon-ebs"],
    "provisioner": ["shell", "file", "shell-local", "breakpoint", "ansible"],
    "post-processor": [
        "manifest",
        "checksum",
        "compress",
        "shell-local",
        "artifice",
        "docker-tag",
        "docker-save",
        "docker-import",
        "vagrant",
    ],
    "data": ["amazon-ami", "amazon-parameterstore", "imagehub-image", "null", "http"],
}


def test_lookup_returns_the_spec_of_a_registered_type():
    spec = lookup("builder", "amazon-ebs")
    assert isinstance(spec, PluginSpec)
    assert spec.kind == "builder"
    assert spec.type_name == "amazon-ebs"
    assert spec.plugin_source == "github.com/hashicorp/amazon"
    assert spec.plugin_version == "1.8.2"
    assert isinstance(spec.schema, Schema)
    assert "ami_name" in spec.schema.attributes


def test_lookup_of_a_type_built_into_packer_has_no_source_and_the_core_version():
    spec = lookup("provisioner", "shell")
    assert spec.plugin_source is None
    assert spec.plugin_version == registry.PACKER_CORE_VERSION == "1.16.0"


def test_lookup_returns_none_for_types_imagehub_does_not_know():
    assert lookup("builder", "azure-arm") is None
    assert lookup("builder", "qemu") is None
    assert lookup("provisioner", "powershell") is None
    assert lookup("post-processor", "docker-push") is None
    assert lookup("data", "amazon-secretsmanager") is None


def test_lookup_keys_by_kind_as_well_as_type_name():
    assert lookup("builder", "file").schema is not lookup("provisioner", "file").schema
    assert "target" in lookup("builder", "file").schema.attributes
    assert "destination" in lookup("provisioner", "file").schema.attributes
    assert lookup("builder", "shell") is None
    assert lookup("data", "amazon-ebs") is None


def test_lookup_with_an_unknown_kind_is_a_programmer_error():
    with pytest.raises(ValueError, match="unknown plugin kind 'source'"):
        lookup("source", "amazon-ebs")
    with pytest.raises(ValueError, match="unknown plugin kind"):
        plugins("builders")


def test_lookup_returns_the_same_spec_each_time():
    assert lookup("builder", "docker") is lookup("builder", "docker")


def test_plugins_lists_every_registered_type_in_registry_order():
    assert {kind: [p.type_name for p in plugins(kind)] for kind in registry.KINDS} == EXPECTED_TYPES
    assert [(p.kind, p.type_name) for p in plugins()] == [
        (kind, name) for kind, names in EXPECTED_TYPES.items() for name in names
    ]


def test_type_names_matches_plugins():
    for kind in registry.KINDS:
        assert type_names(kind) == [p.type_name for p in plugins(kind)]


def test_implemented_plugins_have_a_loadable_class_of_their_type():
    from builds.engine.registry import IMPLEMENTATIONS, implementation

    assert IMPLEMENTATIONS, "some plugins are implemented"
    for spec in plugins():
        cls = implementation(spec.kind, spec.type_name)
        assert spec.implemented == (cls is not None)
        if cls is not None:
            assert cls.type_name == spec.type_name


def test_plugin_sources_lists_each_upstream_plugin_once_with_its_release():
    assert plugin_sources() == {
        "github.com/hashicorp/amazon": "1.8.2",
        "github.com/hashicorp/ansible": "1.1.6",
        "github.com/hashicorp/docker": "1.1.4",
        "github.com/hashicorp/vagrant": "1.1.7",
    }
    used = {p.plugin_source for p in plugins()} - {None}
    assert used == set(plugin_sources())


def test_plugin_sources_returns_a_copy():
    plugin_sources()["github.com/x/y"] = "1.0.0"
    assert "github.com/x/y" not in plugin_sources()


def test_plugins_of_one_upstream_plugin_share_its_version():
    for spec in plugins():
        if spec.plugin_source is not None:
            assert spec.plugin_version == plugin_sources()[spec.plugin_source]


def test_shell_local_provisioner_and_post_processor_share_one_schema():
    assert (
        lookup("provisioner", "shell-local").schema
        is lookup("post-processor", "shell-local").schema
    )


def _walk(schema, path=""):
    yield path, schema
    for name, block in schema.blocks.items():
        yield from _walk(block.schema, f"{path}{name}.")


@pytest.mark.parametrize("spec", plugins(), ids=lambda s: f"{s.kind}:{s.type_name}")
def test_every_declared_type_is_a_valid_hcl_type_constraint(spec):
    invalid = []
    for path, schema in _walk(spec.schema):
        for name, attribute in schema.attributes.items():
            try:
                parse_type_string(attribute.type)
            except ValueError:
                invalid.append(f"{path}{name}: {attribute.type}")
    assert invalid == []


@pytest.mark.parametrize("spec", plugins(), ids=lambda s: f"{s.kind}:{s.type_name}")
def test_no_name_is_both_an_argument_and_a_block(spec):
    for path, schema in _walk(spec.schema):
        assert not set(schema.attributes) & set(schema.blocks), path
        assert not schema.open, path


@pytest.mark.parametrize("spec", plugins(), ids=lambda s: f"{s.kind}:{s.type_name}")
def test_language_level_arguments_are_left_to_the_template_language(spec):
    language_level = {
        "builder": set(),
        "data": set(),
        "provisioner": {"only", "except", "pause_before", "max_retries", "timeout", "override"},
        "post-processor": {"only", "except", "keep_input_artifact"},
    }[spec.kind] | {"packer_build_name", "packer_force", "packer_user_variables"}
    assert not language_level & (set(spec.schema.attributes) | set(spec.schema.blocks))


@pytest.mark.parametrize("spec", plugins(), ids=lambda s: f"{s.kind}:{s.type_name}")
def test_arguments_holding_secrets_are_sensitive(spec):
    def holds_secret(name):
        words = name.split("_")
        if words[-1] in ("file", "timeout"):
            return False
        return bool({"password", "secret", "token"} & set(words)) or name.endswith(
            ("private_key", "access_key", "mfa_code")
        )

    for path, schema in _walk(spec.schema):
        for name, attribute in schema.attributes.items():
            assert attribute.sensitive == holds_secret(name), f"{path}{name}"


def test_importing_the_registry_imports_no_schema_module():
    code = (
        "import json, sys\n"
        "import builds.engine.registry as r\n"
        "r.plugin_sources(); r.type_names('builder')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('builds.'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout))
    assert loaded == {"builds.engine", "builds.engine.registry", "builds.engine.schema"}


def test_lookup_imports_only_the_schema_modules_it_needs():
    code = (
        "import json, sys\n"
        "import builds.engine.registry as r\n"
        "r.lookup('provisioner', 'shell')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('builds.engine.'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout))
    assert "builds.engine.provisioners.shell.config" in loaded
    assert not any(".builders." in m or ".post_processors." in m for m in loaded)
