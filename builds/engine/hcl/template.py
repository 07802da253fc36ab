"""The typed template: Packer's blocks (variables, locals, data, sources, builds) decoded from files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builds.engine.hcl import ast, types
from builds.engine.hcl.diagnostics import Range

# Attributes every provisioner block accepts, handled by the language rather than the plugin.
PROVISIONER_COMMON = frozenset({"name", "only", "except", "pause_before", "max_retries", "timeout",
                                "override", "continue_on_error"})
POST_PROCESSOR_COMMON = frozenset({"name", "only", "except", "keep_input_artifact"})


@dataclass(eq=False)
class VariableDecl:
    """A ``variable`` block (or an entry of a legacy ``variables`` block)."""

    name: str
    range: Range
    type: types.Type = types.ANY
    default: ast.Expr | None = None
    description: str = ""
    sensitive: bool = False
    nullable: bool = True
    validations: list[tuple[ast.Expr, ast.Expr | None, Range]] = field(default_factory=list)
    type_given: bool = False


@dataclass(eq=False)
class VariableValue:
    """The value a variable ended up with, and where that value came from."""

    value: Any
    source: str  # "default", "env", "file", "cli" or "unset"
    range: Range | None


@dataclass(eq=False)
class LocalDecl:
    name: str
    expr: ast.Expr
    range: Range
    sensitive: bool = False


@dataclass(eq=False)
class DataDecl:
    type: str
    name: str
    block: ast.Block

    @property
    def ref(self) -> str:
        return f"data.{self.type}.{self.name}"


@dataclass(eq=False)
class SourceDecl:
    type: str
    name: str
    block: ast.Block

    @property
    def ref(self) -> str:
        return f"{self.type}.{self.name}"


@dataclass(eq=False)
class BuildSource:
    """A source used by a build: a reference, an optional local name and optional overrides."""

    type: str
    name: str  # the top-level source's name
    range: Range
    local_name: str = ""  # ``name = ...`` in a nested source block
    override: ast.Body | None = None
    names: dict[str, Any] = field(default_factory=dict)  # iterator of the dynamic block that made it

    @property
    def ref(self) -> str:
        return f"{self.type}.{self.name}"

    @property
    def display_name(self) -> str:
        return f"{self.type}.{self.local_name or self.name}"


@dataclass(eq=False)
class ProvisionerDecl:
    type: str
    block: ast.Block
    name: str = ""
    only: list[str] = field(default_factory=list)
    except_: list[str] = field(default_factory=list)
    pause_before: float = 0.0
    max_retries: int = 0
    timeout: float = 0.0
    override: dict[str, Any] = field(default_factory=dict)
    continue_on_error: bool = False
    names: dict[str, Any] = field(default_factory=dict)  # iterator of the dynamic block that made it


@dataclass(eq=False)
class PostProcessorDecl:
    type: str
    block: ast.Block
    name: str = ""
    only: list[str] = field(default_factory=list)
    except_: list[str] = field(default_factory=list)
    keep_input_artifact: bool | None = None
    names: dict[str, Any] = field(default_factory=dict)  # iterator of the dynamic block that made it


@dataclass(eq=False)
class BuildDecl:
    block: ast.Block
    name: str = ""
    description: str = ""
    sources: list[BuildSource] = field(default_factory=list)
    provisioners: list[ProvisionerDecl] = field(default_factory=list)
    post_processors: list[list[PostProcessorDecl]] = field(default_factory=list)  # chains
    error_cleanup_provisioner: ProvisionerDecl | None = None
    hcp_packer_registry: ast.Block | None = None

    def full_name(self, source: BuildSource) -> str:
        """The name ``-only``/``-except`` match and output prefixes use: ``[build.]type.name``."""
        return f"{self.name}.{source.display_name}" if self.name else source.display_name


@dataclass(eq=False)
class Template:
    """Every block of a template's files, decoded into Packer's concepts (values not yet evaluated)."""

    root: Path  # the directory path.root refers to
    files: dict[str, ast.File] = field(default_factory=dict)
    var_files: dict[str, ast.File] = field(default_factory=dict)
    packer_blocks: list[ast.Block] = field(default_factory=list)
    variables: dict[str, VariableDecl] = field(default_factory=dict)
    locals: dict[str, LocalDecl] = field(default_factory=dict)
    data: dict[tuple[str, str], DataDecl] = field(default_factory=dict)
    sources: dict[tuple[str, str], SourceDecl] = field(default_factory=dict)
    build_blocks: list[ast.Block] = field(default_factory=list)
    builds: list[BuildDecl] = field(default_factory=list)

    def texts(self) -> dict[str, str]:
        """The source text of every file, for diagnostics' snippets."""
        out = {name: f.text for name, f in self.files.items()}
        out.update({name: f.text for name, f in self.var_files.items()})
        return out
