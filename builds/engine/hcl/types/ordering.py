"""The order of generality among types that unification prefers (``string`` and ``any`` first)."""

from __future__ import annotations

from .constraints import STRING, List, Map, Object, Primitive, Set, Tuple, Type, _Dynamic


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
