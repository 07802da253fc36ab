"""Version numbers and version constraints with the semantics of hashicorp/go-version.

Packer reads ``packer { required_version = "..." }`` and the ``version`` of each
``required_plugins`` entry with go-version, so ImageHub follows its rules:

* a version is ``[v]N(.N)*`` with an optional pre-release (``-beta.1``, or
  ``beta1`` glued to the numbers) and optional build metadata (``+abc``);
  fewer than three numbers are padded with zeros, metadata never counts;
* a constraint is a comma-separated list of ``OP VERSION`` terms that must all
  hold, with ``OP`` one of ``=`` (also written as nothing), ``!=``, ``>``,
  ``>=``, ``<``, ``<=`` and ``~>``;
* ``~> 1.2`` means ``>= 1.2, < 2.0`` and ``~> 1.2.3`` means ``>= 1.2.3, < 1.3``:
  every number written but the last is fixed;
* a pre-release version only satisfies a term whose version is a pre-release
  of the same numbers, and a ``~>`` term with a pre-release only matches
  pre-releases.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import total_ordering

_INT64_MAX = 2**63 - 1

# A version as go-version's loose syntax writes it (group names are ours).
_VERSION_PATTERN = (
    r"v?(?P<numbers>[0-9]+(?:\.[0-9]+)*)"
    r"(?:-(?P<pre_numeric>[0-9]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)"
    r"|-?(?P<pre_alpha>[A-Za-z\-~]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*))?"
    r"(?:\+(?P<metadata>[0-9A-Za-z\-~]+(?:\.[0-9A-Za-z\-~]+)*))?"
)
_VERSION_RE = re.compile(_VERSION_PATTERN)
_TERM_RE = re.compile(r"\s*(?P<op><=|>=|!=|~>|<|>|=|)\s*(?P<version>" + _VERSION_PATTERN + r")\s*")
_SIGNED_INT_RE = re.compile(r"[+-]?[0-9]+")
_RUN_ON_RE = re.compile(r"[0-9]\s+[<>=!~]")  # two terms without a comma between them

OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "~>")


@total_ordering
@dataclass(frozen=True, eq=False)
class Version:
    """A parsed version; compares and hashes by its numbers and pre-release, not its metadata."""

    segments: tuple[int, ...]  # at least three numbers; missing ones are zeros
    specified: int  # how many numbers were written (``~>`` depends on it)
    prerelease: str = ""
    metadata: str = ""
    original: str = ""

    @classmethod
    def parse(cls, text: str) -> Version:
        """Return the version ``text`` spells; raise ValueError when it is not a version."""
        if not isinstance(text, str):
            raise TypeError(f"a version is a string, not {type(text).__name__}")
        match = _VERSION_RE.fullmatch(text)
        if match is None:
            raise ValueError(
                f'malformed version "{text}": expected numbers such as 1.2.3, optionally '
                "followed by a pre-release (-beta.1) and build metadata (+abc)"
            )
        return cls._from_match(match, text)

    @classmethod
    def _from_match(cls, match: re.Match[str], text: str) -> Version:
        numbers = [int(part) for part in match["numbers"].split(".")]
        if any(number > _INT64_MAX for number in numbers):
            raise ValueError(f'malformed version "{text}": a number is too large')
        specified = len(numbers)
        numbers.extend([0] * (3 - specified))
        prerelease = match["pre_alpha"] or match["pre_numeric"] or ""
        return cls(tuple(numbers), specified, prerelease, match["metadata"] or "", text)

    def __str__(self) -> str:
        text = ".".join(str(n) for n in self.segments)
        if self.prerelease:
            text += "-" + self.prerelease
        if self.metadata:
            text += "+" + self.metadata
        return text

    def compare(self, other: Version) -> int:
        """Return -1, 0 or 1 as this version is lower than, equal to or higher than ``other``."""
        if str(self) == str(other):
            return 0
        if self.segments == other.segments:
            if not self.prerelease and not other.prerelease:
                return 0
            if not self.prerelease:
                return 1
            if not other.prerelease:
                return -1
            return _compare_prereleases(self.prerelease, other.prerelease)
        mine, theirs = self.segments, other.segments
        for i in range(max(len(mine), len(theirs))):
            if i >= len(mine):
                return -1 if any(theirs[i:]) else 0
            if i >= len(theirs):
                return 1 if any(mine[i:]) else 0
            if mine[i] != theirs[i]:
                return -1 if mine[i] < theirs[i] else 1
        return 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self.compare(other) == 0

    def __lt__(self, other: Version) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self.compare(other) < 0

    def __hash__(self) -> int:
        numbers = list(self.segments)
        while numbers and numbers[-1] == 0:
            numbers.pop()
        return hash(tuple(numbers))


def _compare_prereleases(mine: str, theirs: str) -> int:
    my_parts, their_parts = mine.split("."), theirs.split(".")
    for i in range(max(len(my_parts), len(their_parts))):
        a = my_parts[i] if i < len(my_parts) else ""
        b = their_parts[i] if i < len(their_parts) else ""
        result = _compare_prerelease_part(a, b)
        if result:
            return result
    return 0


def _compare_prerelease_part(a: str, b: str) -> int:
    if a == b:
        return 0
    a_numeric = _SIGNED_INT_RE.fullmatch(a) is not None
    b_numeric = _SIGNED_INT_RE.fullmatch(b) is not None
    if a == "":
        return -1 if b_numeric else 1
    if b == "":
        return 1 if a_numeric else -1
    if a_numeric != b_numeric:
        return -1 if a_numeric else 1
    if a_numeric:
        return 1 if int(a) > int(b) else -1
    return 1 if a > b else -1


def _prerelease_allows(version: Version, bound: Version) -> bool:
    """Pre-release versions only match terms that name a pre-release of the same numbers."""
    if version.prerelease and bound.prerelease:
        return version.segments == bound.segments
    return not version.prerelease


def _pessimistic(version: Version, bound: Version) -> bool:
    if not _prerelease_allows(version, bound) or (bound.prerelease and not version.prerelease):
        return False
    if version < bound:
        return False
    if len(bound.segments) > len(version.segments):
        return False
    if any(version.segments[i] != bound.segments[i] for i in range(bound.specified - 1)):
        return False
    last = len(bound.segments) - 1
    return bound.segments[last] <= version.segments[last]


_CHECKS: dict[str, Callable[[Version, Version], bool]] = {
    "=": lambda v, c: v == c,
    "!=": lambda v, c: v != c,
    ">": lambda v, c: _prerelease_allows(v, c) and v.compare(c) > 0,
    "<": lambda v, c: _prerelease_allows(v, c) and v.compare(c) < 0,
    ">=": lambda v, c: _prerelease_allows(v, c) and v.compare(c) >= 0,
    "<=": lambda v, c: _prerelease_allows(v, c) and v.compare(c) <= 0,
    "~>": _pessimistic,
}


@dataclass(frozen=True)
class Constraint:
    """One ``OP VERSION`` term of a constraint."""

    operator: str
    version: Version
    original: str

    def check(self, version: Version) -> bool:
        """Return whether ``version`` satisfies this term."""
        return _CHECKS[self.operator](version, self.version)

    def __str__(self) -> str:
        return self.original.strip()


@dataclass(frozen=True)
class Constraints:
    """A comma-separated list of terms; a version satisfies it when it satisfies every term."""

    terms: tuple[Constraint, ...]
    original: str

    @classmethod
    def parse(cls, text: str) -> Constraints:
        """Return the constraint ``text`` spells; raise ValueError naming the bad term."""
        if not isinstance(text, str):
            raise TypeError(f"a version constraint is a string, not {type(text).__name__}")
        if not text.strip():
            raise ValueError('empty version constraint: write one such as ">= 1.2.0, < 2.0.0"')
        return cls(tuple(_parse_term(term, text) for term in text.split(",")), text)

    def check(self, version: Version | str) -> bool:
        """Return whether ``version`` (a Version or its text) satisfies every term."""
        if isinstance(version, str):
            version = Version.parse(version)
        return all(term.check(version) for term in self.terms)

    @property
    def has_prerelease(self) -> bool:
        """Whether any term names a pre-release version."""
        return any(term.version.prerelease for term in self.terms)

    def __iter__(self) -> Iterator[Constraint]:
        return iter(self.terms)

    def __str__(self) -> str:
        return self.original


def _parse_term(term: str, whole: str) -> Constraint:
    match = _TERM_RE.fullmatch(term)
    if match is None:
        if not term.strip():
            raise ValueError(
                f'malformed version constraint "{whole}": a term between commas is empty'
            )
        where = "" if term == whole else f' (the term "{term.strip()}")'
        hint = "; separate terms with commas" if _RUN_ON_RE.search(term) else ""
        raise ValueError(
            f'malformed version constraint "{whole}"{where}: each term is an operator '
            f"({', '.join(OPERATORS)}, or none for =) followed by a version such as 1.2.3{hint}"
        )
    try:
        version = Version._from_match(_VERSION_RE.fullmatch(match["version"]), match["version"])
    except ValueError as error:
        raise ValueError(f'malformed version constraint "{whole}": {error}')
    return Constraint(match["op"] or "=", version, term)


def parse_version(text: str) -> Version:
    """Return the version ``text`` spells; raise ValueError when it is malformed."""
    return Version.parse(text)


def parse_constraints(text: str) -> Constraints:
    """Return the constraint ``text`` spells; raise ValueError when it is malformed."""
    return Constraints.parse(text)


def satisfies(version: str, constraints: str) -> bool:
    """Return whether ``version`` meets ``constraints``; raise ValueError if either is malformed."""
    return Constraints.parse(constraints).check(Version.parse(version))
