"""Numeric functions: abs, ceil, floor, log, max, min, parseint, pow, signum, sum."""

from __future__ import annotations

import math
from typing import Any

from ..types import NUMBER, ConversionError, convert, friendly_name, type_of
from .base import FunctionError, Param, define, num, to_int

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@define("abs", Param("num", NUMBER))
def abs_(ctx, value):
    """The absolute value of a number."""
    return num(abs(value))


@define("ceil", Param("num", NUMBER))
def ceil(ctx, value):
    """The smallest whole number greater than or equal to the given number."""
    if isinstance(value, float) and math.isinf(value):
        return value
    return math.ceil(value)


@define("floor", Param("num", NUMBER))
def floor(ctx, value):
    """The largest whole number less than or equal to the given number."""
    if isinstance(value, float) and math.isinf(value):
        return value
    return math.floor(value)


def _to_float(value: int | float) -> float:
    """A number as a float64, as cty hands it to Go's math: integers beyond its range become infinite."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _go_log(value: float) -> float:
    if value == 0:
        return -math.inf
    if value < 0:
        return math.nan
    if math.isinf(value):
        return math.inf
    return math.log(value)


def _finite_or_inf(value: float, what: str) -> int | float:
    if math.isnan(value):
        raise FunctionError(f"{what} is not a number (NaN)")
    return num(value)


@define("log", Param("num", NUMBER), Param("base", NUMBER))
def log(ctx, value, base):
    """The logarithm of a number in the given base."""
    numerator, denominator = _go_log(_to_float(value)), _go_log(_to_float(base))
    if denominator == 0:
        result = math.copysign(math.inf, numerator) if numerator else math.nan
    else:
        result = numerator / denominator
    return _finite_or_inf(result, "the logarithm")


@define("pow", Param("num", NUMBER), Param("power", NUMBER))
def pow_(ctx, value, power):
    """A number raised to a power."""
    if isinstance(value, int) and isinstance(power, int) and 0 <= power <= 1024:
        return num(value**power)
    try:
        result = math.pow(_to_float(value), _to_float(power))
    except OverflowError:
        negative = value < 0 and _to_float(power).is_integer() and int(power) % 2 == 1
        result = -math.inf if negative else math.inf
    except (ValueError, ZeroDivisionError):
        result = math.inf if value == 0 else math.nan
    return _finite_or_inf(result, "the power")


@define("signum", Param("num", NUMBER))
def signum(ctx, value):
    """-1, 0 or 1: the sign of a whole number."""
    whole = to_int(value)
    return (whole > 0) - (whole < 0)


@define("max", variadic=Param("numbers", NUMBER))
def max_(ctx, *numbers):
    """The greatest of the given numbers."""
    if not numbers:
        raise FunctionError("must pass at least one number")
    return max(numbers)


@define("min", variadic=Param("numbers", NUMBER))
def min_(ctx, *numbers):
    """The smallest of the given numbers."""
    if not numbers:
        raise FunctionError("must pass at least one number")
    return min(numbers)


def parse_go_int(text: str, base: int) -> int | None:
    """Return ``text`` parsed as Go's big.Int parses an integer in ``base`` (2–62), or None."""
    sign = 1
    if text[:1] in "+-" and text:
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if not text:
        return None
    result = 0
    for char in text:
        if base <= 36:
            digit = _DIGITS.find(char.lower())
        else:
            digit = _DIGITS.find(char)
        if digit < 0 or digit >= base:
            return None
        result = result * base + digit
    return sign * result


@define("parseint", Param("number"), Param("base", NUMBER))
def parseint(ctx, text, base):
    """The whole number that a string spells in the given base."""
    if not isinstance(text, str):
        raise FunctionError(f"first argument must be a string, not {friendly_name(type_of(text))}", 0)
    base = to_int(base, arg_index=1)
    if base < 2 or base > 62:
        raise FunctionError("base must be a whole number between 2 and 62 inclusive", 1)
    result = parse_go_int(text, base)
    if result is None:
        raise FunctionError(f'cannot parse "{text}" as a base {base} integer', 0)
    return result


@define("sum", Param("list"))
def sum_(ctx, values: Any):
    """The sum of a list of numbers."""
    if not isinstance(values, (list, dict)):
        raise FunctionError("cannot sum noniterable", 0)
    if not values:
        raise FunctionError("cannot sum an empty list", 0)
    if isinstance(values, dict):
        raise FunctionError(f"argument must be list, set, or tuple. Received {friendly_name(type_of(values))}", 0)
    total: int | float = 0
    for item in values:
        try:
            if item is None:
                raise ConversionError("null")
            value = convert(item, NUMBER)
        except ConversionError:
            raise FunctionError("argument must be list, set, or tuple of number values", 0) from None
        total = total + value
        if isinstance(total, float) and math.isnan(total):
            raise FunctionError("can't compute sum of opposing infinities")
    return num(total)
