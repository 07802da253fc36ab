"""Evaluation of HCL expressions against a scope of named values and the function library."""

from __future__ import annotations

from builds.engine.hcl import ast
from builds.engine.hcl.evaluate.calls import _call
from builds.engine.hcl.evaluate.core import _DISPATCH, EvalError, Scope, evaluate
from builds.engine.hcl.evaluate.nodes import (
    _anon,
    _get_attr,
    _index,
    _literal,
    _object,
    _parens,
    _splat,
    _template_wrap,
    _tuple,
    _variable,
    get_attr,
    index,
    walk_path,
)
from builds.engine.hcl.evaluate.operators import _binary, _conditional, _unary
from builds.engine.hcl.evaluate.rendering import _for, _template

_DISPATCH.update({
    ast.Literal: _literal,
    ast.Template: _template,
    ast.TemplateWrap: _template_wrap,
    ast.Variable: _variable,
    ast.GetAttr: _get_attr,
    ast.Index: _index,
    ast.Splat: _splat,
    ast.AnonSymbol: _anon,
    ast.TupleCons: _tuple,
    ast.ObjectCons: _object,
    ast.Parens: _parens,
    ast.Conditional: _conditional,
    ast.BinaryOp: _binary,
    ast.UnaryOp: _unary,
    ast.ForExpr: _for,
    ast.FunctionCall: _call,
})

__all__ = ["EvalError", "Scope", "evaluate", "get_attr", "index", "walk_path"]
