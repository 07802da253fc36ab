"""Encoding functions: base64, gzip, CSV, JSON, YAML, URL and text encodings."""

from __future__ import annotations

from ..types import STRING
from ..values import UNKNOWN, is_unknown
from . import gojson
from .base import FunctionError, Param, define


def _b64decode(text: str) -> bytes | None:
    import base64
    import binascii

    try:
        return base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return None


@define("base64encode", Param("str", STRING))
def base64encode(ctx, text):
    """The UTF-8 bytes of the string in base64."""
    import base64

    return base64.b64encode(text.encode("utf-8")).decode("ascii")


@define("base64decode", Param("str", STRING))
def base64decode(ctx, text):
    """The UTF-8 string that base64 data encodes."""
    data = _b64decode(text)
    if data is None:
        raise FunctionError(f"failed to decode base64 data '{text}'")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FunctionError("the result of decoding the the provided string is not valid UTF-8") from None


@define("base64gzip", Param("str", STRING))
def base64gzip(ctx, text):
    """The string gzip-compressed, in base64."""
    import base64
    import struct
    import zlib

    data = text.encode("utf-8")
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH) + compressor.flush(zlib.Z_FINISH)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return base64.b64encode(header + body + trailer).decode("ascii")


@define("urlencode", Param("str", STRING))
def urlencode(ctx, text):
    """The string escaped for use in a URL query."""
    from urllib.parse import quote_plus

    return quote_plus(text, safe="")


@define("jsonencode", Param("val", allow_null=True), accepts_unknown=True)
def jsonencode(ctx, value):
    """The value as compact JSON text."""
    if is_unknown(value):
        return UNKNOWN
    try:
        return gojson.encode(value)
    except gojson.JSONEncodeError as exc:
        raise FunctionError(str(exc)) from None


@define("jsondecode", Param("str", STRING))
def jsondecode(ctx, text):
    """The value that JSON text spells."""
    try:
        return gojson.decode(text)
    except ValueError as exc:
        raise FunctionError(str(exc)) from None


@define("yamlencode", Param("value", allow_null=True), accepts_unknown=True)
def yamlencode(ctx, value):
    """The value as YAML text."""
    from . import yamlcodec

    if is_unknown(value):
        return UNKNOWN
    return yamlcodec.encode(value)


@define("yamldecode", Param("src", STRING))
def yamldecode(ctx, text):
    """The value that a YAML document spells."""
    from . import yamlcodec

    try:
        return yamlcodec.decode(text)
    except yamlcodec.YAMLError as exc:
        raise FunctionError(str(exc)) from None


@define("csvdecode", Param("str", STRING))
def csvdecode(ctx, text):
    """A list of maps, one per CSV row, keyed by the header line's column names."""
    import csv
    import io

    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = [(reader.line_num, row) for row in reader if row]
    except csv.Error as exc:
        raise FunctionError(f"CSV parse error on line {reader.line_num}: {exc}") from None
    if not records:
        raise FunctionError("missing header line")
    _, headers = records[0]
    if len(set(headers)) != len(headers):
        duplicate = next(h for i, h in enumerate(headers) if h in headers[:i])
        raise FunctionError(f'duplicate column name "{duplicate}"')
    for line, row in records[1:]:
        if len(row) != len(headers):
            raise FunctionError(f"CSV parse error on line {line}: wrong number of fields")
        rows.append(dict(sorted(zip(headers, row, strict=True))))
    return rows


def _codec(name: str) -> tuple[str, str]:
    """Return (Python codec, display name) for an IANA encoding name; raise FunctionError if unknown."""
    import codecs

    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: NUL or a lone surrogate in the name
        raise FunctionError(f'"{name}" is not a supported IANA encoding name or alias', 1) from None
    return info.name, name


@define("textencodebase64", Param("string", STRING), Param("encoding", STRING))
def textencodebase64(ctx, text, encoding):
    """The string encoded in the named character encoding, in base64."""
    import base64

    codec, display = _codec(encoding)
    try:
        if codec == "utf-16":
            data = b"\xfe\xff" + text.encode("utf-16-be")
        else:
            data = text.encode(codec)
    except UnicodeEncodeError:
        raise FunctionError(f"the given string contains characters that cannot be represented in {display}", 0) from None
    return base64.b64encode(data).decode("ascii")


@define("textdecodebase64", Param("source", STRING), Param("encoding", STRING))
def textdecodebase64(ctx, source, encoding):
    """The string that base64 data encodes in the named character encoding."""
    codec, display = _codec(encoding)
    data = _b64decode(source)
    if data is None:
        import string

        alphabet = set(string.ascii_letters + string.digits + "+/=\r\n")
        offset = next((i for i, c in enumerate(source) if c not in alphabet), len(source.rstrip("=")))
        raise FunctionError(f"the given value is has an invalid base64 symbol at offset {offset}", 0)
    if codec == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-be"
    decoded = data.decode(codec, errors="replace")
    if "\ufffd" in decoded:
        raise FunctionError(f"the given string contains symbols that are not defined for {display}", 0)
    return decoded
