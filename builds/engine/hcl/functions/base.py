"""The function call protocol: parameters, argument conversion, errors and the registry."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..types import ANY, ConversionError, Type, convert, friendly_name, type_of
from ..values import UNKNOWN, is_unknown, number

if TYPE_CHECKING:
    import pathlib
    from datetime import datetime

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class FunctionError(Exception):
    """A function call failed; ``arg_index`` (0-based) names the argument at fault, when one is.

    ``message`` is cty's text (``string required``); ``summary`` and ``detail`` are the
    diagnostic HCL prints, once :meth:`Function.call` has named the function and parameter.
    """

    def __init__(self, message: str, arg_index: int | None = None, summary: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.arg_index = arg_index
        self.function: str | None = None
        self.param: str | None = None
        self._summary = summary

    @property
    def summary(self) -> str:
        if self._summary:
            return self._summary
        return "Invalid function argument" if self.param else "Error in function call"

    @property
    def detail(self) -> str:
        if self._summary:
            return self.message
        if self.param:
            return f'Invalid value for "{self.param}" parameter: {self.message}.'
        if self.function:
            return f'Call to function "{self.function}" failed: {self.message}.'
        return self.message

    def __str__(self) -> str:
        return self.detail


@dataclass
class FunctionContext:
    """What functions may reach outside their arguments: the directory, the template renderer, the clock."""

    cwd: pathlib.Path
    render_template: Callable[[str, str, dict], str] | None = None
    now: Callable[[], datetime] | None = None


@dataclass(frozen=True)
class Param:
    """One parameter: its name (for messages), the type arguments convert to, whether null is accepted."""

    name: str
    type: Type = ANY
    allow_null: bool = False


@dataclass(frozen=True)
class Function:
    """A callable HCL function. ``impl(ctx, *args)`` receives converted, known arguments."""

    name: str
    params: tuple[str, ...]
    variadic: str | None
    impl: Callable
    param_specs: tuple[Param, ...] = ()
    variadic_spec: Param | None = None
    accepts_unknown: bool = False
    doc: str = field(default="", compare=False)

    def _spec(self, index: int) -> Param:
        if index < len(self.param_specs):
            return self.param_specs[index]
        assert self.variadic_spec is not None
        return self.variadic_spec

    def call(self, ctx: FunctionContext, args: list) -> Any:
        """Return the result of calling the function with ``args``; raise FunctionError if the call fails.

        Arguments are converted to the parameter types first. The result is UNKNOWN when an
        argument is or contains an unknown value (unless the function handles unknowns itself).
        """
        fixed = len(self.param_specs)
        if len(args) < fixed:
            qualifier = " at least" if self.variadic_spec else ""
            raise self._named(FunctionError(
                f'Function "{self.name}" expects{qualifier} {fixed} argument(s). '
                f'Missing value for "{self.param_specs[len(args)].name}".',
                summary="Not enough function arguments",
            ))
        if self.variadic_spec is None and len(args) > fixed:
            raise self._named(FunctionError(
                f'Function "{self.name}" expects only {fixed} argument(s).',
                arg_index=fixed,
                summary="Too many function arguments",
            ))
        converted = []
        for index, value in enumerate(args):
            spec = self._spec(index)
            try:
                value = convert(value, spec.type)
            except ConversionError as exc:
                raise self._named(FunctionError(exc.message, index)) from None
            converted.append(value)
        for index, value in enumerate(converted):
            if value is None and not self._spec(index).allow_null:
                raise self._named(FunctionError("argument must not be null", index))
        if not self.accepts_unknown and any(is_unknown(v) for v in converted):
            return UNKNOWN
        try:
            return self.impl(ctx, *converted)
        except FunctionError as exc:
            raise self._named(exc) from None

    def _named(self, exc: FunctionError) -> FunctionError:
        exc.function = self.name
        if exc.arg_index is not None and exc._summary is None and (
            exc.arg_index < len(self.param_specs) or self.variadic_spec is not None
        ):
            exc.param = self._spec(exc.arg_index).name
        return exc


REGISTRY: dict[str, Function] = {}


def define(
    name: str,
    *params: Param,
    variadic: Param | None = None,
    accepts_unknown: bool = False,
) -> Callable[[Callable], Function]:
    """Register the decorated ``impl(ctx, *args)`` as the HCL function ``name``; return the Function."""

    def register(impl: Callable) -> Function:
        if name in REGISTRY:
            raise ValueError(f"function {name!r} is defined twice")
        function = Function(
            name=name,
            params=tuple(p.name for p in params),
            variadic=variadic.name if variadic else None,
            impl=impl,
            param_specs=tuple(params),
            variadic_spec=variadic,
            accepts_unknown=accepts_unknown,
            doc=(impl.__doc__ or "").strip(),
        )
        REGISTRY[name] = function
        return function

    return register


# ---------------------------------------------------------------------------
# helpers shared by the function modules


def to_int(value: int | float, what: str = "", arg_index: int | None = None, low: int = INT64_MIN,
           high: int = INT64_MAX) -> int:
    """Return a whole number as int; raise FunctionError as cty's gocty does for fractions or overflow."""
    if isinstance(value, float) and (math.isinf(value) or not value.is_integer()) or not low <= value <= high:
        message = f"value must be a whole number, between {low} and {high}"
        raise FunctionError(f"{what}: {message}" if what else message, arg_index)
    return int(value)


def kind_of(value: Any) -> str:
    """Return the friendly name of a value's inferred type (``string``, ``tuple``, ``object``, ``dynamic``)."""
    return friendly_name(type_of(value))


def num(value: float) -> int | float:
    """Return a computed number in the value model's normal form."""
    return number(value)
