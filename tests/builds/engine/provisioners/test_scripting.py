"""Tests of what the script-running plugins share: environment flattening, Go formats, exit codes."""

import pytest

from builds.engine.plugins import PluginContext, ProvisionError
from builds.engine.provisioners.scripting import (
    Interpolator,
    check_exit_code,
    environment,
    flatten_environment,
    go_sprintf,
)


def test_variables_are_sorted_and_single_quotes_escaped_as_packer_does():
    assert flatten_environment({"B": "it's", "A": "x y"}, "%s='%s' ") == "A='x y' B='it'\"'\"'s' "


def test_environment_starts_with_the_build_name_and_type_and_skips_missing_http_values():
    context = PluginContext(build_name="null.web", build_type="null", source_name="web")
    variables = environment(context, {"PackerHTTPAddr": "ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER"},
                            ["K=v=w"], {"M": "n"})
    assert variables == {"PACKER_BUILD_NAME": "web", "PACKER_BUILDER_TYPE": "null", "K": "v=w", "M": "n"}


@pytest.mark.parametrize(("layout", "args", "expected"), [
    ("%s='%s' ", ("a", "b"), "a='b' "),
    ("export %s=%q\n", ("a", 'say "hi"'), 'export a="say \\"hi\\""\n'),
    ("%v=%v;", ("a", "b"), "a=b;"),
    ("100%% %s", ("a",), "100% a"),
    ("%s", ("a", "b"), "a%!(EXTRA string=b)"),
    ("%s=%s=%s", ("a", "b"), "a=b=%!s(MISSING)"),
    ("%d", ("a",), "%!d(string=a)"),
])
def test_go_sprintf_formats_like_go(layout, args, expected):
    assert go_sprintf(layout, *args) == expected


def test_exit_codes_are_checked_with_packers_message():
    check_exit_code(0, [0])
    with pytest.raises(ProvisionError, match=r"^Script exited with non-zero exit status: 2\. "
                                             r"Allowed exit codes are: \[0 1\]$"):
        check_exit_code(2, [0, 1])


def test_interpolation_merges_generated_data_and_plugin_data():
    interpolator = Interpolator(PluginContext(build_name="b", build_type="null", source_name="s"),
                                {"Host": "h", "Path": "generated"})
    assert interpolator.render("{{.Host}} {{.Path}} {{build_name}} {{build_type}}", "x", Path="/p") == \
        "h /p s null"


def test_a_broken_template_names_the_argument():
    interpolator = Interpolator(PluginContext(build_name="b", build_type="null"))
    with pytest.raises(ProvisionError, match="^Error interpolating inline: "):
        interpolator.render("{{ nosuchfunc }}", "inline")
