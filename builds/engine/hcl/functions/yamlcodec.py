"""YAML as go-cty-yaml reads and writes it: YAML 1.1 scalar resolution, libyaml's emitter style."""

from __future__ import annotations

import base64
import math
import re
from datetime import datetime
from typing import Any

from ..types import number_to_string, parse_number
from ..values import UNKNOWN

_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d{1,9})?(Z|[+-]\d{2}:\d{2})"
    r"|[ ](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d{1,9})?)?"
)
_RESOLVED: dict[str, Any] = {}
for _words, _value in (
    ("y Y yes Yes YES true True TRUE on On ON", True),
    ("n N no No NO false False FALSE off Off OFF", False),
    ("~ null Null NULL", None),
    (".inf .Inf .INF +.inf +.Inf +.INF", math.inf),
    ("-.inf -.Inf -.INF", -math.inf),
):
    for _word in _words.split():
        _RESOLVED[_word] = _value
_RESOLVED[""] = None
_HINTS = {**dict.fromkeys("+-", "S"), **dict.fromkeys("0123456789", "D"), **dict.fromkeys("yYnNtTfFoO~", "M"), ".": "."}
_TAG = "tag:yaml.org,2002:"


class YAMLError(ValueError):
    """A YAML document that cannot be read, or a value that cannot be written."""


def _mark(mark) -> str:
    return f"on line {mark.line + 1}, column {mark.column + 1}: "


def _timestamp(text: str) -> str | None:
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        return None
    year, month, day, t_hour, t_minute, t_second, zone, s_hour, s_minute, s_second = match.groups()
    hour, minute, second = (t_hour, t_minute, t_second) if t_hour is not None else (s_hour, s_minute, s_second)
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    text_out = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if zone in (None, "Z", "+00:00", "-00:00"):
        return text_out + "Z"
    return text_out + zone


def resolve_scalar(tag: str, text: str, plain: bool) -> Any:
    """Return the value of a scalar as go-cty-yaml resolves it; raise YAMLError for bad tagged scalars."""
    known = {"", "str", "bool", "int", "float", "null", "timestamp", "binary"}
    short = tag[len(_TAG):] if tag.startswith(_TAG) else tag.removeprefix("!!") if tag.startswith("!!") else tag
    if tag and short not in known or (tag and not (tag.startswith(_TAG) or tag.startswith("!!"))):
        raise YAMLError(f'unsupported tag "{tag}"')
    hint = _HINTS.get(text[:1], "N") if text else "N"
    if hint and short not in ("str", "binary"):
        if not plain:
            return text
        if text in _RESOLVED:
            return _RESOLVED[text]
        if short == "" and text in (".nan", ".NaN", ".NAN"):
            raise YAMLError("floating point NaN is not supported")
        if hint == ".":
            value = parse_number(text)
            if value is not None:
                return value
        elif hint in "DS":
            if short in ("", "timestamp"):
                stamp = _timestamp(text)
                if stamp is not None:
                    return stamp
            if _INT.fullmatch(text):
                short = "int"
            elif _FLOAT.fullmatch(text):
                short = "float"
    if short in ("str", "binary"):
        if short == "binary":
            try:
                base64.b64decode(text, validate=True)
            except ValueError:
                raise YAMLError(f'cannot parse "{text}" as {tag}: not valid base64') from None
        return text
    if short == "bool":
        if isinstance(_RESOLVED.get(text), bool):
            return _RESOLVED[text]
        raise YAMLError(f'cannot parse "{text}" as {tag}')
    if short in ("int", "float"):
        plain_text = text.replace("_", "")
        value = parse_number(plain_text)
        if value is not None:
            return value
        try:
            return int(plain_text, 0)
        except ValueError:
            raise YAMLError(f'cannot parse "{text}" as {tag}') from None
    if short == "timestamp":
        stamp = _timestamp(text)
        if stamp is None:
            raise YAMLError(f'cannot parse "{text}" as {tag}')
        return stamp
    if short == "null":
        return None
    return text


MAX_FLOW_DEPTH = 1000  # PyYAML's scanner slows down quadratically with nested [ and {


def _bracket_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in ``text``, counting brackets even inside strings (an upper bound)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


