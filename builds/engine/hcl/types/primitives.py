"""Conversions between primitive values with cty's rules: numbers spelled as strings, strings as bools."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..values import format_number, number
from .errors import ConversionError, format_path

_NUMBER_TEXT = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:([eE])[+-]?\d+|[pP]([+-]?\d+))?|[iI]nf)")


def parse_number(text: str) -> int | float | None:
    """Return the number a string spells in cty's decimal syntax, or None if it spells none."""
    if not _NUMBER_TEXT.fullmatch(text):
        return None
    if text.lstrip("+-") in ("inf", "Inf"):
        return -math.inf if text.startswith("-") else math.inf
    mantissa, binary, exponent = text, 0, ""
    if "p" in text or "P" in text:
        mantissa, exponent = re.split("[pP]", text)
        binary = int(exponent)
    try:
        dec = Decimal(mantissa)
    except InvalidOperation:
        return None
    if binary:
        dec = dec * (Decimal(2) ** binary) if binary > 0 else dec / (Decimal(2) ** -binary)
    if dec == dec.to_integral_value() and dec.adjusted() < 400:
        return int(dec)
    return number(float(dec))


def number_to_string(value: int | float) -> str:
    """Return a number as cty converts it to a string: plain decimal, no exponent (``1e21`` → 21 digits)."""
    return format_number(value)


def _string_to_number(value: str, path: list) -> Any:
    result = parse_number(value)
    if result is None:
        raise ConversionError("a number is required", format_path(path))
    return result


def _string_to_bool(value: str, path: list) -> Any:
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    lowered = value.lower()
    if lowered in ("true", "false"):
        raise ConversionError(
            f'a bool is required; to convert from string, use lowercase "{lowered}"', format_path(path)
        )
    raise ConversionError("a bool is required", format_path(path))


_SAFE_PRIMITIVE = {
    ("number", "string"): lambda v, path: number_to_string(v),
    ("bool", "string"): lambda v, path: "true" if v else "false",
}
_UNSAFE_PRIMITIVE = {
    ("string", "number"): _string_to_number,
    ("string", "bool"): _string_to_bool,
}
