"""Preparing builds: from a validated template to builder, provisioner and post-processor instances.

Everything that can be checked before a build starts is checked here, for
every selected build at once, and reported with positions: a plugin ImageHub
cannot run yet, a plugin's own configuration problems (``prepare``), a data
source that fails.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from builds.engine import registry
from builds.engine.cancel import CancelToken
from builds.engine.gcpause import without_gc
from builds.engine.hcl import ast
from builds.engine.hcl.config import Config
from builds.engine.hcl.decode import decode_body
from builds.engine.hcl.diagnostics import Diagnostics, Range
from builds.engine.hcl.evaluate import Scope
from builds.engine.hcl.template import (
    POST_PROCESSOR_COMMON,
    PROVISIONER_COMMON,
    BuildDecl,
    BuildSource,
    PostProcessorDecl,
    ProvisionerDecl,
)
from builds.engine.hcl.validate import validate
from builds.engine.hcl.values import UNKNOWN, is_unknown
from builds.engine.hook import Hook, PreparedProvisioner
from builds.engine.plugins import Builder, PluginContext, PostProcessor


@dataclass
class PreparedPostProcessor:
    """A post-processor plugin ready to run, with the language-level options of its block."""

    type_name: str
    plugin: PostProcessor
    name: str = ""
    keep_input_artifact: bool | None = None


@dataclass
class PreparedBuild:
    """One build of one source, ready to run."""

    name: str  # "null.web" or "my-build.null.web"
    build: BuildDecl
    source: BuildSource
    builder: Builder
    context: PluginContext
    hook: Hook
    chains: list[list[PreparedPostProcessor]] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)


@dataclass
class BuildOptions:
    """The ``imagehub build`` flags that shape preparation."""

    only: list[str] = field(default_factory=list)
    except_: list[str] = field(default_factory=list)
    force: bool = False
    debug: bool = False
    on_error: str = "cleanup"
    check_only: bool = False  # validate: run the plugins' prepare checks, but no data source and no build
    evaluate_data: bool = False  # validate -evaluate-datasources: with check_only, run the data sources all the same


@without_gc
def prepare_builds(config: Config, options: BuildOptions, cancel: CancelToken | None = None,
                   validated: bool = False) -> tuple[list[PreparedBuild], Diagnostics]:
    """Validate ``config`` (unless ``validated``), run its data sources and prepare every selected build.

    With ``options.check_only`` nothing is executed: data sources stay unknown (unless
    ``options.evaluate_data``) and plugins whose configuration depends on them are not checked yet; the
    others run their ``prepare`` checks.
    """
    diags = config.diagnostics if validated else validate(config, options.only, options.except_)
    if diags.has_errors:
        return [], diags
    if not options.check_only or options.evaluate_data:
        _run_data_sources(config, diags, cancel or CancelToken())
    if diags.has_errors:
        return [], diags
    secrets = _sensitive_variable_values(config)
    prepared: list[PreparedBuild] = []
    for build, source in config.selected_sources(options.only, options.except_):
        item = _prepare_one(config, build, source, options, secrets, diags)
        if item is not None:
            prepared.append(item)
    if not prepared and not diags.has_errors and not options.check_only:
        diags.error("No builds to run", "A build command cannot run without at least one build to process. If "
                    "the only or except flags have been specified at run time check that at least one build is "
                    "selected for execution.")
    return prepared, diags


def _run_data_sources(config: Config, diags: Diagnostics, cancel: CancelToken) -> None:
    ctx = config.context
    for key, data in config.template.data.items():
        cls = registry.implementation("data", data.type)
        where = f'data "{data.type}" "{data.name}"'
        if cls is None:
            diags.error("Data source not implemented", f'ImageHub cannot run the "{data.type}" data source yet, so '
                        "this template cannot be built.", data.block.def_range, where)
            continue
        spec = registry.lookup("data", data.type)
        values = decode_body(data.block.body, spec.schema, ctx.scope(), diags, context=where,
                             missing_range=data.block.def_range)
        plugin = cls(values, PluginContext(build_name="", build_type=data.type))
        problems = plugin.prepare()
        for problem in problems:
            diags.error("Invalid data source configuration", problem, problem_range(problem, data.block), where)
        if problems:
            continue
        try:
            ctx.data_values[key] = plugin.execute(cancel)
        except Exception as exc:  # a failing lookup is the user's to see, with its position
            diags.error("Data source failed", f"{data.ref}: {exc}", data.block.def_range, where)
    # locals may depend on data sources: evaluate them again now that the data is known
    ctx.local_values.clear()
    ctx.local_errors.clear()


def _sensitive_variable_values(config: Config) -> list[str]:
    out: list[str] = []
    for name, decl in config.template.variables.items():
        if decl.sensitive:
            _strings(config.context.variables[name].value, out)
    for name, decl in config.template.locals.items():
        if decl.sensitive and name in config.context.local_values:
            _strings(config.context.local_values[name], out)
    return out


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.append(str(value))
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)


def _prepare_one(config: Config, build: BuildDecl, source: BuildSource, options: BuildOptions,
                 secrets: list[str], diags: Diagnostics) -> PreparedBuild | None:
    ctx = config.context
    tpl = config.template
    decl = tpl.sources[(source.type, source.name)]
    full_name = build.full_name(source)
    where = f'source "{decl.type}" "{decl.name}"'
    cls = registry.implementation("builder", source.type)
    if cls is None and options.check_only:
        return None  # validate has warned that the plugin is not implemented
    if cls is None:
        diags.error("Builder not implemented", f'ImageHub cannot build "{source.type}" sources yet.',
                    decl.block.def_range, where)
        return None
    spec = registry.lookup("builder", source.type)
    errors_before = len(diags.errors)
    values = decode_body(decl.block.body, spec.schema, ctx.scope(), diags, context=where,
                         missing_range=decl.block.def_range,
                         present=frozenset(source.override.attributes) if source.override else frozenset())
    if source.override is not None:
        override = decode_body(source.override, spec.schema, ctx.scope(**source.names), diags, context=where,
                               skip=frozenset({"name"}), present=frozenset(spec.schema.attributes))
        values.update(override)
    if len(diags.errors) > errors_before:
        return None
    if not options.check_only:
        _require_known(values, decl.block.def_range, where, diags)
    plugin_secrets = list(secrets) + _schema_secrets(spec.schema, values)
    context = PluginContext(
        build_name=full_name, build_type=source.type, source_name=source.name,
        force=options.force, debug=options.debug, on_error=options.on_error,
        template_dir=str(tpl.root), packer_run_uuid=ctx.run_uuid,
        user_variables={n: v.value for n, v in ctx.variables.items()}, sensitive_values=plugin_secrets,
        positions=argument_positions(decl.block, source.override))
    builder = cls(values, context)
    if not is_unknown(values):
        for problem in builder.prepare():
            diags.error("Invalid builder configuration", problem,
                        problem_range(problem, decl.block, source.override), where)
        plugin_secrets.extend(builder.sensitive_values())

    scope = ctx.build_scope(build.name, source.type, source.local_name or source.name, placeholders=True)
    names = {full_name, source.display_name, f"{source.type}.{source.name}"}
    hook = Hook()
    for prov in build.provisioners:
        if not _selected(prov.only, prov.except_, names):
            continue
        prepared = _prepare_provisioner(prov, scope, context, source, diags, plugin_secrets, options.check_only)
        if prepared is not None:
            hook.provisioners.append(prepared)
    if build.error_cleanup_provisioner is not None:
        hook.error_cleanup = _prepare_provisioner(build.error_cleanup_provisioner, scope, context, source, diags,
                                                  plugin_secrets, options.check_only)
    chains: list[list[PreparedPostProcessor]] = []
    for chain in build.post_processors:
        prepared_chain = []
        for pp in chain:
            if not _selected(pp.only, pp.except_, names):
                continue
            if any(fnmatch.fnmatchcase(pp.name or pp.type, p) for p in options.except_):
                break  # as Packer: -except names a post-processor (or its type); the rest of its chain is dropped
            item = _prepare_post_processor(pp, scope, context, diags, plugin_secrets, options.check_only)
            if item is not None:
                prepared_chain.append(item)
        if prepared_chain:
            chains.append(prepared_chain)
    if len(diags.errors) > errors_before:
        return None
    return PreparedBuild(full_name, build, source, builder, context, hook, chains, plugin_secrets)


def _selected(only: list[str], except_: list[str], names: set[str]) -> bool:
    if only and not any(fnmatch.fnmatchcase(n, p) for p in only for n in names):
        return False
    return not (except_ and any(fnmatch.fnmatchcase(n, p) for p in except_ for n in names))


def problem_range(problem: str, block: ast.Block, override: ast.Body | None = None) -> Range:
    """Where a plugin's ``prepare`` problem points: at the value of the argument a :class:`Problem` names (in
    the build block's override of the source first), at a nested block of that name, else at ``block``'s
    header."""
    name = getattr(problem, "argument", "")
    for body in (override, block.body) if name else ():
        if body is None:
            continue
        if name in body.attributes:
            return body.attributes[name].expr.range
        nested = body.blocks_of(name)
        if nested:
            return nested[0].def_range
    return block.def_range


def argument_positions(block: ast.Block, override: ast.Body | None = None) -> dict[str, str]:
    """Where each argument (its value) and each nested block (the first of its type) of ``block`` is written,
    the build block's override of the source taking precedence."""
    positions: dict[str, str] = {}
    for body in (block.body, override):
        if body is None:
            continue
        for nested in reversed(body.blocks):
            positions[nested.type] = str(nested.def_range)
        positions.update({name: str(attribute.expr.range) for name, attribute in body.attributes.items()})
    return positions


