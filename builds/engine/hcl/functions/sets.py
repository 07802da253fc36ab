"""Set functions: setintersection, setunion, setsubtract, setproduct."""

from __future__ import annotations

import itertools

from ..types import ANY, Set, Type, convert, set_elements, type_of, unify, values_equal
from .base import FunctionError, Param, define


def _common_elements(sets: tuple[list, ...]) -> tuple[list[list], Type]:
    """Return the sets with their elements converted to one common element type, and that type."""
    elem_types = []
    for items in sets:
        if items:
            elem_type = unify([type_of(v) for v in items], unsafe=True)
            elem_types.append(elem_type if elem_type is not None else ANY)
    if not elem_types:
        return [list(s) for s in sets], ANY
    target = unify(elem_types, unsafe=True)
    if target is None:
        raise FunctionError("given sets must all have compatible element types")
    return [[convert(v, target) for v in items] for items in sets], target


def _member(value, items: list) -> bool:
    return any(values_equal(value, item) for item in items)


@define("setunion", Param("first_set", Set(ANY)), variadic=Param("other_sets", Set(ANY)))
def setunion(ctx, first, *others):
    """The set of the elements of any of the given sets."""
    sets, elem_type = _common_elements((first, *others))
    return set_elements([v for items in sets for v in items], elem_type)


@define("setintersection", Param("first_set", Set(ANY)), variadic=Param("other_sets", Set(ANY)))
def setintersection(ctx, first, *others):
    """The set of the elements that all the given sets have."""
    sets, elem_type = _common_elements((first, *others))
    common = [v for v in sets[0] if all(_member(v, other) for other in sets[1:])]
    return set_elements(common, elem_type)


@define("setsubtract", Param("a", Set(ANY)), Param("b", Set(ANY)))
def setsubtract(ctx, first, second):
    """The set of the elements of the first set that the second set does not have."""
    (first, second), elem_type = _common_elements((first, second))
    return set_elements([v for v in first if not _member(v, second)], elem_type)


@define("setproduct", variadic=Param("sets"))
def setproduct(ctx, *sets):
    """Every combination of one element from each given set or list, as lists."""
    if len(sets) < 2:
        raise FunctionError("at least two arguments are required")
    converted = []
    for position, items in enumerate(sets):
        if not isinstance(items, list):
            raise FunctionError("a set or a list is required", position)
        elem_type = unify([type_of(v) for v in items], unsafe=True) if items else ANY
        if elem_type is None:
            raise FunctionError("all elements must be of the same type", position)
        converted.append([convert(v, elem_type) for v in items])
    return [list(combination) for combination in itertools.product(*converted)]
