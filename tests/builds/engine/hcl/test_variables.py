"""Input variables: declaration, precedence of values, types, conversions and validation blocks."""

from builds.engine.hcl.config import load_config
from builds.engine.hcl.values import UNKNOWN

BUILD = 'source "null" "x" {\n  communicator = "none"\n}\nbuild {\n  sources = ["null.x"]\n}\n'


def load(tmp_path, files: dict[str, str], target: str | None = None, **kwargs):
    """Write ``files`` into ``tmp_path`` and load ``target`` (default: the directory) from there."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    kwargs.setdefault("env", {})
    return load_config(target or ".", cwd=tmp_path, **kwargs)


def where(diag) -> tuple[str, int, int] | None:
    if diag.subject is None:
        return None
    return diag.subject.filename, diag.subject.start.line, diag.subject.start.column


def value(config, name):
    return config.context.variables[name].value


# --------------------------------------------------------------------------- precedence


PRECEDENCE = """
variable "only_default" { default = "default" }
variable "from_env" { default = "default" }
variable "auto_over_env" { default = "default" }
variable "auto_order" { default = "default" }
variable "file_over_auto" { default = "default" }
variable "file_order" { default = "default" }
variable "cli_over_file" { default = "default" }
variable "cli_order" { default = "default" }
""" + BUILD


def test_values_follow_packer_precedence_default_env_auto_files_var_files_then_var(tmp_path):
    files = {
        "main.pkr.hcl": PRECEDENCE,
        # auto files apply in lexical order: b after a
        "b.auto.pkrvars.hcl": 'auto_order = "b-auto"\nfile_over_auto = "b-auto"\n',
        "a.auto.pkrvars.hcl": 'auto_over_env = "a-auto"\nauto_order = "a-auto"\n',
        "one.pkrvars.hcl": 'file_order = "one"\ncli_over_file = "one"\nfile_over_auto = "one"\n',
        "two.pkrvars.hcl": 'file_order = "two"\n',
    }
    env = {"PKR_VAR_from_env": "env", "PKR_VAR_auto_over_env": "env", "PKR_VAR_cli_order": "env",
           "PKR_VAR_undeclared": "ignored", "HOME": "/nowhere"}
    config = load(tmp_path, files, env=env, var_files=["one.pkrvars.hcl", "two.pkrvars.hcl"],
                  cli_vars=[("cli_over_file", "cli"), ("cli_order", "first"), ("cli_order", "second")])
    assert not config.diagnostics, [d.summary for d in config.diagnostics]
    got = {name: (v.value, v.source) for name, v in config.context.variables.items()}
    assert got == {
        "only_default": ("default", "default"),
        "from_env": ("env", "env"),
        "auto_over_env": ("a-auto", "file"),
        "auto_order": ("b-auto", "file"),
        "file_over_auto": ("one", "file"),
        "file_order": ("two", "file"),
        "cli_over_file": ("cli", "cli"),
        "cli_order": ("second", "cli"),
    }


def test_a_value_from_a_var_file_remembers_where_it_was_set(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": 'variable "a" { default = 1 }\n' + BUILD,
                             "x.pkrvars.hcl": "\n\na = 2\n"}, var_files=["x.pkrvars.hcl"])
    rng = config.context.variables["a"].range
    assert (rng.filename, rng.start.line, rng.start.column) == ("x.pkrvars.hcl", 3, 5)


def test_undeclared_variable_in_a_var_file_is_a_warning_at_its_name(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": 'variable "a" { default = 0 }\n' + BUILD,
                             "v.auto.pkrvars.hcl": 'a = 1\nzz = "x"\n'})
    (diag,) = config.diagnostics
    assert diag.severity == "warning"
    assert diag.summary == "Undefined variable"
    assert diag.detail.startswith('A "zz" variable was set but was not declared in the template; it is ignored.')
    assert where(diag) == ("v.auto.pkrvars.hcl", 2, 1)
    assert config.ok
    assert value(config, "a") == 1


def test_undeclared_cli_variable_is_an_error(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": BUILD}, cli_vars=[("nope", "1")])
    (diag,) = config.diagnostics
    assert (diag.severity, diag.summary) == ("error", "Undefined -var variable")
    assert 'A "nope" variable was passed in with -var but was not declared' in diag.detail
    assert 'add a variable "nope" {} block' in diag.detail


def test_environment_values_for_undeclared_variables_are_ignored(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": BUILD}, env={"PKR_VAR_nope": "1"})
    assert not config.diagnostics


def test_variables_block_in_a_var_file_is_rejected(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": 'variable "a" { default = 1 }\n' + BUILD,
                             "x.pkrvars.hcl": 'a = 2\nvariable "b" {\n}\n'}, var_files=["x.pkrvars.hcl"])
    (diag,) = config.diagnostics.errors
    assert diag.summary == "Unexpected block"
    assert diag.detail == 'Blocks are not allowed in a variables file; found "variable".'
    assert where(diag) == ("x.pkrvars.hcl", 2, 1)


def test_missing_var_file_is_reported(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": BUILD}, var_files=["absent.pkrvars.hcl"])
    (diag,) = config.diagnostics
    # packer 1.6.6's words, with the file named as given
    assert (diag.summary, diag.detail) == (
        "Failed to read file", 'The configuration file "absent.pkrvars.hcl" could not be read.')
    assert config.template is None


# --------------------------------------------------------------------------- strings and expressions from outside


TYPED = """
variable "s" {
  type = string
  default = "d"
}
variable "l" {
  type = list(string)
  default = []
}
variable "m" {
  type = map(number)
  default = {}
}
variable "untyped" {
  default = null
}
variable "b" {
  type = bool
  default = false
}
""" + BUILD


def test_complex_types_from_env_and_cli_are_parsed_and_strings_taken_literally(tmp_path):
    env = {"PKR_VAR_l": '["p", "q"]', "PKR_VAR_s": '["not", "a", "list"]', "PKR_VAR_b": "true"}
    config = load(tmp_path, {"main.pkr.hcl": TYPED}, env=env,
                  cli_vars=[("m", "{ a = 1, b = 2 + 3 }"), ("untyped", "[1, 2]")])
    assert not config.diagnostics
    assert value(config, "l") == ["p", "q"]
    assert value(config, "s") == '["not", "a", "list"]'
    assert value(config, "m") == {"a": 1, "b": 5}
    assert value(config, "untyped") == "[1, 2]"
    assert value(config, "b") is True


def test_untyped_variable_takes_the_type_of_its_default(tmp_path):
    text = 'variable "n" { default = 5 }\nvariable "l" { default = ["a"] }\n' + BUILD
    config = load(tmp_path, {"main.pkr.hcl": text}, cli_vars=[("n", "7"), ("l", '["x"]')])
    assert not config.diagnostics
    assert value(config, "n") == 7
    assert value(config, "l") == ["x"]
    config = load(tmp_path, {}, cli_vars=[("l", '["x", "y"]')])
    (diag,) = config.diagnostics
    assert diag.summary == "Invalid value for variable"
    assert diag.detail.endswith("tuple required.")


def test_cli_value_that_does_not_convert_is_reported_at_the_variable(tmp_path):
    text = 'variable "count" {\n  type = number\n  default = 1\n}\n' + BUILD
    config = load(tmp_path, {"main.pkr.hcl": text}, cli_vars=[("count", "many")])
    (diag,) = config.diagnostics
    assert diag.summary == "Invalid value for variable"
    assert diag.detail == ('The value for variable "count" is not compatible with its type constraint (number): '
                           "a number is required.")
    assert where(diag) == ("main.pkr.hcl", 1, 1)
    assert diag.context == 'variable "count"'
    assert value(config, "count") is UNKNOWN


def test_malformed_complex_cli_value_is_a_syntax_error_in_the_value(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": TYPED}, cli_vars=[("l", '["a", ')])
    (diag,) = config.diagnostics
    assert diag.summary == "Missing expression"
    assert where(diag) == ("<value for var.l from arguments>", 1, 7)


def test_env_value_of_the_wrong_type(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": TYPED}, env={"PKR_VAR_m": '{ a = "one" }'})
    (diag,) = config.diagnostics
    assert diag.summary == "Invalid value for variable"
    assert diag.detail == ('The value for variable "m" is not compatible with its type constraint '
                           '(map(number)) (at ["a"]): a number is required.')


def test_var_file_value_of_the_wrong_type_points_at_the_value(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": TYPED, "x.pkrvars.hcl": 'l = "solo"\n'}, var_files=["x.pkrvars.hcl"])
    (diag,) = config.diagnostics
    assert diag.summary == "Invalid value for variable"
    assert "(list(string)): list of string required." in diag.detail
    assert where(diag) == ("x.pkrvars.hcl", 1, 5)


# --------------------------------------------------------------------------- types of defaults


def test_default_not_matching_the_type(tmp_path):
    text = 'variable "n" {\n  type    = number\n  default = "abc"\n}\n' + BUILD
    config = load(tmp_path, {"main.pkr.hcl": text})
    (diag,) = config.diagnostics
    assert diag.summary == "Invalid default value for variable"
    assert diag.detail == ("This default value is not compatible with the variable's type constraint: a number is "
                           "required.")
    assert where(diag) == ("main.pkr.hcl", 3, 13)
    assert diag.context == 'variable "n"'


def test_nested_type_error_names_the_path(tmp_path):
    text = ('variable "ports" {\n  type = map(object({ port = number }))\n'
            '  default = { web = { port = "eighty" } }\n}\n' + BUILD)
    (diag,) = load(tmp_path, {"main.pkr.hcl": text}).diagnostics
    assert diag.summary == "Invalid default value for variable"
    assert diag.detail == ("This default value is not compatible with the variable's type constraint "
                           '(at ["web"].port): a number is required.')
    assert where(diag) == ("main.pkr.hcl", 3, 13)


def test_optional_object_attributes_get_their_defaults(tmp_path):
    text = ('variable "disk" {\n'
            '  type = object({ name = string, size = optional(number, 10), tags = optional(map(string)) })\n'
            '  default = { name = "root" }\n}\n' + BUILD)
    config = load(tmp_path, {"main.pkr.hcl": text}, cli_vars=[("disk", '{ name = "data", size = 20 }')])
    assert not config.diagnostics
    assert value(config, "disk") == {"name": "data", "size": 20, "tags": None}
    config = load(tmp_path, {})
    assert value(config, "disk") == {"name": "root", "size": 10, "tags": None}


def test_object_missing_a_required_attribute(tmp_path):
    text = 'variable "o" {\n  type = object({ a = string, b = optional(list(number), [1]) })\n  default = {}\n}\n'
    (diag,) = load(tmp_path, {"main.pkr.hcl": text + BUILD}).diagnostics
    assert diag.summary == "Invalid default value for variable"
    assert diag.detail.endswith('attribute "a" is required.')


def test_optional_attribute_with_a_wrong_element_type_names_the_path(tmp_path):
    text = ('variable "o" {\n  type = object({ a = string, b = optional(list(number), [1]) })\n'
            '  default = { a = "x", b = ["q"] }\n}\n')
    (diag,) = load(tmp_path, {"main.pkr.hcl": text + BUILD}).diagnostics
    assert diag.detail == ("This default value is not compatible with the variable's type constraint (at .b[0]): "
                           "a number is required.")


def test_invalid_type_keyword(tmp_path):
    text = 'variable "t" {\n  type = strng\n  default = "x"\n}\n' + BUILD
    (diag,) = load(tmp_path, {"main.pkr.hcl": text}).diagnostics
    assert diag.summary == "Invalid type specification"
    assert diag.detail == 'The keyword "strng" is not a valid type specification.'
    assert where(diag) == ("main.pkr.hcl", 2, 10)


def test_type_constructor_without_its_argument(tmp_path):
    (diag,) = load(tmp_path, {"main.pkr.hcl": 'variable "t" {\n  type = list\n  default = []\n}\n'}).diagnostics
    assert diag.summary == "Invalid type specification"
    assert diag.detail == "The list type constructor requires one argument specifying the element type."


# --------------------------------------------------------------------------- declarations


def test_unset_variable_is_an_error_at_its_block(tmp_path):
    text = 'variable "region" {\n  type = string\n}\n' + BUILD
    (diag,) = load(tmp_path, {"main.pkr.hcl": text}).diagnostics
    assert diag.summary == 'Unset variable "region"'
    assert diag.detail.startswith("A used variable must be set or have a default value")
    assert where(diag) == ("main.pkr.hcl", 1, 1)


def test_a_value_from_the_environment_satisfies_an_unset_variable(tmp_path):
    text = 'variable "region" {\n  type = string\n}\n' + BUILD
    config = load(tmp_path, {"main.pkr.hcl": text}, env={"PKR_VAR_region": "eu-west-1"})
    assert not config.diagnostics
    assert value(config, "region") == "eu-west-1"


def test_null_for_a_non_nullable_variable(tmp_path):
    text = 'variable "n" {\n  type = string\n  default = null\n  nullable = false\n}\n' + BUILD
    (diag,) = load(tmp_path, {"main.pkr.hcl": text}).diagnostics
    assert diag.summary == "Invalid value for variable"
    assert diag.detail == 'The variable "n" is not nullable, but was given a null value.'
    assert where(diag) == ("main.pkr.hcl", 3, 13)


def test_duplicate_variables_in_blocks_and_a_variables_block(tmp_path):
    text = 'variable "a" { default = 1 }\nvariable "a" { default = 2 }\nvariables {\n  a = 3\n  b = 4\n}\n'
    config = load(tmp_path, {"main.pkr.hcl": text + BUILD})
    assert [(d.summary, where(d)) for d in config.diagnostics] == [
        ("Duplicate variable", ("main.pkr.hcl", 2, 1)),
        ("Duplicate variable", ("main.pkr.hcl", 4, 3)),
    ]
    assert config.diagnostics.items[0].detail == ('Duplicate "a" variable definition found; the first was at '
                                                  "main.pkr.hcl:1,1-13.")
    assert value(config, "a") == 1
    assert value(config, "b") == 4


def test_duplicate_variable_across_two_files(tmp_path):
    config = load(tmp_path, {"a.pkr.hcl": 'variable "x" { default = 1 }\n' + BUILD,
                             "b.pkr.hcl": '\nvariable "x" { default = 2 }\n'})
    (diag,) = config.diagnostics
    assert diag.summary == "Duplicate variable"
    assert where(diag) == ("b.pkr.hcl", 2, 1)
    assert "a.pkr.hcl:1,1" in diag.detail


def test_invalid_variable_name(tmp_path):
    (diag,) = load(tmp_path, {"main.pkr.hcl": 'variable "9lives" {\n  default = 1\n}\n' + BUILD}).diagnostics
    assert diag.summary == "Invalid variable name"
    assert where(diag) == ("main.pkr.hcl", 1, 10)


def test_variable_label_count(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": 'variable {\n  default = 1\n}\nvariable "a" "b" {\n}\n' + BUILD})
    assert [(d.summary, d.detail, where(d)) for d in config.diagnostics] == [
        ("Missing name for variable", "All variable blocks must have 1 labels (name).", ("main.pkr.hcl", 1, 1)),
        ("Extraneous label for variable", "Only 1 labels (name) are expected for variable blocks.",
         ("main.pkr.hcl", 4, 14)),
    ]


def test_unknown_argument_in_a_variable_suggests_the_right_one(tmp_path):
    (diag,) = load(tmp_path, {"main.pkr.hcl": 'variable "x" {\n  typ = string\n  default = ""\n}\n' + BUILD}).diagnostics
    assert diag.summary == "Unsupported argument"
    assert diag.detail == 'An argument named "typ" is not expected here. Did you mean "type"?'
    assert where(diag) == ("main.pkr.hcl", 2, 3)
    assert diag.context == 'variable "x"'


def test_description_and_sensitive_must_be_literals(tmp_path):
    text = ('variable "a" { default = "x" }\nvariable "b" {\n  description = "for ${var.a}"\n'
            "  sensitive = 1 == 1\n  default = 1\n}\n")
    config = load(tmp_path, {"main.pkr.hcl": text + BUILD})
    assert [(d.summary, where(d)) for d in config.diagnostics] == [
        ("Invalid value", ("main.pkr.hcl", 3, 17)),
        ("Invalid value", ("main.pkr.hcl", 4, 15)),
    ]
    assert config.diagnostics.items[1].detail == ('The "sensitive" argument must be true or false, without '
                                                  "expressions.")


def test_defaults_may_call_env_but_nothing_else_and_refer_to_no_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGEHUB_TEST_HOME", "/home/test")
    text = ('variable "home" { default = env("IMAGEHUB_TEST_HOME") }\n'
            'variable "other" { default = "${var.home}/x" }\n'
            'variable "shout" { default = upper("x") }\n' + BUILD)
    config = load(tmp_path, {"main.pkr.hcl": text})
    assert value(config, "home") == "/home/test"
    assert [(d.summary, d.detail, where(d), d.context) for d in config.diagnostics] == [
        ("Variables not allowed", "Variables may not be used here.", ("main.pkr.hcl", 2, 33), 'variable "other"'),
        ("Call to unknown function", 'There is no function named "upper".', ("main.pkr.hcl", 3, 30),
         'variable "shout"'),
    ]


def test_var_file_values_may_not_refer_to_variables(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": 'variable "a" { default = 1 }\nvariable "b" { default = 1 }\n' + BUILD,
                             "x.pkrvars.hcl": "a = var.b\n"}, var_files=["x.pkrvars.hcl"])
    (diag,) = config.diagnostics
    assert (diag.summary, where(diag)) == ("Variables not allowed", ("x.pkrvars.hcl", 1, 5))


# --------------------------------------------------------------------------- validation blocks


VALIDATED = """
variable "region" {
  type    = string
  default = "eu-west-1x"
  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[0-9]$", var.region))
    error_message = "The region must look like eu-west-1."
  }
}
""" + BUILD


def test_failed_validation_shows_the_message_at_the_default(tmp_path):
    (diag,) = load(tmp_path, {"main.pkr.hcl": VALIDATED}).diagnostics
    assert diag.summary == "Invalid value for variable"
    assert diag.detail == ("The region must look like eu-west-1.\n\n"
                           "This was checked by the validation rule at main.pkr.hcl:5,3-13.")
    assert where(diag) == ("main.pkr.hcl", 4, 13)
    assert diag.context == 'variable "region"'


def test_validation_passes_for_a_good_value_from_the_command_line(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": VALIDATED}, cli_vars=[("region", "us-east-2")])
    assert not config.diagnostics


def test_failed_validation_of_a_var_file_value_points_into_the_file(tmp_path):
    config = load(tmp_path, {"main.pkr.hcl": VALIDATED, "r.auto.pkrvars.hcl": 'region = "mars"\n'})
    (diag,) = config.diagnostics
    assert diag.detail.startswith("The region must look like eu-west-1.")
    assert where(diag) == ("r.auto.pkrvars.hcl", 1, 10)


def test_every_failing_validation_is_reported(tmp_path):
    text = """
