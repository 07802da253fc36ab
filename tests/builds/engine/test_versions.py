"""Tests for go-version compatible version parsing, ordering and constraints."""

import pytest

from builds.engine.versions import Constraints, Version, parse_constraints, satisfies


@pytest.mark.parametrize(
    ("text", "segments", "specified", "prerelease", "metadata", "canonical"),
    [
        ("1.2.3", (1, 2, 3), 3, "", "", "1.2.3"),
        ("v1.2", (1, 2, 0), 2, "", "", "1.2.0"),
        ("7", (7, 0, 0), 1, "", "", "7.0.0"),
        ("1.2.3.4", (1, 2, 3, 4), 4, "", "", "1.2.3.4"),
        ("1.2.3-beta.1+build.5", (1, 2, 3), 3, "beta.1", "build.5", "1.2.3-beta.1+build.5"),
        ("1.2.3rc1", (1, 2, 3), 3, "rc1", "", "1.2.3-rc1"),
        ("2.0.0-12.x", (2, 0, 0), 3, "12.x", "", "2.0.0-12.x"),
        ("18.04.1", (18, 4, 1), 3, "", "", "18.4.1"),
        ("1.0.0+20240101", (1, 0, 0), 3, "", "20240101", "1.0.0+20240101"),
    ],
)
def test_parse_version_splits_numbers_prerelease_and_metadata(
    text, segments, specified, prerelease, metadata, canonical
):
    version = Version.parse(text)
    assert version.segments == segments
    assert version.specified == specified
    assert version.prerelease == prerelease
    assert version.metadata == metadata
    assert str(version) == canonical
    assert version.original == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x1.2",
        "1.2.",
        "1..2",
        ".1",
        "1.2.3+",
        " 1.2.3",
        "1.2.3 ",
        "one",
        "1.2.3-beta..1",
        "99999999999999999999",
    ],
)
def test_parse_version_rejects_malformed_text_with_a_message(text):
    with pytest.raises(ValueError, match="malformed version"):
        Version.parse(text)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.2.3", "1.2.3", 0),
        ("1.2", "1.2.0", 0),
        ("1.2.0.0", "1.2", 0),
        ("v1.2.3", "1.2.3", 0),
        ("1.2.3", "1.2.4", -1),
        ("1.10.0", "1.9.0", 1),
        ("2", "1.99.99", 1),
        ("1.2.3.1", "1.2.3", 1),
        ("1.0.0-alpha", "1.0.0", -1),
        ("1.0.0-alpha", "1.0.0-alpha.1", -1),
        ("1.0.0-alpha.1", "1.0.0-alpha.beta", -1),
        ("1.0.0-beta.2", "1.0.0-beta.11", -1),
        ("1.0.0-beta", "1.0.0-alpha", 1),
        ("1.0.0-rc.1", "1.0.0", -1),
        ("1.0.0+linux", "1.0.0+darwin", 0),
    ],
)
def test_compare_orders_by_numbers_then_prerelease_ignoring_metadata(a, b, expected):
    assert Version.parse(a).compare(Version.parse(b)) == expected
    assert Version.parse(b).compare(Version.parse(a)) == -expected


def test_a_lone_dash_after_the_numbers_is_a_prerelease_as_in_go_version():
    assert Version.parse("1.2.3-").prerelease == "-"


def test_versions_that_compare_equal_hash_equal():
    assert Version.parse("1.2") == Version.parse("1.2.0.0")
    assert hash(Version.parse("1.2")) == hash(Version.parse("1.2.0.0"))
    assert len({Version.parse("1.0"), Version.parse("1.0.0"), Version.parse("1.0.1")}) == 2


def test_versions_sort_like_go_version():
    texts = ["1.10.0", "1.2.0", "1.2.0-rc.1", "1.2.0-beta", "0.9", "1.2.0.1"]
    ordered = [str(v) for v in sorted(Version.parse(t) for t in texts)]
    assert ordered == ["0.9.0", "1.2.0-beta", "1.2.0-rc.1", "1.2.0", "1.2.0.1", "1.10.0"]


