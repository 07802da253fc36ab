"""HCL type constraints (cty types) and value conversion between them, with cty's rules and messages."""

from .constraints import (
    ANY,
    BOOL,
    NO_DEFAULT,
    NUMBER,
    STRING,
    List,
    Map,
    Object,
    Primitive,
    Set,
    Tuple,
    Type,
    friendly_name,
    has_dynamic,
    type_of,
    type_str,
)
from .conversion import Conversion, can_convert, convert, mismatch_message, unify
from .errors import ConversionError, format_path
from .parsing import parse_type_string
from .primitives import number_to_string, parse_number
from .sets import set_elements, values_equal

__all__ = [
    "ANY",
    "BOOL",
    "NO_DEFAULT",
    "NUMBER",
    "STRING",
    "Conversion",
    "ConversionError",
    "List",
    "Map",
    "Object",
    "Primitive",
    "Set",
    "Tuple",
    "Type",
    "can_convert",
    "convert",
    "format_path",
    "friendly_name",
    "has_dynamic",
    "mismatch_message",
    "number_to_string",
    "parse_number",
    "parse_type_string",
    "set_elements",
    "type_of",
    "type_str",
    "unify",
    "values_equal",
]
