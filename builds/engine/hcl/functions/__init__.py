"""Packer's HCL2 function library: every built-in function by name, in :data:`FUNCTIONS`.

``can`` and ``try`` are special forms of the evaluator, and so is ``convert(value, type)``, for
which :func:`convert_value` does the conversion once the type expression is read. ``env`` is
callable only in a variable's default, as in Packer, so it is :data:`ENV` and not in the table.
"""

from __future__ import annotations

from . import (  # noqa: F401  (importing a module registers its functions)
    collections,
    contextual,
    conversion,
    crypto,
    dates,
    encoding,
    filesystem,
    format,
    network,
    numeric,
    regex,
    sets,
    strings,
)
from .base import REGISTRY, Function, FunctionContext, FunctionError, Param
from .contextual import ENV
from .conversion import convert_value

FUNCTIONS: dict[str, Function] = dict(sorted(REGISTRY.items()))

EXTENSIONS: frozenset[str] = frozenset(
    {"base64sha256", "base64sha512", "one", "setsubtract", "tobool", "tolist", "tomap", "tonumber",
     "toset", "tostring", "transpose"}
)
"""Functions Terraform has and Packer does not: templates calling them do not run in Packer."""

__all__ = ["ENV", "EXTENSIONS", "FUNCTIONS", "Function", "FunctionContext", "FunctionError", "Param",
           "convert_value"]
