"""``validate``: every problem in a loaded template, checked against the plugins' schemas."""

from __future__ import annotations

from builds.engine import registry
from builds.engine.gcpause import without_gc
from builds.engine.hcl import ast
from builds.engine.hcl.config import Config
from builds.engine.hcl.decode import decode_body, evaluate_all
from builds.engine.hcl.diagnostics import Diagnostics
from builds.engine.hcl.template import (
    POST_PROCESSOR_COMMON,
    PROVISIONER_COMMON,
    BuildDecl,
    SourceDecl,
)
from builds.engine.hcl.values import UNKNOWN

_KIND_NAMES = {"builder": "builder", "provisioner": "provisioner", "post-processor": "post-processor",
               "data": "data source"}


@without_gc
def validate(config: Config, only: list[str] | tuple[str, ...] = (),
             except_: list[str] | tuple[str, ...] = ()) -> Diagnostics:
    """Check data sources, sources and builds of ``config``; return all diagnostics, loading's included."""
    diags = config.diagnostics
    if config.template is None or config.context is None:
        return diags
    tpl, ctx = config.template, config.context
    warned: set[tuple[str, str]] = set()

    for data in tpl.data.values():
        where = f'data "{data.type}" "{data.name}"'
        _check_plugin("data", data.type, data.block, ctx.scope(), diags, where, frozenset(), warned)

    selected = config.selected_sources(only, except_)
    used_sources = {(s.type, s.name) for _, s in selected}
    checked_sources: set[tuple[str, str]] = set()
    overridden = _overridden_attributes(tpl, used_sources)
    use_names = _use_names(tpl)
    for build in tpl.builds:
        for use in build.sources:
            decl = tpl.sources.get((use.type, use.name))
            if decl is None:
                diags.error("Unknown source", f"Unknown source {use.ref}. Make sure you are using an identifier "
                            "that is defined in a source block: " + _known_sources(tpl.sources), use.range,
                            _build_context(build))
                continue
            if (use.type, use.name) not in used_sources:
                continue
            if use.override is not None:
                _check_override(decl, use, ctx, diags, build)
            if (use.type, use.name) not in checked_sources:
                checked_sources.add((use.type, use.name))
                where = f'source "{decl.type}" "{decl.name}"'
                names = use_names[(use.type, use.name)]
                scope = ctx.scope(source={"type": use.type, "name": next(iter(names)) if len(names) == 1 else UNKNOWN})
                _check_plugin("builder", decl.type, decl.block, scope, diags, where, frozenset(), warned,
                              present=overridden.get((use.type, use.name), frozenset()))
        _check_build_blocks(build, config, diags, warned, used_sources)

    for key, decl in tpl.sources.items():
        if key not in checked_sources and key not in use_names:
            scope = ctx.scope(source={"type": decl.type, "name": decl.name})
            evaluate_all(decl.block.body, scope, diags, f'source "{decl.type}" "{decl.name}"')
    _dedupe(diags)
    return diags


def _use_names(tpl) -> dict[tuple[str, str], set[str]]:
    """For each source the builds use, the names they give it (``source.name`` in the source block)."""
    names: dict[tuple[str, str], set[str]] = {}
    for build in tpl.builds:
        for use in build.sources:
            names.setdefault((use.type, use.name), set()).add(use.local_name or use.name)
    return names


def _overridden_attributes(tpl, used_sources) -> dict[tuple[str, str], frozenset[str]]:
    """For each source, the arguments every build that uses it sets in its override."""
    result: dict[tuple[str, str], frozenset[str]] = {}
    for build in tpl.builds:
        for use in build.sources:
            key = (use.type, use.name)
            if key not in used_sources:
                continue
            names = frozenset(use.override.attributes) if use.override is not None else frozenset()
            result[key] = names if key not in result else result[key] & names
    return result


def _check_plugin(kind: str, type_name: str, block: ast.Block, scope, diags: Diagnostics, where: str,
                  skip: frozenset[str], warned: set[tuple[str, str]],
                  present: frozenset[str] = frozenset()) -> None:
    spec = registry.lookup(kind, type_name)
    if spec is None:
        if (kind, type_name) not in warned:
            warned.add((kind, type_name))
            diags.warning(f"Unknown {_KIND_NAMES[kind]} type \"{type_name}\"",
                          f'ImageHub does not implement the "{type_name}" {_KIND_NAMES[kind]} plugin, so its '
                          "arguments were checked for language errors only (references, functions, types of "
                          "expressions). A build that uses it will fail.", block.def_range, where)
        evaluate_all(block.body, scope, diags, where)
        return
    decode_body(block.body, spec.schema, scope, diags, context=where, skip=skip, missing_range=block.def_range,
                present=present)


