"""Pausing Python's cyclic garbage collector while the engine builds large trees of objects.

Parsing and validating a big template allocates millions of small objects
that form no reference cycles; with the collector running, repeated
full collections over that growing heap take most of the time (measured: a
380 kB template validated in 9.3 s with collection, 3.3 s without).
Reference counting still frees everything as usual while paused.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Disable cyclic collection for the duration (nested uses are no-ops); restores the previous state."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def without_gc(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run ``func`` with cyclic collection paused."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused_gc():
            return func(*args, **kwargs)

    return wrapper
