"""HCL type constraints (cty types) and value conversion between them, with cty's rules and messages."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .values import UNKNOWN, format_number, number


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


class ConversionError(Exception):
    """A value does not conform to a type. ``path`` (``[2].name``) says where inside the value, or is empty."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message

    def describe(self) -> str:
        """Return the message prefixed with the path, when there is one (``[2].name: string required``)."""
        return f"{self.path}: {self.message}" if self.path else self.message


# ---------------------------------------------------------------------------
# names


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


# ---------------------------------------------------------------------------
# parsing type strings of plugin schemas

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


# ---------------------------------------------------------------------------
# primitive conversions

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


# ---------------------------------------------------------------------------
# paths

def format_path(path: list) -> str:
    """Return a path (steps ``("attr", name)`` or ``("index", key)``) as ``[2].name`` or ``["key"]``."""
    parts = []
    for kind, key in path:
        if kind == "attr":
            parts.append(f".{key}")
        elif isinstance(key, str):
            parts.append("[" + _quote(key) + "]")
        else:
            parts.append(f"[{key}]")
    return "".join(parts)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------------------
# conversions: a conversion is chosen from the types (or None when there is none),
# then applied to the value, where it may still fail (e.g. "abc" to number).

Conversion = Callable[[Any, list], Any]


def _get_conversion(src: Type, dst: Type, unsafe: bool) -> Conversion | None:
    known = _get_known_conversion(src, dst, unsafe)
    if known is None:
        return None

    def convert_value(value: Any, path: list) -> Any:
        if isinstance(dst, _Dynamic) or value is None or value is UNKNOWN:
            return value
        return known(value, path)

    return convert_value


def _passthrough(value: Any, path: list) -> Any:
    return value


def _get_known_conversion(src: Type, dst: Type, unsafe: bool) -> Conversion | None:
    if isinstance(dst, _Dynamic):
        return _passthrough
    if src == dst and not (isinstance(dst, Object) and dst.optional):
        return _passthrough
    if unsafe and isinstance(src, _Dynamic):
        return _dynamic_fixup(dst)
    if isinstance(src, Primitive) and isinstance(dst, Primitive):
        key = (src.name, dst.name)
        return _SAFE_PRIMITIVE.get(key) or (_UNSAFE_PRIMITIVE.get(key) if unsafe else None)
    if isinstance(src, Object) and isinstance(dst, Object):
        return _object_to_object(src, dst, unsafe)
    if isinstance(src, Tuple) and isinstance(dst, Tuple):
        return _tuple_to_tuple(src, dst, unsafe)
    if isinstance(dst, (List, Set)) and isinstance(src, (List, Set)):
        if isinstance(dst, Set) and isinstance(src, List) and not unsafe:
            return None
        elem = _get_conversion(src.elem, dst.elem, unsafe)
        if elem is None:
            return None
        return _sequence_to_collection(dst, [elem], unify_after=False)
    if isinstance(dst, Map) and isinstance(src, Map):
        elem = _get_conversion(src.elem, dst.elem, unsafe)
        return None if elem is None else _mapping_to_map(dst, lambda name: elem, unify_after=True)
    if isinstance(dst, (List, Set)) and isinstance(src, Tuple):
        return _tuple_to_collection(src, dst, unsafe)
    if isinstance(dst, Map) and isinstance(src, Object):
        return _object_to_map(src, dst, unsafe)
    if isinstance(dst, Object) and isinstance(src, Map):
        return _map_to_object(src, dst, unsafe) if unsafe else None
    return None


def _dynamic_fixup(dst: Type) -> Conversion:
    def fixup(value: Any, path: list) -> Any:
        try:
            return convert(value, dst)
        except ConversionError as exc:
            raise ConversionError(exc.message, format_path(path) + exc.path) from None

    return fixup


def _apply_default(name: str, attr_type: Type, default: Any, path: list) -> Any:
    if default is NO_DEFAULT:
        return None
    try:
        return convert(default, attr_type)
    except ConversionError as exc:
        raise ConversionError(exc.message, format_path(path) + f".{name}" + exc.path) from None


