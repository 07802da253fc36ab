"""Type-constraint expressions (``list(string)``, ``object({a = number})``) read from the syntax tree."""

from __future__ import annotations

from builds.engine.hcl import ast, types
from builds.engine.hcl.diagnostics import error
from builds.engine.hcl.evaluate import EvalError, Scope, evaluate

_PRIMITIVES = {"string": types.STRING, "number": types.NUMBER, "bool": types.BOOL, "any": types.ANY}
_COLLECTIONS = {"list": types.List, "set": types.Set, "map": types.Map}


def type_from_expr(expr: ast.Expr) -> types.Type:
    """Return the type an expression denotes; raise :class:`EvalError` when it is not a valid type."""
    if isinstance(expr, ast.Variable):
        typ = _PRIMITIVES.get(expr.name)
        if typ is not None:
            return typ
        if expr.name in _COLLECTIONS or expr.name in ("object", "tuple"):
            raise EvalError(error("Invalid type specification",
                                  f'The {expr.name} type constructor requires one argument specifying the '
                                  f'element type{"s" if expr.name == "tuple" else ""}.', expr.range))
        raise EvalError(error("Invalid type specification", f'The keyword "{expr.name}" is not a valid type '
                              "specification.", expr.range))
    if isinstance(expr, ast.FunctionCall):
        name = expr.name
        if name in _COLLECTIONS:
            _arity(expr, 1)
            return _COLLECTIONS[name](type_from_expr(expr.args[0]))
        if name == "tuple":
            _arity(expr, 1)
            arg = expr.args[0]
            if not isinstance(arg, ast.TupleCons):
                raise EvalError(error("Invalid type specification",
                                      "The tuple type constructor requires a list of element types.", arg.range))
            return types.Tuple([type_from_expr(item) for item in arg.items])
        if name == "object":
            _arity(expr, 1)
            return _object_type(expr.args[0])
        raise EvalError(error("Invalid type specification", f'Keyword "{name}" is not a valid type constructor.',
                              expr.name_range))
    if isinstance(expr, ast.Parens):
        return type_from_expr(expr.inner)
    raise EvalError(error("Invalid type specification",
                          "A type specification is either a primitive type keyword (bool, number, string) or a "
                          "complex type constructor call, like list(string).", expr.range))


def _arity(expr: ast.FunctionCall, count: int) -> None:
    if len(expr.args) != count:
        raise EvalError(error("Invalid type specification",
                              f"The {expr.name} type constructor requires one argument.", expr.range))


def _object_type(arg: ast.Expr) -> types.Type:
    if not isinstance(arg, ast.ObjectCons):
        raise EvalError(error("Invalid type specification",
                              "The object type constructor requires one argument specifying the attribute types "
                              "as a map.", arg.range))
    attrs: dict[str, types.Type] = {}
    optional: dict[str, object] = {}
    for item in arg.items:
        if not item.key_is_name:
            raise EvalError(error("Invalid type specification",
                                  "Object constructor map keys must be attribute names.", item.key.range))
        name = item.key.name  # type: ignore[attr-defined]
        value = item.value
        if isinstance(value, ast.FunctionCall) and value.name == "optional":
            if not 1 <= len(value.args) <= 2:
                raise EvalError(error("Invalid type specification",
                                      "Optional attribute modifier expects one or two arguments: an attribute "
                                      "type, and an optional default value.", value.range))
            attrs[name] = type_from_expr(value.args[0])
            if len(value.args) == 2:
                default = evaluate(value.args[1], Scope())
                try:
                    optional[name] = types.convert(default, attrs[name])
                except types.ConversionError as exc:
                    raise EvalError(error("Invalid default value for optional attribute",
                                          f"This default value is not compatible with the attribute's type "
                                          f"constraint: {exc}.", value.args[1].range)) from None
            else:
                optional[name] = types.NO_DEFAULT
        else:
            attrs[name] = type_from_expr(value)
    return types.Object(attrs, optional=optional)
