"""The type constraints (string, number, bool, any, list, set, map, tuple, object), their names and a value's type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..values import UNKNOWN


class Type:
    """Base of every type constraint. Types are immutable and compare by structure."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<type {type_str(self)}>"


class Primitive(Type):
    """``string``, ``number`` or ``bool``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "name", name)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("types are immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Primitive) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("primitive", self.name))


class _Dynamic(Type):
    """The ``any`` constraint (cty.DynamicPseudoType): a value of any type."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Dynamic)

    def __hash__(self) -> int:
        return hash("any")


class _Collection(Type):
    __slots__ = ("elem",)
    kind = ""

    def __init__(self, elem: Type) -> None:
        if not isinstance(elem, Type):
            raise TypeError(f"{self.kind}() needs an element type, got {elem!r}")
        object.__setattr__(self, "elem", elem)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("types are immutable")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.elem == self.elem  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.kind, self.elem))


class List(_Collection):
    """``list(elem)``: an ordered sequence of values of one type."""

    __slots__ = ()
    kind = "list"


class Set(_Collection):
    """``set(elem)``: an unordered collection of distinct values of one type."""

    __slots__ = ()
    kind = "set"


class Map(_Collection):
    """``map(elem)``: string keys to values of one type."""

    __slots__ = ()
    kind = "map"


class Tuple(Type):
    """``tuple([t0, t1, ...])``: a fixed-length sequence, each element with its own type."""

    __slots__ = ("elems",)

    def __init__(self, elems: Iterable[Type]) -> None:
        elems = tuple(elems)
        if not all(isinstance(t, Type) for t in elems):
            raise TypeError(f"tuple() needs element types, got {elems!r}")
        object.__setattr__(self, "elems", elems)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("types are immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tuple) and other.elems == self.elems

    def __hash__(self) -> int:
        return hash(("tuple", self.elems))


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()
"""Marks an optional object attribute that has no default: a missing value becomes null."""


class Object(Type):
    """``object({name = type, ...})``; ``optional`` names attributes that may be omitted, with their defaults."""

    __slots__ = ("attrs", "optional")

    def __init__(self, attrs: Mapping[str, Type], optional: Mapping[str, Any] | None = None) -> None:
        attrs = dict(sorted(attrs.items()))
        optional = dict(sorted((optional or {}).items()))
        for name, t in attrs.items():
            if not isinstance(t, Type):
                raise TypeError(f"attribute {name!r} needs a type, got {t!r}")
        for name in optional:
            if name not in attrs:
                raise ValueError(f"optional attribute {name!r} is not an attribute of the object")
        object.__setattr__(self, "attrs", attrs)
        object.__setattr__(self, "optional", optional)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("types are immutable")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Object)
            and other.attrs == self.attrs
            and other.optional.keys() == self.optional.keys()
        )

    def __hash__(self) -> int:
        return hash(("object", tuple(self.attrs.items()), tuple(self.optional)))


STRING = Primitive("string")
NUMBER = Primitive("number")
BOOL = Primitive("bool")
ANY: Type = _Dynamic()


def type_str(typ: Type) -> str:
    """Return the type in HCL's type expression syntax: ``list(string)``, ``object({a=number})``."""
    if isinstance(typ, Primitive):
        return typ.name
    if isinstance(typ, _Dynamic):
        return "any"
    if isinstance(typ, _Collection):
        return f"{typ.kind}({type_str(typ.elem)})"
    if isinstance(typ, Tuple):
        return "tuple([" + ",".join(type_str(t) for t in typ.elems) + "])"
    if isinstance(typ, Object):
        parts = []
        for name, t in typ.attrs.items():
            text = type_str(t)
            if name in typ.optional:
                text = f"optional({text})"
            parts.append(f"{name}={text}")
        return "object({" + ",".join(parts) + "})"
    raise TypeError(f"not a type: {typ!r}")


def friendly_name(typ: Type, constraint: bool = False) -> str:
    """Return the English name cty uses in messages: ``list of string``, ``object``, ``any type``."""
    if isinstance(typ, Primitive):
        return typ.name
    if isinstance(typ, _Dynamic):
        return "any type" if constraint else "dynamic"
    if isinstance(typ, _Collection):
        if constraint and isinstance(typ.elem, _Dynamic):
            return f"{typ.kind} of any single type"
        return f"{typ.kind} of {friendly_name(typ.elem, constraint)}"
    return "tuple" if isinstance(typ, Tuple) else "object"


def has_dynamic(typ: Type) -> bool:
    """Return True if ``any`` appears anywhere in the type."""
    if isinstance(typ, _Dynamic):
        return True
    if isinstance(typ, _Collection):
        return has_dynamic(typ.elem)
    if isinstance(typ, Tuple):
        return any(has_dynamic(t) for t in typ.elems)
    if isinstance(typ, Object):
        return any(has_dynamic(t) for t in typ.attrs.values())
    return False


def type_of(value: Any) -> Type:
    """Return the type of a value as HCL infers it: a list is a tuple, a dict an object, null ``any``."""
    if value is None or value is UNKNOWN:
        return ANY
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, list):
        return Tuple(type_of(v) for v in value)
    if isinstance(value, dict):
        return Object({k: type_of(v) for k, v in value.items()})
    raise TypeError(f"not an HCL value: {value!r}")
