"""Parameters the API reads, checked: a bad query parameter is a 400 naming it and what it takes; an id in a
path is 1 to 18 digits (what every database's integer keys hold), longer ones match no URL."""

from rest_framework.exceptions import ValidationError

LARGEST = 10**18 - 1
ID_SCHEMA = {"type": "integer", "minimum": 0, "maximum": LARGEST}


class IdConverter:
    """The `<id:pk>` path converter."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def integer(request, name: str, default: int, least: int, most: int = LARGEST) -> int:
    """The whole number in ?`name`= (`default` when absent), from `least` to `most`; raises ValidationError."""
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValidationError({name: [f'"{text}" is not a whole number.']})
    if not least <= value <= most:
        raise ValidationError({name: [f"{value} is out of range: give a number from {least} to {most}."]})
    return value
