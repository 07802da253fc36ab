"""Tests for Go-template strings: fields, literals, pipelines, trimming, Packer's functions and errors.

Expected results follow what ``packer console`` 1.6.6 prints for the same
strings in a JSON template.
"""

import re
from dataclasses import dataclass

import pytest

from builds.engine.gotemplate import NO_VALUE, TemplateContext, TemplateError, render

START = 1795276717.25  # Saturday 2026-11-21T15:58:37.25Z


@pytest.fixture
def context(tmp_path):
    return TemplateContext(build_name="web", build_type="amazon-ebs", template_dir=str(tmp_path), start_time=START,
                           user_variables={"region": "eu-west-1", "count": 3, "unset": None},
                           packer_version="1.6.6", generated={"ID": "i-0abc", "SourceAMI": "ami-123"})


@dataclass
class Script:
    Path: str
    Vars: str


def test_text_without_actions_is_returned_unchanged():
    assert render("plain {text} } {") == "plain {text} } {"


def test_fields_are_read_from_the_data():
    assert render("{{ .Vars }} {{.Path}}", {"Vars": "A=1", "Path": "/tmp/script.sh"}) == "A=1 /tmp/script.sh"


def test_nested_fields_and_object_attributes_are_read():
    assert render("{{ .Build.Host }}:{{ .Build.Port }}", {"Build": {"Host": "10.0.0.1", "Port": 22}}) == "10.0.0.1:22"
    assert render("sh {{ .Path }}", Script("/tmp/s.sh", "")) == "sh /tmp/s.sh"


@pytest.mark.parametrize("text", ["{{ .Missing }}", "{{ .Build.Missing }}", "{{ .Nothing.Below }}", "{{ .Empty }}",
                                  "{{ nil }}"])
def test_missing_fields_print_no_value(text):
    assert render(text, {"Build": {}, "Empty": None}) == NO_VALUE == "<no value>"


@pytest.mark.parametrize(("text", "expected"), [
    ("{{ 3 }}", "3"),
    ("{{ -3 }}", "-3"),
    ("{{ 1.5 }}", "1.5"),
    ("{{ true }}", "true"),
    ("{{ false }}", "false"),
    ('{{ "q\\"uote\\t" }}', 'q"uote\t'),
    ('{{ "caf\\u00e9" }}', "café"),
    ("{{ `raw\\n \"as is\"` }}", 'raw\\n "as is"'),
])
def test_literals_print_as_go_prints_them(text, expected):
    assert render(text) == expected


def test_field_values_print_as_go_prints_them():
    assert render("{{ .On }} {{ .Off }} {{ .Whole }} {{ .Half }}",
                  {"On": True, "Off": False, "Whole": 2.0, "Half": 0.5}) == "true false 2 0.5"


def test_several_actions_and_the_text_between_them_are_kept():
    assert render("a{{.X}}b{{ .X }}c", {"X": "-"}) == "a-b-c"


@pytest.mark.parametrize(("text", "expected"), [
    ("x  {{- \"a\" -}}  y", "xay"),
    ("x  {{- \"a\" }}  y", "xa  y"),
    ("x  {{ \"a\" -}}  y", "x  ay"),
    ("line\n\t{{- .X -}}\n\tnext", "line-next"),
    ("{{-3}}", "-3"),
    ("{{ 3 -}} 4", "34"),
    ("a {{- /* comment */ -}} b", "ab"),
    ("a{{/* comment */}}b", "ab"),
])
def test_trim_markers_remove_the_whitespace_next_to_them(text, expected):
    assert render(text, {"X": "-"}) == expected


def test_pipelines_pass_the_value_as_the_last_argument():
    assert render('{{ "aBc" | upper }}') == "ABC"
    assert render('{{ "aBc" | upper | lower }}') == "abc"
    assert render('{{ .Name | replace_all "-" "_" }}', {"Name": "my-image-name"}) == "my_image_name"


def test_parentheses_group_calls():
    assert render('{{ lower (upper "aBc") }}') == "abc"
    assert render('{{ upper (replace_all "a" "b" (lower "AAA")) }}') == "BBB"
    assert render('{{ (upper "x") }}') == "X"


def test_timestamp_is_the_build_start_in_unix_seconds(context):
    assert render("packer-{{timestamp}}", context=context) == "packer-1795276717"


@pytest.mark.parametrize(("layout", "expected"), [
    ("", "2026-11-21T15:58:37Z"),
    ('"2006-01-02"', "2026-11-21"),
    ('"20060102150405"', "20261121155837"),
    ('"Mon Jan _2 15:04:05 MST 2006"', "Sat Nov 21 15:58:37 UTC 2026"),
    ('"Monday, January 2 3:04PM -0700"', "Saturday, November 21 3:58PM +0000"),
    ('"15:04:05.000"', "15:58:37.250"),
])
def test_isotime_formats_the_build_start_with_go_layouts(context, layout, expected):
    assert render(f"{{{{ isotime {layout} }}}}", context=context) == expected


