"""Tests of the launch form generated from a version's variable blocks, as a form and as a page."""

import os

import pytest

from imagehub import catalog, variable_forms
from imagehub.variable_forms import VariableForm

VARIABLES = """\
variable "region" {
  type        = string
  default     = "eu-west-1"
  description = "Where the image is built."
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+-[0-9]$", var.region))
    error_message = "The region must look like eu-west-1."
  }
}

variable "disk_size" {
  type    = number
  default = 16
  validation {
    condition     = var.disk_size >= 8
    error_message = "The disk needs at least 8 GB."
  }
}

variable "debug" {
  type    = bool
  default = true
}

variable "tags" {
  type    = map(string)
  default = { team = "platform" }
}

variable "zones" {
  type = list(string)
}

variable "password" {
  type      = string
  sensitive = true
}

variable "api_token" {
  type      = string
  sensitive = true
  default   = "default-token"
}

variable "home" {
  default = env("IMAGEHUB_TEST_HOME")
}

variable "owner" {
  type = string
}

source "null" "base" {
  communicator = "none"
}

build {
  sources = ["source.null.base"]
}
"""

FILES = {
    "main.pkr.hcl": VARIABLES,
    "prod.pkrvars.hcl": 'region = "us-east-1"\npassword = "preset-secret"\n',
    "team.auto.pkrvars.hcl": 'owner = "platform-team"\n',
}

GOOD = {
    "var-region": "eu-north-1",
    "var-disk_size": "32",
    "var-debug": "",
    "var-tags": '{"team": "web", "cost": "42"}',
    "var-zones": '["a", "b"]',
    "var-password": "hunter2",
    "var-api_token": "",
    "var-home": "",
    "var-owner": "",
}


def form(data=None, preset: str = "") -> VariableForm:
    return VariableForm(variable_forms.load(FILES, preset), data)


def test_each_type_gets_its_kind_of_field():
    fields = form().fields
    widgets = {name: type(field.widget).__name__ for name, field in fields.items()}
    assert widgets == {
        "region": "TextInput", "disk_size": "NumberInput", "debug": "CheckboxInput", "tags": "Textarea",
        "zones": "Textarea", "password": "PasswordInput", "api_token": "PasswordInput", "home": "TextInput",
        "owner": "TextInput",
    }


def test_defaults_fill_the_form_and_fields_without_one_are_required():
    empty = form()
    initial = {name: empty[name].value() for name in empty.fields}
    assert initial["region"] == "eu-west-1"
    assert initial["disk_size"] == "16"
    assert initial["debug"] is True
    assert initial["tags"] == '{\n  "team": "platform"\n}'
    assert initial["owner"] == "platform-team"  # from the auto-loaded variables file
    assert initial["home"] is None and initial["password"] is None and initial["api_token"] is None
    required = {name for name, field in empty.fields.items() if field.required}
    assert required == {"zones", "password"}
    assert empty.fields["region"].help_text == "Where the image is built."


def test_the_server_environment_is_not_shown_as_a_default():
    os.environ["IMAGEHUB_TEST_HOME"] = "/home/server-secret"
    try:
        page = form().as_div()
    finally:
        del os.environ["IMAGEHUB_TEST_HOME"]
    assert "server-secret" not in page
    assert "read from the environment at build time" in page


def test_good_values_resolve_with_their_sources_and_sensitive_values_masked():
    checked = form(GOOD)
    assert checked.is_valid(), checked.errors
    resolved = {item.name: (item.display, item.source) for item in checked.resolved}
    assert resolved == {
        "region": ('"eu-north-1"', "this form"),
        "disk_size": ("32", "this form"),
        "debug": ("false", "this form"),
        "tags": ('{\n  "cost" = "42"\n  "team" = "web"\n}', "this form"),
        "zones": ('[\n  "a",\n  "b",\n]', "this form"),
        "password": ("(sensitive)", "this form"),
        "api_token": ("(sensitive)", "default"),
        "home": ("(from the environment at build time)", "the build machine's environment"),
        "owner": ('"platform-team"', "team.auto.pkrvars.hcl"),
    }
    values = checked.values()
    assert values["password"] == "hunter2" and values["tags"] == {"team": "web", "cost": "42"}
    assert values["disk_size"] == 32 and "home" not in values


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("region", "Paris", "The region must look like eu-west-1."),
        ("disk_size", "4", "The disk needs at least 8 GB."),
        ("disk_size", "big", "This is not a number"),
        ("tags", '{"team": ["a"]}', "This is not a map(string)"),
        ("zones", "[1, ", "Not a valid value"),
        ("zones", "[var.x]", "Variables not allowed"),
        ("zones", "", "This variable has no default; give it a value."),
        ("password", "", "This variable has no default; give it a value."),
    ],
)
def test_bad_values_are_refused_at_their_field(field, value, says):
    checked = form({**GOOD, f"var-{field}": value})
    assert not checked.is_valid()
    assert says in checked.errors[field][0]
    assert list(checked.errors) == [field]


