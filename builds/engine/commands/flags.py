"""Command-line flags parsed the way Go's ``flag`` package parses them for Packer's commands.

A command declares its flags on a :class:`FlagSet`, parses its arguments, and
hands any :class:`FlagError` back to the set, which prints what Packer prints::

    flags = FlagSet("fmt", USAGE)          # USAGE: the command's whole help text
    flags.bool("check", False)             # -check, -check=false, --check=1 ...
    flags.string("on-error", "cleanup")   # -on-error abort, -on-error=abort
    flags.int("parallel-builds", 0)
    flags.list("var", check=key_value)     # repeated: -var a=b -var c=d, kept in order
    flags.list("only", comma=True)         # -only=a,b -only c  ->  ["a", "b", "c"]
    try:
        values, positional = flags.parse(args)
    except FlagError as err:
        return flags.fail(err, stdout, stderr)
    if len(positional) != 1:
        return flags.usage_error(stdout)
    values["check"], values["var"], values["parallel-builds"] ...

Syntax (as in Go): ``-name`` and ``--name`` are the same flag; a value is given
as ``-name=value`` or, for flags that are not bool, as the next argument
(``-name value``); a bool flag takes a value only after ``=`` and accepts
``1 0 t f T F true false TRUE FALSE True False``. Parsing stops at the first
argument that is not a flag (``-`` alone is not a flag) or after ``--``; the
rest are returned as positional arguments. ``-h`` and ``-help``, unless
declared, ask for the usage.

Errors carry Go's messages (``flag provided but not defined: -x``,
``flag needs an argument: -var``, ``invalid boolean value "x" for -check: parse
error``...). :meth:`FlagSet.fail` prints the message to ``stderr`` and the usage
to ``stdout`` and returns 1, Packer's status for a bad flag; for a help request
it prints the usage alone and returns 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})

EXIT_FLAG_ERROR = 1


class FlagError(Exception):
    """Raised by :meth:`FlagSet.parse` for arguments that do not parse; ``str()`` is Go's message."""


class HelpRequested(FlagError):
    """Raised by :meth:`FlagSet.parse` for ``-h`` or ``-help`` when no such flag is declared."""

    def __init__(self) -> None:
        super().__init__("flag: help requested")