def _object_to_object(src: Object, dst: Object, unsafe: bool) -> Conversion | None:
    attr_convs: dict[str, Conversion] = {}
    for name, dst_type in dst.attrs.items():
        if name not in src.attrs:
            if name in dst.optional:
                continue
            return None
        conv = _get_conversion(src.attrs[name], dst_type, unsafe)
        if conv is None:
            return None
        attr_convs[name] = conv

    def object_to_object(value: dict, path: list) -> dict:
        result = {}
        for name, item in sorted(value.items()):
            if name not in attr_convs:
                continue
            if item is None and name in dst.optional:
                result[name] = _apply_default(name, dst.attrs[name], dst.optional[name], path)
                continue
            result[name] = attr_convs[name](item, [*path, ("attr", name)])
        for name, default in dst.optional.items():
            if name not in result:
                result[name] = _apply_default(name, dst.attrs[name], default, path)
        return dict(sorted(result.items()))

    return object_to_object


def _tuple_to_tuple(src: Tuple, dst: Tuple, unsafe: bool) -> Conversion | None:
    if len(src.elems) != len(dst.elems):
        return None
    convs = []
    for s, d in zip(src.elems, dst.elems, strict=True):
        conv = _get_conversion(s, d, unsafe)
        if conv is None:
            return None
        convs.append(conv)

    def tuple_to_tuple(value: list, path: list) -> list:
        return [conv(item, [*path, ("index", i)]) for i, (conv, item) in enumerate(zip(convs, value, strict=True))]

    return tuple_to_tuple


def _sequence_to_collection(dst: List | Set, convs: list[Conversion], unify_after: bool) -> Conversion:
    def sequence_to_collection(value: list, path: list) -> list:
        items = []
        for i, item in enumerate(value):
            conv = convs[i] if len(convs) > 1 else convs[0]
            items.append(conv(item, [*path, ("index", i)]))
        if unify_after and isinstance(dst, List) and len(items) > 1:
            items = _unify_values(items, [("index", i) for i in range(len(items))], path)
        if isinstance(dst, Set):
            items = set_elements(items, dst.elem)
        return items

    return sequence_to_collection


def _tuple_to_collection(src: Tuple, dst: List | Set, unsafe: bool) -> Conversion | None:
    if not src.elems:
        return lambda value, path: []
    elem_type = dst.elem
    if isinstance(elem_type, _Dynamic):
        elem_type, _ = _unify(list(src.elems), unsafe)
        if elem_type is None:
            return None
        if isinstance(elem_type, _Dynamic) and not all(isinstance(t, _Dynamic) for t in src.elems):
            return None
    convs = []
    for s in src.elems:
        conv = _get_conversion(s, elem_type, unsafe)
        if conv is None:
            return None
        convs.append(conv)
    return _sequence_to_collection(dst, convs, unify_after=has_dynamic(elem_type))


def _object_to_map(src: Object, dst: Map, unsafe: bool) -> Conversion | None:
    if not src.attrs:
        return lambda value, path: {}
    elem_type = dst.elem
    if isinstance(elem_type, _Dynamic):
        elem_type, _ = _unify(list(src.attrs.values()), unsafe)
        if elem_type is None:
            return None
    convs = {}
    for name, s in src.attrs.items():
        conv = _get_conversion(s, elem_type, unsafe)
        if conv is None:
            return None
        convs[name] = conv
    return _mapping_to_map(dst, convs.__getitem__, unify_after=has_dynamic(elem_type))


def _mapping_to_map(dst: Map, conv_for: Callable[[str], Conversion], unify_after: bool) -> Conversion:
    def mapping_to_map(value: dict, path: list) -> dict:
        result = {}
        for name, item in sorted(value.items()):
            result[name] = conv_for(name)(item, [*path, ("index", name)])
        if unify_after and len(result) > 1 and isinstance(dst.elem, (_Collection, Object, _Dynamic)):
            names = list(result)
            unified = _unify_values(list(result.values()), [("index", n) for n in names], path)
            result = dict(zip(names, unified, strict=True))
        return result

    return mapping_to_map


def _map_to_object(src: Map, dst: Object, unsafe: bool) -> Conversion | None:
    convs = {}
    for name, attr_type in dst.attrs.items():
        conv = _get_conversion(src.elem, attr_type, unsafe)
        if conv is None and name not in dst.optional:
            return None
        convs[name] = conv

    def map_to_object(value: dict, path: list) -> dict:
        result = {}
        for name, item in sorted(value.items()):
            if name not in dst.attrs:
                continue
            conv = convs[name]
            if conv is None:
                raise ConversionError(
                    f"map element type is incompatible with attribute {_quote(name)}: "
                    + mismatch_message(type_of(item), dst.attrs[name]),
                    format_path(path),
                )
            result[name] = conv(item, [*path, ("index", name)])
        for name in dst.attrs:
            if name not in result or (result[name] is None and name in dst.optional):
                if name not in dst.optional:
                    raise ConversionError(
                        f"map has no element for required attribute {_quote(name)}", format_path(path)
                    )
                result[name] = _apply_default(name, dst.attrs[name], dst.optional[name], path)
        return dict(sorted(result.items()))

    return map_to_object


