"""Source positions and diagnostics: what went wrong, where, shaped like Packer's output.

The classes are plain ones rather than dataclasses: every command imports this
module, and the dataclass machinery (with ``inspect`` behind it) would be most
of the start-up cost of ``fmt``.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Severity = Literal["error", "warning"]


class Pos(NamedTuple):
    """A point in a source file: 1-based line and column, 0-based offset (all counted in characters)."""

    line: int
    column: int
    byte: int


class Range(NamedTuple):
    """A span of source text in one file; ``end`` is exclusive."""

    filename: str
    start: Pos
    end: Pos

    def __str__(self) -> str:
        if self.start.line == self.end.line:
            return f"{self.filename}:{self.start.line},{self.start.column}-{self.end.column}"
        return f"{self.filename}:{self.start.line},{self.start.column}-{self.end.line},{self.end.column}"

    def cover(self, other: Range) -> Range:
        """Return the smallest range spanning this one and ``other`` (same file)."""
        start = self.start if self.start.byte <= other.start.byte else other.start
        end = self.end if self.end.byte >= other.end.byte else other.end
        return Range(self.filename, start, end)


class Diagnostic:
    """One problem found in a template: a summary, a detail and, when known, where.

    ``context`` names the block it is in, e.g. ``source "amazon-ebs" "web"``, as Packer prints after "in".
    Two diagnostics are equal when all five fields are.
    """

    __slots__ = ("severity", "summary", "detail", "subject", "context")

    def __init__(self, severity: Severity, summary: str, detail: str = "", subject: Range | None = None,
                 context: str = "") -> None:
        self.severity = severity
        self.summary = summary
        self.detail = detail
        self.subject = subject
        self.context = context

    def _fields(self) -> tuple:
        return (self.severity, self.summary, self.detail, self.subject, self.context)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        return (f"Diagnostic(severity={self.severity!r}, summary={self.summary!r}, detail={self.detail!r}, "
                f"subject={self.subject!r}, context={self.context!r})")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict:
        """Return a JSON-serialisable form (used by the dashboard's editor)."""
        data: dict = {"severity": self.severity, "summary": self.summary, "detail": self.detail}
        if self.subject is not None:
            data["range"] = {
                "filename": self.subject.filename,
                "start": {"line": self.subject.start.line, "column": self.subject.start.column},
                "end": {"line": self.subject.end.line, "column": self.subject.end.column},
            }
        return data


def error(summary: str, detail: str = "", subject: Range | None = None, context: str = "") -> Diagnostic:
    return Diagnostic("error", summary, detail, subject, context)


def warning(summary: str, detail: str = "", subject: Range | None = None, context: str = "") -> Diagnostic:
    return Diagnostic("warning", summary, detail, subject, context)


class Diagnostics:
    """An ordered collection of diagnostics that a phase appends to and a caller inspects."""

    def __init__(self, items: list[Diagnostic] | None = None) -> None:
        self.items = [] if items is None else items

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.items == other.items

    __hash__ = None

    def __repr__(self) -> str:
        return f"Diagnostics(items={self.items!r})"

    def add(self, diag: Diagnostic) -> None:
        self.items.append(diag)

    def extend(self, diags: Diagnostics | list[Diagnostic]) -> None:
        self.items.extend(diags.items if isinstance(diags, Diagnostics) else diags)

    def error(self, summary: str, detail: str = "", subject: Range | None = None, context: str = "") -> None:
        self.items.append(error(summary, detail, subject, context))

    def warning(self, summary: str, detail: str = "", subject: Range | None = None, context: str = "") -> None:
        self.items.append(warning(summary, detail, subject, context))

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if not d.is_error]

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


class DiagnosticError(Exception):
    """Raised to abandon a phase; carries every diagnostic collected so far."""

    def __init__(self, diagnostics: Diagnostics | list[Diagnostic]):
        self.diagnostics = diagnostics if isinstance(diagnostics, Diagnostics) else Diagnostics(list(diagnostics))
        first = self.diagnostics.items[0] if self.diagnostics.items else None
        super().__init__(first.summary if first else "diagnostics")


def render(diag: Diagnostic, sources: dict[str, bytes | str] | None = None, width: int = 78) -> str:
    """Render one diagnostic the way Packer prints it (``Error: ...``, ``on FILE line N:``, snippet, detail)."""
    title = "Error" if diag.is_error else "Warning"
    out = [f"{title}: {diag.summary}\n"]
    if diag.subject is not None:
        subject = diag.subject
        where = f"  on {subject.filename} line {subject.start.line}"
        if diag.context:
            where += f", in {diag.context}"
        out.append("\n" + where + ":\n")
        line_text = _source_line(sources, subject.filename, subject.start.line)
        if line_text is not None:
            out.append(f"{subject.start.line:>4}: {line_text}\n")
        else:
            out.append("  (source code not available)\n")
    if diag.detail:
        import textwrap  # compiles its patterns on import: only when a detail is printed

        out.append("\n")
        for para in diag.detail.split("\n"):
            wrapped = textwrap.wrap(para, width=width, break_long_words=False, break_on_hyphens=False)
            out.append(("\n".join(wrapped) if wrapped else "") + "\n")
    return "".join(out)


def _source_line(sources: dict[str, bytes | str] | None, filename: str, line: int) -> str | None:
    if not sources or filename not in sources:
        return None
    src = sources[filename]
    if isinstance(src, bytes):
        src = src.decode("utf-8", errors="replace")
    lines = src.split("\n")
    if 1 <= line <= len(lines):
        return lines[line - 1].rstrip("\r")
    return None
