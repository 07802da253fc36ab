"""Tests for resolving required_plugins against the built-in plugins and for init's output."""

import pytest

from builds.engine.plugin_init import (
    NO_REQUIREMENTS_MESSAGE,
    InitLine,
    PluginResolution,
    init_lines,
    normalize_source,
    resolve_required_plugins,
)


def _resolve_one(requirement, name="amazon"):
    (resolution,) = resolve_required_plugins({name: requirement})
    assert isinstance(resolution, PluginResolution)
    assert resolution.name == name
    return resolution


def test_a_built_in_plugin_meeting_the_constraint_is_satisfied():
    resolution = _resolve_one({"source": "github.com/hashicorp/amazon", "version": ">= 1.2.8"})
    assert resolution.satisfied
    assert resolution.status == "satisfied"
    assert resolution.source == "github.com/hashicorp/amazon"
    assert resolution.constraint == ">= 1.2.8"
    assert resolution.builtin_version == "1.8.2"
    assert resolution.message == (
        'github.com/hashicorp/amazon v1.8.2 is built into ImageHub (satisfies ">= 1.2.8")'
    )
    assert resolution.warning == ""


@pytest.mark.parametrize(
    ("source", "constraint"),
    [
        ("github.com/hashicorp/amazon", "~> 1"),
        ("github.com/hashicorp/amazon", ">= 1.0.0, < 2.0.0"),
        ("github.com/hashicorp/docker", ">= 1.0.8"),
        ("github.com/hashicorp/ansible", "~> 1.1.3"),
        ("github.com/hashicorp/ansible", "1.1.6"),
        ("github.com/hashicorp/vagrant", "~> 1"),
    ],
)
def test_constraints_real_templates_use_are_met_by_the_built_in_versions(source, constraint):
    assert _resolve_one({"source": source, "version": constraint}).satisfied


def test_a_built_in_plugin_outside_the_constraint_is_unsatisfied():
    resolution = _resolve_one({"source": "github.com/hashicorp/amazon", "version": "= 1.2.4"})
    assert not resolution.satisfied
    assert resolution.status == "unsatisfied"
    assert resolution.builtin_version == "1.8.2"
    assert resolution.message == (
        'github.com/hashicorp/amazon v1.8.2 is built into ImageHub but does not satisfy "= 1.2.4"'
    )


def test_an_unknown_source_is_unsatisfied_with_a_message_naming_it():
    resolution = _resolve_one({"source": "github.com/x/y", "version": ">= 1.0"}, name="y")
    assert not resolution.satisfied
    assert resolution.status == "unknown"
    assert resolution.builtin_version is None
    assert resolution.message == 'ImageHub has no built-in plugin for github.com/x/y, so none satisfies ">= 1.0"'


def test_a_plugin_imagehub_does_not_build_in_is_unknown_even_from_hashicorp():
    resolution = _resolve_one({"source": "github.com/hashicorp/qemu", "version": "~> 1"}, "qemu")
    assert resolution.status == "unknown"
    assert resolution.message == ('ImageHub has no built-in plugin for github.com/hashicorp/qemu, '
                                  'so none satisfies "~> 1"')


def test_a_short_source_is_normalised_to_github_with_a_warning():
    resolution = _resolve_one({"source": "hashicorp/amazon", "version": ">= 1.0"})
    assert resolution.satisfied
    assert resolution.source == "github.com/hashicorp/amazon"
    assert '"hashicorp/amazon" is short for "github.com/hashicorp/amazon"' in resolution.warning
    assert "Packer requires the full address" in resolution.warning


def test_sources_compare_case_insensitively():
    resolution = _resolve_one({"source": "GitHub.com/HashiCorp/Amazon", "version": ">= 1.0"})
    assert resolution.satisfied
    assert resolution.source == "github.com/hashicorp/amazon"


def test_resolutions_keep_the_order_of_the_block():
    resolutions = resolve_required_plugins(
        {
            "docker": {"source": "github.com/hashicorp/docker", "version": ">= 1.0"},
            "amazon": {"source": "github.com/hashicorp/amazon", "version": ">= 1.0"},
            "qemu": {"source": "github.com/hashicorp/qemu", "version": ">= 1.0"},
        }
    )
    assert [r.name for r in resolutions] == ["docker", "amazon", "qemu"]
    assert [r.satisfied for r in resolutions] == [True, True, False]


def test_an_empty_block_resolves_to_nothing():
    assert resolve_required_plugins({}) == []


@pytest.mark.parametrize(
    ("requirement", "message"),
    [
        ({"source": "github.com/hashicorp/amazon"}, "No version constraint was set"),
        ({"source": "github.com/hashicorp/amazon", "version": 1.2}, "The version is not a string"),
        ({"version": ">= 1.0"}, "No source was set"),
        (
            {"source": ["github.com/hashicorp/amazon"], "version": ">= 1"},
            "The source is not a string",
        ),
        (
            {"source": "github.com/hashicorp/amazon", "version": ">== 1"},
            "Invalid version constraint",
        ),
        (
            {"source": "github.com/hashicorp/amazon", "version": ">= 1.0.0-beta"},
            'pre-release versions are not supported in ">= 1.0.0-beta"',
        ),
        (
            {"source": "github.com/hashicorp/amazon", "version": ">= 1", "channel": "beta"},
            'may only contain "source" and "version"; remove "channel"',
        ),
        (">= 1.0", "A plugin requirement is an object with a source and a version"),
        ({"source": "amazon", "version": ">= 1"}, "must contain a host and a path"),
        (
            {"source": "https://github.com/hashicorp/amazon", "version": ">= 1"},
            "must not contain a scheme",
        ),
    ],
)
def test_malformed_entries_are_invalid_with_a_message_not_an_exception(requirement, message):
    resolution = _resolve_one(requirement)
    assert resolution.status == "invalid"
    assert not resolution.satisfied
    assert resolution.builtin_version is None
    assert message in resolution.message


