"""Collection functions: length, element, index, lookup, keys, values, merge, concat, flatten, range, ..."""

from __future__ import annotations

from decimal import Decimal

from ..types import ANY, BOOL, NUMBER, STRING, List, Map, convert, type_of, unify, values_equal
from ..values import UNKNOWN, number
from .base import FunctionError, Param, define, kind_of, to_int
from .text import grapheme_count

_RANGE_LIMIT = 1024


@define("length", Param("value"), accepts_unknown=True)
def length(ctx, value):
    """The number of elements of a list or map, or of characters of a string."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, str):
        return grapheme_count(value)
    if isinstance(value, (list, dict)):
        return len(value)
    raise FunctionError("argument must be a string, a collection type, or a structural type")


@define("element", Param("list"), Param("index", NUMBER))
def element(ctx, items, index):
    """The element at ``index`` of a list, wrapping around past the end."""
    if index < 0:
        raise FunctionError("cannot use element function with a negative index")
    if not isinstance(items, list):
        raise FunctionError(f"cannot read elements from {kind_of(items)}")
    try:
        position = to_int(index)
    except FunctionError as exc:
        raise FunctionError(f"invalid index: {exc.message}") from None
    if not items:
        raise FunctionError("cannot use element function with an empty list")
    return items[position % len(items)]


@define("index", Param("list"), Param("value"))
def index(ctx, items, value):
    """The index of the first element of a list equal to ``value``."""
    if not isinstance(items, list):
        raise FunctionError("argument must be a list or tuple")
    if not items:
        raise FunctionError("cannot search an empty list")
    for position, item in enumerate(items):
        if values_equal(item, value):
            return position
    raise FunctionError("item not found")


@define("contains", Param("list"), Param("value"))
def contains(ctx, items, value):
    """Whether a list or set contains the value."""
    if not isinstance(items, list):
        raise FunctionError("argument must be list, tuple, or set")
    return any(values_equal(item, value) for item in items)


@define("lookup", Param("inputMap"), Param("key", STRING), Param("default"))
def lookup(ctx, mapping, key, default):
    """The value of ``key`` in a map, or ``default`` when the map has no such key."""
    if not isinstance(mapping, dict):
        raise FunctionError("lookup() requires a map as the first argument", 0)
    if key in mapping:
        return mapping[key]
    return default


@define("keys", Param("inputMap"))
def keys(ctx, mapping):
    """The keys of a map, in lexicographic order."""
    if not isinstance(mapping, dict):
        raise FunctionError("must have map or object type", 0)
    return sorted(mapping)


@define("values", Param("mapping"))
def values(ctx, mapping):
    """The values of a map, in the order of their keys."""
    if not isinstance(mapping, dict):
        raise FunctionError("values() requires a map as the first argument")
    return [mapping[k] for k in sorted(mapping)]


@define("merge", variadic=Param("maps", allow_null=True))
def merge(ctx, *maps):
    """One map with the keys of all given maps; later maps win."""
    result: dict = {}
    for mapping in maps:
        if mapping is None:
            continue
        if not isinstance(mapping, dict):
            raise FunctionError(f'arguments must be maps or objects, got "{kind_of(mapping)}"')
        result.update(mapping)
    return dict(sorted(result.items()))


@define("zipmap", Param("keys", List(STRING)), Param("values"))
def zipmap(ctx, key_list, value_list):
    """A map made of a list of keys and a list of values."""
    if not isinstance(value_list, list):
        raise FunctionError("values argument must be a list or tuple value")
    if len(key_list) != len(value_list):
        raise FunctionError(
            f"number of keys ({len(key_list)}) does not match number of values ({len(value_list)})"
        )
    result = {}
    for position, (key, item) in enumerate(zip(key_list, value_list, strict=True)):
        if key is None:
            raise FunctionError(f"keys list has null value at index {position}")
        result[key] = item
    return dict(sorted(result.items()))


@define("concat", variadic=Param("seqs"))
def concat(ctx, *seqs):
    """One list with the elements of all given lists."""
    if not seqs:
        raise FunctionError("at least one argument is required")
    result: list = []
    for position, seq in enumerate(seqs):
        if not isinstance(seq, list):
            raise FunctionError(f"all arguments must be lists or tuples; got {kind_of(seq)}", position)
        result.extend(seq)
    return result


def _flatten(items: list) -> list:
    out: list = []
    for item in items:
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


@define("flatten", Param("list"))
def flatten(ctx, items):
    """The elements of nested lists in one flat list."""
    if not isinstance(items, list):
        raise FunctionError("can only flatten lists, sets and tuples")
    return _flatten(items)


@define("reverse", Param("list"))
def reverse(ctx, items):
    """The list in reverse order."""
    if not isinstance(items, list):
        raise FunctionError(f"can only reverse list or tuple values, not {kind_of(items)}", 0)
    return items[::-1]


@define("distinct", Param("list", List(ANY)))
def distinct(ctx, items):
    """The list without duplicate elements, keeping the first of each."""
    result: list = []
    for item in items:
        if not any(values_equal(item, seen) for seen in result):
            result.append(item)
    return result


@define("compact", Param("list", List(STRING)))
def compact(ctx, items):
    """The list of strings without empty and null elements."""
    return [item for item in items if item is not None and item != ""]


@define("chunklist", Param("list", List(ANY)), Param("size", NUMBER))
def chunklist(ctx, items, size):
    """The list split into lists of at most ``size`` elements."""
    try:
        chunk = to_int(size)
    except FunctionError as exc:
        raise FunctionError(f"invalid size: {exc.message}") from None
    if chunk < 0:
        raise FunctionError("the size argument must be positive")
    if not items:
        return []
    if chunk == 0:
        return [items]
    return [items[i : i + chunk] for i in range(0, len(items), chunk)]


@define("slice", Param("list"), Param("start_index", NUMBER), Param("end_index", NUMBER))
def slice_(ctx, items, start, end):
    """The elements of a list from ``start_index`` up to but not including ``end_index``."""
    if not isinstance(items, list):
        raise FunctionError("must be a list or tuple value", 0)
    try:
        first = to_int(start)
    except FunctionError as exc:
        raise FunctionError(f"invalid start index: {exc.message}", 1) from None
    if first < 0:
        raise FunctionError("start index must not be less than zero", 1)
    if first > len(items):
        raise FunctionError("start index must not be greater than the length of the list", 1)
    try:
        last = to_int(end)
    except FunctionError as exc:
        raise FunctionError(f"invalid end index: {exc.message}", 2) from None
    if last < 0:
        raise FunctionError("end index must not be less than zero", 2)
    if last > len(items):
        raise FunctionError("end index must not be greater than the length of the list", 2)
    if first > last:
        raise FunctionError("start index must not be greater than end index", 1)
    return items[first:last]


@define("coalesce", variadic=Param("vals", allow_null=True), accepts_unknown=True)
def coalesce(ctx, *vals):
    """The first argument that is neither null nor an empty string."""
    target = unify([type_of(v) for v in vals], unsafe=True)
    if target is None:
        raise FunctionError("all arguments must have the same type")
    for value in vals:
        if value is UNKNOWN:
            return UNKNOWN
        value = convert(value, target)
        if value is None or (target == STRING and value == ""):
            continue
        return value
    raise FunctionError("no non-null, non-empty-string arguments")


@define("coalescelist", variadic=Param("vals", allow_null=True), accepts_unknown=True)
def coalescelist(ctx, *vals):
    """The first argument that is a non-empty list."""
    if not vals:
        raise FunctionError("at least one argument is required")
    for value in vals:
        if value is UNKNOWN:
            return UNKNOWN
        if value is not None and not isinstance(value, list):
            raise FunctionError("coalescelist arguments must be lists or tuples")
    for value in vals:
        if value:
            return value
    raise FunctionError("no non-null arguments")


@define("alltrue", Param("list", List(BOOL)), accepts_unknown=True)
def alltrue(ctx, items):
    """Whether every element of the list is true (true for an empty list)."""
    if items is UNKNOWN:
        return UNKNOWN
    for item in items:
        if item is UNKNOWN:
            return UNKNOWN
        if not item:
            return False
    return True


@define("anytrue", Param("list", List(BOOL)), accepts_unknown=True)
def anytrue(ctx, items):
    """Whether any element of the list is true (false for an empty list)."""
    if items is UNKNOWN:
        return UNKNOWN
    if any(item is True for item in items):
        return True
    return UNKNOWN if any(item is UNKNOWN for item in items) else False


@define("one", Param("list"))
def one(ctx, items):
    """The only element of a list with one element, or null for an empty list."""
    if not isinstance(items, list) or len(items) > 1:
        raise FunctionError("must be a list, set, or tuple value with either zero or one elements", 0)
    return items[0] if items else None


@define("transpose", Param("values", Map(List(STRING))))
def transpose(ctx, mapping):
    """A map of lists of strings with keys and values swapped."""
    result: dict[str, list] = {}
    for key in sorted(mapping):
        items = mapping[key]
        if items is None:
            raise FunctionError("input must not contain null list")
        for item in items:
            if item is None:
                raise FunctionError("input must not contain null string")
            result.setdefault(item, []).append(key)
    return dict(sorted(result.items()))


def _decimal(value: int | float) -> Decimal:
    # Integers convert exactly (and have no digit limit); floats by their shortest repr, as cty reads them.
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


@define("range", variadic=Param("params", NUMBER))
def range_(ctx, *params):
    """A list of numbers from start (default 0) up to but not including end, by step (default ±1)."""
    if len(params) == 1:
        start, end, step = 0, params[0], (-1 if params[0] < 0 else 1)
    elif len(params) == 2:
        start, end = params
        step = -1 if end < start else 1
    elif len(params) == 3:
        start, end, step = params
    else:
        raise FunctionError("must have one, two, or three arguments")
    if step == 0:
        raise FunctionError("step must not be zero", 2)
    down = step < 0
    if down and end > start:
        raise FunctionError("end must be less than start when step is negative", 1)
    if not down and end < start:
        raise FunctionError("end must be greater than start when step is positive", 1)
    current, increment, stop = _decimal(start), _decimal(step), _decimal(end)
    result: list = []
    while (current > stop) if down else (current < stop):
        if len(result) >= _RANGE_LIMIT:
            raise FunctionError(
                "more than 1024 values were generated; either decrease the difference between "
                "start and end or use a smaller step"
            )
        whole = current.is_finite() and current == current.to_integral_value()
        result.append(number(int(current) if whole else float(current)))
        current += increment
    return result