def decode(text: str) -> Any:
    """Return the HCL value of a single-document YAML text; raise YAMLError with a positioned message."""
    import yaml
    from yaml import events

    if not text:
        text = "\n"
    if _bracket_depth(text) > MAX_FLOW_DEPTH:
        raise YAMLError(f"exceeded max depth of {MAX_FLOW_DEPTH}")
    parser = yaml.parse(text, Loader=yaml.SafeLoader)
    anchors: dict[str, Any] = {}
    pending: set[str] = set()

    def next_event():
        try:
            return next(parser)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            prefix = _mark(mark) if mark else ""
            raise YAMLError(prefix + (exc.problem or str(exc))) from None
        except yaml.reader.ReaderError:  # a character YAML does not allow, such as NUL
            raise YAMLError("control characters are not allowed") from None

    def node(event) -> Any:
        if isinstance(event, events.AliasEvent):
            if event.anchor in pending:
                raise YAMLError(_mark(event.start_mark) + f'cannot refer to anchor "{event.anchor}" from inside its own definition')
            if event.anchor not in anchors:
                raise YAMLError(_mark(event.start_mark) + f'reference to undefined anchor "{event.anchor}"')
            return anchors[event.anchor]
        anchor = getattr(event, "anchor", None)
        if anchor:
            pending.add(anchor)
        if isinstance(event, events.ScalarEvent):
            try:
                value = resolve_scalar(event.tag or "", event.value, event.style is None)
            except YAMLError as exc:
                raise YAMLError(_mark(event.start_mark) + str(exc)) from None
        elif isinstance(event, events.SequenceStartEvent):
            if event.tag and event.tag not in ("!!seq", _TAG + "seq"):
                raise YAMLError(_mark(event.start_mark) + f"can't interpret sequence as {event.tag}")
            value = []
            while not isinstance(item := next_event(), events.SequenceEndEvent):
                value.append(node(item))
        elif isinstance(event, events.MappingStartEvent):
            if event.tag and event.tag not in ("!!map", _TAG + "map"):
                raise YAMLError(_mark(event.start_mark) + f"can't interpret mapping as {event.tag}")
            value = mapping()
        else:
            raise YAMLError(_mark(event.start_mark) + "expecting value but found end of stream")
        if anchor:
            pending.discard(anchor)
            anchors[anchor] = value
        return value

    def mapping() -> dict:
        result: dict = {}
        while not isinstance(key_event := next_event(), events.MappingEndEvent):
            is_merge = isinstance(key_event, events.ScalarEvent) and (
                (not key_event.tag and key_event.value == "<<") or key_event.tag in ("!!merge", _TAG + "merge")
            )
            if is_merge:
                merged = node(next_event())
                sources = merged if isinstance(merged, list) else [merged]
                for source in sources:
                    if not isinstance(source, dict):
                        where = " (from sequence)" if isinstance(merged, list) else ""
                        raise YAMLError(_mark(key_event.start_mark) + f"cannot merge {_kind(source)}{where} into mapping")
                    result.update(source)
                continue
            if not isinstance(key_event, events.ScalarEvent):
                raise YAMLError(_mark(key_event.start_mark) + "only strings are allowed as mapping keys")
            key = resolve_scalar(key_event.tag or "", key_event.value, key_event.style is None)
            if key is None:
                raise YAMLError(_mark(key_event.start_mark) + "mapping key cannot be null")
            if isinstance(key, bool):
                key = "true" if key else "false"
            elif isinstance(key, (int, float)):
                key = number_to_string(key)
            result[key] = node(next_event())
        return dict(sorted(result.items()))

    next_event()  # stream start
    start = next_event()
    if not isinstance(start, events.DocumentStartEvent):
        raise YAMLError(_mark(start.start_mark) + "missing start of document")
    value = node(next_event())
    end = next_event()
    if isinstance(end, events.DocumentStartEvent):
        raise YAMLError(_mark(end.start_mark) + "only a single document is allowed")
    if not isinstance(end, events.DocumentEndEvent):
        raise YAMLError(_mark(end.start_mark) + "unexpected extra content after value")
    final = next_event()
    if not isinstance(final, events.StreamEndEvent):
        raise YAMLError(_mark(final.start_mark) + "unexpected extra content after value")
    return value


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "dynamic"
    return "number"


# ---------------------------------------------------------------------------
# encoding, in the style of libyaml's emitter as go-cty-yaml drives it