def test_isotime_piped_into_clean_resource_name_gives_a_valid_image_name(context):
    assert render("mybuild-{{ isotime | clean_resource_name }}", context=context) == "mybuild-2026-11-21t15-58-37z"


def test_build_name_and_build_type_come_from_the_context(context):
    assert render("{{ build_name }}/{{ build_type }}", context=context) == "web/amazon-ebs"


def test_uuid_is_a_fresh_version_4_uuid_each_time():
    first, second = render("{{ uuid }}"), render("{{uuid}}")

    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first)
    assert first != second


@pytest.mark.parametrize(("text", "expected"), [
    ('{{ upper "abc" }}', "ABC"),
    ('{{ lower "ÀBC" }}', "àbc"),
    ('{{ split "a,b,c" "," 1 }}', "b"),
    ('{{ split "a,b,c" "," 0 }}', "a"),
    ('{{ replace "a" "b" 1 "aaa" }}', "baa"),
    ('{{ replace "a" "b" 2 "aaa" }}', "bba"),
    ('{{ replace "a" "b" -1 "aaa" }}', "bbb"),
    ('{{ replace_all "a" "b" "aaa" }}', "bbb"),
    ('{{ clean_resource_name "My Image_1.2:x" }}', "my-image_1-2-x"),
    ('{{ clean_ami_name "web (v1) * [x] @t" }}', "web (v1) - [x] @t"),
])
def test_string_functions(text, expected):
    assert render(text) == expected


def test_user_reads_variables_and_prints_missing_ones_as_empty(context):
    assert render('{{ user "region" }}-{{ user "count" }}-{{ user "unset" }}-{{ user "nope" }}',
                  context=context) == "eu-west-1-3--"


def test_build_reads_the_generated_data_of_the_build(context):
    assert render('{{ build "ID" }} from {{ build "SourceAMI" }}', context=context) == "i-0abc from ami-123"


def test_build_fails_for_data_the_build_does_not_provide(context):
    with pytest.raises(TemplateError, match='loading data from build "Password": not available'):
        render('{{ build "Password" }}', context=context)


def test_template_dir_pwd_and_packer_version(context, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    assert render("{{ template_dir }}|{{ pwd }}|{{ packer_version }}", context=context) == (
        f"{tmp_path}|{tmp_path}|1.6.6")


def test_secret_store_functions_are_refused_with_a_hint():
    with pytest.raises(TemplateError, match="vault is not reachable from ImageHub template strings"):
        render('{{ vault "secret/x" "key" }}')


def test_extra_functions_are_added_and_can_replace_packers():
    funcs = {"clean_resource_name": lambda s: s.replace(" ", "-"), "twice": lambda s: s * 2}

    assert render('{{ clean_resource_name "My AMI" }} {{ twice "ab" }}', extra_funcs=funcs) == "My-AMI abab"


@pytest.mark.parametrize(("text", "message"), [
    ("{{ nosuch }}", 'function "nosuch" not defined'),
    ('{{ upper "a" ', "unclosed action"),
    ('{{ upper "a" }} and {{ .X', "unclosed action"),
    ('{{ (upper "a" }}', "unclosed left paren"),
    ('{{ upper "a") }}', 'unexpected ")"'),
    ("{{}}", "missing value for command"),
    ("{{ | upper }}", "missing value for command"),
    ('{{ "a" "b" }}', 'can\'t give argument to non-function "a"'),
    ("{{ .X 1 }}", "can't give argument to non-function .X"),
    ("{{ if .X }}yes{{ end }}", 'the "if" action is not supported'),
    ("{{ range .X }}{{ end }}", 'the "range" action is not supported'),
    ("{{ upper # }}", 'unexpected character "#"'),
])
def test_malformed_templates_raise_template_errors_quoting_the_string(text, message):
    with pytest.raises(TemplateError, match=re.escape(message)) as caught:
        render(text, {"X": "x"})

    assert text in str(caught.value)


@pytest.mark.parametrize(("text", "message"), [
    ("{{ upper }}", "wrong number of args for upper: want 1 got 0"),
    ('{{ upper "a" "b" }}', "wrong number of args for upper: want 1 got 2"),
    ('{{ split "a,b,c" "," }}', "wrong number of args for split: want 3 got 2"),
    ('{{ "abc" | replace_all "a" }}', "wrong number of args for replace_all: want 3 got 2"),
    ('{{ timestamp "x" }}', "wrong number of args for timestamp: want 0 got 1"),
])
def test_wrong_argument_counts_say_how_many_arguments_the_function_wants(text, message):
    with pytest.raises(TemplateError, match=re.escape(message)) as caught:
        render(text)

    assert text in str(caught.value)


def test_a_failing_function_names_itself_and_the_string():
    text = '{{ split "a,b" "," 5 }}'

    with pytest.raises(TemplateError, match=r"error calling split in .*index 5 out of range") as caught:
        render(text)

    assert text in str(caught.value)


def test_a_function_given_the_wrong_type_is_an_error_calling_it():
    text = '{{ "a,b,c" | split "," 1 }}'  # the piped text arrives last, as the index

    with pytest.raises(TemplateError, match="error calling split"):
        render(text)
