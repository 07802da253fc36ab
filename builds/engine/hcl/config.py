"""Loading a template for use: files, variables by precedence, locals, and per-block common settings.

:func:`load_config` is what ``validate``, ``inspect``, ``console`` and
``build`` all start from; it reports every problem it finds as a diagnostic
and never raises on user input.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builds.engine.gcpause import without_gc
from builds.engine.hcl import ast
from builds.engine.hcl.build_block import decode_build
from builds.engine.hcl.context import Context, check_validations, process_env, resolve_variables
from builds.engine.hcl.diagnostics import Diagnostics
from builds.engine.hcl.evaluate import EvalError, Scope
from builds.engine.hcl.loader import (
    AUTO_VARFILE_SUFFIXES,
    TEMPLATE_SUFFIXES,
    decode,
    display_name,
    parse_file,
    parse_text,
    template_files,
)
from builds.engine.hcl.template import BuildDecl, BuildSource, Template
from builds.engine.hcl.values import UNKNOWN


@dataclass
class Config:
    """A loaded template with its evaluation context and everything found wrong while loading it."""

    template: Template | None
    context: Context | None
    diagnostics: Diagnostics
    texts: dict[str, str] = field(default_factory=dict)
    required_plugins: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.template is not None and self.context is not None and not self.diagnostics.has_errors

    def selected_sources(self, only: list[str] | tuple[str, ...] = (),
                         except_: list[str] | tuple[str, ...] = ()) -> list[tuple[BuildDecl, BuildSource]]:
        """The (build, source) pairs that ``-only``/``-except`` globs select, in template order."""
        pairs = []
        for build in self.template.builds if self.template else []:
            for source in build.sources:
                names = {build.full_name(source), source.display_name}
                if only and not any(fnmatch.fnmatchcase(n, g) for g in only for n in names):
                    continue
                if except_ and any(fnmatch.fnmatchcase(n, g) for g in except_ for n in names):
                    continue
                pairs.append((build, source))
        return pairs


@without_gc
def load_config(path: str | os.PathLike, *, var_files: list[str] | tuple[str, ...] = (),
                cli_vars: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
                env: dict[str, str] | None = None, cwd: Path | None = None,
                syntax_only: bool = False) -> Config:
    """Load the template at ``path`` (file or directory) and resolve its variables and locals."""
    cwd = cwd or Path.cwd()
    diags = Diagnostics()
    root_path = Path(path)
    if not root_path.is_absolute():
        root_path = cwd / root_path
    files, auto_var_files, file_diags = template_files(root_path)
    diags.extend(file_diags)
    parsed: list[ast.File] = []
    texts: dict[str, str] = {}
    given_dir = path if root_path.is_dir() else None
    for f in files:
        tree = parse_file(f, display_name(path) if given_dir is None else display_name(given_dir, f.name), diags)
        if tree is not None:
            parsed.append(tree)
            texts[tree.filename] = tree.text
    var_trees: list[tuple[str, ast.File]] = []
    named_var_files = [(vf, display_name(given_dir, vf.name)) for vf in auto_var_files]
    named_var_files += [(Path(v) if Path(v).is_absolute() else cwd / v, display_name(v)) for v in var_files]
    for vf, name in named_var_files:
        if not vf.is_file():
            diags.error("Failed to read file", f'The configuration file "{name}" could not be read.')
            continue
        tree = parse_file(vf, name, diags)
        if tree is not None:
            var_trees.append((tree.filename, tree))
            texts[tree.filename] = tree.text
    root = root_path if root_path.is_dir() else root_path.parent
    return _load(parsed, var_trees, texts, diags, root=root, cwd=cwd, cli_vars=cli_vars, env=env,
                 syntax_only=syntax_only)


@without_gc
def load_config_from_texts(files: Mapping[str, str], *, root: Path, var_files: Sequence[str] = (),
                           cli_vars: Sequence[tuple[str, str]] = (), env: dict[str, str] | None = None,
                           syntax_only: bool = False) -> Config:
    """Load a template held in memory, ``files`` mapping file names to their texts, as a directory is loaded.

    The template is every name ending in ``.pkr.hcl`` or ``.pkr.json``; ``*.auto.pkrvars.hcl`` and
    ``*.auto.pkrvars.json`` are applied automatically; ``var_files`` names further variables files among
    ``files``, applied in order as ``-var-file`` would. Other names are ignored. ``root`` is the directory
    ``path.root`` and the working directory refer to (relative paths of file functions resolve there).
    Returns the loaded config; problems are its diagnostics, never exceptions.
    """
    diags = Diagnostics()
    names = sorted(files)
    template_names = [name for name in names if name.endswith(TEMPLATE_SUFFIXES)]
    if not template_names:
        diags.error("No template file", "A template needs at least one file whose name ends in `.pkr.hcl` "
                    "or `.pkr.json`.")
    parsed: list[ast.File] = []
    texts: dict[str, str] = {}
    for name in template_names:
        parsed.append(parse_text(files[name], name, diags))
        texts[name] = files[name]
    var_trees: list[tuple[str, ast.File]] = []
    for name in [*(n for n in names if n.endswith(AUTO_VARFILE_SUFFIXES)), *var_files]:
        if name not in files:
            diags.error("Failed to read variables file", f"There is no file named {name} in this template.")
            continue
        var_trees.append((name, parse_text(files[name], name, diags)))
        texts[name] = files[name]
    return _load(parsed, var_trees, texts, diags, root=root, cwd=root, cli_vars=cli_vars, env=env,
                 syntax_only=syntax_only)


def _load(parsed: list[ast.File], var_trees: list[tuple[str, ast.File]], texts: dict[str, str],
          diags: Diagnostics, *, root: Path, cwd: Path, cli_vars: Sequence[tuple[str, str]],
          env: dict[str, str] | None, syntax_only: bool) -> Config:
    """Decode parsed files and (unless ``syntax_only``) resolve variables, locals and builds."""
    from builds.engine.registry import PACKER_CORE_VERSION

    if diags.has_errors:
        return Config(None, None, diags, texts)
    template = decode(parsed, root, diags)
    for name, tree in var_trees:
        template.var_files[name] = tree
    if syntax_only:
        return Config(template, None, diags, texts)

    values = resolve_variables(template, env=process_env(env), var_files=var_trees, cli_vars=list(cli_vars),
                               diags=diags)
    check_validations(template, values, cwd, diags)
    context = Context(template, values, cwd=cwd, packer_version=PACKER_CORE_VERSION)
    config = Config(template, context, diags, texts)
    _check_packer_blocks(config, PACKER_CORE_VERSION)
    for name in template.locals:
        try:
            context.local_value(name)
        except EvalError as exc:
            if exc.diag not in diags.items:
                diags.add(exc.diag)
    template.builds = [decode_build(block, context, diags) for block in template.build_blocks]
    return config


def _check_packer_blocks(config: Config, core_version: str) -> None:
    if not config.template.packer_blocks:
        return  # most templates have no packer block: spare them the version parser's start-up
    from builds.engine.versions import Constraints, Version

    context, diags = config.context, config.diagnostics
    for block in config.template.packer_blocks:
        attr = block.body.attributes.get("required_version")
        if attr is not None:
            value = _eval(context, attr.expr, diags, "packer")
            if isinstance(value, str):
                try:
                    constraints = Constraints.parse(value)
                except ValueError as exc:
                    diags.error("Invalid version constraint", str(exc), attr.expr.range, "packer")
                else:
                    if not constraints.check(Version.parse(core_version)):
                        diags.error("Unsupported Packer Core version",
                                    f"This configuration does not support Packer version {core_version} (the "
                                    f'language level ImageHub implements): required_version is "{value}". To '
                                    "proceed, either choose another supported Packer version or update this "
                                    "version constraint.", attr.expr.range, "packer")
            elif value is not None and value is not UNKNOWN:
                diags.error("Invalid required_version", "required_version must be a string.", attr.expr.range,
                            "packer")
        for plugins_block in block.body.blocks_of("required_plugins"):
            for attr in plugins_block.body.attributes.values():
                value = _eval(context, attr.expr, diags, "packer")
                if value is None or value is UNKNOWN:
                    continue
                if not isinstance(value, dict):
                    diags.error("Invalid required_plugins entry", f'The entry "{attr.name}" must be an object '
                                'with "source" and "version" attributes.', attr.expr.range, "packer")
                    continue
                config.required_plugins[attr.name] = value


_NO_VALUE = object()


def _eval(context: Context, expr: ast.Expr, diags: Diagnostics, where: str, scope: Scope | None = None) -> Any:
    try:
        return context.eval(expr, scope)
    except EvalError as exc:
        if not exc.diag.context:
            exc.diag.context = where
        diags.add(exc.diag)
        return _NO_VALUE