def test_an_invalid_entry_does_not_stop_the_others_resolving():
    resolutions = resolve_required_plugins(
        {
            "bad": {"source": "github.com/hashicorp/amazon"},
            "amazon": {"source": "github.com/hashicorp/amazon", "version": ">= 1"},
        }
    )
    assert [r.status for r in resolutions] == ["invalid", "satisfied"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("github.com/hashicorp/amazon", "github.com/hashicorp/amazon"),
        ("hashicorp/amazon", "github.com/hashicorp/amazon"),
        ("example.com/team/sub/plugin", "example.com/team/sub/plugin"),
        ("GITHUB.COM/Org/My-Plugin", "github.com/org/my-plugin"),
    ],
)
def test_normalize_source_returns_the_full_lower_case_address(source, expected):
    address, _ = normalize_source(source)
    assert address == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("amazon", "must contain a host and a path with 2 components"),
        ("/github.com/hashicorp/amazon", "must not start with a '/'"),
        ("github.com/hashicorp/amazon/", "must not end with a '/'"),
        ("github.com//amazon", "must not contain an empty component"),
        ("https://github.com/hashicorp/amazon", "must not contain a scheme"),
        ("github.com/hashicorp/amazon?ref=main", "must not contain a query"),
        ("github.com/hashicorp/amazon#v1", "must not contain a fragment"),
        ("h/" + "/".join(["p"] * 16), "at most 16 components"),
        ("github.com/hashicorp/packer-plugin-amazon", 'Did you mean "amazon"?'),
        ("github.com/hashicorp/packer-amazon", 'the "packer-" prefix'),
        ("github.com/hashicorp/am_azon", "only letters, digits and single dashes"),
        ("github.com/hashicorp/am--azon", "only letters, digits and single dashes"),
        ("github.com/hashicorp/-amazon", "neither starts nor ends with a dash"),
    ],
)
def test_normalize_source_rejects_invalid_addresses_like_packer(source, message):
    with pytest.raises(ValueError) as excinfo:
        normalize_source(source)
    assert message in str(excinfo.value)


def test_normalize_source_lists_every_problem_at_once():
    with pytest.raises(ValueError) as excinfo:
        normalize_source("https://github.com/hashicorp/amazon?x=1#top")
    text = str(excinfo.value)
    assert "scheme" in text and "query" in text and "fragment" in text
    assert 'A valid source looks like "github.com/hashicorp/amazon"' in text


def test_init_lines_report_built_in_plugins_on_standard_output():
    resolutions = resolve_required_plugins(
        {"amazon": {"source": "github.com/hashicorp/amazon", "version": ">= 1.2.8"}}
    )
    assert init_lines(resolutions) == [
        InitLine('github.com/hashicorp/amazon v1.8.2 is built into ImageHub (satisfies ">= 1.2.8")')
    ]


def test_init_lines_report_failures_like_packer_on_standard_error():
    resolutions = resolve_required_plugins(
        {
            "qemu": {"source": "github.com/hashicorp/qemu", "version": ">= 1"},
            "ansible": {"source": "github.com/hashicorp/ansible", "version": "= 1.1.5"},
        }
    )
    assert init_lines(resolutions) == [
        InitLine('Failed getting the "github.com/hashicorp/qemu" plugin:', error=True),
        InitLine('ImageHub has no built-in plugin for github.com/hashicorp/qemu, so none satisfies ">= 1"', error=True),
        InitLine('Failed getting the "github.com/hashicorp/ansible" plugin:', error=True),
        InitLine(
            'github.com/hashicorp/ansible v1.1.6 is built into ImageHub but does not satisfy "= 1.1.5"',
            error=True,
        ),
    ]


def test_init_lines_name_the_entry_of_an_invalid_requirement_one_line_at_a_time():
    resolutions = resolve_required_plugins({"amazon": {"source": "amazon", "version": ">= 1"}})
    lines = init_lines(resolutions)
    assert lines[0] == InitLine('Invalid plugin requirement "amazon":', error=True)
    assert all(line.error and "\n" not in line.text for line in lines)
    assert len(lines) > 2


def test_init_lines_warn_about_short_sources_before_the_result():
    resolutions = resolve_required_plugins(
        {"docker": {"source": "hashicorp/docker", "version": "~> 1"}}
    )
    warning, result = init_lines(resolutions)
    assert warning.error and warning.text.startswith('Warning: "hashicorp/docker" is short for')
    assert not result.error
    assert result.text.startswith("github.com/hashicorp/docker v1.1.4 is built into ImageHub")


def test_init_lines_without_requirements_say_so_like_packer():
    lines = init_lines([])
    assert [line.text for line in lines] == NO_REQUIREMENTS_MESSAGE.splitlines()
    assert lines[0].text.startswith("No plugins requirement found")
    assert not any(line.error for line in lines)
