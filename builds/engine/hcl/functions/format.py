"""format and formatlist: printf-style formatting with cty's verbs, flags, widths and precisions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from ..types import BOOL, NUMBER, STRING, ConversionError, convert
from ..values import UNKNOWN, is_unknown
from . import gojson
from .base import FunctionError, Param, define
from .text import grapheme_count, graphemes

_FLAGS = {"0": "zero", "#": "sharp", "-": "minus", "+": "plus", " ": "space"}
MAX_WIDTH = 1_000_000  # Go's fmt refuses wider widths and precisions too; larger ones only exhaust memory


@dataclass
class _Verb:
    raw: str
    offset: int
    arg: int
    mode: str
    zero: bool = False
    sharp: bool = False
    minus: bool = False
    plus: bool = False
    space: bool = False
    width: int = -1
    prec: int = -1


def format_values(text: str, args: list) -> str:
    """Return ``text`` with its verbs replaced by the formatted ``args``; raise FunctionError if it fails.

    An error about surplus arguments carries the index (in the whole call) of the first unused one.
    """
    out: list[str] = []
    pos, next_arg, highest = 0, 1, 0
    n = len(text)
    while pos < n:
        char = text[pos]
        if char != "%":
            out.append(char)
            pos += 1
            continue
        if pos + 1 < n and text[pos + 1] == "%":
            out.append("%")
            pos += 2
            continue
        start = pos
        verb = _Verb(raw="", offset=start, arg=next_arg, mode="")
        pos += 1
        while pos < n and text[pos] in _FLAGS:
            setattr(verb, _FLAGS[text[pos]], True)
            pos += 1
        if pos < n and text[pos] in "123456789":
            verb.width = 0
            while pos < n and text[pos].isdigit() and text[pos].isascii():
                verb.width = verb.width * 10 + int(text[pos])
                pos += 1
        if pos < n and text[pos] == ".":
            verb.prec = 0
            pos += 1
            while pos < n and text[pos].isdigit() and text[pos].isascii():
                verb.prec = verb.prec * 10 + int(text[pos])
                pos += 1
        if pos < n and text[pos] == "[":
            pos += 1
            if pos < n and text[pos] in "123456789":
                verb.arg = 0
                while pos < n and text[pos].isdigit() and text[pos].isascii():
                    verb.arg = verb.arg * 10 + int(text[pos])
                    pos += 1
                if pos < n and text[pos] == "]":
                    pos += 1
                else:
                    _bad_char(text, pos)
            else:
                _bad_char(text, pos)
        if verb.width > MAX_WIDTH or verb.prec > MAX_WIDTH:
            raise FunctionError(f"invalid format string starting at offset {start}: width or precision above "
                                f"{MAX_WIDTH}")
        if pos >= n:
            raise FunctionError(f"invalid format string starting at offset {pos}")
        if not (text[pos].isascii() and text[pos].isalpha()):
            _bad_char(text, pos)
        verb.mode = text[pos]
        pos += 1
        verb.raw = text[start:pos]
        highest = max(highest, verb.arg)
        out.append(_format_verb(verb, args))
        next_arg = verb.arg + 1
    if highest < len(args):
        first_bad = highest + 1
        if highest == 0:
            raise FunctionError("too many arguments; no verbs in format string", first_bad)
        raise FunctionError(f"too many arguments; only {highest} used by format string", first_bad)
    return "".join(out)


def _bad_char(text: str, pos: int) -> None:
    if pos >= len(text):
        raise FunctionError(f"invalid format string starting at offset {pos}")
    raise FunctionError(f"unrecognized format character '{text[pos]}' at offset {pos}")


def _format_verb(verb: _Verb, args: list) -> str:
    index = verb.arg - 1
    if index >= len(args):
        raise FunctionError(
            f'not enough arguments for "{verb.raw}" at {verb.offset}: need index {verb.arg} but have {len(args)} total'
        )
    arg = args[index]
    if verb.mode != "v" and arg is None:
        raise FunctionError(f'unsupported value for "{verb.raw}" at {verb.offset}: null value cannot be formatted')
    mode = verb.mode
    if mode == "v":
        return _format_as_is(verb, arg)
    if mode == "t":
        return "true" if _converted(verb, arg, BOOL) else "false"
    if mode in "bdoxX":
        return _format_integer(verb, _converted(verb, arg, NUMBER))
    if mode in "eEfgG":
        return _format_float(verb, _converted(verb, arg, NUMBER))
    if mode in "sq":
        return _format_string(verb, _converted(verb, arg, STRING))
    raise FunctionError(f"unsupported format verb '{mode}' in \"{verb.raw}\" at offset {verb.offset}")


def _converted(verb: _Verb, arg: Any, typ) -> Any:
    try:
        return convert(arg, typ)
    except ConversionError as exc:
        raise FunctionError(f'unsupported value for "{verb.raw}" at {verb.offset}: {exc.message}') from None


def _pad(verb: _Verb, text: str) -> str:
    if verb.width < 0:
        return text
    missing = verb.width - grapheme_count(text)
    if missing <= 0:
        return text
    pad = ("0" if verb.zero else " ") * missing
    return text + pad if verb.minus else pad + text


def _format_as_is(verb: _Verb, arg: Any) -> str:
    if not verb.sharp and arg is not None:
        if isinstance(arg, str):
            return _pad(verb, arg)
        if isinstance(arg, (int, float)) and not isinstance(arg, bool):
            return _pad(verb, format_g(arg, -1))
    try:
        return _pad(verb, gojson.encode(arg))
    except gojson.JSONEncodeError as exc:
        raise FunctionError(f'unsupported value for "{verb.raw}" at {verb.offset}: {exc}') from None


def _format_string(verb: _Verb, text: str) -> str:
    if verb.prec > 0:
        text = "".join(graphemes(text)[: verb.prec])
    if verb.mode == "q":
        text = gojson.encode_string(text)
    return _pad(verb, text)


def _format_integer(verb: _Verb, value: int | float) -> str:
    if isinstance(value, float) and (math.isinf(value) or not value.is_integer()):
        raise FunctionError(f'unsupported value for "{verb.raw}" at {verb.offset}: an integer is required')
    value = int(value)
    sign = "-" if value < 0 else "+" if verb.plus else " " if verb.space else ""
    base = {"b": 2, "d": 10, "o": 8, "x": 16, "X": 16}[verb.mode]
    digits = {2: "b", 8: "o", 10: "d", 16: "x"}
    body = format(abs(value), digits[base])
    if verb.mode == "X":
        body = body.upper()
    prefix = ""
    if verb.sharp:
        prefix = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(verb.mode, "")
    zeros = 0
    if verb.prec >= 0:
        if len(body) < verb.prec:
            zeros = verb.prec - len(body)
        elif body == "0" and verb.prec == 0:
            return ""
    length = len(sign) + len(prefix) + zeros + len(body)
    left = right = 0
    if verb.width >= 0 and length < verb.width:
        extra = verb.width - length
        if verb.minus:
            right = extra
        elif verb.zero and verb.prec < 0:
            zeros = extra
        else:
            left = extra
    return " " * left + sign + prefix + "0" * zeros + body + " " * right


def _decimal_digits(value: int | float) -> tuple[str, int]:
    """Return (digits, exp) with value == 0.digits × 10**exp, digits the shortest that round-trip."""
    dec = Decimal(value) if isinstance(value, int) else Decimal(repr(abs(value)))
    sign, digit_tuple, exponent = abs(dec).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    if not digits:
        return "", 0
    stripped = len("".join(map(str, digit_tuple))) - len(digits)
    return digits, exponent + stripped + len(digits)


def _rounded_digits(value: int | float, significant: int) -> tuple[str, int]:
    """Return (digits, exp) of the exact value rounded half-even to ``significant`` digits (>= 1)."""
    dec = abs(Decimal(value))
    if dec == 0:
        return "", 0
    shift = dec.adjusted() + 1 - significant
    rounded = dec.quantize(Decimal(1).scaleb(shift), rounding=ROUND_HALF_EVEN)
    _, digit_tuple, exponent = rounded.as_tuple()
    text = "".join(map(str, digit_tuple))
    digits = text.rstrip("0")
    return digits, exponent + len(text)


def _fmt_e(digits: str, exp: int, prec: int, upper: bool) -> str:
    first = digits[:1] or "0"
    rest = digits[1:]
    text = first
    if prec > 0:
        text += "." + (rest + "0" * prec)[:prec]
    e = exp - 1 if digits else 0
    marker = "E" if upper else "e"
    return f"{text}{marker}{'-' if e < 0 else '+'}{abs(e):02d}"


def _fmt_f(digits: str, exp: int, prec: int) -> str:
    if exp > 0:
        integer = (digits[:exp] + "0" * max(0, exp - len(digits))) or "0"
        fraction = digits[exp:]
    else:
        integer = "0"
        fraction = "0" * -exp + digits
    text = integer
    if prec > 0:
        text += "." + (fraction + "0" * prec)[:prec]
    return text


def format_g(value: int | float, prec: int, upper: bool = False) -> str:
    """Return a number as Go's big.Float formats ``%g`` (``prec`` -1: shortest)."""
    if isinstance(value, float) and math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    sign = "-" if value < 0 else ""
    shortest = prec < 0
    if shortest:
        digits, exp = _decimal_digits(value)
        prec = len(digits)
    else:
        prec = max(prec, 1)
        digits, exp = _rounded_digits(value, prec)
    eprec = prec
    if eprec > len(digits) and len(digits) >= exp:
        eprec = len(digits)
    if shortest:
        eprec = 6
    if digits and (exp - 1 < -4 or exp - 1 >= eprec):
        return sign + _fmt_e(digits, exp, min(prec, len(digits)) - 1, upper)
    if not digits:
        return sign + "0"
    if prec > exp:
        prec = len(digits)
    return sign + _fmt_f(digits, exp, max(prec - exp, 0))


