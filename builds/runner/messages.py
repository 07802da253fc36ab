"""The child's messages as decoded from its output, and a build's variables as `-var` text."""

import json
from typing import Any

from builds.engine.hcl.values import format_number
from builds.models import Build


def decode_messages(raws: list[bytes]) -> list[dict | str]:
    """The child's messages in `raws`, one JSON object a line; a line that is not one comes as its text.

    The lines of a read are parsed as one JSON array, about four times
    cheaper than one by one when a build prints thousands of lines a second.
    """
    if not raws:
        return []
    try:
        messages = json.loads(b"[" + b",".join(raws) + b"]")
    except ValueError:
        messages = None
    if messages is not None and len(messages) == len(raws) and all(type(m) is dict for m in messages):
        return messages
    decoded: list[dict | str] = []
    for raw in raws:
        try:
            message = json.loads(raw.decode("utf-8", "surrogatepass"))
        except ValueError:
            message = None
        decoded.append(message if type(message) is dict else raw.decode("utf-8", "replace"))
    return decoded


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    return []


def variable_text(value: Any) -> str:
    """A variable's value as `-var` text: strings as they are, other values as HCL (JSON) expressions."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_number(value)
    return json.dumps(value)


def variable_arguments(build: Build, sensitive: dict) -> list[list[str]]:
    """The values the requester gave, as `-var` pairs (the others come from the files, as on the form)."""
    pairs = []
    for name in build.given_names:
        if name in sensitive:
            value = sensitive[name]
        elif name in build.variables:
            value = build.variables[name]
        else:
            continue
        if value is not None:
            pairs.append([name, variable_text(value)])
    return pairs
