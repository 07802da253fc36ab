"""Facts of HCL's native grammar shared by the parser and the syntax check: limits, operators, escapes."""

from __future__ import annotations

import re

MAX_NESTING = 64
"""How deeply expressions, blocks and template directives may nest before the parser refuses the input."""

BINARY_LEVELS: tuple[dict[str, str], ...] = (
    {"Or": "||"},
    {"And": "&&"},
    {"EqualOp": "==", "NotEqual": "!="},
    {"LessThan": "<", "LessThanEq": "<=", "GreaterThan": ">", "GreaterThanEq": ">="},
    {"Plus": "+", "Minus": "-"},
    {"Star": "*", "Slash": "/", "Percent": "%"},
)
"""Binary operators by token type, loosest binding first."""

REPORTED_TOKENS = frozenset(
    {"BitwiseAnd", "BitwiseOr", "Tilde", "BitwiseXor", "Backtick", "Apostrophe", "Semicolon",
     "QuotedNewline", "Invalid", "BadUTF8"}
)
"""Token types that are an error wherever they appear (characters the language does not use)."""

ESCAPE_RE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|\$\$\{|%%\{", re.DOTALL)
"""An escape sequence in a quoted string (``\\n``, ``\\u00e9``...) or an escaped template opener."""

SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def escape_error(code: str) -> str | None:
    """Return why the escape ``\\`` + ``code`` (as :data:`ESCAPE_RE` captured it) is invalid, or None."""
    if code in SIMPLE_ESCAPES:
        return None
    if code[0] in "uU" and len(code) > 1:
        point = int(code[1:], 16)
        if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
            return f"Cannot encode character U+{point:04x} in UTF-8."
        return None
    return f'The symbol "{code[0]}" is not a valid escape sequence selector.'
