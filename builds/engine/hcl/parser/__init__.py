"""A recursive-descent parser for HCL's native syntax, producing the tree in :mod:`ast`.

It follows hclsyntax's grammar and error messages, recovers after an error at
the next line so that one pass reports every syntax problem, and never raises
on user input: problems come back as diagnostics with positions.
"""

from __future__ import annotations

from builds.engine.gcpause import without_gc
from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Diagnostics, Pos, error
from builds.engine.hcl.grammar import MAX_NESTING as MAX_NESTING
from builds.engine.hcl.lexer import Token, scan_config, scan_template
from builds.engine.hcl.parser.core import _Parser
from builds.engine.hcl.parser.messages import _Abort
from builds.engine.hcl.parser.messages import token_diagnostics as token_diagnostics


@without_gc
def parse(text: str, filename: str = "<input>", tokens: list[Token] | None = None) -> tuple[ast.File, Diagnostics]:
    """Parse a configuration file; return its tree (possibly partial) and any syntax diagnostics.

    ``tokens``, when given, must be ``scan_config(text, filename)``. The cyclic collector is paused
    meanwhile: tokens and tree nodes hold no reference cycles, so collecting during a parse frees
    nothing, yet its passes over millions of young objects made a 5 MB template parse four times slower.
    """
    parser = _Parser(tokens if tokens is not None else scan_config(text, filename), filename)
    parser.diags.extend(token_diagnostics(parser.toks))
    body = parser.parse_file_body()
    return ast.File(filename, body, text), parser.diags


def parse_expression(text: str, filename: str = "<expression>") -> tuple[ast.Expr | None, Diagnostics]:
    """Parse a standalone expression (``-var`` values, ``console`` input)."""
    parser = _Parser(scan_config(text, filename), filename)
    parser.diags.extend(token_diagnostics(parser.toks))
    parser.newlines.append(False)
    try:
        expr = parser.expression()
        tok = parser.peek()
        if tok.type != "EOF":
            raise _Abort(error("Extra characters after expression",
                               "An expression was successfully parsed, but extra characters were found after it.",
                               tok.range))
    except _Abort as exc:
        parser.diags.add(exc.diag)
        return None, parser.diags
    return expr, parser.diags


def parse_template(text: str, filename: str = "<template>") -> tuple[ast.Template | None, Diagnostics]:
    """Parse a bare template, such as the file ``templatefile()`` reads."""
    parser = _Parser(scan_template(text, filename), filename)
    parser.diags.extend(token_diagnostics(parser.toks))
    start = parser.toks[0].range
    try:
        parts = parser.template_parts({"EOF"}, quoted=False)
    except _Abort as exc:
        parser.diags.add(exc.diag)
        return None, parser.diags
    end = parser.peek().range
    return ast.Template(start.cover(end), parts, heredoc=True), parser.diags


__all__ = ["parse", "parse_expression", "parse_template", "Pos"]
