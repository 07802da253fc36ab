"""Conversion of values between types, unification of types and the messages of a mismatch, as cty's convert does."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..values import UNKNOWN
from .constraints import (
    ANY,
    NO_DEFAULT,
    List,
    Map,
    Object,
    Primitive,
    Set,
    Tuple,
    Type,
    _Collection,
    _Dynamic,
    friendly_name,
    has_dynamic,
    type_of,
)
from .errors import ConversionError, _quote, format_path
from .ordering import _sort_types
from .primitives import _SAFE_PRIMITIVE, _UNSAFE_PRIMITIVE
from .sets import set_elements

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