_BEST_WIDTH = 80
_ESCAPES = {
    "\x00": "0", "\x07": "a", "\x08": "b", "\t": "t", "\n": "n", "\x0b": "v", "\x0c": "f", "\r": "r",
    "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}
_BREAKS = "\r\n\x85\u2028\u2029"


def _printable(char: str) -> bool:
    code = ord(char)
    return (
        code == 0x0A
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
    )


def _literal_allowed(text: str) -> bool:
    if any(not _printable(c) for c in text) or text.endswith(" "):
        return False
    return not any(text[i] == " " and text[i + 1] in _BREAKS for i in range(len(text) - 1))


def _double_quoted(text: str, column: int, indent: int, allow_breaks: bool) -> str:
    out = ['"']
    column += 1
    spaces = False
    i = 0
    while i < len(text):
        char = text[i]
        if not _printable(char) or char == "\ufeff" or char in _BREAKS or char in '"\\':
            code = ord(char)
            if char in _ESCAPES:
                escaped = "\\" + _ESCAPES[char]
            elif code <= 0xFF:
                escaped = f"\\x{code:02X}"
            elif code <= 0xFFFF:
                escaped = f"\\u{code:04X}"
            else:
                escaped = f"\\U{code:08X}"
            out.append(escaped)
            column += len(escaped)
            spaces = False
        elif char == " ":
            if allow_breaks and not spaces and column > _BEST_WIDTH and 0 < i < len(text) - 1:
                out.append("\n" + " " * indent)
                column = indent
                if text[i + 1] == " ":
                    out.append("\\")
                    column += 1
            else:
                out.append(" ")
                column += 1
            spaces = True
        else:
            out.append(char)
            column += 1
            spaces = False
        i += 1
    out.append('"')
    return "".join(out)


def _literal(text: str, indent: int) -> str:
    hints = "|"
    if text[:1] in _BREAKS or text[:1] == " ":
        hints += "2"
    if text[-1:] != "\n":
        hints += "-"
    elif text == "\n" or text[-2:-1] == "\n":
        hints += "+"
    body = text[:-1] if text.endswith("\n") else text
    lines = [(" " * indent + line) if line else "" for line in body.split("\n")]
    return hints + "\n" + "\n".join(lines)


def _scalar(value: Any, column: int, indent: int, simple_key: bool = False) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return number_to_string(value)
    if "\n" in value and not simple_key and _literal_allowed(value):
        return _literal(value, indent)
    return _double_quoted(value, column, indent, allow_breaks=not simple_key)


def _is_collection(value: Any) -> bool:
    return isinstance(value, (list, dict)) and bool(value)


def _empty(value: Any) -> str | None:
    if isinstance(value, list) and not value:
        return "[]"
    if isinstance(value, dict) and not value:
        return "{}"
    return None


def _emit(value: Any, indent: int, column: int, out: list[str], in_mapping_value: bool = False) -> None:
    """Append the text of ``value`` starting at ``column``; nested blocks indent from ``indent``."""
    if value is UNKNOWN:
        raise YAMLError("cannot serialize unknown value as YAML")
    empty = _empty(value)
    if empty is not None:
        out.append(empty)
    elif isinstance(value, dict):
        _emit_mapping(value, indent, column, out)
    elif isinstance(value, list):
        _emit_sequence(value, indent, column, out)
    else:
        out.append(_scalar(value, column, indent + 2))


def _line_start(out: list[str], indent: int, first: bool, column: int) -> int:
    if first and column == indent:
        return column
    out.append("\n" + " " * indent)
    return indent


def _emit_mapping(value: dict, indent: int, column: int, out: list[str]) -> None:
    first = True
    for key in sorted(value):
        column = _line_start(out, indent, first, column)
        first = False
        item = value[key]
        if "\n" in key or len(key) > 128:
            out.append("? ")
            out.append(_scalar(key, column + 2, indent + 2))
            out.append("\n" + " " * indent + ":")
            column = indent + 1
        else:
            key_text = _scalar(key, column, indent + 2, simple_key=True) + ":"
            out.append(key_text)
            column += len(key_text)
        if _is_collection(item):
            if isinstance(item, dict):
                out.append("\n" + " " * (indent + 2))
                _emit_mapping(item, indent + 2, indent + 2, out)
            else:
                out.append("\n" + " " * indent)
                _emit_sequence(item, indent, indent, out)
            column = -1
        else:
            out.append(" ")
            _emit(item, indent, column + 1, out)
            column = -1


def _emit_sequence(value: list, indent: int, column: int, out: list[str]) -> None:
    first = True
    for item in value:
        column = _line_start(out, indent, first, column)
        first = False
        out.append("- ")
        if isinstance(item, dict) and item:
            _emit_mapping(item, indent + 2, indent + 2, out)
        elif isinstance(item, list) and item:
            _emit_sequence(item, indent + 2, indent + 2, out)
        else:
            _emit(item, indent, indent + 2, out)
        column = -1


def encode(value: Any) -> str:
    """Return the YAML text go-cty-yaml writes for an HCL value; raise YAMLError if it cannot."""
    out: list[str] = []
    if _is_collection(value):
        _emit(value, 0, 0, out)
        return "".join(out) + "\n"
    if value is UNKNOWN:
        raise YAMLError("cannot serialize unknown value as YAML")
    empty = _empty(value)
    if empty is not None:
        return empty + "\n"
    text = _scalar(value, 0, 2)
    plain = value is None or isinstance(value, (bool, int, float))
    return text + "\n" + ("...\n" if plain else "")

