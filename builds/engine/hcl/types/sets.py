"""Set semantics of HCL values: equality as HCL compares values, and the order cty keeps a set's elements in."""

from __future__ import annotations

from typing import Any

from ..values import UNKNOWN
from .constraints import ANY, Map, Object, Tuple, Type, _Collection, _Dynamic
from .errors import _quote


def set_elements(items: list, elem_type: Type = ANY) -> list:
    """Return the distinct values of ``items`` in the order cty keeps a set of ``elem_type``."""
    distinct: list = []
    for item in items:
        if not any(values_equal(item, seen) for seen in distinct):
            distinct.append(item)
    kinds = {type(v) for v in distinct if v is not None and v is not UNKNOWN}
    if kinds <= {str} or kinds <= {int, float} or kinds <= {bool}:
        plain = sorted((v for v in distinct if v is not None and v is not UNKNOWN), key=lambda v: v)
    else:
        plain = sorted(
            (v for v in distinct if v is not None and v is not UNKNOWN),
            key=lambda v: _set_hash_text(v, elem_type).encode("utf-8"),
        )
    tail = [v for v in distinct if v is UNKNOWN] + [v for v in distinct if v is None]
    return plain + tail


def values_equal(a: Any, b: Any) -> bool:
    """Return True if two values are equal as HCL compares them (``true`` never equals ``1``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if type(a) in (int, float) and type(b) in (int, float):
        return a == b
    return type(a) is type(b) and a == b


def _set_hash_text(value: Any, typ: Type) -> str:
    if value is UNKNOWN:
        return "?"
    if value is None:
        return "~"
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, (int, float)):
        return format(value, ".10g")
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, list):
        elem = typ.elem if isinstance(typ, _Collection) else ANY
        inner = "".join(
            _set_hash_text(v, typ.elems[i] if isinstance(typ, Tuple) and i < len(typ.elems) else elem) + ";"
            for i, v in enumerate(value)
        )
        return f"<{inner}>" if isinstance(typ, (Tuple, _Dynamic)) else f"[{inner}]"
    if isinstance(value, dict):
        if isinstance(typ, Map):
            return "{" + "".join(f"{_quote(k)}:{_set_hash_text(value[k], typ.elem)};" for k in sorted(value)) + "}"
        attrs = typ.attrs if isinstance(typ, Object) else {}
        return "<" + "".join(_set_hash_text(value[k], attrs.get(k, ANY)) + ";" for k in sorted(value)) + ">"
    return repr(value)
