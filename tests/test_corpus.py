"""The corpus tests fail, not skip, when the corpus was promised but is missing."""

import pytest

from tests import corpus


@pytest.fixture
def no_corpus(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "CORPUS", tmp_path / "absent")
    monkeypatch.delenv("IMAGEHUB_CORPUS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    return monkeypatch


def test_a_missing_corpus_fails_when_imagehub_corpus_is_set(no_corpus):
    no_corpus.setenv("IMAGEHUB_CORPUS", "../shared/corpus")
    with pytest.raises(pytest.fail.Exception, match="corpus not found"):
        corpus.require_corpus("templates")


def test_a_missing_corpus_fails_under_ci(no_corpus):
    no_corpus.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception):
        corpus.require_corpus()


def test_a_missing_corpus_skips_when_nobody_promised_it(no_corpus):
    with pytest.raises(pytest.skip.Exception):
        corpus.require_corpus("templates")


def test_a_missing_subdirectory_counts_as_missing(no_corpus, tmp_path):
    (tmp_path / "absent" / "templates").mkdir(parents=True)
    no_corpus.setenv("IMAGEHUB_CORPUS", str(tmp_path / "absent"))
    corpus.require_corpus("templates")
    with pytest.raises(pytest.fail.Exception, match="expected_fmt"):
        corpus.require_corpus("templates", "expected_fmt")
