"""Go ``text/template`` strings as Packer's plugins use them: ``{{ .Path }}``, ``{{timestamp}}``, pipes.

Packer's HCL templates keep strings such as ``"packer-{{timestamp}}"`` and
``"{{ .Vars }} {{ .Path }}"`` as written; each plugin interpolates them at
run time with data of its own (``.Path`` for a script) and the build's
generated data (``.Host``, ``.SourceAMI``). This module implements the part
of Go's template language those strings use: fields, function calls,
pipelines, parentheses, string and number literals, and ``{{-``/``-}}``
trimming, with Packer's function set.
"""

from __future__ import annotations

import inspect
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

NO_VALUE = "<no value>"  # what Go prints for a missing map key

_ACTION = re.compile(r"\{\{(-[ \t\r\n])?(.*?)([ \t\r\n]-)?\}\}", re.DOTALL)
_ARG = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<raw>`[^`]*`)|(?P<num>-?\d+(?:\.\d+)?)|"""
                  r"""(?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)|"""
                  r"""(?P<open>\()|(?P<close>\))|(?P<pipe>\|))""")


class TemplateError(Exception):
    """A template string is malformed or calls something that fails; the message quotes the string."""


@dataclass
class TemplateContext:
    """What Packer's template functions can see: the build and its template."""

    build_name: str = ""
    build_type: str = ""
    template_dir: str = "."
    start_time: float = field(default_factory=time.time)
    user_variables: Mapping[str, Any] = field(default_factory=dict)
    packer_version: str = ""
    generated: Mapping[str, Any] = field(default_factory=dict)


def render(text: str, data: Mapping[str, Any] | None = None, context: TemplateContext | None = None,
           extra_funcs: Mapping[str, Callable[..., Any]] | None = None) -> str:
    """Interpolate the template ``text`` with ``data`` (the ``.Name`` fields) and Packer's functions."""
    if "{{" not in text:
        return text
    funcs = packer_functions(context or TemplateContext())
    if extra_funcs:
        funcs.update(extra_funcs)
    out: list[str] = []
    pos = 0
    trim_next = False
    for match in _ACTION.finditer(text):
        literal = text[pos:match.start()]
        if trim_next:
            literal = literal.lstrip()
        if match.group(1):
            literal = literal.rstrip()
        out.append(literal)
        body = match.group(2).strip()
        if body.startswith("/*") and body.endswith("*/"):
            value = ""
        else:
            value = _format(_evaluate(body, data or {}, funcs, text))
        out.append(value)
        trim_next = bool(match.group(3))
        pos = match.end()
    tail = text[pos:]
    if "{{" in tail:
        raise TemplateError(f'template: unclosed action in "{text}"')
    out.append(tail.lstrip() if trim_next else tail)
    return "".join(out)


def _format(value: Any) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _evaluate(body: str, data: Mapping[str, Any], funcs: Mapping[str, Callable[..., Any]], text: str) -> Any:
    tokens = _tokenize(body, text)
    value, rest = _pipeline(tokens, data, funcs, text)
    if rest:
        raise TemplateError(f'template: unexpected "{rest[0][1]}" in "{text}"')
    return value


def _tokenize(body: str, text: str) -> list[tuple[str, str]]:
    tokens = []
    pos = 0
    while pos < len(body):
        if body[pos:].strip() == "":
            break
        match = _ARG.match(body, pos)
        if match is None or match.end() == pos:
            raise TemplateError(f'template: unexpected character "{body[pos:].strip()[:1]}" in "{text}"')
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    if tokens and tokens[0] == ("ident", "if") or tokens and tokens[0][1] in ("range", "with", "define",
                                                                                 "template", "block", "end"):
        raise TemplateError(f'template: the "{tokens[0][1]}" action is not supported in "{text}"')
    return tokens


def _pipeline(tokens: list[tuple[str, str]], data, funcs, text: str) -> tuple[Any, list]:
    value: Any = _MISSING
    while True:
        command: list[tuple[str, Any]] = []
        while tokens and tokens[0][0] not in ("pipe", "close"):
            kind, tok = tokens.pop(0)
            if kind == "open":
                inner, tokens = _pipeline(tokens, data, funcs, text)
                if not tokens or tokens[0][0] != "close":
                    raise TemplateError(f'template: unclosed left paren in "{text}"')
                tokens = tokens[1:]
                command.append(("value", inner))
            else:
                command.append((kind, tok))
        if not command:
            raise TemplateError(f'template: missing value for command in "{text}"')
        value = _command(command, value, data, funcs, text)
        if tokens and tokens[0][0] == "pipe":
            tokens = tokens[1:]
            continue
        return value, tokens


_MISSING = object()


def _command(command: list[tuple[str, Any]], piped: Any, data, funcs, text: str) -> Any:
    kind, tok = command[0]
    if kind == "ident" and tok not in ("true", "false", "nil"):
        func = funcs.get(tok)
        if func is None:
            raise TemplateError(f'template: function "{tok}" not defined in "{text}"')
        args = [_argument(k, t, data, text) for k, t in command[1:]]
        if piped is not _MISSING:
            args.append(piped)
        wanted = _arity_mismatch(func, len(args))
        if wanted is not None:
            raise TemplateError(f'template: wrong number of args for {tok}: want {wanted} got {len(args)} '
                                f'in "{text}"')
        try:
            return func(*args)
        except Exception as exc:
            raise TemplateError(f'template: error calling {tok} in "{text}": {exc}') from None
    if len(command) > 1 or piped is not _MISSING:
        raise TemplateError(f'template: can\'t give argument to non-function {tok} in "{text}"')
    return _argument(kind, tok, data, text)


def _arity_mismatch(func: Callable[..., Any], count: int) -> int | None:
    """The number of arguments ``func`` takes if ``count`` is not acceptable to it, else None."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None  # a builtin without a signature: let the call decide
    try:
        signature.bind(*range(count))
    except TypeError:
        return sum(1 for p in signature.parameters.values()
                   if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty)
    return None


def _argument(kind: str, tok: Any, data, text: str) -> Any:
    if kind == "value":
        return tok
    if kind == "str":
        return _unquote(tok)
    if kind == "raw":
        return tok[1:-1]
    if kind == "num":
        return float(tok) if "." in tok else int(tok)
    if kind == "ident":
        return {"true": True, "false": False, "nil": None}[tok]
    if kind == "field":
        return _field(tok, data)
    raise TemplateError(f'template: unexpected "{tok}" in "{text}"')


def _field(path: str, data: Any) -> Any:
    if path == ".":
        return data
    value = data
    for name in path.split(".")[1:]:
        if isinstance(value, Mapping):
            if name not in value:
                return None
            value = value[name]
        else:
            value = getattr(value, name, None)
        if value is None:
            return None
    return value


def _unquote(literal: str) -> str:
    import json

    try:
        return json.loads(literal)
    except ValueError:
        return literal[1:-1]


# --------------------------------------------------------------------------- Packer's functions


_CLEAN_NAME = re.compile(r"[^a-z0-9\-_]")


def packer_functions(ctx: TemplateContext) -> dict[str, Callable[..., Any]]:
    """The functions Packer makes available to template strings."""
    from datetime import UTC, datetime

    from builds.engine.hcl.functions.dates import strftime_layout
    from builds.engine.hcl.functions.golayout import go_format

    start = datetime.fromtimestamp(ctx.start_time, UTC)

    def isotime(*layout: str) -> str:
        return go_format(start, layout[0]) if layout else go_format(start, "2006-01-02T15:04:05Z07:00")

    def user(name: str) -> str:
        value = ctx.user_variables.get(name)
        return "" if value is None else str(value)

    def build(name: str) -> str:
        value = ctx.generated.get(name)
        if value is None:
            raise TemplateError(f'loading data from build "{name}": not available')
        return str(value)

    def split(text: str, sep: str, index: int) -> str:
        parts = text.split(sep)
        if not 0 <= index < len(parts):
            raise TemplateError(f"split: index {index} out of range for {len(parts)} parts")
        return parts[index]

    def unavailable(name: str) -> Callable[..., str]:
        def call(*_args: Any) -> str:
            raise TemplateError(f"{name} is not reachable from ImageHub template strings; use a data source "
                                "or a sensitive variable instead")
        return call

    return {
        "build_name": lambda: ctx.build_name,
        "build_type": lambda: ctx.build_type,
        "timestamp": lambda: str(int(ctx.start_time)),
        "isotime": isotime,
        "strftime": lambda spec: go_format(start, strftime_layout(spec)),
        "uuid": lambda: str(uuid.uuid4()),
        "pwd": os.getcwd,
        "template_dir": lambda: ctx.template_dir,
        "packer_version": lambda: ctx.packer_version,
        "user": user,
        "build": build,
        "upper": lambda s: str(s).upper(),
        "lower": lambda s: str(s).lower(),
        "split": split,
        "replace": lambda old, new, n, s: str(s).replace(old, new, int(n)) if int(n) >= 0 else
        str(s).replace(old, new),
        "replace_all": lambda old, new, s: str(s).replace(old, new),
        "clean_resource_name": lambda s: _CLEAN_NAME.sub("-", str(s).lower()),
        "clean_ami_name": lambda s: re.sub(r"[^a-zA-Z0-9().\-/_ \[\]@']", "-", str(s)),
        "consul_key": unavailable("consul_key"),
        "vault": unavailable("vault"),
        "aws_secretsmanager": unavailable("aws_secretsmanager"),
    }
