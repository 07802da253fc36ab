"""Checking a block body against a plugin schema and decoding it into plain values.

Unknown arguments, missing required ones, wrong value types and misplaced
blocks are each reported with their position; ``dynamic`` blocks are expanded.
Values that are not known yet (data sources at validate time) are kept as
:data:`UNKNOWN` and not type-checked.
"""

from __future__ import annotations

import difflib
from functools import cache
from typing import Any

from builds.engine.hcl import ast, types
from builds.engine.hcl.diagnostics import Diagnostics
from builds.engine.hcl.evaluate import EvalError, Scope, evaluate
from builds.engine.hcl.values import UNKNOWN
from builds.engine.schema import Schema


@cache
def schema_type(text: str) -> types.Type:
    return types.parse_type_string(text)


def decode_body(body: ast.Body, schema: Schema, scope: Scope, diags: Diagnostics, *, context: str = "",
                skip: frozenset[str] = frozenset(), missing_range=None,
                present: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Check ``body`` against ``schema`` and return its values (nested blocks as dicts or lists of dicts).

    ``skip`` names language-level arguments that are not the plugin's business; ``present`` names
    arguments set elsewhere (a build's source override), which satisfy ``required``.
    """
    result: dict[str, Any] = {}
    for name, attr in body.attributes.items():
        if name in skip:
            continue
        spec = schema.attributes.get(name)
        if spec is None:
            if schema.open:
                result[name] = _eval(attr.expr, scope, diags, context)
                continue
            detail = f'An argument named "{name}" is not expected here.'
            if name in schema.blocks:
                detail += f' Did you mean to define a block of type "{name}"?'
            else:
                detail += _suggest(name, schema.attributes)
            diags.error("Unsupported argument", detail, attr.name_range, context)
            continue
        value = _eval(attr.expr, scope, diags, context)
        if spec.deprecated:
            diags.warning("Deprecated argument", f'The argument "{name}" is deprecated: {spec.deprecated}',
                          attr.name_range, context)
        if value is _ERROR:
            continue
        result[name] = _convert(value, spec.type, attr, diags, context)

    seen_single: dict[str, ast.Block] = {}
    for block in body.blocks:
        if block.type == "dynamic":
            _decode_dynamic(block, schema, scope, diags, context, result)
            continue
        spec = schema.blocks.get(block.type)
        if spec is None:
            detail = f'Blocks of type "{block.type}" are not expected here.'
            if block.type in schema.attributes:
                detail += (f' Did you mean to define argument "{block.type}"? If so, use the equals sign to '
                           "assign it a value.")
            else:
                detail += _suggest(block.type, schema.blocks)
            diags.error("Unsupported block type", detail, block.type_range, context)
            continue
        if not _labels_ok(block, spec.labels, diags, context):
            continue
        if not spec.repeated:
            prior = seen_single.get(block.type)
            if prior is not None:
                diags.error(f'Duplicate {block.type} block',
                            f"Only one {block.type} block is allowed. Another was defined at {prior.def_range}.",
                            block.def_range, context)
                continue
            seen_single[block.type] = block
        value = decode_body(block.body, spec.schema, scope, diags, context=context, missing_range=block.def_range)
        if spec.labels:
            value = {**dict(zip(spec.labels, block.labels, strict=True)), **value}
        if spec.repeated:
            result.setdefault(block.type, []).append(value)
        else:
            result[block.type] = value

    where = missing_range or body.range
    for name, spec in schema.attributes.items():
        if spec.required and name not in body.attributes and name not in present:
            diags.error("Missing required argument",
                        f'The argument "{name}" is required, but no definition was found.', where, context)
    for name, spec in schema.blocks.items():
        if spec.required and name not in result and not any(
                b.type == "dynamic" and b.labels and b.labels[0] == name for b in body.blocks):
            diags.error(f'Missing {name} block', f'A block of type "{name}" is required here.', where, context)
    return result


_ERROR = object()


def _eval(expr: ast.Expr, scope: Scope, diags: Diagnostics, context: str) -> Any:
    try:
        return evaluate(expr, scope)
    except EvalError as exc:
        if not exc.diag.context:
            exc.diag.context = context
        diags.add(exc.diag)
        return _ERROR


def _convert(value: Any, type_text: str, attr: ast.Attribute, diags: Diagnostics, context: str) -> Any:
    if value is UNKNOWN or value is None:
        return value
    try:
        return types.convert(value, schema_type(type_text))
    except types.ConversionError as exc:
        where = f" at {exc.path}" if getattr(exc, "path", "") else ""
        diags.error("Incorrect attribute value type",
                    f'Inappropriate value for attribute "{attr.name}"{where}: {exc}.', attr.expr.range, context)
        return UNKNOWN


def _labels_ok(block: ast.Block, labels: tuple[str, ...], diags: Diagnostics, context: str) -> bool:
    if len(block.labels) == len(labels):
        return True
    if len(block.labels) > len(labels):
        diags.error(f"Extraneous label for {block.type}",
                    f"No labels are expected for {block.type} blocks." if not labels else
                    f"Only {len(labels)} labels ({', '.join(labels)}) are expected for {block.type} blocks.",
                    block.label_ranges[len(labels)], context)
    else:
        diags.error(f"Missing {labels[len(block.labels)]} for {block.type}",
                    f"All {block.type} blocks must have {len(labels)} labels ({', '.join(labels)}).",
                    block.def_range, context)
    return False


def _decode_dynamic(block: ast.Block, schema: Schema, scope: Scope, diags: Diagnostics, context: str,
                    result: dict[str, Any]) -> None:
    if len(block.labels) != 1:
        diags.error("Invalid dynamic block", "A dynamic block has exactly one label: the type of the blocks it "
                    "generates.", block.def_range, context)
        return
    target = block.labels[0]
    spec = schema.blocks.get(target)
    if spec is None:
        diags.error("Unsupported block type", f'Blocks of type "{target}" are not expected here, so a dynamic '
                    "block cannot generate them.", block.label_ranges[0], context)
        return
    body = block.body
    for attr in body.attributes.values():
        if attr.name not in ("for_each", "iterator", "labels"):
            diags.error("Unsupported argument", f'An argument named "{attr.name}" is not expected in a dynamic '
                        "block.", attr.name_range, context)
    contents = body.blocks_of("content")
    for other in body.blocks:
        if other.type != "content":
            diags.error("Unsupported block type", f'Blocks of type "{other.type}" are not expected in a dynamic '
                        "block; only one content block is.", other.type_range, context)
    if len(contents) != 1:
        diags.error("Invalid dynamic block", "A dynamic block must contain exactly one content block.",
                    block.def_range, context)
        return
    for_each = body.attributes.get("for_each")
    if for_each is None:
        diags.error("Missing required argument", 'The argument "for_each" is required, but no definition was '
                    "found.", block.def_range, context)
        return
    iterator = target
    if "iterator" in body.attributes:
        it_expr = body.attributes["iterator"].expr
        if isinstance(it_expr, ast.Variable):
            iterator = it_expr.name
        else:
            diags.error("Invalid dynamic iterator name", "The iterator must be a plain name.", it_expr.range,
                        context)
            return
    collection = _eval(for_each.expr, scope, diags, context)
    if collection is _ERROR:
        return
    if collection is UNKNOWN:
        items: list[tuple[Any, Any]] = [(UNKNOWN, UNKNOWN)]
    elif isinstance(collection, list):
        items = list(enumerate(collection))
    elif isinstance(collection, dict):
        items = sorted(collection.items())
    else:
        diags.error("Invalid dynamic for_each value", "Cannot use a value of this type in for_each: a collection "
                    "is required.", for_each.expr.range, context)
        return
    decoded = []
    for key, value in items:
        inner = scope.child(**{iterator: {"key": key, "value": value}})
        local = Diagnostics()
        decoded.append(decode_body(contents[0].body, spec.schema, inner, local, context=context,
                                   missing_range=block.def_range))
        for diag in local:
            if diag not in diags.items and not _same(diag, diags):
                diags.add(diag)
    if spec.repeated:
        result.setdefault(target, []).extend(decoded)
    elif decoded:
        result[target] = decoded[0]


def _same(diag, diags: Diagnostics) -> bool:
    return any(d.summary == diag.summary and d.subject == diag.subject for d in diags.items)


def _suggest(name: str, options) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.75)
    return f' Did you mean "{close[0]}"?' if close else ""


def evaluate_all(body: ast.Body, scope: Scope, diags: Diagnostics, context: str = "") -> None:
    """Evaluate every attribute in ``body`` and its nested blocks, for language-level errors only."""
    for attr in body.attributes.values():
        _eval(attr.expr, scope, diags, context)
    for block in body.blocks:
        if block.type == "dynamic" and "for_each" in block.body.attributes:
            coll = _eval(block.body.attributes["for_each"].expr, scope, diags, context)
            iterator = block.labels[0] if block.labels else "dynamic"
            it = block.body.attributes.get("iterator")
            if it is not None and isinstance(it.expr, ast.Variable):
                iterator = it.expr.name
            sample = {"key": UNKNOWN, "value": UNKNOWN}
            if isinstance(coll, list) and coll:
                sample = {"key": 0, "value": coll[0]}
            elif isinstance(coll, dict) and coll:
                first = sorted(coll)[0]
                sample = {"key": first, "value": coll[first]}
            inner = scope.child(**{iterator: sample})
            for content in block.body.blocks_of("content"):
                evaluate_all(content.body, inner, diags, context)
            continue
        evaluate_all(block.body, scope, diags, context)
