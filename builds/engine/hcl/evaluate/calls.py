"""Evaluation of function calls, including the special forms try, can and convert."""

from __future__ import annotations

from typing import Any

from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Diagnostic, error
from builds.engine.hcl.evaluate.core import EvalError, Scope, evaluate
from builds.engine.hcl.values import UNKNOWN, is_unknown

# Names of the functions that take unevaluated expressions as arguments.
_SPECIAL_FORMS = ("try", "can", "convert")


def _call(expr: ast.FunctionCall, scope: Scope) -> Any:
    name = expr.name
    if name in _SPECIAL_FORMS:
        return _special_form(expr, scope)
    from builds.engine.hcl.functions import ENV, FUNCTIONS, FunctionError

    if name == "env":
        if not scope.allow_env:
            raise EvalError(error("Call to unavailable function",
                                  'The function "env" can only be used in the default value of a variable. Set '
                                  "the variable from the environment instead, with PKR_VAR_<name>.",
                                  expr.name_range))
        func = ENV
    else:
        func = (scope.functions if scope.functions is not None else FUNCTIONS).get(name)
    if func is None:
        raise EvalError(error("Call to unknown function", f'There is no function named "{name}".', expr.name_range))
    args = [evaluate(a, scope) for a in expr.args]
    if expr.expand_final and args:
        last = args.pop()
        if last is UNKNOWN:
            return UNKNOWN
        if not isinstance(last, list):
            raise EvalError(error("Invalid expanding argument value",
                                  "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                                  expr.args[-1].range))
        args.extend(last)
    try:
        return func.call(scope.function_context, args)
    except FunctionError as exc:
        subject = expr.range
        if exc.arg_index is not None and exc.arg_index < len(expr.args) and not expr.expand_final:
            subject = expr.args[exc.arg_index].range
        raise EvalError(error(exc.summary, exc.detail, subject)) from None
    except EvalError:
        raise
    except RecursionError:
        raise EvalError(error("Error in function call", f'Call to function "{name}" failed: the value is nested '
                              "too deeply.", expr.range)) from None


def _special_form(expr: ast.FunctionCall, scope: Scope) -> Any:
    if expr.name == "convert":
        return _convert(expr, scope)
    if expr.name == "can":
        if len(expr.args) != 1:
            raise EvalError(error("Incorrect number of function arguments",
                                  'Function "can" expects exactly one argument.', expr.range))
        try:
            value = evaluate(expr.args[0], scope)
        except EvalError:
            return False
        return UNKNOWN if is_unknown(value) else True
    if not expr.args:
        raise EvalError(error("Missing function argument", 'Function "try" requires at least one argument.',
                              expr.range))
    failures: list[Diagnostic] = []
    for arg in expr.args:
        try:
            value = evaluate(arg, scope)
        except EvalError as exc:
            failures.append(exc.diag)
            continue
        return value
    details = "\n".join(f"- {d.subject.start.line if d.subject else '?'}: {d.summary}: {d.detail}" for d in failures)
    raise EvalError(error("Error in function call",
                          'Call to function "try" failed: no expression succeeded:\n' + details, expr.range))


def _convert(expr: ast.FunctionCall, scope: Scope) -> Any:
    """``convert(value, type)``: the second argument is a type expression, read and not evaluated."""
    from builds.engine.hcl.functions import FunctionError, convert_value
    from builds.engine.hcl.typeexpr import type_from_expr

    if len(expr.args) != 2 or expr.expand_final:
        raise EvalError(error("Incorrect number of function arguments",
                              'Function "convert" expects exactly two arguments: a value and a type.', expr.range))
    value = evaluate(expr.args[0], scope)
    typ = type_from_expr(expr.args[1])
    if value is UNKNOWN:
        return UNKNOWN
    try:
        return convert_value(value, typ)
    except FunctionError as exc:
        raise EvalError(error(exc.summary, exc.detail, expr.args[0].range)) from None
