"""Conformance of the formatter with what packer fmt wrote for the shared corpus of real templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from builds.engine.hcl.fmt import format_source
from tests import corpus
from tests.corpus import CORPUS

pytestmark = pytest.mark.corpus

TEMPLATES = CORPUS / "templates"
EXPECTED = CORPUS / "expected_fmt"
FIXTURES = CORPUS / "packer-fixtures"

# The one corpus template packer fmt refuses (it does not parse), so it has no expected output.
REJECTED_PREFIX = "018_"


def read(path: Path) -> str:
    """Return the file's text exactly, line endings included."""
    return path.read_bytes().decode("utf-8")


def corpus_files(directory: Path, pattern: str = "*.hcl") -> list[Path]:
    return sorted(directory.glob(pattern)) if directory.is_dir() else []


def require_corpus() -> None:
    corpus.require_corpus("templates", "expected_fmt", "packer-fixtures")


def params(paths: list[Path]) -> list:
    """One parameter per file, or a single placeholder that fails or skips without a corpus."""
    if not paths:
        return [pytest.param(None, id="corpus-missing")]
    return [pytest.param(path, id=path.name) for path in paths]


TEMPLATE_FILES = [p for p in corpus_files(TEMPLATES) if not p.name.startswith(REJECTED_PREFIX)]
EXPECTED_FILES = corpus_files(EXPECTED)
FIXTURE_FILES = corpus_files(FIXTURES)


@pytest.mark.parametrize("path", params(TEMPLATE_FILES))
def test_template_formats_exactly_as_packer_fmt(path):
    require_corpus()
    expected = read(EXPECTED / path.name)
    assert format_source(read(path)) == expected


def test_every_accepted_template_has_an_expected_output():
    require_corpus()
    assert len(TEMPLATE_FILES) == 79
    assert {p.name for p in TEMPLATE_FILES} == {p.name for p in EXPECTED_FILES}


@pytest.mark.parametrize("path", params(EXPECTED_FILES))
def test_expected_output_is_a_fixed_point(path):
    require_corpus()
    text = read(path)
    assert format_source(text) == text


def test_packer_format_testdata_pair():
    require_corpus()
    unformatted = read(FIXTURES / "hcl2template__testdata__format__unformatted.pkr.hcl")
    formatted = read(FIXTURES / "hcl2template__testdata__format__formatted.pkr.hcl")
    assert unformatted != formatted
    assert format_source(unformatted) == formatted


def test_packer_fmt_command_fixture():
    # The command's "formatted" fixture comes from another revision than "unformatted"
    # (different source block), so they are not a pair; packer 1.6.6 fixes one space.
    require_corpus()
    unformatted = read(FIXTURES / "command__test-fixtures__fmt__unformatted.pkr.hcl")
    formatted = read(FIXTURES / "command__test-fixtures__fmt__formatted.pkr.hcl")
    assert "type =string\n" in unformatted
    assert format_source(unformatted) == unformatted.replace("type =string\n", "type = string\n")
    assert format_source(formatted) == formatted


@pytest.mark.parametrize("path", params(FIXTURE_FILES))
def test_fixture_formatting_is_idempotent(path):
    require_corpus()
    once = format_source(read(path))
    assert format_source(once) == once
