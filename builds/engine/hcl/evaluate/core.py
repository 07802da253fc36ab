"""The evaluator's entry point: the scope an expression sees, its error type and dispatch by node type."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Diagnostic, Range, error


class EvalError(Exception):
    """An expression could not be evaluated; carries the diagnostic to show the user."""

    def __init__(self, diag: Diagnostic):
        self.diag = diag
        super().__init__(diag.summary)


@dataclass
class Scope:
    """What an expression can see: root names (``var``, ``local``, ...) and the functions.

    ``resolve`` is consulted for root names missing from ``names``; it lets the
    configuration evaluate locals lazily (and detect cycles) on first reference.
    """

    names: dict[str, Any] = field(default_factory=dict)
    functions: Mapping[str, Any] | None = None
    function_context: Any = None
    resolve: Callable[[str, list, Range], Any] | None = None
    allow_env: bool = False
    unknown_roots: frozenset[str] = frozenset()

    def child(self, **names: Any) -> Scope:
        merged = dict(self.names)
        merged.update(names)
        return Scope(merged, self.functions, self.function_context, self.resolve, self.allow_env,
                     self.unknown_roots)


# The evaluator of each node type; the package's ``__init__`` fills it once every evaluator is imported.
_DISPATCH: dict[type, Callable[[Any, Scope], Any]] = {}


def evaluate(expr: ast.Expr, scope: Scope) -> Any:
    """Return the value of ``expr``; raise :class:`EvalError` with a positioned diagnostic on failure."""
    method = _DISPATCH.get(type(expr))
    if method is None:
        raise TypeError(f"cannot evaluate {type(expr).__name__}")
    try:
        return method(expr, scope)
    except RecursionError:
        # Long operator or index chains (a + b + ... thousands of times) nest the tree deeper than the
        # parser's bracket limit; the innermost expression that still has room reports it.
        raise EvalError(error("Too deeply nested", "This expression nests too deeply to evaluate. Split it into "
                              "smaller pieces, for example with locals.", expr.range)) from None
