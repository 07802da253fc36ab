"""JSON text exactly as cty writes it (Go's escaping, sorted keys, plain decimal numbers) and reads it."""

from __future__ import annotations

import math
from typing import Any

from ..types import number_to_string, parse_number
from ..values import UNKNOWN

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


class JSONEncodeError(ValueError):
    """A value that JSON cannot hold (an infinite number, an unknown value)."""


def encode_string(text: str) -> str:
    """Return ``text`` as a JSON string literal escaped as Go's encoding/json escapes it."""
    out = ['"']
    for char in text:
        escaped = _ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def encode(value: Any) -> str:
    """Return the compact JSON text of an HCL value; raise JSONEncodeError for infinities."""
    if value is None:
        return "null"
    if value is UNKNOWN:
        raise JSONEncodeError("value is not known yet")
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isinf(value):
            raise JSONEncodeError("cannot serialize infinity as JSON")
        return number_to_string(value)
    if isinstance(value, str):
        return encode_string(value)
    if isinstance(value, list):
        return "[" + ",".join(encode(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{encode_string(k)}:{encode(value[k])}" for k in sorted(value)) + "}"
    raise TypeError(f"not an HCL value: {value!r}")


def _parse_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _number(text: str) -> int | float:
    result = parse_number(text)
    if result is None:  # the JSON grammar only lets decimal numbers through
        raise ValueError(f"invalid number literal {text}")
    return result


def decode(text: str) -> Any:
    """Return the HCL value a JSON document spells; raise ValueError with a message if it is invalid."""
    import json

    def unique_object(pairs: list) -> dict:
        result: dict = {}
        for key, item in pairs:
            if key in result:
                raise ValueError(f'duplicate "{key}" property in JSON object')
            result[key] = item
        return result

    try:
        return json.loads(
            text,
            parse_int=_number,
            parse_float=_number,
            parse_constant=_parse_constant,
            object_pairs_hook=unique_object,
        )
    except json.JSONDecodeError as exc:
        raise ValueError(_go_message(exc, text)) from None


def _go_message(exc, text: str) -> str:
    """Return the message Go's encoding/json gives for the error Python's decoder found."""
    if exc.pos >= len(text.rstrip()) and not exc.msg.startswith("Extra data"):
        return "unexpected end of JSON input"
    char = text[exc.pos]
    if exc.msg.startswith("Expecting value"):
        return f"invalid character '{char}' looking for beginning of value"
    if exc.msg.startswith("Extra data"):
        return f"invalid character '{char}' after top-level value"
    if exc.msg.startswith("Expecting property name"):
        return f"invalid character '{char}' looking for beginning of object key string"
    if exc.msg.startswith("Expecting ':'"):
        return f"invalid character '{char}' after object key"
    if exc.msg.startswith("Expecting ',' delimiter"):
        return f"invalid character '{char}' after array element"
    return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