def test_a_preset_fills_the_form_and_stands_for_blank_sensitive_fields():
    with_preset = form(preset="prod.pkrvars.hcl")
    assert with_preset["region"].value() == "us-east-1"
    assert with_preset["password"].value() is None
    assert not with_preset.fields["password"].required
    checked = form({**GOOD, "var-password": ""}, preset="prod.pkrvars.hcl")
    assert checked.is_valid(), checked.errors
    password = next(item for item in checked.resolved if item.name == "password")
    assert (password.display, password.source) == ("(sensitive)", "prod.pkrvars.hcl")
    assert checked.values()["password"] == "preset-secret"


def test_presets_are_the_variables_files_that_are_not_auto_loaded():
    assert variable_forms.presets(FILES) == ["prod.pkrvars.hcl"]
    assert variable_forms.load(FILES, "nope.pkrvars.hcl").preset == ""


def test_a_version_that_does_not_load_has_problems_and_no_form():
    launch = variable_forms.load({"main.pkr.hcl": "variable {"})
    assert not launch.loaded
    assert launch.problems[0]["range"]["filename"] == "main.pkr.hcl"


# --------------------------------------------------------------------------- the page


@pytest.fixture
def launch_page(db, client, viewer, editor):
    template = catalog.create_template(name="Launch", description="", labels=[], owner=editor, files=FILES)
    client.force_login(viewer)
    return template


URL = "/templates/launch/versions/1/variables/"


def test_the_page_shows_the_generated_form_and_presets(client, launch_page):
    page = client.get(URL).content.decode()
    assert '<input type="number" name="var-disk_size" value="16" step="any"' in page
    assert 'type="checkbox" name="var-debug"' in page and "checked" in page
    assert '<input type="password" name="var-password" autocomplete="new-password"' in page
    assert 'aria-describedby="id_var-region_helptext"' in page
    assert '<option value="prod.pkrvars.hcl">prod.pkrvars.hcl</option>' in page


def test_choosing_a_preset_refills_the_form_through_htmx(client, launch_page):
    response = client.get(f"{URL}?preset=prod.pkrvars.hcl", headers={"HX-Request": "true"})
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section class="card" id="launch">')
    assert 'value="us-east-1"' in fragment
    assert "preset-secret" not in fragment
    assert '<option value="prod.pkrvars.hcl" selected>' in fragment


def test_submitting_shows_the_resolved_variables_with_secrets_masked(client, launch_page):
    response = client.post(URL, GOOD)
    page = response.content.decode()
    assert "Resolved variables" in page
    assert '<pre class="value">&quot;eu-north-1&quot;</pre>' in page
    assert "(sensitive)" in page
    assert "hunter2" not in page


def test_a_bad_value_is_shown_at_its_field_and_the_password_is_not_echoed(client, launch_page):
    response = client.post(URL, {**GOOD, "var-region": "Paris"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The region must look like eu-west-1." in page
    assert 'id="id_var-region_error"' in page
    assert "Resolved variables" not in page
    assert "hunter2" not in page


def test_the_page_of_a_version_that_does_not_load_lists_its_problems(client, launch_page, editor):
    catalog.save_version(launch_page, files={"main.pkr.hcl": "variable {"}, author=editor, message="",
                         base_number=1)
    page = client.get("/templates/launch/versions/2/variables/").content.decode()
    assert "This version does not load" in page
    assert 'class="diagnostic diagnostic-error"' in page