class _Flag:
    """One declared flag: its name, kind ("bool", "string", "int" or "list") and default."""

    __slots__ = ("name", "kind", "default", "help", "comma", "check")

    def __init__(
        self,
        name: str,
        kind: str,
        default: Any,
        help: str,
        comma: bool = False,
        check: Callable[[str], object] | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.default = default
        self.help = help
        self.comma = comma
        self.check = check


class FlagSet:
    """The flags of one command: declare them, then :meth:`parse` its arguments."""

    def __init__(self, name: str, usage: str) -> None:
        self.name = name
        self.usage = usage
        self._flags: dict[str, _Flag] = {}

    # -- declaring ---------------------------------------------------------

    def bool(self, name: str, default: bool = False, help: str = "") -> None:
        """Declare a bool flag; its value is a ``bool``."""
        self._declare(_Flag(name, "bool", default, help))

    def string(self, name: str, default: str = "", help: str = "") -> None:
        """Declare a string flag; its value is the last one given, or ``default``."""
        self._declare(_Flag(name, "string", default, help))

    def int(self, name: str, default: int = 0, help: str = "") -> None:
        """Declare an integer flag (Go syntax: decimal, ``0x`` hex, ``0o``/``0`` octal, ``0b``)."""
        self._declare(_Flag(name, "int", default, help))

    def list(
        self,
        name: str,
        help: str = "",
        *,
        comma: bool = False,
        check: Callable[[str], object] | None = None,
    ) -> None:
        """Declare a repeatable flag; its value is the ``list[str]`` of every value given, in order.

        With ``comma=True`` each value is also split on commas (``-only=a,b``).
        ``check``, when given, is called with each value and may raise
        ``ValueError(reason)``; parsing then fails with Go's ``invalid value "V"
        for flag -NAME: reason``.
        """
        self._declare(_Flag(name, "list", None, help, comma=comma, check=check))

    def _declare(self, flag: _Flag) -> None:
        if not flag.name or flag.name.startswith("-") or "=" in flag.name:
            raise ValueError(f"flag name {flag.name!r} is not valid")
        if flag.name in self._flags:
            raise ValueError(f"flag redefined: {flag.name}")
        self._flags[flag.name] = flag

    # -- parsing -----------------------------------------------------------

    def defaults(self) -> dict[str, Any]:
        """Return every declared flag's value before parsing (lists are empty)."""
        return {f.name: ([] if f.kind == "list" else f.default) for f in self._flags.values()}

    def parse(self, args: list[str]) -> tuple[dict[str, Any], list[str]]:
        """Return ``(values, positional)``: every flag's value by name, and the arguments left.

        Raises :class:`FlagError` (or :class:`HelpRequested`) with Go's message.
        """
        values = self.defaults()
        rest = list(args)
        while rest:
            arg = rest[0]
            if len(arg) < 2 or arg[0] != "-":
                break
            minuses = 2 if arg[1] == "-" else 1
            if arg == "--":
                rest.pop(0)
                break
            name = arg[minuses:]
            if not name or name[0] in "-=":
                raise FlagError(f"bad flag syntax: {arg}")
            rest.pop(0)
            name, has_value, value = name.partition("=")
            flag = self._flags.get(name)
            if flag is None:
                if name in ("h", "help"):
                    raise HelpRequested()
                raise FlagError(f"flag provided but not defined: -{name}")
            if flag.kind == "bool":
                values[name] = _parse_bool(value if has_value else "true", name)
                continue
            if not has_value:
                if not rest:
                    raise FlagError(f"flag needs an argument: -{name}")
                value = rest.pop(0)
            self._set(flag, value, values)
        return values, rest

    def _set(self, flag: _Flag, value: str, values: dict[str, Any]) -> None:
        if flag.kind == "string":
            values[flag.name] = value
        elif flag.kind == "int":
            values[flag.name] = _parse_int(value, flag.name)
        else:
            items = value.split(",") if flag.comma else [value]
            if flag.check is not None:
                try:
                    flag.check(value)
                except ValueError as err:
                    raise FlagError(
                        f"invalid value {_go_quote(value)} for flag -{flag.name}: {err}"
                    )
            values[flag.name].extend(items)

    # -- reporting ---------------------------------------------------------

    def print_usage(self, out: TextIO) -> None:
        """Write the usage text as Packer does (trimmed, one final newline)."""
        out.write(self.usage.strip() + "\n")

    def fail(self, err: FlagError, stdout: TextIO, stderr: TextIO) -> int:
        """Report a :class:`FlagError` from :meth:`parse`; return the exit status (0 for help, else 1)."""
        if isinstance(err, HelpRequested):
            self.print_usage(stdout)
            return 0
        stderr.write(f"{err}\n")
        self.print_usage(stdout)
        return EXIT_FLAG_ERROR

    def usage_error(self, stdout: TextIO) -> int:
        """Print the usage for arguments the command cannot take (wrong count...); return 1."""
        self.print_usage(stdout)
        return EXIT_FLAG_ERROR


def _parse_bool(text: str, name: str) -> bool:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FlagError(f"invalid boolean value {_go_quote(text)} for -{name}: parse error")


def _parse_int(text: str, name: str) -> int:
    body = text[1:] if text[:1] in "+-" else text
    lower = body.lower()
    base = 10
    if lower.startswith(("0x", "0o", "0b")):
        base = {"x": 16, "o": 8, "b": 2}[lower[1]]
        body = body[2:]
    elif len(body) > 1 and body[0] == "0":
        base = 8
        body = body[1:]
    if not body or not body.replace("_", "").isalnum() or not body.isascii():
        raise FlagError(f"invalid value {_go_quote(text)} for flag -{name}: parse error")
    if body.startswith("_") or body.endswith("_") or "__" in body:
        raise FlagError(f"invalid value {_go_quote(text)} for flag -{name}: parse error")
    try:
        number = int(body.replace("_", ""), base)
    except ValueError:
        raise FlagError(f"invalid value {_go_quote(text)} for flag -{name}: parse error")
    number = -number if text.startswith("-") else number
    if not -(2**63) <= number < 2**63:
        raise FlagError(f"invalid value {_go_quote(text)} for flag -{name}: value out of range")
    return number


def _go_quote(text: str) -> str:
    """Quote ``text`` as Go's ``%q`` does for printable text."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif not char.isprintable():
            code = ord(char)
            out.append(
                f"\\x{code:02x}"
                if code < 0x80
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(char)
    out.append('"')
    return "".join(out)
