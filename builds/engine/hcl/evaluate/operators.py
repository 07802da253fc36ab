"""Evaluators of conditionals and operators, with the conversions to bool and number they apply."""

from __future__ import annotations

import math
from typing import Any

from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Range, error
from builds.engine.hcl.evaluate.core import EvalError, Scope, evaluate
from builds.engine.hcl.values import UNKNOWN, is_unknown, number, type_name


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
