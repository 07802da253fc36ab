"""Differences between two file sets, per file, as unified hunks with the changed words marked."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

CONTEXT_LINES = 3
# Lines longer than this are compared whole; marking words inside them would cost too much.
MAX_HIGHLIGHT_LENGTH = 1000
# A changed pair of lines is marked character by character only when this much of it is alike.
MIN_HIGHLIGHT_SIMILARITY = 0.4

# Inside a changed line, words, runs of blanks and single other characters are compared.
_WORDS = re.compile(r"\w+|\s+|[^\w\s]")

LineKind = Literal["context", "added", "removed"]
FileStatus = Literal["added", "removed", "changed", "unchanged"]


@dataclass(frozen=True)
class Segment:
    """A run of a line's text, `changed` when it differs from the paired line on the other side."""

    text: str
    changed: bool = False


@dataclass(frozen=True)
class DiffLine:
    """One line of a hunk: its kind, its number on each side it appears on, and its text in segments."""

    kind: LineKind
    old_number: int | None
    new_number: int | None
    segments: tuple[Segment, ...]
    # The line is the file's last and has no line ending.
    no_newline: bool = False

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments)


@dataclass(frozen=True)
class Hunk:
    """A run of changes with their context, headed as in `diff -u` (`@@ -1,4 +1,5 @@`)."""

    header: str
    lines: list[DiffLine]


@dataclass(frozen=True)
class FileDiff:
    """How one file changed between the two sets."""

    name: str
    status: FileStatus
    hunks: list[Hunk] = field(default_factory=list)
    added: int = 0
    removed: int = 0


def diff_file_sets(old: Mapping[str, str], new: Mapping[str, str], context: int = CONTEXT_LINES) -> list[FileDiff]:
    """Return the difference of every file named in either set, in name order."""
    result = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            status: FileStatus = "added"
        elif name not in new:
            status = "removed"
        elif old[name] == new[name]:
            result.append(FileDiff(name, "unchanged"))
            continue
        else:
            status = "changed"
        result.append(diff_texts(name, old.get(name, ""), new.get(name, ""), status, context))
    return result


def diff_texts(name: str, old: str, new: str, status: FileStatus = "changed",
               context: int = CONTEXT_LINES) -> FileDiff:
    """Return the difference between two texts of the file `name` as unified hunks."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    hunks = []
    added = removed = 0
    for group in matcher.get_grouped_opcodes(context):
        lines: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(
                    _line("context", old_lines, i, i + 1, j + 1)
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            before = [_line("removed", old_lines, i, i + 1, None) for i in range(i1, i2)]
            after = [_line("added", new_lines, j, None, j + 1) for j in range(j1, j2)]
            if tag == "replace":
                before, after = _highlight(before, after)
            lines.extend(before)
            lines.extend(after)
            removed += len(before)
            added += len(after)
        hunks.append(Hunk(_header(group), lines))
    return FileDiff(name, status, hunks, added, removed)


def _line(kind: LineKind, lines: list[str], index: int, old_number: int | None,
          new_number: int | None) -> DiffLine:
    raw = lines[index]
    text = raw.rstrip("\r\n")
    return DiffLine(kind, old_number, new_number, (Segment(text),), no_newline=text == raw)


def _highlight(before: list[DiffLine], after: list[DiffLine]) -> tuple[list[DiffLine], list[DiffLine]]:
    """Mark the changed words of each removed line paired, in order, with an added line."""
    before, after = list(before), list(after)
    for index in range(min(len(before), len(after))):
        old_text, new_text = before[index].text, after[index].text
        if max(len(old_text), len(new_text)) > MAX_HIGHLIGHT_LENGTH:
            continue
        old_words, new_words = _WORDS.findall(old_text), _WORDS.findall(new_text)
        matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
        if matcher.ratio() < MIN_HIGHLIGHT_SIMILARITY:
            continue
        old_segments: list[Segment] = []
        new_segments: list[Segment] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            changed = tag != "equal"
            if i2 > i1:
                old_segments.append(Segment("".join(old_words[i1:i2]), changed))
            if j2 > j1:
                new_segments.append(Segment("".join(new_words[j1:j2]), changed))
        before[index] = _with_segments(before[index], old_segments)
        after[index] = _with_segments(after[index], new_segments)
    return before, after


def _with_segments(line: DiffLine, segments: list[Segment]) -> DiffLine:
    return DiffLine(line.kind, line.old_number, line.new_number, tuple(segments), line.no_newline)


def _header(group: list[tuple[str, int, int, int, int]]) -> str:
    first, last = group[0], group[-1]
    return f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@"


def _range(start: int, stop: int) -> str:
    """The `start,length` of a hunk side as `diff -u` writes it (1-based; an empty side names the line before)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    if length == 0:
        return f"{start},0"
    return f"{start + 1},{length}"