def _check_override(decl: SourceDecl, use, ctx, diags: Diagnostics, build: BuildDecl) -> None:
    spec = registry.lookup("builder", decl.type)
    where = _build_context(build)
    scope = ctx.scope(**{"source": {"type": use.type, "name": use.local_name or use.name}, **use.names})
    if spec is None:
        evaluate_all(use.override, scope, diags, where)
        return
    # Required arguments may come from the top-level source block, so only what the override sets is checked.
    schema = spec.schema
    everything = frozenset(schema.attributes)
    sub = Diagnostics()
    decode_body(use.override, schema, scope, sub, context=where, skip=frozenset({"name"}), present=everything)
    for diag in sub:
        if not (diag.summary.startswith("Missing ") and diag.summary.endswith(" block")):
            diags.add(diag)


def _check_build_blocks(build: BuildDecl, config: Config, diags: Diagnostics, warned: set[tuple[str, str]],
                        used_sources: set[tuple[str, str]]) -> None:
    ctx = config.context
    uses = [s for s in build.sources if (s.type, s.name) in used_sources]
    if not uses:
        return
    if len(uses) == 1:
        scope = ctx.build_scope(build.name, uses[0].type, uses[0].local_name or uses[0].name)
    else:
        scope = ctx.build_scope(build.name, UNKNOWN, UNKNOWN)
    scope = scope.child(**{k: v for s in uses for k, v in s.names.items() if k != "source"})
    names = {build.full_name(s) for s in build.sources} | {s.display_name for s in build.sources}
    provisioners = list(build.provisioners)
    if build.error_cleanup_provisioner is not None:
        provisioners.append(build.error_cleanup_provisioner)
    for prov in provisioners:
        where = f'provisioner "{prov.type}"'
        _check_plugin("provisioner", prov.type, prov.block, scope.child(**prov.names), diags, where,
                      PROVISIONER_COMMON, warned)
        _check_filters(prov.block, {"only": prov.only, "except": prov.except_}, names, diags, where)
    for chain in build.post_processors:
        for pp in chain:
            where = f'post-processor "{pp.type}"'
            _check_plugin("post-processor", pp.type, pp.block, scope.child(**pp.names), diags, where,
                          POST_PROCESSOR_COMMON, warned)
            _check_filters(pp.block, {"only": pp.only, "except": pp.except_}, names, diags, where)
    _warn_vagrant_then_compress(build, diags)
    if build.hcp_packer_registry is not None:
        diags.warning("HCP Packer registry not used",
                      "ImageHub keeps its own image registry; nothing is sent to HCP Packer. The block's "
                      "channels = [...] are moved to the build when it succeeds on the dashboard.",
                      build.hcp_packer_registry.def_range,
                      _build_context(build))


def _check_filters(block: ast.Block, filters: dict[str, list[str]], names: set[str], diags: Diagnostics,
                   where: str) -> None:
    import fnmatch

    for attr_name, patterns in filters.items():
        attr = block.body.attributes.get(attr_name)
        for pattern in patterns:
            if not any(fnmatch.fnmatchcase(n, pattern) for n in names):
                diags.warning("Filter matches no source", f'"{pattern}" matches none of this build\'s sources ('
                              + ", ".join(sorted(names)) + ").", attr.expr.range if attr else block.def_range, where)


def _warn_vagrant_then_compress(build: BuildDecl, diags: Diagnostics) -> None:
    singles = [chain[0] for chain in build.post_processors if len(chain) == 1]
    for first, second in zip(singles, singles[1:], strict=False):
        if first.type == "vagrant" and second.type == "compress":
            diags.warning("Separate post-processors do not chain",
                          'This "compress" post-processor receives the builder\'s artifact, not the box the '
                          '"vagrant" post-processor above makes: separate post-processor blocks each start from '
                          "the build's artifact. To compress the box, put both in one chain: "
                          'post-processors { post-processor "vagrant" {} post-processor "compress" {} }.',
                          second.block.def_range, _build_context(build))


def _build_context(build: BuildDecl) -> str:
    return f'build "{build.name}"' if build.name else "build"


def _known_sources(sources) -> str:
    if not sources:
        return "there are none."
    return ", ".join(f"source.{t}.{n}" for t, n in sources) + "."


def _dedupe(diags: Diagnostics) -> None:
    seen: set[tuple] = set()
    kept = []
    for d in diags.items:
        key = (d.severity, d.summary, d.detail, d.subject)
        if key in seen:
            continue
        seen.add(key)
        kept.append(d)
    diags.items[:] = kept