def _require_known(values: dict, rng: Range, where: str, diags: Diagnostics) -> None:
    for key, value in values.items():
        if is_unknown(value):
            diags.error("Value not known", f'The value of "{key}" is not known when the build starts.', rng, where)


def _schema_secrets(schema, values: dict) -> list[str]:
    out: list[str] = []
    for name, attr in schema.attributes.items():
        if attr.sensitive and isinstance(values.get(name), str) and values.get(name):
            out.append(values[name])
    return out


def _plugin_values(block: ast.Block, kind: str, type_name: str, scope: Scope, skip: frozenset[str],
                   where: str, diags: Diagnostics, check_only: bool) -> tuple[type | None, dict[str, Any] | None]:
    cls = registry.implementation(kind, type_name)
    if cls is None and check_only:
        return None, None  # validate has warned that the plugin is not implemented
    if cls is None:
        diags.error(f"{kind.capitalize()} not implemented", f'ImageHub cannot run the "{type_name}" {kind} yet.',
                    block.def_range, where)
        return None, None
    spec = registry.lookup(kind, type_name)
    errors_before = len(diags.errors)
    values = decode_body(block.body, spec.schema, scope, diags, context=where, skip=skip,
                         missing_range=block.def_range)
    if len(diags.errors) > errors_before:
        return None, None
    return cls, values


