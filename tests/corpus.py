"""Where the shared corpus of real templates is, and what a corpus test does when it is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# absolute, so that a test that changes the working directory does not lose a relative IMAGEHUB_CORPUS
CORPUS = Path(os.environ.get("IMAGEHUB_CORPUS") or REPO.parent / "shared" / "corpus").absolute()


def corpus_promised() -> bool:
    """Return True when the corpus must be there: ``IMAGEHUB_CORPUS`` names it (as ``.ci/run`` does) or CI is set."""
    return "IMAGEHUB_CORPUS" in os.environ or bool(os.environ.get("CI"))


def require_corpus(*directories: str) -> None:
    """Return when the corpus and each of its ``directories`` exist; otherwise fail the calling test
    if the corpus was promised (:func:`corpus_promised`), and skip it if not."""
    missing = [CORPUS / d for d in directories or (".",) if not (CORPUS / d).is_dir()]
    if not missing:
        return
    message = f"corpus not found at {CORPUS}: no {', '.join(str(m) for m in missing)} (set IMAGEHUB_CORPUS)"
    if corpus_promised():
        pytest.fail(message)
    pytest.skip(message)