def _format_float(verb: _Verb, value: int | float) -> str:
    mode = verb.mode
    prec = verb.prec if verb.prec >= 0 else (6 if mode in "eEf" else -1)
    infinite = isinstance(value, float) and math.isinf(value)
    if infinite:
        body = "+Inf" if value > 0 else "-Inf"
    elif mode in "gG":
        body = format_g(value, prec, mode == "G")
    elif mode in "eE":
        digits, exp = _rounded_digits(value, prec + 1)
        body = ("-" if value < 0 else "") + _fmt_e(digits, exp, prec, mode == "E")
    else:
        dec = Decimal(value).quantize(Decimal(1).scaleb(-prec), rounding=ROUND_HALF_EVEN)
        body = format(dec, "f")
        if body.startswith("-") and Decimal(body) == 0:
            body = body if value < 0 else body[1:]
    sign = ""
    if body.startswith("-"):
        sign, body = "-", body[1:]
    elif body.startswith("+"):
        sign, body = (" " if verb.space else "+"), body[1:]
    elif verb.plus:
        sign = "+"
    elif verb.space:
        sign = " "
    padding = max(verb.width - len(sign) - len(body), 0) if verb.width >= 0 else 0
    if verb.zero and not infinite:
        return sign + "0" * padding + body
    if verb.minus:
        return sign + body + " " * padding
    return " " * padding + sign + body


