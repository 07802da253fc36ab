"""Evaluation of HCL expressions against a scope of named values and the function library."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Diagnostic, Range, error
from builds.engine.hcl.values import UNKNOWN, format_number, is_unknown, number, type_name

# Names of the functions that take unevaluated expressions as arguments.
_SPECIAL_FORMS = ("try", "can", "convert")


class EvalError(Exception):
    """An expression could not be evaluated; carries the diagnostic to show the user."""

    def __init__(self, diag: Diagnostic):
        self.diag = diag
        super().__init__(diag.summary)


@dataclass
class Scope:
    """What an expression can see: root names (``var``, ``local``, ...) and the functions.

    ``resolve`` is consulted for root names missing from ``names``; it lets the
    configuration evaluate locals lazily (and detect cycles) on first reference.
    """

    names: dict[str, Any] = field(default_factory=dict)
    functions: Mapping[str, Any] | None = None
    function_context: Any = None
    resolve: Callable[[str, list, Range], Any] | None = None
    allow_env: bool = False
    unknown_roots: frozenset[str] = frozenset()

    def child(self, **names: Any) -> Scope:
        merged = dict(self.names)
        merged.update(names)
        return Scope(merged, self.functions, self.function_context, self.resolve, self.allow_env,
                     self.unknown_roots)


def evaluate(expr: ast.Expr, scope: Scope) -> Any:
    """Return the value of ``expr``; raise :class:`EvalError` with a positioned diagnostic on failure."""
    method = _DISPATCH.get(type(expr))
    if method is None:
        raise TypeError(f"cannot evaluate {type(expr).__name__}")
    try:
        return method(expr, scope)
    except RecursionError:
        # Long operator or index chains (a + b + ... thousands of times) nest the tree deeper than the
        # parser's bracket limit; the innermost expression that still has room reports it.
        raise EvalError(error("Too deeply nested", "This expression nests too deeply to evaluate. Split it into "
                              "smaller pieces, for example with locals.", expr.range)) from None


# --------------------------------------------------------------------------- nodes


def _literal(expr: ast.Literal, scope: Scope) -> Any:
    return expr.value


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


def _conditional(expr: ast.Conditional, scope: Scope) -> Any:
    cond = evaluate(expr.cond, scope)
    if cond is UNKNOWN:
        return UNKNOWN
    cond = _to_bool(cond, expr.cond.range, "Incorrect condition type")
    return evaluate(expr.true_expr if cond else expr.false_expr, scope)


def _to_bool(value: Any, rng: Range, summary: str) -> bool:
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    if value is None:
        raise EvalError(error(summary, "The condition value is null. Conditions must either be true or false.", rng))
    raise EvalError(error(summary, f"The condition expression must be of type bool, not {type_name(value)}.", rng))


def _to_number(value: Any, rng: Range, side: str) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            parsed = float(value) if value.strip() == value and value else math.nan
        except ValueError:
            parsed = math.nan
        if not math.isnan(parsed):  # "nan" is no number to cty
            return number(parsed)
    return _bad_number(rng, side)


def _bad_number(rng: Range, side: str) -> Any:
    raise EvalError(error("Invalid operand", f"Unsuitable value for {side} operand: a number is required.", rng))


def _binary(expr: ast.BinaryOp, scope: Scope) -> Any:
    lhs = evaluate(expr.lhs, scope)
    rhs = evaluate(expr.rhs, scope)
    op = expr.op
    if op in ("==", "!="):
        if is_unknown(lhs) or is_unknown(rhs):
            return UNKNOWN
        equal = _equal(lhs, rhs)
        return equal if op == "==" else not equal
    if lhs is UNKNOWN or rhs is UNKNOWN:
        return UNKNOWN
    if op in ("&&", "||"):
        left = _logic_operand(lhs, expr.lhs.range, "left")
        right = _logic_operand(rhs, expr.rhs.range, "right")
        return (left and right) if op == "&&" else (left or right)
    a = _to_number(lhs, expr.lhs.range, "left")
    b = _to_number(rhs, expr.rhs.range, "right")
    if op in ("+", "-", "*", "/", "%"):
        try:
            result = _arithmetic(op, a, b, expr)
        except OverflowError:
            # An integer too large for a float met a float (or a quotient overflowed): go on in floats.
            result = _arithmetic(op, _as_float(a), _as_float(b), expr)
        if isinstance(result, float) and math.isnan(result):
            raise EvalError(error("Operation failed", f"Error during operation: {_NAN_REASONS[op]}.", expr.range))
        return result
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    raise AssertionError(f"unknown operator {op}")


# What cty says when an operation on infinities has no numeric result.
_NAN_REASONS = {"+": "can't compute sum of opposing infinities", "-": "can't subtract infinity from itself",
                "*": "can't multiply zero by infinity", "/": "can't divide infinity by infinity",
                "%": "can't use modulo with zero and infinity"}


def _as_float(value: int | float) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _arithmetic(op: str, a: int | float, b: int | float, expr: ast.BinaryOp) -> int | float:
    if op == "+":
        return number(a + b)
    if op == "-":
        return number(a - b)
    if op == "*":
        return number(a * b)
    if op in ("/", "%"):
        if b == 0:
            if op == "/":
                if a == 0:
                    raise EvalError(error("Operation failed", "Error during operation: can't divide zero by zero.",
                                          expr.range))
                return math.inf if a > 0 else -math.inf
            raise EvalError(error("Operation failed", "Error during operation: can't use zero as divisor.",
                                  expr.range))
        if op == "/":
            return number(a / b)
        if isinstance(a, float) and math.isinf(a):
            return math.nan
        if isinstance(a, int) and isinstance(b, int):
            remainder = abs(a) % abs(b)  # exact for integers of any size; the sign follows the dividend
            return remainder if a >= 0 else -remainder
        return number(math.fmod(a, b))
    raise AssertionError(f"unknown operator {op}")


def _logic_operand(value: Any, rng: Range, side: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise EvalError(error("Invalid operand", f"Unsuitable value for {side} operand: bool required.", rng))


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return a == b


def _unary(expr: ast.UnaryOp, scope: Scope) -> Any:
    value = evaluate(expr.operand, scope)
    if value is UNKNOWN:
        return UNKNOWN
    if expr.op == "!":
        return not _logic_operand(value, expr.operand.range, "the")
    return number(-_to_number(value, expr.operand.range, "the"))


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


def _call(expr: ast.FunctionCall, scope: Scope) -> Any:
    name = expr.name
    if name in _SPECIAL_FORMS:
        return _special_form(expr, scope)
    from builds.engine.hcl.functions import ENV, FUNCTIONS, FunctionError

    if name == "env":
        if not scope.allow_env:
            raise EvalError(error("Call to unavailable function",
                                  'The function "env" can only be used in the default value of a variable. Set '
                                  "the variable from the environment instead, with PKR_VAR_<name>.",
                                  expr.name_range))
        func = ENV
    else:
        func = (scope.functions if scope.functions is not None else FUNCTIONS).get(name)
    if func is None:
        raise EvalError(error("Call to unknown function", f'There is no function named "{name}".', expr.name_range))
    args = [evaluate(a, scope) for a in expr.args]
    if expr.expand_final and args:
        last = args.pop()
        if last is UNKNOWN:
            return UNKNOWN
        if not isinstance(last, list):
            raise EvalError(error("Invalid expanding argument value",
                                  "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                                  expr.args[-1].range))
        args.extend(last)
    try:
        return func.call(scope.function_context, args)
    except FunctionError as exc:
        subject = expr.range
        if exc.arg_index is not None and exc.arg_index < len(expr.args) and not expr.expand_final:
            subject = expr.args[exc.arg_index].range
        raise EvalError(error(exc.summary, exc.detail, subject)) from None
    except EvalError:
        raise
    except RecursionError:
        raise EvalError(error("Error in function call", f'Call to function "{name}" failed: the value is nested '
                              "too deeply.", expr.range)) from None


def _special_form(expr: ast.FunctionCall, scope: Scope) -> Any:
    if expr.name == "convert":
        return _convert(expr, scope)
    if expr.name == "can":
        if len(expr.args) != 1:
            raise EvalError(error("Incorrect number of function arguments",
                                  'Function "can" expects exactly one argument.', expr.range))
        try:
            value = evaluate(expr.args[0], scope)
        except EvalError:
            return False
        return UNKNOWN if is_unknown(value) else True
    if not expr.args:
        raise EvalError(error("Missing function argument", 'Function "try" requires at least one argument.',
                              expr.range))
    failures: list[Diagnostic] = []
    for arg in expr.args:
        try:
            value = evaluate(arg, scope)
        except EvalError as exc:
            failures.append(exc.diag)
            continue
        return value
    details = "\n".join(f"- {d.subject.start.line if d.subject else '?'}: {d.summary}: {d.detail}" for d in failures)
    raise EvalError(error("Error in function call",
                          'Call to function "try" failed: no expression succeeded:\n' + details, expr.range))


def _convert(expr: ast.FunctionCall, scope: Scope) -> Any:
    """``convert(value, type)``: the second argument is a type expression, read and not evaluated."""
    from builds.engine.hcl.functions import FunctionError, convert_value
    from builds.engine.hcl.typeexpr import type_from_expr

    if len(expr.args) != 2 or expr.expand_final:
        raise EvalError(error("Incorrect number of function arguments",
                              'Function "convert" expects exactly two arguments: a value and a type.', expr.range))
    value = evaluate(expr.args[0], scope)
    typ = type_from_expr(expr.args[1])
    if value is UNKNOWN:
        return UNKNOWN
    try:
        return convert_value(value, typ)
    except FunctionError as exc:
        raise EvalError(error(exc.summary, exc.detail, expr.args[0].range)) from None


_DISPATCH: dict[type, Callable[[Any, Scope], Any]] = {
    ast.Literal: _literal,
    ast.Template: _template,
    ast.TemplateWrap: _template_wrap,
    ast.Variable: _variable,
    ast.GetAttr: _get_attr,
    ast.Index: _index,
    ast.Splat: _splat,
    ast.AnonSymbol: _anon,
    ast.TupleCons: _tuple,
    ast.ObjectCons: _object,
    ast.Parens: _parens,
    ast.Conditional: _conditional,
    ast.BinaryOp: _binary,
    ast.UnaryOp: _unary,
    ast.ForExpr: _for,
    ast.FunctionCall: _call,
}


def walk_path(value: Any, steps: list, rng: Range) -> Any:
    """Follow static traversal ``steps`` (attribute names and indexes) from ``value``."""
    for step in steps:
        value = get_attr(value, step, rng) if isinstance(step, str) and isinstance(value, dict) \
            else index(value, step, rng)
    return value
