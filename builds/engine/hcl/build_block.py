"""Decoding ``build`` blocks: sources, provisioners, post-processor chains and dynamic blocks.

Builds are decoded after variables and locals are known, because Packer lets
a build's name, description and ``sources`` use them, and ``dynamic`` blocks
generate sources and provisioners from collections.
"""

from __future__ import annotations

from typing import Any

from builds.engine.durations import parse_duration
from builds.engine.hcl import ast, types
from builds.engine.hcl.context import Context
from builds.engine.hcl.diagnostics import Diagnostics, Range
from builds.engine.hcl.evaluate import EvalError, Scope
from builds.engine.hcl.template import BuildDecl, BuildSource, PostProcessorDecl, ProvisionerDecl
from builds.engine.hcl.values import UNKNOWN

_BUILD_ATTRS = ("name", "description", "sources")
_BUILD_BLOCKS = ("source", "provisioner", "post-processor", "post-processors", "error-cleanup-provisioner",
                 "hcp_packer_registry")
_STRING_LIST = types.List(types.STRING)
_FAILED = object()


def decode_build(block: ast.Block, context: Context, diags: Diagnostics) -> BuildDecl:
    """Return the build that ``block`` declares, reporting what is wrong with it."""
    body = block.body
    build = BuildDecl(block)
    where = "build"
    for attr in body.attributes.values():
        if attr.name not in _BUILD_ATTRS:
            diags.error("Unsupported argument", f'An argument named "{attr.name}" is not expected here.'
                        + _suggest(attr.name, _BUILD_ATTRS), attr.name_range, where)
    scope = context.scope()
    if "name" in body.attributes:
        build.name = _typed(body.attributes["name"], types.STRING, scope, diags, where, "")
        where = f'build "{build.name}"'
    if "description" in body.attributes:
        build.description = _typed(body.attributes["description"], types.STRING, scope, diags, where, "")
    errors_before = len(diags.errors)
    if "sources" in body.attributes:
        _decode_source_list(build, body.attributes["sources"], scope, diags, where)
    for child, names in _expand_dynamic(body, scope, diags, where):
        _decode_child(build, child, names, scope, diags, where)
    if not build.sources and len(diags.errors) == errors_before:
        diags.error("Missing sources", "A build block must use at least one source, listed in `sources` or given "
                    "as a nested source block.", block.def_range, where)
    return build


def _decode_child(build: BuildDecl, child: ast.Block, names: dict[str, Any], scope: Scope, diags: Diagnostics,
                  where: str) -> None:
    kind = child.type
    if kind == "source":
        if _labels(child, 1, "reference", diags, where):
            _decode_build_source(build, child, names, scope, diags, where)
    elif kind in ("provisioner", "error-cleanup-provisioner"):
        if not _labels(child, 1, "type", diags, where):
            return
        prov = ProvisionerDecl(child.labels[0], child, names=names)
        _decode_provisioner(prov, scope.child(**names), diags)
        if kind == "provisioner":
            build.provisioners.append(prov)
        elif build.error_cleanup_provisioner is not None:
            diags.error("Duplicate error-cleanup-provisioner block",
                        "Only one error-cleanup-provisioner block is allowed in a build.", child.def_range, where)
        else:
            build.error_cleanup_provisioner = prov
    elif kind == "post-processor":
        if _labels(child, 1, "type", diags, where):
            pp = PostProcessorDecl(child.labels[0], child, names=names)
            _decode_post_processor(pp, scope.child(**names), diags)
            build.post_processors.append([pp])
    elif kind == "post-processors":
        if _labels(child, 0, "", diags, where):
            _decode_chain(build, child, scope.child(**names), diags, where)
    elif kind == "hcp_packer_registry":
        if build.hcp_packer_registry is not None:
            diags.error("Duplicate hcp_packer_registry block",
                        "Only one hcp_packer_registry block is allowed in a build.", child.def_range, where)
        else:
            build.hcp_packer_registry = child
    else:
        diags.error("Unsupported block type", f'Blocks of type "{kind}" are not expected here.'
                    + _suggest(kind, _BUILD_BLOCKS), child.type_range, where)