def _unify_values(items: list, steps: list, path: list) -> list:
    target, _ = _unify([type_of(v) for v in items], True)
    if target is None:
        raise ConversionError("cannot find a common base type for all elements", format_path(path))
    result = []
    for item, step in zip(items, steps, strict=True):
        conv = _get_conversion(type_of(item), target, True)
        if conv is None:
            raise ConversionError("cannot find a common base type for all elements", format_path(path))
        result.append(conv(item, [*path, step]))
    return result


# ---------------------------------------------------------------------------
# sets


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


# ---------------------------------------------------------------------------
# public conversion


def convert(value: Any, typ: Type, path: str = "") -> Any:
    """Return ``value`` converted to ``typ`` as cty converts it; raise ConversionError if it cannot be.

    ``path`` is prefixed to the path of any error (for a value that sits inside a larger one).
    """
    src = type_of(value)
    conv = _get_conversion(src, typ, True)
    if conv is None:
        raise ConversionError(mismatch_message(src, typ), path)
    try:
        return conv(value, [])
    except ConversionError as exc:
        if path:
            raise ConversionError(exc.message, path + exc.path) from None
        raise


def can_convert(src: Type, dst: Type, unsafe: bool = True) -> bool:
    """Return True if some value of type ``src`` may convert to ``dst``."""
    return _get_conversion(src, dst, unsafe) is not None


# ---------------------------------------------------------------------------
# unification


def unify(types: list[Type], unsafe: bool = False) -> Type | None:
    """Return the single type all ``types`` convert to, as cty's Unify chooses it, or None."""
    result, _ = _unify(list(types), unsafe)
    return result


def _unify(types: list[Type], unsafe: bool) -> tuple[Type | None, None]:
    if not types:
        return None, None
    counts = {"map": 0, "list": 0, "set": 0, "object": 0, "tuple": 0, "dynamic": 0}
    for t in types:
        if isinstance(t, Map):
            counts["map"] += 1
        elif isinstance(t, List):
            counts["list"] += 1
        elif isinstance(t, Set):
            counts["set"] += 1
        elif isinstance(t, Object):
            counts["object"] += 1
        elif isinstance(t, Tuple):
            counts["tuple"] += 1
        elif isinstance(t, _Dynamic):
            counts["dynamic"] += 1
    n, dyn = len(types), counts["dynamic"]
    if counts["map"] and counts["map"] + dyn == n:
        return _unify_collections(Map, types, unsafe, dyn > 0)
    if counts["map"] and counts["map"] + counts["object"] + dyn == n:
        result = _unify_as(Map, Object, types, unsafe)
        if result is not None:
            return result, None
    elif counts["list"] and counts["list"] + dyn == n:
        return _unify_collections(List, types, unsafe, dyn > 0)
    elif counts["list"] and counts["list"] + counts["tuple"] + dyn == n:
        result = _unify_as(List, Tuple, types, unsafe)
        if result is not None:
            return result, None
    elif counts["set"] and counts["set"] + dyn == n:
        return _unify_collections(Set, types, unsafe, dyn > 0)
    elif counts["object"] and counts["object"] + dyn == n:
        return _unify_objects(types, unsafe, dyn > 0)
    elif counts["tuple"] and counts["tuple"] + dyn == n:
        return _unify_tuples(types, unsafe, dyn > 0)
    elif counts["object"] and counts["tuple"]:
        return None, None

    for want_index in _sort_types(types):
        want = types[want_index]
        if all(
            i == want_index or t == want or _get_conversion(t, want, unsafe) is not None
            for i, t in enumerate(types)
        ):
            return want, None
    return None, None


def _all_convert(types: list[Type], target: Type, unsafe: bool) -> bool:
    return all(t == target or _get_conversion(t, target, unsafe) is not None for t in types)


def _unify_collections(kind: type, types: list[Type], unsafe: bool, dynamic: bool) -> tuple[Type | None, None]:
    if dynamic:
        return ANY, None
    elem, _ = _unify([t.elem for t in types], unsafe)  # type: ignore[attr-defined]
    if elem is None:
        return None, None
    result = kind(elem)
    return (result, None) if _all_convert(types, result, unsafe) else (None, None)


