"""JSON text as Go's ``encoding/json`` writes it with ``MarshalIndent``, and Go's case-insensitive field lookup.

Go escapes ``<``, ``>`` and ``&`` (``\\u003c``...), U+2028 and U+2029, and
each byte of invalid UTF-8 as ``\\ufffd``; it writes other non-ASCII text as
is. Python strings holding undecodable bytes (``surrogateescape``) stand for
such invalid UTF-8.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
          "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def quote(text: str) -> str:
    """Return ``text`` as a Go JSON string literal."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _SHORT:
            out.append(_SHORT[char])
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def marshal_indent(value: Any, indent: str = "  ") -> str:
    """Return ``value`` (dicts in the order given, lists, str, int, float, bool, None) as Go's
    ``json.MarshalIndent(value, "", indent)`` writes it: no trailing newline."""
    parts: list[str] = []
    _write(value, indent, 0, parts)
    return "".join(parts)


def _write(value: Any, indent: str, depth: int, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(repr(int(value)) if value.is_integer() else repr(value))
    elif isinstance(value, str):
        out.append(quote(value))
    elif isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        out.append("{")
        inner = "\n" + indent * (depth + 1)
        for position, (key, item) in enumerate(value.items()):
            out.append(("," if position else "") + inner + quote(str(key)) + ": ")
            _write(item, indent, depth + 1, out)
        out.append("\n" + indent * depth + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        out.append("[")
        inner = "\n" + indent * (depth + 1)
        for position, item in enumerate(value):
            out.append(("," if position else "") + inner)
            _write(item, indent, depth + 1, out)
        out.append("\n" + indent * depth + "]")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def field(obj: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    """Return whether ``obj`` sets the struct field tagged ``name``, and its value, as Go decodes it:
    keys match ignoring case, and the last matching key wins."""
    found, value = False, None
    folded = name.casefold()
    for key, item in obj.items():
        if key.casefold() == folded:
            found, value = True, item
    return found, value
