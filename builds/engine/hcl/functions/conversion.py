"""Type conversion functions: tobool, tolist, tomap, tonumber, toset, tostring, and the convert helper."""

from __future__ import annotations

from typing import Any

from ..types import (
    ANY,
    BOOL,
    NUMBER,
    STRING,
    ConversionError,
    List,
    Map,
    Object,
    Set,
    Tuple,
    Type,
    can_convert,
    convert,
    friendly_name,
    mismatch_message,
    type_of,
)
from .base import Function, FunctionError, Param, define


def convert_value(value: Any, typ: Type) -> Any:
    """Return ``value`` converted to ``typ`` as HCL's ``convert(value, type)`` does.

    Raises FunctionError (argument 0, parameter "value") if it cannot be converted.
    """
    try:
        return convert(value, typ)
    except ConversionError as exc:
        error = FunctionError(exc.message, 0)
        error.function, error.param = "convert", "value"
        raise error from None


def _make_to_function(name: str, want: Type) -> Function:
    def to_type(ctx, value):
        got = type_of(value)
        if not can_convert(got, want):
            if isinstance(got, Tuple) and isinstance(want, Tuple):
                message = f"incompatible tuple type for conversion: {mismatch_message(got, want)}"
            elif isinstance(got, Object) and isinstance(want, Object):
                message = f"incompatible object type for conversion: {mismatch_message(got, want)}"
            else:
                message = f"cannot convert {friendly_name(got)} to {friendly_name(want, constraint=True)}"
            raise FunctionError(message, 0)
        try:
            return convert(value, want)
        except ConversionError:
            if isinstance(value, str) and want == BOOL:
                raise FunctionError(
                    f'cannot convert "{value}" to bool; only the strings "true" or "false" are allowed', 0
                ) from None
            if isinstance(value, str) and want == NUMBER:
                raise FunctionError(
                    f'cannot convert "{value}" to number; given string must be a decimal representation of a number',
                    0,
                ) from None
            raise FunctionError(f"cannot convert {friendly_name(got)} to {friendly_name(want, constraint=True)}", 0) from None

    to_type.__doc__ = f"The value converted to {friendly_name(want)}."
    return define(name, Param("v", allow_null=True))(to_type)


tobool = _make_to_function("tobool", BOOL)
tonumber = _make_to_function("tonumber", NUMBER)
tostring = _make_to_function("tostring", STRING)
tolist = _make_to_function("tolist", List(ANY))
toset = _make_to_function("toset", Set(ANY))
tomap = _make_to_function("tomap", Map(ANY))