variable "size" {
  type    = number
  default = 500
  validation {
    condition     = var.size > 1000
    error_message = "Size must be more than 1000."
  }
  validation {
    condition     = var.size < 100
    error_message = "Size must be less than 100."
  }
}
""" + BUILD
    config = load(tmp_path, {"main.pkr.hcl": text})
    assert [d.detail.split("\n")[0] for d in config.diagnostics] == [
        "Size must be more than 1000.", "Size must be less than 100."]


def test_validation_condition_must_give_a_bool(tmp_path):
    text = ('variable "a" {\n  default = "x"\n  validation {\n    condition     = "${var.a}-y"\n'
            '    error_message = "Never."\n  }\n}\n' + BUILD)
    (diag,) = load(tmp_path, {"main.pkr.hcl": text}).diagnostics
    assert diag.summary == "Invalid validation result"
    assert where(diag) == ("main.pkr.hcl", 4, 21)


def test_validation_condition_may_refer_only_to_its_own_variable(tmp_path):
    text = """
variable "other" { default = "x" }
variable "a" {
  default = "abc"
  validation {
    condition     = var.a != var.other && local.x == "y"
    error_message = "Not the other one."
  }
  validation {
    condition     = true
    error_message = "Always fine."
  }
  validation {
    condition     = alltrue([for c in split("", var.a) : c != "z"])
    error_message = "No z allowed."
  }
}
locals {
  x = "y"
}
""" + BUILD
    config = load(tmp_path, {"main.pkr.hcl": text})
    assert [(d.summary, where(d)) for d in config.diagnostics] == [
        ("Invalid reference in variable validation", ("main.pkr.hcl", 6, 30)),
        ("Invalid reference in variable validation", ("main.pkr.hcl", 6, 43)),
        ("Invalid variable validation condition", ("main.pkr.hcl", 10, 21)),
    ]
    assert config.diagnostics.items[0].detail == ('The condition for variable "a" can only refer to the variable '
                                                  "itself, using var.a.")
    assert config.diagnostics.items[2].detail == ('The condition for variable "a" must refer to var.a in order to '
                                                  "test incoming values.")


def test_validation_error_message_must_be_literal_sentences(tmp_path):
    text = """