@define("format", Param("format", STRING), variadic=Param("args", allow_null=True), accepts_unknown=True)
def format_(ctx, text, *args):
    """The arguments formatted according to the format string."""
    if text is UNKNOWN or any(is_unknown(a) for a in args):
        return UNKNOWN
    return format_values(text, list(args))


@define("formatlist", Param("format", STRING), variadic=Param("args", allow_null=True), accepts_unknown=True)
def formatlist(ctx, text, *args):
    """A list of strings: the format applied to each element of the list arguments in turn."""
    if text is UNKNOWN:
        return UNKNOWN
    if not args:
        return [format_values(text, [])]
    length, chooser = -1, -1
    for index, arg in enumerate(args):
        if arg is UNKNOWN:
            return UNKNOWN
        if isinstance(arg, list):
            if length == -1:
                length, chooser = len(arg), index
            elif len(arg) != length:
                raise FunctionError(
                    f"argument {index + 1} has length {len(arg)}, which is inconsistent with "
                    f"argument {chooser + 1} of length {length}",
                    index + 1,
                )
    if length == 0:
        return []
    results: list = []
    for iteration in range(max(length, 1)):
        values = [arg[iteration] if isinstance(arg, list) else arg for arg in args]
        if any(is_unknown(v) for v in values):
            results.append(UNKNOWN)
            continue
        try:
            results.append(format_values(text, values))
        except FunctionError as exc:
            raise FunctionError(f"error on format iteration {iteration}: {exc.message}") from None
    return results
