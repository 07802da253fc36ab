"""The value model shared by the evaluator, the functions and the type system.

HCL values are plain Python values:

* ``None`` is null; ``True``/``False`` are bools; ``str`` is a string;
* numbers are ``int`` when integral and ``float`` otherwise (see :func:`number`);
* lists, tuples and sets are ``list`` (a set is a list without duplicates);
* maps and objects are ``dict`` with ``str`` keys;
* :data:`UNKNOWN` stands for a value that is not known until build time (a data
  source at validate time, ``build.ID`` before a build runs). Operations on an
  unknown value give an unknown result.
"""

from __future__ import annotations

import math
from typing import Any


class Unknown:
    """The single value that is not known yet."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "(known after build)"

    def __bool__(self) -> bool:
        raise TypeError("an unknown value has no truth value yet")


UNKNOWN = Unknown()


def is_unknown(value: Any) -> bool:
    """Return True if ``value`` is unknown or contains an unknown value anywhere."""
    if value is UNKNOWN:
        return True
    if isinstance(value, list):
        return any(is_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    return False


def number(value: int | float) -> int | float:
    """Normalise a number: integral floats become ints, so ``10/2`` is ``5`` as in HCL."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def format_number(value: int | float) -> str:
    """Return a number as HCL converts it to a string: plain decimal, never an exponent (``1.5``, ``5``)."""
    value = number(value)
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    from decimal import Decimal

    return format(Decimal(repr(value)), "f")


def type_name(value: Any) -> str:
    """Return the HCL name of a value's kind, for messages (``string``, ``number``, ``tuple``, ...)."""
    if value is None:
        return "null"
    if value is UNKNOWN:
        return "unknown"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