def _prepare_provisioner(prov: ProvisionerDecl, scope: Scope, context: PluginContext, source: BuildSource,
                         diags: Diagnostics, secrets: list[str],
                         check_only: bool = False) -> PreparedProvisioner | None:
    where = f'provisioner "{prov.type}"'
    cls, values = _plugin_values(prov.block, "provisioner", prov.type, scope.child(**prov.names),
                                 PROVISIONER_COMMON, where, diags, check_only)
    if cls is None:
        return None
    for key in (f"{source.type}.{source.local_name or source.name}", f"{source.type}.{source.name}",
                source.type):
        override = prov.override.get(key)
        if isinstance(override, dict):
            values.update(override)
            break
    unknown = is_unknown(values)
    values = {k: v for k, v in values.items() if v is not UNKNOWN}
    plugin = cls(values, context)
    if not unknown:
        for problem in plugin.prepare():
            diags.error("Invalid provisioner configuration", problem, problem_range(problem, prov.block), where)
    spec = registry.lookup("provisioner", prov.type)
    secrets.extend(_schema_secrets(spec.schema, values))
    return PreparedProvisioner(prov.type, plugin, prov.name, prov.pause_before, prov.max_retries, prov.timeout,
                               prov.continue_on_error)


def _prepare_post_processor(pp: PostProcessorDecl, scope: Scope, context: PluginContext, diags: Diagnostics,
                            secrets: list[str], check_only: bool = False) -> PreparedPostProcessor | None:
    where = f'post-processor "{pp.type}"'
    cls, values = _plugin_values(pp.block, "post-processor", pp.type, scope.child(**pp.names),
                                 POST_PROCESSOR_COMMON, where, diags, check_only)
    if cls is None:
        return None
    plugin = cls(values, context)
    if not is_unknown(values):
        for problem in plugin.prepare():
            diags.error("Invalid post-processor configuration", problem, problem_range(problem, pp.block), where)
    spec = registry.lookup("post-processor", pp.type)
    secrets.extend(_schema_secrets(spec.schema, values))
    return PreparedPostProcessor(pp.type, plugin, pp.name, pp.keep_input_artifact)
