"""Links to views by name, as reverse() makes them, each view's shape worked out once.

Django's reverse() matches a view name against the URLconf, checks every
argument against its converter and quotes the result on every call: about
10 microseconds a link (more under a page's load), and a build page makes a
dozen. `url` takes about 5, most of it spent finding the request's URLconf
and script prefix, which shapes are kept under; the build list's rows, which
make three links each, build them from prefixes instead (builds.list_rows).
Most links take whole numbers (primary keys, version numbers) and slugs,
which are their own text in a URL. For those, `url` reverses the view once
with stand-in numbers, keeps the text around them (its shape), and puts the
real values in their places; a place that refuses text (an `int`
converter) is told apart once as well, by a second reversal with text
stand-ins. Any other value, and a view that cannot be reversed so, goes to
reverse() itself, so `url` answers what reverse() answers or raises what it
raises.
"""

import re
import threading

from django.urls import get_script_prefix, get_urlconf, reverse

_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
_LARGEST = 10**18 - 1  # longer numbers go to reverse(), which knows each converter's limits
_NUMBER_STAND_IN = 918_273_645_000
_TEXT_STAND_IN = "zq{}standin"


class _Shape:
    """A view's link with `count` arguments: the text around them, and which places take text."""

    def __init__(self, parts: tuple[str, ...], takes_text: tuple[bool, ...]):
        self.parts = parts
        self.takes_text = takes_text

    def fill(self, args: tuple) -> str | None:
        """The link with `args` in their places; None when one is not a value this shape stands for."""
        pieces = [self.parts[0]]
        for value, takes_text, after in zip(args, self.takes_text, self.parts[1:], strict=True):
            if type(value) is int:
                if not 0 <= value <= _LARGEST:
                    return None
                pieces.append(str(value))
            elif isinstance(value, str) and _SLUG.match(value) and (takes_text or value.isdigit()):
                pieces.append(value)
            else:
                return None
            pieces.append(after)
        return "".join(pieces)


_shapes: dict[tuple, _Shape | None] = {}
_lock = threading.Lock()
_UNKNOWN = object()


def url(viewname: str, *args) -> str:
    """reverse(viewname, args=args), for whole numbers and slugs without reversing again."""
    key = (get_urlconf(), get_script_prefix(), viewname, len(args))
    shape = _shapes.get(key, _UNKNOWN)
    if shape is _UNKNOWN:
        shape = _shape_of(viewname, len(args))
        with _lock:
            _shapes[key] = shape
    made = shape.fill(args) if shape is not None else None
    return made if made is not None else reverse(viewname, args=args)


def _shape_of(viewname: str, count: int) -> _Shape | None:
    numbers = [str(_NUMBER_STAND_IN + place) for place in range(count)]
    parts = _split(_reversed(viewname, numbers), numbers)
    if parts is None:
        return None
    takes_text = []
    for place in range(count):
        texts = list(numbers)
        texts[place] = _TEXT_STAND_IN.format(place)
        takes_text.append(_split(_reversed(viewname, texts), texts) == parts)
    return _Shape(parts, tuple(takes_text))


def _reversed(viewname: str, args: list[str]) -> str | None:
    try:
        return reverse(viewname, args=args)
    except Exception:  # NoReverseMatch, or a converter's own error: reverse() will say so for real values
        return None


def _split(made: str | None, stand_ins: list[str]) -> tuple[str, ...] | None:
    """The text of `made` around `stand_ins`, each found once and in order; None otherwise."""
    if made is None or any(made.count(stand_in) != 1 for stand_in in stand_ins):
        return None
    parts = []
    rest = made
    for stand_in in stand_ins:
        before, _, rest = rest.partition(stand_in)
        parts.append(before)
    parts.append(rest)
    return tuple(parts)