@pytest.mark.parametrize(
    ("constraint", "version", "expected"),
    [
        # bare and = mean equality
        ("1.2.3", "1.2.3", True),
        ("1.2.3", "1.2.4", False),
        ("= 1.0.1", "1.0.1", True),
        ("=1.0", "1.0.0", True),
        ("= 1.0.1", "1.0.1+meta", True),
        # != and ordering operators
        ("!= 1.0.0", "1.0", False),
        ("!= 1.0.0", "1.0.1", True),
        ("> 1.0", "1.0.1", True),
        ("> 1.0", "1.0.0", False),
        ("< 1.0", "0.9.9", True),
        ("< 1.0", "1.0", False),
        ("<= 1.0", "1.0.0", True),
        (">= 1.2.8", "1.8.2", True),
        (">= 1.2.8", "1.2.7", False),
        (">= v1.0.0", "1.16.0", True),
        # every comma-separated term must hold
        (">= 1.2.0, < 2.0", "1.8.2", True),
        (">= 1.2.0, < 2.0", "2.0.0", False),
        (">= 1.1.0, < 1.1.2", "1.1.1", True),
        (">= 1.1.0, < 1.1.2", "1.1.2", False),
        (">=1.0,<2.0,!=1.5.0", "1.5.0", False),
        # ~> fixes every written number but the last
        ("~> 1.2", "1.2.0", True),
        ("~> 1.2", "1.9.9", True),
        ("~> 1.2", "2.0.0", False),
        ("~> 1.2", "1.1.9", False),
        ("~> 1.2.3", "1.2.3", True),
        ("~> 1.2.3", "1.2.10", True),
        ("~> 1.2.3", "1.3.0", False),
        ("~> 1.2.3", "1.2.2", False),
        ("~> 1.2.3", "1.2.3.7", True),
        ("~> 1", "1.0.0", True),
        ("~> 1", "7.3.0", True),
        ("~> 1", "0.9.0", False),
        ("~> 1.0.9.5", "1.0.9.6", True),
        ("~> 1.0.9.5", "1.0.10.0", False),
        # pre-releases only satisfy terms naming a pre-release of the same numbers
        (">= 1.0", "1.1.0-beta", False),
        ("< 2.0", "1.1.0-beta", False),
        (">= 1.1.0-beta", "1.1.0-rc1", True),
        (">= 1.1.0-beta", "1.1.0-alpha", False),
        (">= 1.1.0-beta", "1.2.0-rc1", False),
        (">= 1.1.0-beta", "1.2.0", True),
        ("= 1.1.0-beta", "1.1.0-beta", True),
        ("~> 2.0", "2.1.0-beta", False),
        ("~> 2.1.0-a", "2.1.0-beta", True),
        ("~> 2.1.0-a", "2.1.0", False),
        ("~> 2.1.0-a", "2.2.0-alpha", False),
    ],
)
def test_constraint_check_follows_go_version_rules(constraint, version, expected):
    assert satisfies(version, constraint) is expected


@pytest.mark.parametrize(
    ("constraint", "message"),
    [
        ("", "empty version constraint"),
        ("   ", "empty version constraint"),
        (">== 1.0", 'malformed version constraint ">== 1.0": each term is an operator'),
        (">= 1.x", 'malformed version constraint ">= 1.x"'),
        ("~>", 'malformed version constraint "~>"'),
        (">= 1.0,", "a term between commas is empty"),
        (">= 1.0,, < 2", "a term between commas is empty"),
        (">= 1.0, latest", 'the term "latest"'),
        (">= 1.0 < 2.0", "separate terms with commas"),
        ("=> 1.0", "each term is an operator (=, !=, >, >=, <, <=, ~>, or none for =)"),
        ("> 99999999999999999999", "a number is too large"),
    ],
)
def test_malformed_constraints_raise_value_error_saying_what_is_wrong(constraint, message):
    with pytest.raises(ValueError) as excinfo:
        parse_constraints(constraint)
    assert message in str(excinfo.value)


def test_constraints_keep_their_terms_and_text():
    constraints = Constraints.parse(">= 1.2.0, < 2.0")
    assert [(t.operator, str(t.version)) for t in constraints] == [(">=", "1.2.0"), ("<", "2.0.0")]
    assert [str(t) for t in constraints] == [">= 1.2.0", "< 2.0"]
    assert str(constraints) == ">= 1.2.0, < 2.0"


def test_bare_version_term_means_equality():
    (term,) = Constraints.parse("1.2.3").terms
    assert term.operator == "="


def test_has_prerelease_reports_terms_naming_prereleases():
    assert Constraints.parse(">= 1.0, < 2.0-beta").has_prerelease
    assert not Constraints.parse(">= 1.0, < 2.0").has_prerelease


def test_check_accepts_version_text_or_version():
    constraints = Constraints.parse("~> 1.8")
    assert constraints.check("1.8.2")
    assert constraints.check(Version.parse("1.9"))
    assert not constraints.check("2.0")


def test_non_string_inputs_are_programmer_errors():
    with pytest.raises(TypeError):
        Version.parse(1.2)
    with pytest.raises(TypeError):
        Constraints.parse(None)
