"""The plugin registry: every Packer plugin type ImageHub knows, with its schema and version.

Plugins are keyed by kind and Packer type name: ``("builder", "amazon-ebs")``,
``("provisioner", "shell")``, ``("post-processor", "manifest")``,
``("data", "amazon-ami")``. A type that is not registered (``azure-arm``,
``qemu``...) is one ImageHub does not know; templates may still name it.

Each entry records the plugin that defines the type upstream (its source
address, or ``None`` for types built into Packer itself), the upstream release
whose arguments the schema reproduces, and whether ``imagehub build`` can run
it yet. Schemas live next to their plugin and are imported on first lookup, so
importing this module stays cheap for the command line.

Upstream releases the schemas match:

* Packer core v1.16.0 (:data:`PACKER_CORE_VERSION`): ``null``, ``file``
  builders; ``shell``, ``file``, ``shell-local``, ``breakpoint`` provisioners;
  ``manifest``, ``checksum``, ``compress``, ``shell-local``, ``artifice``
  post-processors (``shell-local`` from packer-plugin-sdk v0.6.10).
* github.com/hashicorp/amazon v1.8.2, github.com/hashicorp/docker v1.1.4,
  github.com/hashicorp/ansible v1.1.6, github.com/hashicorp/vagrant v1.1.7.
* ImageHub's own ``imagehub-image`` data source, which no upstream plugin
  defines: it is listed, like Packer's core types, without a source.

Arguments the template language handles for every block of a kind, which are
therefore in no plugin schema:

* ``provisioner``: ``name``, ``only``, ``except``, ``pause_before``,
  ``max_retries``, ``timeout``, ``continue_on_error``, ``override``.
* ``post-processor``: ``name``, ``only``, ``except``, ``keep_input_artifact``
  (artifice's own ``keep_input_artifact`` never reaches it in HCL templates).
* a ``source`` block inside ``build``: ``name``; the rest of its body is
  merged over the top-level source and checked against the builder's schema.
* ``source`` and ``data`` blocks: none.

Packer also injects ``packer_build_name``, ``packer_builder_type``,
``packer_core_version``, ``packer_debug``, ``packer_force``,
``packer_on_error``, ``packer_user_variables`` and
``packer_sensitive_variables`` into every plugin's configuration; they are
engine-supplied, not template arguments, and no schema declares them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from builds.engine.schema import Schema

KINDS = ("builder", "provisioner", "post-processor", "data")

PACKER_CORE_VERSION = "1.16.0"

AMAZON = "github.com/hashicorp/amazon"
ANSIBLE = "github.com/hashicorp/ansible"
DOCKER = "github.com/hashicorp/docker"
VAGRANT = "github.com/hashicorp/vagrant"

PLUGIN_VERSIONS: dict[str, str] = {
    AMAZON: "1.8.2",
    ANSIBLE: "1.1.6",
    DOCKER: "1.1.4",
    VAGRANT: "1.1.7",
}


@dataclass(frozen=True, slots=True)
class PluginSpec:
    """A registered plugin type: what it is, where it comes from upstream, and its arguments."""

    kind: str  # one of KINDS
    type_name: str  # the Packer type name, e.g. "amazon-ebs"
    plugin_source: str | None  # e.g. "github.com/hashicorp/amazon"; None when built into Packer
    plugin_version: str  # the upstream release the schema matches, e.g. "1.8.2"
    schema: Schema
    implemented: bool  # whether ``imagehub build`` can run it yet


class _Entry(NamedTuple):
    kind: str
    type_name: str
    plugin_source: str | None
    schema_module: str  # dotted path of the module defining SCHEMA
    implemented: bool


_ENGINE = "builds.engine"

_ENTRIES: tuple[_Entry, ...] = (
    _Entry("builder", "null", None, f"{_ENGINE}.builders.null.config", False),
    _Entry("builder", "file", None, f"{_ENGINE}.builders.file.config", False),
    _Entry("builder", "docker", DOCKER, f"{_ENGINE}.builders.docker.config", False),
    _Entry("builder", "amazon-ebs", AMAZON, f"{_ENGINE}.builders.amazon.ebs.config", False),
    _Entry("provisioner", "shell", None, f"{_ENGINE}.provisioners.shell.config", False),
    _Entry("provisioner", "file", None, f"{_ENGINE}.provisioners.file.config", False),
    _Entry("provisioner", "shell-local", None, f"{_ENGINE}.provisioners.shell_local.config", False),
    _Entry("provisioner", "breakpoint", None, f"{_ENGINE}.provisioners.breakpoint.config", False),
    _Entry("provisioner", "ansible", ANSIBLE, f"{_ENGINE}.provisioners.ansible.config", False),
    _Entry("post-processor", "manifest", None, f"{_ENGINE}.post_processors.manifest.config", False),
    _Entry("post-processor", "checksum", None, f"{_ENGINE}.post_processors.checksum.config", False),
    _Entry("post-processor", "compress", None, f"{_ENGINE}.post_processors.compress.config", False),
    _Entry(
        "post-processor",
        "shell-local",
        None,
        f"{_ENGINE}.post_processors.shell_local.config",
        False,
    ),
    _Entry("post-processor", "artifice", None, f"{_ENGINE}.post_processors.artifice.config", False),
    _Entry(
        "post-processor",
        "docker-tag",
        DOCKER,
        f"{_ENGINE}.post_processors.docker_tag.config",
        False,
    ),
    _Entry(
        "post-processor",
        "docker-save",
        DOCKER,
        f"{_ENGINE}.post_processors.docker_save.config",
        False,
    ),
    _Entry(
        "post-processor",
        "docker-import",
        DOCKER,
        f"{_ENGINE}.post_processors.docker_import.config",
        False,
    ),
    _Entry(
        "post-processor", "vagrant", VAGRANT, f"{_ENGINE}.post_processors.vagrant.config", False
    ),
    _Entry("data", "amazon-ami", AMAZON, f"{_ENGINE}.datasources.amazon.ami.config", False),
    _Entry(
        "data",
        "amazon-parameterstore",
        AMAZON,
        f"{_ENGINE}.datasources.amazon.parameterstore.config",
        False,
    ),
    _Entry("data", "imagehub-image", None, f"{_ENGINE}.datasources.imagehub.image.config", False),
    _Entry("data", "null", None, f"{_ENGINE}.datasources.null.config", False),
    _Entry("data", "http", None, f"{_ENGINE}.datasources.http.config", False),
)

_BY_KEY: dict[tuple[str, str], _Entry] = {(e.kind, e.type_name): e for e in _ENTRIES}


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown plugin kind {kind!r}; expected one of {', '.join(KINDS)}")


@cache
def _load(kind: str, type_name: str) -> PluginSpec:
    entry = _BY_KEY[(kind, type_name)]
    module = importlib.import_module(entry.schema_module)
    schema = getattr(module, "SCHEMA", None)
    if not isinstance(schema, Schema):
        raise TypeError(
            f"{entry.schema_module}.SCHEMA must be a Schema, not {type(schema).__name__}"
        )
    if entry.plugin_source is None:
        version = PACKER_CORE_VERSION
    else:
        version = PLUGIN_VERSIONS[entry.plugin_source]
    implemented = entry.implemented or (kind, type_name) in IMPLEMENTATIONS
    return PluginSpec(kind, type_name, entry.plugin_source, version, schema, implemented)


def lookup(kind: str, type_name: str) -> PluginSpec | None:
    """Return the plugin registered as ``type_name`` for ``kind``, or None if there is none.

    Raises ValueError if ``kind`` is not one of :data:`KINDS`.
    """
    _check_kind(kind)
    if (kind, type_name) not in _BY_KEY:
        return None
    return _load(kind, type_name)


def plugins(kind: str | None = None) -> list[PluginSpec]:
    """Return every registered plugin, or those of one ``kind``, in registry order.

    Raises ValueError if ``kind`` is given and is not one of :data:`KINDS`.
    """
    if kind is not None:
        _check_kind(kind)
    return [_load(e.kind, e.type_name) for e in _ENTRIES if kind is None or e.kind == kind]


def type_names(kind: str) -> list[str]:
    """Return the type names registered for ``kind`` without loading any schema.

    Raises ValueError if ``kind`` is not one of :data:`KINDS`.
    """
    _check_kind(kind)
    return [e.type_name for e in _ENTRIES if e.kind == kind]


# The class that runs each implemented plugin type, as "module:Class" (imported only when a build uses it).
IMPLEMENTATIONS: dict[tuple[str, str], str] = {
    ("builder", "null"): f"{_ENGINE}.builders.null.builder:NullBuilder",
    ("builder", "file"): f"{_ENGINE}.builders.file.builder:FileBuilder",
    ("builder", "docker"): f"{_ENGINE}.builders.docker.builder:DockerBuilder",
    ("builder", "amazon-ebs"): f"{_ENGINE}.builders.amazon.ebs.builder:AmazonEbsBuilder",
    ("post-processor", "docker-tag"): f"{_ENGINE}.post_processors.docker_tag.post_processor:DockerTagPostProcessor",
    ("post-processor", "docker-save"): f"{_ENGINE}.post_processors.docker_save.post_processor:DockerSavePostProcessor",
    ("post-processor", "docker-import"):
        f"{_ENGINE}.post_processors.docker_import.post_processor:DockerImportPostProcessor",
    ("post-processor", "manifest"): f"{_ENGINE}.post_processors.manifest.post_processor:ManifestPostProcessor",
    ("post-processor", "checksum"): f"{_ENGINE}.post_processors.checksum.post_processor:ChecksumPostProcessor",
    ("post-processor", "compress"): f"{_ENGINE}.post_processors.compress.post_processor:CompressPostProcessor",
    ("post-processor", "artifice"): f"{_ENGINE}.post_processors.artifice.post_processor:ArtificePostProcessor",
    ("post-processor", "shell-local"): f"{_ENGINE}.post_processors.shell_local.post_processor:ShellLocalPostProcessor",
    ("post-processor", "vagrant"): f"{_ENGINE}.post_processors.vagrant.post_processor:VagrantPostProcessor",
    ("provisioner", "shell"): f"{_ENGINE}.provisioners.shell.provisioner:ShellProvisioner",
    ("provisioner", "file"): f"{_ENGINE}.provisioners.file.provisioner:FileProvisioner",
    ("provisioner", "shell-local"): f"{_ENGINE}.provisioners.shell_local.provisioner:ShellLocalProvisioner",
    ("provisioner", "breakpoint"): f"{_ENGINE}.provisioners.breakpoint.provisioner:BreakpointProvisioner",
    ("provisioner", "ansible"): f"{_ENGINE}.provisioners.ansible.provisioner:AnsibleProvisioner",
    ("data", "amazon-ami"): f"{_ENGINE}.datasources.amazon.ami.datasource:AmazonAmiDataSource",
    ("data", "amazon-parameterstore"):
        f"{_ENGINE}.datasources.amazon.parameterstore.datasource:AmazonParameterStoreDataSource",
    ("data", "imagehub-image"): f"{_ENGINE}.datasources.imagehub.image.datasource:ImagehubImageDataSource",
    ("data", "null"): f"{_ENGINE}.datasources.null.datasource:NullDataSource",
    ("data", "http"): f"{_ENGINE}.datasources.http.datasource:HttpDataSource",
}


def implementation(kind: str, type_name: str) -> type | None:
    """Return the class implementing ``type_name`` for ``kind``, or None when ImageHub cannot run it yet."""
    _check_kind(kind)
    path = IMPLEMENTATIONS.get((kind, type_name))
    if path is None:
        return None
    module_name, _, class_name = path.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def plugin_sources() -> dict[str, str]:
    """Return the upstream plugins ImageHub has built in: source address -> release version."""
    return dict(PLUGIN_VERSIONS)
