"""Hypothesis strategies that damage real templates: edited lines, stray tokens, bad bytes, truncation."""

from __future__ import annotations

from hypothesis import strategies as st

# Pieces of HCL syntax that open, close or switch the scanner's mode, so that inserting one in the
# middle of a template throws the lexer and the parser into their error paths.
SYNTAX_TOKENS: tuple[str, ...] = (
    "{", "}", "[", "]", "(", ")", '"', "${", "%{", "}\"", "~}", "$${", "%%{", "<<EOF\n", "<<-EOT\n",
    "\nEOF\n", "\nEOT\n", "=", "==", "=>", "...", "?", ":", ",", ".", "*", "/*", "*/", "#", "//", "\\",
    "\n", "\t", " ", "for", "in", "if", "else", "endif", "endfor", "null", "var.", "local.", "source ",
    "build {\n", "variable \"x\" {\n", "dynamic \"x\" {\n", "content {\n", "locals {\n", "-", "!", "&&",
)

# Bytes that are not text: NUL, a lone carriage return, and UTF-8 that does not decode.
BAD_BYTES: tuple[bytes, ...] = (b"\x00", b"\r", b"\xff", b"\xc3", b"\xe2\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                                b"\xef\xbb\xbf", b"\x1b[0m", b"\x7f")


def _line_spans(data: bytes) -> list[tuple[int, int]]:
    """Start and end offsets of each line, its newline included."""
    spans, start = [], 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end + 1
        spans.append((start, end))
        start = end
    return spans or [(0, 0)]


def _delete_line(data: bytes, pick: int, _other: int, _payload: bytes) -> bytes:
    spans = _line_spans(data)
    start, end = spans[pick % len(spans)]
    return data[:start] + data[end:]


def _duplicate_line(data: bytes, pick: int, _other: int, _payload: bytes) -> bytes:
    spans = _line_spans(data)
    start, end = spans[pick % len(spans)]
    return data[:end] + data[start:end] + data[end:]


def _swap_lines(data: bytes, pick: int, other: int, _payload: bytes) -> bytes:
    lines = [data[s:e] for s, e in _line_spans(data)]
    i, j = pick % len(lines), other % len(lines)
    lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


def _truncate(data: bytes, pick: int, _other: int, _payload: bytes) -> bytes:
    return data[: pick % (len(data) + 1)]


def _insert(data: bytes, pick: int, _other: int, payload: bytes) -> bytes:
    at = pick % (len(data) + 1)
    return data[:at] + payload + data[at:]


def _crlf(data: bytes, _pick: int, _other: int, _payload: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


_LINE_EDITS = (_delete_line, _duplicate_line, _swap_lines, _truncate, _crlf)

payloads = st.one_of(
    st.sampled_from(SYNTAX_TOKENS).map(str.encode),
    st.sampled_from(BAD_BYTES),
    st.text(min_size=1, max_size=8).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from(SYNTAX_TOKENS), min_size=2, max_size=6).map(lambda parts: "".join(parts).encode()),
)


@st.composite
def mutation(draw) -> tuple[str, object]:
    """One edit: a line edit (delete, duplicate, swap, truncate, CRLF) or an insertion of a payload."""
    pick = draw(st.integers(min_value=0, max_value=2**20))
    other = draw(st.integers(min_value=0, max_value=2**20))
    if draw(st.booleans()):
        edit = draw(st.sampled_from(_LINE_EDITS))
        return edit.__name__.lstrip("_"), lambda data: edit(data, pick, other, b"")
    payload = draw(payloads)
    return f"insert {payload!r} at {pick}", lambda data: _insert(data, pick, other, payload)


@st.composite
def mutated(draw, sources: list[tuple[str, bytes]], max_edits: int = 4) -> tuple[str, bytes, list[str]]:
    """A real template after 1 to ``max_edits`` random edits: ``(name, damaged bytes, edit descriptions)``."""
    name, data = draw(st.sampled_from(sources))
    applied = []
    for description, edit in draw(st.lists(mutation(), min_size=1, max_size=max_edits)):
        data = edit(data)
        applied.append(description)
    return name, data, applied
