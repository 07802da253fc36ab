"""Base classes of the plugins: builders, provisioners, post-processors and data sources.

A plugin is constructed with its decoded arguments (a dict from the template
body, already checked against its schema), ``prepare`` validates them and
returns every problem found, without side effects (a :class:`Problem` when
it is about one argument), and the run method does the I/O. Strings may still hold Go-template placeholders (``{{ .Host }}``,
``{{timestamp}}``) that the plugin interpolates at run time with
:mod:`builds.engine.gotemplate`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from builds.engine.artifact import Artifact
    from builds.engine.cancel import CancelToken
    from builds.engine.communicators.base import Communicator
    from builds.engine.state import BuildState
    from builds.engine.steps import Step
    from builds.engine.ui import BuildUI


class Problem(str):
    """A problem ``prepare`` found with one argument: the message, knowing the argument's name, so that
    the diagnostic points at where the argument is written rather than at the block's header."""

    argument: str

    def __new__(cls, message: str, argument: str) -> Problem:
        problem = super().__new__(cls, message)
        problem.argument = argument
        return problem


@dataclass
class PluginContext:
    """What every plugin may know about the build it belongs to."""

    build_name: str  # "null.web" or "my-build.null.web"
    build_type: str  # the builder type: "null"
    source_name: str = ""
    force: bool = False  # -force
    debug: bool = False  # -debug
    on_error: str = "cleanup"
    template_dir: str = "."  # directory of the template (path.root)
    packer_run_uuid: str = ""
    user_variables: dict[str, Any] = field(default_factory=dict)
    sensitive_values: list[str] = field(default_factory=list)
    # where each argument and nested block of the plugin's own block is written ("web.pkr.hcl:4,3-20"),
    # for errors found only at run time to point at it
    positions: dict[str, str] = field(default_factory=dict)


class ProvisionError(Exception):
    """A provisioner failed; the message says what failed (command, exit status, file)."""


class Builder(ABC):
    """Creates the machine, lets the provisioners at it, and turns it into an artifact."""

    type_name: ClassVar[str]
    builder_id: ClassVar[str]

    def __init__(self, config: dict[str, Any], context: PluginContext):
        self.raw = config
        self.context = context

    @abstractmethod
    def prepare(self) -> list[str]:
        """Read and check the configuration; return the problems found (empty when valid)."""

    @abstractmethod
    def new_state(self, base: BuildState) -> BuildState:
        """Return the builder's typed state, starting from the common fields of ``base``."""

    @abstractmethod
    def steps(self) -> list[Step]:
        """The recipe: the steps to run, in order, as one literal list."""

    @abstractmethod
    def artifact(self, state: BuildState) -> Artifact | None:
        """The artifact of a successful run (None for builders that make none, like ``null``)."""

    def sensitive_values(self) -> list[str]:
        """Secrets from the configuration to mask in output (passwords, keys)."""
        return []


class Provisioner(ABC):
    """Changes the machine being built, through the communicator."""

    type_name: ClassVar[str]

    def __init__(self, config: dict[str, Any], context: PluginContext):
        self.raw = config
        self.context = context

    @abstractmethod
    def prepare(self) -> list[str]:
        """Read and check the configuration; return the problems found."""

    @abstractmethod
    def provision(self, ui: BuildUI, communicator: Communicator, generated: dict[str, Any],
                  cancel: CancelToken) -> None:
        """Do the work; raise :class:`ProvisionError` on failure, ``Cancelled`` when cancelled."""


class PostProcessor(ABC):
    """Turns an artifact into another (a box, an archive, a checksum file, a tag)."""

    type_name: ClassVar[str]

    def __init__(self, config: dict[str, Any], context: PluginContext):
        self.raw = config
        self.context = context

    @abstractmethod
    def prepare(self) -> list[str]:
        """Read and check the configuration; return the problems found."""

    @abstractmethod
    def post_process(self, ui: BuildUI, artifact: Artifact, cancel: CancelToken) -> PostProcessResult:
        """Process ``artifact``; raise ``ProvisionError``-like exceptions (:class:`PostProcessError`) on failure."""


@dataclass
class PostProcessResult:
    """What a post-processor returns, as in Packer: the new artifact, whether to keep the input, and
    whether the post-processor insists on its choice over the user's ``keep_input_artifact``."""

    artifact: Artifact
    keep_input: bool = False
    force_keep_input: bool = False


class PostProcessError(Exception):
    """A post-processor failed; the message says what failed."""


class DataSource(ABC):
    """Looks something up before the build (an AMI id, a parameter) for the template to use."""

    type_name: ClassVar[str]

    def __init__(self, config: dict[str, Any], context: PluginContext):
        self.raw = config
        self.context = context

    @abstractmethod
    def prepare(self) -> list[str]:
        """Read and check the configuration; return the problems found."""

    @abstractmethod
    def execute(self, cancel: CancelToken) -> dict[str, Any]:
        """Return the data source's output object (``id``, ``name``, ...)."""
