"""Go's reference-time layouts (``2006-01-02T15:04:05Z07:00``) and RFC 3339 parsing and formatting."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# (layout text, token) in the order Go's nextStdChunk tries them at one position.
_CHUNKS = [
    ("January", "LongMonth"), ("Jan", "Month"), ("Monday", "LongWeekDay"), ("Mon", "WeekDay"),
    ("MST", "TZ"), ("002", "ZeroYearDay"), ("01", "ZeroMonth"), ("02", "ZeroDay"), ("03", "ZeroHour12"),
    ("04", "ZeroMinute"), ("05", "ZeroSecond"), ("06", "Year"), ("15", "Hour"), ("1", "NumMonth"),
    ("2006", "LongYear"), ("2", "Day"), ("__2", "UnderYearDay"), ("_2", "UnderDay"), ("3", "Hour12"),
    ("4", "Minute"), ("5", "Second"), ("PM", "PM"), ("pm", "pm"),
    ("-070000", "NumSecondsTz"), ("-07:00:00", "NumColonSecondsTZ"), ("-0700", "NumTZ"),
    ("-07:00", "NumColonTZ"), ("-07", "NumShortTZ"),
    ("Z070000", "ISO8601SecondsTZ"), ("Z07:00:00", "ISO8601ColonSecondsTZ"), ("Z0700", "ISO8601TZ"),
    ("Z07:00", "ISO8601ColonTZ"), ("Z07", "ISO8601ShortTZ"),
]
_FRACTION = re.compile(r"[.,](0+|9+)(?![0-9])")


def _next_chunk(layout: str, i: int) -> tuple[str, str] | None:
    """Return (matched text, token) of the layout element starting at ``i``, or None for a literal."""
    if layout.startswith("_2006", i):
        return None  # a literal underscore, then the year
    if layout.startswith("2006", i):
        return "2006", "LongYear"
    if layout.startswith("15", i):
        return "15", "Hour"
    for text, token in _CHUNKS:
        if layout.startswith(text, i):
            return text, token
    fraction = _FRACTION.match(layout, i)
    if fraction:
        return fraction.group(0), "Frac9" if fraction.group(1)[0] == "9" else "Frac0"
    return None


def _zone(offset_seconds: int, token: str) -> str:
    if token.startswith("ISO8601") and offset_seconds == 0:
        return "Z"
    sign = "-" if offset_seconds < 0 else "+"
    offset_seconds = abs(offset_seconds)
    hours, rest = divmod(offset_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    colon = ":" if "Colon" in token else ""
    if token.endswith("ShortTZ"):
        return f"{sign}{hours:02d}"
    if "Seconds" in token:
        return f"{sign}{hours:02d}{colon}{minutes:02d}{colon}{seconds:02d}"
    return f"{sign}{hours:02d}{colon}{minutes:02d}"


def go_format(moment: datetime, layout: str) -> str:
    """Return ``moment`` formatted with a Go reference-time layout, as Go's time.Format does."""
    out: list[str] = []
    offset = int(moment.utcoffset().total_seconds()) if moment.tzinfo else 0
    i = 0
    while i < len(layout):
        chunk = _next_chunk(layout, i)
        if chunk is None:
            out.append(layout[i])
            i += 1
            continue
        text, token = chunk
        i += len(text)
        hour12 = moment.hour % 12 or 12
        yday = moment.timetuple().tm_yday
        values = {
            "LongMonth": MONTHS[moment.month - 1], "Month": MONTHS[moment.month - 1][:3],
            "NumMonth": str(moment.month), "ZeroMonth": f"{moment.month:02d}",
            "LongWeekDay": WEEKDAYS[moment.weekday()], "WeekDay": WEEKDAYS[moment.weekday()][:3],
            "Day": str(moment.day), "UnderDay": f"{moment.day:2d}", "ZeroDay": f"{moment.day:02d}",
            "UnderYearDay": f"{yday:3d}", "ZeroYearDay": f"{yday:03d}",
            "Hour": f"{moment.hour:02d}", "Hour12": str(hour12), "ZeroHour12": f"{hour12:02d}",
            "Minute": str(moment.minute), "ZeroMinute": f"{moment.minute:02d}",
            "Second": str(moment.second), "ZeroSecond": f"{moment.second:02d}",
            "LongYear": f"{moment.year:04d}", "Year": f"{moment.year % 100:02d}",
            "PM": "PM" if moment.hour >= 12 else "AM", "pm": "pm" if moment.hour >= 12 else "am",
        }
        if token in values:
            out.append(values[token])
        elif token == "TZ":
            out.append("UTC" if offset == 0 else _zone(offset, "NumTZ"))
        elif token.startswith("Frac"):
            digits = len(text) - 1
            nanos = f"{moment.microsecond * 1000:09d}"[:digits]
            if token == "Frac9":
                nanos = nanos.rstrip("0")
                out.append(text[0] + nanos if nanos else "")
            else:
                out.append(text[0] + nanos)
        else:
            out.append(_zone(offset, token))
    return "".join(out)


