"""Evaluators of literals, variables, traversals, splats and collection constructors."""

from __future__ import annotations

from typing import Any

from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Range, error
from builds.engine.hcl.evaluate.core import EvalError, Scope, evaluate
from builds.engine.hcl.values import UNKNOWN, format_number, number, type_name


def _literal(expr: ast.Literal, scope: Scope) -> Any:
    return expr.value


def _template_wrap(expr: ast.TemplateWrap, scope: Scope) -> Any:
    return evaluate(expr.wrapped, scope)


def _variable(expr: ast.Variable, scope: Scope) -> Any:
    name = expr.name
    if name in scope.names:
        return scope.names[name]
    if name in scope.unknown_roots:
        return UNKNOWN
    if scope.resolve is not None:
        return scope.resolve(name, [], expr.range)
    raise EvalError(error("Unknown variable", f'There is no variable named "{name}".', expr.range))


def _get_attr(expr: ast.GetAttr, scope: Scope) -> Any:
    trav = ast.traversal_of(expr)
    if trav is not None and scope.resolve is not None and trav[0] not in scope.names \
            and trav[0] not in scope.unknown_roots:
        return scope.resolve(trav[0], trav[1], expr.range)
    obj = evaluate(expr.obj, scope)
    return get_attr(obj, expr.name, expr.range)


def get_attr(obj: Any, name: str, rng: Range) -> Any:
    """Return ``obj.name`` with HCL's errors for nulls, lists and missing attributes."""
    if obj is UNKNOWN:
        return UNKNOWN
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        raise EvalError(error("Unsupported attribute", f'This object does not have an attribute named "{name}".',
                              rng))
    if obj is None:
        raise EvalError(error("Attempt to get attribute from null value",
                              "This value is null, so it does not have any attributes.", rng))
    if isinstance(obj, list):
        raise EvalError(error("Unsupported attribute",
                              "Can't access attributes on a list of objects. Did you mean to access an attribute "
                              "for a specific element of the list, or across all elements of the list?", rng))
    raise EvalError(error("Unsupported attribute",
                          f"Can't access attributes on a primitive-typed value ({type_name(obj)}).", rng))


def _index(expr: ast.Index, scope: Scope) -> Any:
    trav = ast.traversal_of(expr)
    if trav is not None and scope.resolve is not None and trav[0] not in scope.names \
            and trav[0] not in scope.unknown_roots:
        return scope.resolve(trav[0], trav[1], expr.range)
    obj = evaluate(expr.obj, scope)
    key = evaluate(expr.key, scope)
    return index(obj, key, expr.range)


def index(obj: Any, key: Any, rng: Range) -> Any:
    """Return ``obj[key]`` with HCL's conversions (``"1"`` indexes a list) and errors."""
    if obj is UNKNOWN or key is UNKNOWN:
        return UNKNOWN
    if obj is None:
        raise EvalError(error("Attempt to index null value", "This value is null, so it does not have any indices.",
                              rng))
    if isinstance(obj, list):
        if isinstance(key, str):
            try:
                key = number(float(key))
            except ValueError:
                key = None
        if not isinstance(key, int) or isinstance(key, bool):
            raise EvalError(error("Invalid index", "The given key does not identify an element in this collection "
                                  "value: a number is required.", rng))
        if 0 <= key < len(obj):
            return obj[key]
        raise EvalError(error("Invalid index", "The given key does not identify an element in this collection "
                              "value: the given index is greater than or equal to the length of the collection."
                              if key >= 0 else
                              "The given key does not identify an element in this collection value: a negative "
                              "number is not a valid index for a sequence.", rng))
    if isinstance(obj, dict):
        if isinstance(key, (int, float)) and not isinstance(key, bool):
            key = format_number(key)
        elif isinstance(key, bool):
            key = "true" if key else "false"
        if not isinstance(key, str):
            raise EvalError(error("Invalid index", "The given key does not identify an element in this collection "
                                  "value: string required.", rng))
        if key in obj:
            return obj[key]
        raise EvalError(error("Invalid index", "The given key does not identify an element in this collection "
                              "value.", rng))
    raise EvalError(error("Invalid index", f"This value does not have any indices (it is a {type_name(obj)}).", rng))


def _splat(expr: ast.Splat, scope: Scope) -> Any:
    source = evaluate(expr.source, scope)
    if source is UNKNOWN:
        return UNKNOWN
    if source is None:
        return []
    items = source if isinstance(source, list) else [source]
    return [evaluate(expr.each, scope.child(**{_ANON: item})) for item in items]


_ANON = "\x00splat"


def _anon(expr: ast.AnonSymbol, scope: Scope) -> Any:
    return scope.names[_ANON]


def _tuple(expr: ast.TupleCons, scope: Scope) -> Any:
    return [evaluate(item, scope) for item in expr.items]


def _object(expr: ast.ObjectCons, scope: Scope) -> Any:
    result: dict[str, Any] = {}
    for item in expr.items:
        if item.key_is_name:
            key: Any = item.key.name  # type: ignore[attr-defined]
        else:
            key = evaluate(item.key, scope)
            if key is UNKNOWN:
                return UNKNOWN
            if isinstance(key, bool):
                key = "true" if key else "false"
            elif isinstance(key, (int, float)):
                key = format_number(key)
            elif not isinstance(key, str):
                raise EvalError(error("Incorrect key type", "Can't use this value as a key: string required.",
                                      item.key.range))
        result[key] = evaluate(item.value, scope)
    return result


def _parens(expr: ast.Parens, scope: Scope) -> Any:
    return evaluate(expr.inner, scope)


def walk_path(value: Any, steps: list, rng: Range) -> Any:
    """Follow static traversal ``steps`` (attribute names and indexes) from ``value``."""
    for step in steps:
        value = get_attr(value, step, rng) if isinstance(step, str) and isinstance(value, dict) \
            else index(value, step, rng)
    return value