def _suggest(name: str, options: tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(name, options, n=1, cutoff=0.7)
    return f' Did you mean "{close[0]}"?' if close else ""


def _labels(block: ast.Block, count: int, name: str, diags: Diagnostics, where: str) -> bool:
    if len(block.labels) == count:
        return True
    if len(block.labels) > count:
        diags.error(f"Extraneous label for {block.type}",
                    f"Only 1 label ({name}) is expected for {block.type} blocks." if count else
                    f"No labels are expected for {block.type} blocks.", block.label_ranges[count], where)
    else:
        diags.error(f"Missing {name} for {block.type}", f"All {block.type} blocks must have 1 label ({name}).",
                    block.def_range, where)
    return False


def _decode_chain(build: BuildDecl, block: ast.Block, scope: Scope, diags: Diagnostics, where: str) -> None:
    for attr in block.body.attributes.values():
        diags.error("Unsupported argument", f'An argument named "{attr.name}" is not expected here.',
                    attr.name_range, where)
    chain = []
    for child, names in _expand_dynamic(block.body, scope, diags, where):
        if child.type != "post-processor":
            diags.error("Unsupported block type", f'Blocks of type "{child.type}" are not expected here; a '
                        "post-processors block holds post-processor blocks.", child.type_range, where)
            continue
        if _labels(child, 1, "type", diags, where):
            pp = PostProcessorDecl(child.labels[0], child, names=names)
            _decode_post_processor(pp, scope.child(**names), diags)
            chain.append(pp)
    if chain:
        build.post_processors.append(chain)


def parse_source_ref(ref: str) -> tuple[str, str] | None:
    """Split ``source.TYPE.NAME`` (or ``TYPE.NAME``) as Packer does: with three parts the first is dropped."""
    parts = ref.split(".")
    if len(parts) == 3:
        parts = parts[1:]
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def _decode_source_list(build: BuildDecl, attr: ast.Attribute, scope: Scope, diags: Diagnostics,
                        where: str) -> None:
    expr = attr.expr
    items = expr.items if isinstance(expr, ast.TupleCons) else None
    if items is not None:
        refs = [(_source_ref_text(item, scope, diags, where), item.range) for item in items]
    else:
        value = _typed(attr, _STRING_LIST, scope, diags, where, _FAILED)
        if value is _FAILED or value is UNKNOWN:
            return
        refs = [(v, expr.range) for v in value]
    for ref, rng in refs:
        if ref is _FAILED:
            continue
        parsed = parse_source_ref(ref) if isinstance(ref, str) else None
        if parsed is None:
            diags.error("Invalid source reference", f'"{ref}" is not a source reference; use the form '
                        '"source.TYPE.NAME", e.g. "source.amazon-ebs.example".', rng, where)
            continue
        build.sources.append(BuildSource(parsed[0], parsed[1], rng))


def _source_ref_text(item: ast.Expr, scope: Scope, diags: Diagnostics, where: str) -> Any:
    trav = ast.traversal_of(item)
    if trav is not None and trav[0] == "source" and all(isinstance(s, str) for s in trav[1]):
        return ".".join(["source", *trav[1]])  # type: ignore[list-item]
    try:
        value = item and _eval(item, scope)
    except EvalError as exc:
        exc.diag.context = exc.diag.context or where
        diags.add(exc.diag)
        return _FAILED
    if value is UNKNOWN:
        diags.error("Unknown source reference", "The source reference depends on a value that is not known until "
                    "the build runs.", item.range, where)
        return _FAILED
    return value


def _decode_build_source(build: BuildDecl, block: ast.Block, names: dict[str, Any], scope: Scope,
                         diags: Diagnostics, where: str) -> None:
    parsed = parse_source_ref(block.labels[0])
    if parsed is None:
        diags.error("Invalid source reference", 'A source block inside a build is labelled with a reference to a '
                    'top-level source, "source.TYPE.NAME" or "TYPE.NAME".', block.label_ranges[0], where)
        return
    use = BuildSource(parsed[0], parsed[1], block.def_range, override=block.body, names=names)
    name_attr = block.body.attributes.get("name")
    if name_attr is not None:
        use.local_name = _typed(name_attr, types.STRING, scope.child(**names), diags, where, "")
    build.sources.append(use)


def _expand_dynamic(body: ast.Body, scope: Scope, diags: Diagnostics, where: str):
    """Yield (block, iterator names) for each child block, expanding ``dynamic`` blocks in order."""
    for child in body.blocks:
        if child.type != "dynamic":
            yield child, {}
            continue
        if len(child.labels) != 1:
            diags.error("Invalid dynamic block", "A dynamic block has exactly one label: the type of the blocks it "
                        "generates.", child.def_range, where)
            continue
        target = child.labels[0]
        attrs = child.body.attributes
        contents = child.body.blocks_of("content")
        if len(contents) != 1:
            diags.error("Invalid dynamic block", "A dynamic block must contain exactly one content block.",
                        child.def_range, where)
            continue
        if "for_each" not in attrs:
            diags.error("Missing required argument", 'The argument "for_each" is required, but no definition was '
                        "found.", child.def_range, where)
            continue
        iterator = target
        if "iterator" in attrs:
            it_expr = attrs["iterator"].expr
            if not isinstance(it_expr, ast.Variable):
                diags.error("Invalid dynamic iterator name", "The iterator must be a plain name.", it_expr.range,
                            where)
                continue
            iterator = it_expr.name
        try:
            collection = _eval(attrs["for_each"].expr, scope)
        except EvalError as exc:
            exc.diag.context = exc.diag.context or where
            diags.add(exc.diag)
            continue
        if collection is UNKNOWN:
            pairs: list[tuple[Any, Any]] = [(UNKNOWN, UNKNOWN)]
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        elif isinstance(collection, dict):
            pairs = sorted(collection.items())
        else:
            diags.error("Invalid dynamic for_each value", "Cannot use a value of this type in for_each: a "
                        "collection is required.", attrs["for_each"].expr.range, where)
            continue
        for key, value in pairs:
            names = {iterator: {"key": key, "value": value}}
            labels: list[str] = []
            if "labels" in attrs:
                labels = _typed(attrs["labels"], _STRING_LIST, scope.child(**names), diags, where, _FAILED)
                if labels is _FAILED or labels is UNKNOWN:
                    break
            label_range = child.label_ranges[0]
            yield ast.Block(target, list(labels), contents[0].body, child.range, label_range,
                            [label_range] * len(labels)), names


def _eval(expr: ast.Expr, scope: Scope) -> Any:
    from builds.engine.hcl.evaluate import evaluate

    return evaluate(expr, scope)


def _typed(attr: ast.Attribute | None, typ: types.Type, scope: Scope, diags: Diagnostics, where: str,
           default: Any) -> Any:
    if attr is None:
        return default
    try:
        value = _eval(attr.expr, scope)
    except EvalError as exc:
        exc.diag.context = exc.diag.context or where
        diags.add(exc.diag)
        return default
    if value is UNKNOWN or value is None:
        return default
    try:
        return types.convert(value, typ)
    except types.ConversionError as exc:
        diags.error("Incorrect attribute value type", f'Inappropriate value for attribute "{attr.name}": {exc}.',
                    attr.expr.range, where)
        return default


def _duration(attr: ast.Attribute | None, scope: Scope, diags: Diagnostics, where: str) -> float:
    text = _typed(attr, types.STRING, scope, diags, where, "")
    if not text:
        return 0.0
    try:
        return parse_duration(text)
    except ValueError as exc:
        diags.error("Invalid duration", f'{exc}; use a number with a unit, such as "30s", "5m" or "1h".',
                    attr.expr.range, where)
        return 0.0


def _decode_provisioner(prov: ProvisionerDecl, scope: Scope, diags: Diagnostics) -> None:
    attrs = prov.block.body.attributes
    where = f'provisioner "{prov.type}"'
    prov.name = _typed(attrs.get("name"), types.STRING, scope, diags, where, "")
    prov.only = _typed(attrs.get("only"), _STRING_LIST, scope, diags, where, [])
    prov.except_ = _typed(attrs.get("except"), _STRING_LIST, scope, diags, where, [])
    if prov.only and prov.except_:
        diags.error("Invalid provisioner", "Only one of only or except may be set, not both.",
                    prov.block.def_range, where)
    prov.pause_before = _duration(attrs.get("pause_before"), scope, diags, where)
    prov.timeout = _duration(attrs.get("timeout"), scope, diags, where)
    prov.max_retries = int(_typed(attrs.get("max_retries"), types.NUMBER, scope, diags, where, 0))
    prov.continue_on_error = _typed(attrs.get("continue_on_error"), types.BOOL, scope, diags, where, False)
    override = _typed(attrs.get("override"), types.Map(types.ANY), scope, diags, where, {})
    prov.override = override if isinstance(override, dict) else {}


def _decode_post_processor(pp: PostProcessorDecl, scope: Scope, diags: Diagnostics) -> None:
    attrs = pp.block.body.attributes
    where = f'post-processor "{pp.type}"'
    pp.name = _typed(attrs.get("name"), types.STRING, scope, diags, where, "")
    pp.only = _typed(attrs.get("only"), _STRING_LIST, scope, diags, where, [])
    pp.except_ = _typed(attrs.get("except"), _STRING_LIST, scope, diags, where, [])
    if pp.only and pp.except_:
        diags.error("Invalid post-processor", "Only one of only or except may be set, not both.",
                    pp.block.def_range, where)
    keep = attrs.get("keep_input_artifact")
    pp.keep_input_artifact = _typed(keep, types.BOOL, scope, diags, where, None) if keep else None


__all__ = ["decode_build", "parse_source_ref", "Range"]