variable "a" {
  default = "abc"
  validation {
    condition     = var.a != ""
    error_message = "lowercase and no period"
  }
  validation {
    condition     = var.a != ""
    error_message = "Got ${var.a}."
  }
  validation {
    condition     = var.a != ""
    error_message = ""
  }
}
""" + BUILD
    config = load(tmp_path, {"main.pkr.hcl": text})
    assert [(d.summary, where(d)) for d in config.diagnostics] == [
        ("Invalid validation error message", ("main.pkr.hcl", 6, 21)),
        ("Invalid value", ("main.pkr.hcl", 10, 21)),
        ("Invalid validation error message", ("main.pkr.hcl", 14, 21)),
    ]
    assert config.diagnostics.items[0].detail.startswith("Validation error message must be at least one full "
                                                         "sentence starting with an uppercase letter")
    assert config.diagnostics.items[2].detail == "An empty string is not a valid nor useful error message."


def test_validation_block_without_its_arguments(tmp_path):
    text = 'variable "a" {\n  default = 1\n  validation {\n  }\n}\n' + BUILD
    (diag,) = load(tmp_path, {"main.pkr.hcl": text}).diagnostics
    assert diag.summary == "Missing required argument"
    assert diag.detail == 'The argument "condition" is required, but no definition was found.'
    assert where(diag) == ("main.pkr.hcl", 3, 3)


def test_sensitive_and_description_are_recorded(tmp_path):
    text = 'variable "pw" {\n  description = "The password."\n  sensitive = true\n  default = "x"\n}\n' + BUILD
    config = load(tmp_path, {"main.pkr.hcl": text})
    decl = config.template.variables["pw"]
    assert (decl.description, decl.sensitive) == ("The password.", True)
