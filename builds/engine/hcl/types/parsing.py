"""Parsing the type strings of plugin schemas (``list(map(string))``) into type constraints."""

from __future__ import annotations

import re

from .constraints import ANY, BOOL, NUMBER, STRING, List, Map, Object, Set, Tuple, Type

_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_-]*)|(.))")


def parse_type_string(text: str) -> Type:
    """Parse a type expression such as ``list(map(string))``; raise ValueError if it is not one."""
    tokens = [m.group(1) or m.group(2) for m in _TOKEN.finditer(text.strip()) if m.group(0).strip()]
    pos = 0

    def take(expected: str | None = None) -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError(f"incomplete type expression {text!r}")
        token = tokens[pos]
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r} at {token!r} in type expression {text!r}")
        pos += 1
        return token

    def parse() -> Type:
        word = take()
        simple = {"string": STRING, "number": NUMBER, "bool": BOOL, "any": ANY}
        if word in simple:
            return simple[word]
        collections = {"list": List, "set": Set, "map": Map}
        if word in collections:
            take("(")
            elem = parse()
            take(")")
            return collections[word](elem)
        if word == "tuple":
            take("(")
            take("[")
            elems = []
            while tokens[pos:pos + 1] != ["]"]:
                elems.append(parse())
                if tokens[pos:pos + 1] == [","]:
                    take(",")
            take("]")
            take(")")
            return Tuple(elems)
        if word == "object":
            take("(")
            take("{")
            attrs = {}
            while tokens[pos:pos + 1] != ["}"]:
                name = take()
                take("=")
                attrs[name] = parse()
                if tokens[pos:pos + 1] == [","]:
                    take(",")
            take("}")
            take(")")
            return Object(attrs)
        raise ValueError(f"unknown type {word!r} in type expression {text!r}")

    result = parse()
    if pos != len(tokens):
        raise ValueError(f"unexpected {tokens[pos]!r} in type expression {text!r}")
    return result
