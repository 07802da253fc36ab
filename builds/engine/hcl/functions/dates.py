"""Date and time functions: timestamp, formatdate, timeadd, rfc3339_parse, unix_timestamp_parse, legacy_*."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ..types import NUMBER, STRING
from .base import FunctionError, Param, define, to_int
from .golayout import (
    MONTHS,
    WEEKDAYS,
    TimestampError,
    go_format,
    parse_duration,
    parse_rfc3339,
    rfc3339,
)

_process_start: datetime | None = None


def _now(ctx) -> datetime:
    return (ctx.now() if ctx.now else datetime.now(UTC)).astimezone(UTC)


def _start_time(ctx) -> datetime:
    """The time the legacy functions report: fixed for the whole process, as in Packer."""
    global _process_start
    if ctx.now is not None:
        return _now(ctx)
    if _process_start is None:
        _process_start = datetime.now(UTC)
    return _process_start


@define("timestamp")
def timestamp(ctx):
    """The current time in UTC, in RFC 3339 form."""
    return rfc3339(_now(ctx).replace(microsecond=0))


def _parse(text: str, arg_index: int | None) -> datetime:
    try:
        return parse_rfc3339(text)
    except TimestampError as exc:
        raise FunctionError(str(exc), arg_index) from None


@define("timeadd", Param("timestamp", STRING), Param("duration", STRING))
def timeadd(ctx, stamp, duration):
    """The timestamp moved by a Go duration such as ``1h30m``, in RFC 3339 form."""
    moment = _parse(stamp, None)
    try:
        delta = parse_duration(duration)
    except ValueError as exc:
        raise FunctionError(str(exc)) from None
    except OverflowError:  # beyond what a timedelta holds, and far beyond Go's int64 nanoseconds
        raise FunctionError(f'time: invalid duration "{duration}"') from None
    try:
        return rfc3339(moment + delta)
    except OverflowError:
        raise FunctionError("the resulting time is outside the years 1 to 9999") from None


def _format_date_verb(token: str, moment: datetime) -> str:
    verb, size = token[0], len(token)

    def bad(detail: str = "") -> FunctionError:
        return FunctionError(f'invalid date format verb "{token}"{detail}', 0)

    hour12 = moment.hour % 12 or 12
    simple = {
        "D": (moment.day, "day of month must either be \"D\" or \"DD\""),
        "h": (moment.hour, "24-hour must either be \"h\" or \"hh\""),
        "H": (hour12, "12-hour must either be \"H\" or \"HH\""),
        "m": (moment.minute, "minute must either be \"m\" or \"mm\""),
        "s": (moment.second, "second must either be \"s\" or \"ss\""),
    }
    if verb in simple:
        value, message = simple[verb]
        if size > 2:
            raise bad(": " + message)
        return f"{value:0{size}d}"
    if verb == "Y":
        if size == 2:
            return f"{moment.year % 100:02d}"
        if size == 4:
            return f"{moment.year:04d}"
        raise bad(': year must either be "YY" or "YYYY"')
    if verb == "M":
        month = MONTHS[moment.month - 1]
        options = {1: str(moment.month), 2: f"{moment.month:02d}", 3: month[:3], 4: month}
        if size not in options:
            raise bad(': month must be "M", "MM", "MMM", or "MMMM"')
        return options[size]
    if verb == "E":
        day = WEEKDAYS[moment.weekday()]
        if size not in (3, 4):
            raise bad(': day of week must either be "EEE" or "EEEE"')
        return day[:3] if size == 3 else day
    if verb in "Aa":
        if size != 2:
            raise bad(f': must be "{verb}{verb}"')
        marker = "PM" if moment.hour >= 12 else "AM"
        return marker if verb == "A" else marker.lower()
    if verb == "Z":
        if size == 1:
            return go_format(moment, "Z07:00")
        if size == 3:
            numeric = go_format(moment, "-0700")
            return "UTC" if numeric == "+0000" else numeric
        if size == 4:
            return go_format(moment, "-0700")
        if size == 5:
            return go_format(moment, "-07:00")
        raise bad(": timezone must be Z, ZZZZ, or ZZZZZ")
    raise bad()


def _date_tokens(spec: str):
    """Yield the pieces of a formatdate spec: quoted literals, runs of one letter, other text."""
    i = 0
    while i < len(spec):
        char = spec[i]
        if char == "'":
            if spec[i + 1 : i + 2] == "'":
                yield "''"
                i += 2
                continue
            j = i + 1
            while j < len(spec):
                if spec[j] == "'":
                    if j + 1 < len(spec) and spec[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            yield spec[i : j + 1]
            i = j + 1
        elif char.isascii() and char.isalpha():
            j = i
            while j < len(spec) and spec[j] == char:
                j += 1
            yield spec[i:j]
            i = j
        else:
            j = i
            while j < len(spec) and spec[j] != "'" and not (spec[j].isascii() and spec[j].isalpha()):
                j += 1
            yield spec[i:j]
            i = j


@define("formatdate", Param("format", STRING), Param("time", STRING))
def formatdate(ctx, spec, stamp):
    """The RFC 3339 timestamp formatted with a spec such as ``DD MMM YYYY hh:mm ZZZ``."""
    moment = _parse(stamp, 1)
    out = []
    for token in _date_tokens(spec):
        if token[0] == "'":
            if len(token) == 1 or token[-1] != "'":
                raise FunctionError("unterminated literal '", 0)
            if token == "''":
                out.append("'")
            else:
                raw, k = token[1:-1], 0
                while k < len(raw):
                    out.append(raw[k])
                    k += 2 if raw[k] == "'" else 1
        elif token[0].isascii() and token[0].isalpha():
            out.append(_format_date_verb(token, moment))
        else:
            out.append(token)
    return "".join(out)


def _parts(moment: datetime) -> dict:
    iso_year, iso_week, _ = moment.isocalendar()
    return {
        "year": moment.year,
        "year_day": moment.timetuple().tm_yday,
        "day": moment.day,
        "month": moment.month,
        "month_name": MONTHS[moment.month - 1],
        "weekday": (moment.weekday() + 1) % 7,
        "weekday_name": WEEKDAYS[moment.weekday()],
        "hour": moment.hour,
        "minute": moment.minute,
        "second": moment.second,
        "iso_year": iso_year,
        "iso_week": iso_week,
    }


_LOOSE_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})"
)


@define("rfc3339_parse", Param("timestamp", STRING))
def rfc3339_parse(ctx, stamp):
    """An object with the parts of an RFC 3339 timestamp (year, month, day, hour, unix, ...)."""
    match = _LOOSE_RFC3339.fullmatch(stamp)
    try:
        if not match:
            raise TimestampError(stamp)
        moment = parse_rfc3339(stamp.replace(" ", "T", 1))
    except TimestampError:
        raise FunctionError(f'"{stamp}" is not a valid RFC3339 timestamp', 0) from None
    parts = _parts(moment)
    parts["unix"] = int((moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(seconds=1))
    return dict(sorted(parts.items()))


@define("unix_timestamp_parse", Param("unix_timestamp", NUMBER))
def unix_timestamp_parse(ctx, seconds):
    """An object with the parts of a Unix timestamp in UTC (year, month, day, hour, rfc3339, ...)."""
    try:
        whole = to_int(seconds)
    except FunctionError as exc:
        raise FunctionError(
            "unix_timestamp must be a whole number of seconds representable as a 64-bit integer: "
            + exc.message,
            0,
        ) from None
    try:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=whole)
    except OverflowError:
        raise FunctionError("unix_timestamp is outside the years 1 to 9999", 0) from None
    parts = _parts(moment)
    parts["rfc3339"] = rfc3339(moment)
    return dict(sorted(parts.items()))


def _legacy(name: str, args: tuple) -> str | None:
    if len(args) > 1:
        shown = " ".join(f'cty.StringVal("{a}")' for a in args)
        raise FunctionError(f"too many values, 1 needed: [{shown}]")
    return args[0] if args else None


@define("legacy_isotime", variadic=Param("format", STRING))
def legacy_isotime(ctx, *args):
    """The build's start time in UTC, formatted with a Go layout (RFC 3339 by default)."""
    layout = _legacy("legacy_isotime", args)
    moment = _start_time(ctx)
    return rfc3339(moment) if layout is None else go_format(moment, layout)


_STRFTIME = {
    "B": "January", "b": "Jan", "m": "01", "A": "Monday", "a": "Mon", "d": "02", "H": "15", "I": "03",
    "M": "04", "S": "05", "Y": "2006", "y": "06", "p": "PM", "Z": "MST", "z": "-0700",
}


def strftime_layout(spec: str) -> str:
    """Return the Go layout that Packer's strftime library turns a C strftime format into."""
    layout = []
    for chunk in spec.split("%"):
        if not chunk:
            continue
        if chunk[0] in _STRFTIME:
            layout.append(_STRFTIME[chunk[0]] + chunk[1:])
        else:
            layout.append("%" + chunk)
    return "".join(layout)


@define("legacy_strftime", variadic=Param("format", STRING))
def legacy_strftime(ctx, *args):
    """The build's start time in UTC, formatted with a C strftime format (RFC 3339 by default)."""
    spec = _legacy("legacy_strftime", args)
    moment = _start_time(ctx)
    return rfc3339(moment) if spec is None else go_format(moment, strftime_layout(spec))
