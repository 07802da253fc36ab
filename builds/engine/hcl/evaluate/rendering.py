"""Evaluators that iterate or render: string templates with %{if}/%{for} and for expressions."""

from __future__ import annotations

from typing import Any

from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Range, error
from builds.engine.hcl.evaluate.core import EvalError, Scope, evaluate
from builds.engine.hcl.evaluate.operators import _to_bool
from builds.engine.hcl.values import UNKNOWN, format_number, is_unknown, type_name


def _template(expr: ast.Template, scope: Scope) -> Any:
    out: list[str] = []
    unknown = _render_parts(expr.parts, scope, out)
    return UNKNOWN if unknown else "".join(out)


def _render_parts(parts: list[ast.TemplatePart], scope: Scope, out: list[str]) -> bool:
    unknown = False
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, ast.TemplateIf):
            cond = evaluate(part.cond, scope)
            if cond is UNKNOWN:
                unknown = True
                continue
            if not isinstance(cond, bool):
                cond = _to_bool(cond, part.cond.range, "Invalid template if directive")
            unknown |= _render_parts(part.then_parts if cond else part.else_parts, scope, out)
        elif isinstance(part, ast.TemplateFor):
            coll = evaluate(part.coll, scope)
            if coll is UNKNOWN:
                unknown = True
                continue
            for key, value in _iterate(coll, part.coll.range, "Invalid template for directive"):
                names = {part.value_var: value}
                if part.key_var:
                    names[part.key_var] = key
                unknown |= _render_parts(part.parts, scope.child(**names), out)
        else:
            value = evaluate(part, scope)
            if is_unknown(value):
                unknown = True
                continue
            out.append(_template_string(value, part.range))
    return unknown


def _template_string(value: Any, rng: Range) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        raise EvalError(error("Invalid template interpolation value",
                              "The expression result is null. Cannot include a null value in a string template.",
                              rng))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_number(value)
    raise EvalError(error("Invalid template interpolation value",
                          f"Cannot include the given value in a string template: string required, "
                          f"but have {type_name(value)}.", rng))


def _iterate(coll: Any, rng: Range, summary: str):
    if isinstance(coll, list):
        return list(enumerate(coll))
    if isinstance(coll, dict):
        return [(k, coll[k]) for k in sorted(coll)]
    if coll is None:
        raise EvalError(error(summary, "A null value cannot be used as the collection in a 'for' expression.", rng))
    raise EvalError(error(summary, f"A 'for' expression can only iterate over a collection, not a "
                                   f"{type_name(coll)}.", rng))


def _for(expr: ast.ForExpr, scope: Scope) -> Any:
    coll = evaluate(expr.coll, scope)
    if coll is UNKNOWN:
        return UNKNOWN
    pairs = _iterate(coll, expr.coll.range, "Iteration over non-iterable value")
    results_list: list[Any] = []
    results_map: dict[str, Any] = {}
    for key, value in pairs:
        names = {expr.value_var: value}
        if expr.key_var:
            names[expr.key_var] = key
        inner = scope.child(**names)
        if expr.cond is not None:
            keep = evaluate(expr.cond, inner)
            if keep is UNKNOWN:
                return UNKNOWN
            if not _to_bool(keep, expr.cond.range, "Invalid 'for' condition"):
                continue
        if expr.key_expr is None:
            results_list.append(evaluate(expr.value_expr, inner))
            continue
        k = evaluate(expr.key_expr, inner)
        if k is UNKNOWN:
            return UNKNOWN
        if isinstance(k, (int, float)) and not isinstance(k, bool):
            k = format_number(k)
        if not isinstance(k, str):
            raise EvalError(error("Invalid object key", "Key expression in 'for' expression must be a string.",
                                  expr.key_expr.range))
        v = evaluate(expr.value_expr, inner)
        if expr.group:
            results_map.setdefault(k, []).append(v)
        elif k in results_map:
            raise EvalError(error("Duplicate object key",
                                  f'Two different items produced the key "{k}" in this \'for\' expression. If '
                                  "duplicates are expected, use the ellipsis (...) after the value expression "
                                  "to enable grouping by key.", expr.key_expr.range))
        else:
            results_map[k] = v
    return results_list if expr.key_expr is None else results_map