def _unify_as(kind: type, structural: type, types: list[Type], unsafe: bool) -> Type | None:
    parts = [t for t in types if isinstance(t, structural)]
    if structural is Tuple:
        collected, _ = _unify_tuples_to_list(parts, unsafe)
    else:
        collected, _ = _unify_objects_to_map(parts, unsafe)
    if not isinstance(collected, kind):
        return None
    replaced = [collected if isinstance(t, structural) else t for t in types]
    result, _ = _unify(replaced, unsafe)
    return result if isinstance(result, kind) else None


def _unify_objects(types: list[Type], unsafe: bool, dynamic: bool) -> tuple[Type | None, None]:
    if dynamic:
        return ANY, None
    first = types[0].attrs  # type: ignore[attr-defined]
    for t in types[1:]:
        if t.attrs.keys() != first.keys():  # type: ignore[attr-defined]
            return _unify_objects_to_map(types, unsafe)
    attrs = {}
    for name in first:
        attr, _ = _unify([t.attrs[name] for t in types], unsafe)  # type: ignore[attr-defined]
        if attr is None:
            return None, None
        attrs[name] = attr
    result = Object(attrs)
    if not _all_convert(types, result, unsafe):
        return _unify_objects_to_map(types, unsafe)
    return result, None


def _unify_objects_to_map(types: list[Type], unsafe: bool) -> tuple[Type | None, None]:
    attr_types = [a for t in types for a in t.attrs.values()]  # type: ignore[attr-defined]
    elem, _ = _unify(attr_types, unsafe)
    if elem is None:
        return None, None
    result = Map(elem)
    return (result, None) if _all_convert(types, result, unsafe) else (None, None)


def _unify_tuples(types: list[Type], unsafe: bool, dynamic: bool) -> tuple[Type | None, None]:
    if dynamic:
        return ANY, None
    first = types[0].elems  # type: ignore[attr-defined]
    for t in types[1:]:
        if len(t.elems) != len(first):  # type: ignore[attr-defined]
            return _unify_tuples_to_list(types, unsafe)
    elems = []
    for i in range(len(first)):
        elem, _ = _unify([t.elems[i] for t in types], unsafe)  # type: ignore[attr-defined]
        if elem is None:
            return None, None
        elems.append(elem)
    result = Tuple(elems)
    if not _all_convert(types, result, unsafe):
        return _unify_tuples_to_list(types, unsafe)
    return result, None


def _unify_tuples_to_list(types: list[Type], unsafe: bool) -> tuple[Type | None, None]:
    elem_types = [e for t in types for e in t.elems]  # type: ignore[attr-defined]
    elem, _ = _unify(elem_types, unsafe)
    if elem is None:
        return None, None
    result = List(elem)
    return (result, None) if _all_convert(types, result, unsafe) else (None, None)


def _compare_types(a: Type, b: Type) -> int:
    """Negative if ``a`` is the more general (preferred) type, positive if ``b`` is, else 0."""
    if isinstance(a, _Dynamic) or isinstance(b, _Dynamic):
        if not isinstance(a, _Dynamic):
            return -1
        return 1 if not isinstance(b, _Dynamic) else 0
    if isinstance(a, Primitive) and isinstance(b, Primitive) and STRING in (a, b):
        if a != STRING:
            return 1
        return -1 if b != STRING else 0
    for kind in (List, Set, Map):
        if isinstance(a, kind) and isinstance(b, kind):
            return _compare_types(a.elem, b.elem)
    swap = 1
    if (
        (isinstance(a, Tuple) and isinstance(b, List))
        or (isinstance(a, Object) and isinstance(b, Map))
        or (isinstance(a, Set) and isinstance(b, (Tuple, List)))
    ):
        a, b = b, a
        swap = -1
    if isinstance(b, Set) and isinstance(a, (Tuple, List)):
        return -swap
    if (isinstance(a, List) and isinstance(b, Tuple)) or (isinstance(a, Map) and isinstance(b, Object)):
        return -swap
    if isinstance(a, Object) and isinstance(b, Object):
        if a.attrs.keys() != b.attrs.keys():
            return 0
        pairs = [(a.attrs[k], b.attrs[k]) for k in a.attrs]
    elif isinstance(a, Tuple) and isinstance(b, Tuple):
        if len(a.elems) != len(b.elems):
            return 0
        pairs = list(zip(a.elems, b.elems, strict=True))
    else:
        return 0
    cmps = [_compare_types(x, y) for x, y in pairs]
    a_super, b_super = any(c < 0 for c in cmps), any(c > 0 for c in cmps)
    if a_super and not b_super:
        return -swap
    if b_super and not a_super:
        return swap
    return 0