def rfc3339(moment: datetime) -> str:
    """Return ``moment`` in RFC 3339 form (``2006-01-02T15:04:05Z07:00``)."""
    return go_format(moment, "2006-01-02T15:04:05Z07:00")


class TimestampError(ValueError):
    """A string that is not a strict RFC 3339 timestamp."""


def _segment_error(what: str, value_elem: str) -> TimestampError:
    """Return the error cty words for a timestamp segment that could not be read."""
    prefix = "not a valid RFC3339 timestamp: "
    if value_elem == "":
        return TimestampError(prefix + f"end of string before {what}")
    if what == "hour" and ":" in value_elem:
        return TimestampError(prefix + "hour must be between 0 and 23 inclusive")
    if what in ("hour", "minute") and len(value_elem) != 2:
        return TimestampError(prefix + f"{what} must have exactly two digits")
    return TimestampError(prefix + f'cannot use "{value_elem}" as {what}')


def parse_rfc3339(text: str) -> datetime:
    """Return the time a strict RFC 3339 timestamp spells; raise TimestampError with cty's wording."""
    prefix = "not a valid RFC3339 timestamp: "
    fields = [("year", 4, 0, 9999), ("-", 0, 0, 0), ("month", 2, 1, 12), ("-", 0, 0, 0),
              ("day of month", 2, 1, 31), ("T", 0, 0, 0), ("hour", 2, 0, 23), (":", 0, 0, 0),
              ("minute", 2, 0, 59), (":", 0, 0, 0), ("second", 2, 0, 59)]
    values: list[int] = []
    pos = 0
    for name, width, low, high in fields:
        rest = text[pos:]
        if width == 0:
            if name == "T":
                if rest[:1] not in ("T", "t"):
                    raise TimestampError(prefix + "missing required time introducer 'T'")
            elif not rest:
                raise TimestampError(prefix + f'end of string where "{name}" is expected')
            elif rest[0] != name:
                raise TimestampError(prefix + f'found "{rest}" where "{name}" is expected')
            pos += 1
            continue
        digits = re.match(r"[0-9]*", rest).group(0)
        if len(digits) != width:
            short = name in ("hour", "minute") and 0 < len(digits) < width
            raise _segment_error(name, digits if short else rest)
        value = int(digits)
        pos += width
        if not low <= value <= high:
            raise _segment_error(name, text[pos:])
        values.append(value)
    micro = 0
    fraction = re.match(r"\.([0-9]+)", text[pos:])
    if fraction:
        micro = int((fraction.group(1) + "000000")[:6])
        pos += len(fraction.group(0))
    rest = text[pos:]
    if rest in ("Z", "z"):
        tz = UTC
    else:
        zone = re.fullmatch(r"([+-])([0-9]{2}):([0-9]{2})", rest)
        if not zone:
            raise _segment_error("UTC offset", rest)
        sign = -1 if zone.group(1) == "-" else 1
        tz = timezone(sign * timedelta(hours=int(zone.group(2)), minutes=int(zone.group(3))))
    year, month, day, hour, minute, second = values
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError:
        raise TimestampError(prefix + "day out of range") from None


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)")


def parse_duration(text: str) -> timedelta:
    """Return the duration a Go duration string (``1h30m``, ``-10s``) spells; raise ValueError like Go."""
    quoted = '"' + text + '"'
    body = text
    sign = 1
    if body[:1] in "+-" and body:
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return timedelta(0)
    if not body:
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0.0
    pos = 0
    while pos < len(body):
        match = _DURATION_PART.match(body, pos)
        number, unit = match.group(1), match.group(2)
        if number in ("", "."):
            raise ValueError(f"time: invalid duration {quoted}")
        if not unit:
            raise ValueError(f"time: missing unit in duration {quoted}")
        if unit not in _DURATION_UNITS:
            raise ValueError(f'time: unknown unit "{unit}" in duration {quoted}')
        total += float(number) * _DURATION_UNITS[unit]
        pos = match.end()
    return timedelta(seconds=sign * total)