def _sort_types(types: list[Type]) -> list[int]:
    n = len(types)
    edges: list[list[int]] = [[] for _ in range(n)]
    for i in range(n - 1):
        for j in range(i + 1, n):
            cmp = _compare_types(types[i], types[j])
            if cmp < 0:
                edges[i].append(j)
            elif cmp > 0:
                edges[j].append(i)
    in_degree = [0] * n
    for outs in edges:
        for j in outs:
            in_degree[j] += 1
    queue = [i for i in range(n) if in_degree[i] == 0]
    order = []
    while queue:
        i = queue.pop(0)
        order.append(i)
        for j in edges[i]:
            in_degree[j] -= 1
            if in_degree[j] == 0:
                queue.append(j)
    return order


# ---------------------------------------------------------------------------
# mismatch messages


def mismatch_message(got: Type, want: Type) -> str:
    """Return cty's explanation of why no value of type ``got`` converts to ``want``."""
    if isinstance(got, Object) and isinstance(want, Object):
        return _mismatch_objects(got, want)
    if isinstance(got, Tuple) and isinstance(want, (List, Set)) and isinstance(want.elem, _Dynamic):
        return f"all {want.kind} elements must have the same type"
    if isinstance(got, Object) and isinstance(want, Map) and isinstance(want.elem, _Dynamic):
        return "all map elements must have the same type"
    if isinstance(got, (Tuple, Object)) and isinstance(want, _Collection):
        return _mismatch_from_structural(got, want)
    if isinstance(got, _Collection) and isinstance(want, _Collection):
        return _mismatch_collections(got, want)
    return friendly_name(want, constraint=True) + " required"


def _mismatch_objects(got: Object, want: Object) -> str:
    missing = []
    unsafe_mismatch = safe_mismatch = ""
    for name, want_attr in want.attrs.items():
        if name not in got.attrs:
            if name not in want.optional:
                missing.append(name)
            continue
        got_attr = got.attrs[name]
        if got_attr == want_attr:
            continue
        if not unsafe_mismatch and _get_conversion(got_attr, want_attr, True) is None:
            unsafe_mismatch = f"attribute {_quote(name)}: {mismatch_message(got_attr, want_attr)}"
        if not safe_mismatch and _get_conversion(got_attr, want_attr, False) is None:
            safe_mismatch = f"attribute {_quote(name)}: {mismatch_message(got_attr, want_attr)}"
    if missing:
        missing.sort()
        quoted = [_quote(m) for m in missing]
        if len(quoted) == 1:
            return f"attribute {quoted[0]} is required"
        if len(quoted) == 2:
            return f"attributes {quoted[0]} and {quoted[1]} are required"
        return f"attributes {', '.join(quoted[:-1])}, and {quoted[-1]} are required"
    return unsafe_mismatch or safe_mismatch or "incorrect object attributes"


def _mismatch_from_structural(got: Tuple | Object, want: _Collection) -> str:
    if (isinstance(want, (List, Set)) and not isinstance(got, Tuple)) or (
        isinstance(want, Map) and not isinstance(got, Object)
    ):
        return friendly_name(want, constraint=True) + " required"
    items: Iterable[tuple[str, Type]]
    if isinstance(got, Tuple):
        items = ((str(i), t) for i, t in enumerate(got.elems))
    else:
        items = ((_quote(k), t) for k, t in got.attrs.items())
    for label, elem in items:
        if elem == want.elem or _get_conversion(elem, want.elem, True) is not None:
            continue
        return f"element {label}: {mismatch_message(elem, want.elem)}"
    return f"all elements must be {friendly_name(want.elem, constraint=True)}"


def _mismatch_collections(got: _Collection, want: _Collection) -> str:
    if (isinstance(want, (List, Set)) and not isinstance(got, (List, Set))) or (
        isinstance(want, Map) and not isinstance(got, Map)
    ):
        return friendly_name(want, constraint=True) + " required"
    return f"incorrect {want.kind} element type: {mismatch_message(got.elem, want.elem)}"
