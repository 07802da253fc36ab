"""Tests for the function call protocol: arity, argument conversion, nulls, unknowns and messages."""

import pathlib

import pytest

from builds.engine.hcl.functions import ENV, EXTENSIONS, FUNCTIONS, FunctionError
from builds.engine.hcl.functions.base import FunctionContext, Param, define, to_int
from builds.engine.hcl.types import STRING
from builds.engine.hcl.values import UNKNOWN


def test_arguments_are_converted_to_parameter_types(call):
    assert call("upper", 5) == "5"
    assert call("upper", True) == "TRUE"


def test_unconvertible_argument_names_the_parameter(call_error):
    assert call_error("upper", [1]) == ('Invalid value for "str" parameter: string required.', 0)


def test_error_summary_says_which_kind_of_failure():
    with pytest.raises(FunctionError) as info:
        FUNCTIONS["upper"].call(FunctionContext(pathlib.Path(".")), [[1]])
    assert info.value.summary == "Invalid function argument"
    assert info.value.message == "string required"
    assert info.value.function == "upper"
    assert info.value.param == "str"


def test_missing_argument_is_reported_like_hcl(call_error):
    detail, index = call_error("replace", "a", "b")
    assert detail == 'Function "replace" expects 3 argument(s). Missing value for "replace".'
    assert index is None


def test_missing_argument_of_variadic_function_says_at_least(call_error):
    detail, _ = call_error("join")
    assert detail == 'Function "join" expects at least 1 argument(s). Missing value for "separator".'


def test_surplus_argument_points_at_the_first_extra(call_error):
    with pytest.raises(FunctionError) as info:
        FUNCTIONS["upper"].call(FunctionContext(pathlib.Path(".")), ["a", "b"])
    assert info.value.summary == "Too many function arguments"
    assert info.value.detail == 'Function "upper" expects only 1 argument(s).'
    assert info.value.arg_index == 1


def test_null_argument_is_rejected_unless_the_parameter_allows_it(call, call_error):
    assert call_error("upper", None) == ('Invalid value for "str" parameter: argument must not be null.', 0)
    assert call("coalesce", None, "x") == "x"


def test_unknown_argument_makes_an_unknown_result(call):
    assert call("upper", UNKNOWN) is UNKNOWN
    assert call("join", ",", ["a", UNKNOWN]) is UNKNOWN


def test_functions_that_handle_unknowns_see_them(call):
    assert call("length", ["a", UNKNOWN]) == 2


def test_failure_without_argument_index_reads_call_to_function_failed(call_error):
    detail, index = call_error("max")
    assert detail == 'Call to function "max" failed: must pass at least one number.'
    assert index is None


def test_variadic_argument_error_names_the_variadic_parameter(call_error):
    assert call_error("max", 1, "x") == ('Invalid value for "numbers" parameter: a number is required.', 1)


def test_to_int_rejects_fractions_like_gocty():
    with pytest.raises(FunctionError) as info:
        to_int(1.5)
    assert info.value.message == (
        "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
    )


def test_define_refuses_a_second_function_of_the_same_name():
    with pytest.raises(ValueError):
        define("upper", Param("str", STRING))(lambda ctx, s: s)


def test_table_has_every_packer_function_and_marks_terraform_extras():
    packer = {
        "abs", "abspath", "alltrue", "anytrue", "aws_secretsmanager", "aws_secretsmanager_raw", "basename",
        "base64decode", "base64encode", "base64gzip", "bcrypt", "ceil", "chomp", "chunklist", "cidrhost",
        "cidrnetmask", "cidrsubnet", "cidrsubnets", "coalesce", "coalescelist", "compact", "concat",
        "consul_key", "contains", "csvdecode", "dirname", "distinct", "element", "endswith", "file",
        "filebase64", "fileexists", "fileset", "flatten", "floor", "format", "formatdate", "formatlist",
        "indent", "index", "join", "jsondecode", "jsonencode", "keys", "legacy_isotime", "legacy_strftime",
        "length", "log", "lookup", "lower", "max", "md5", "merge", "min", "parseint", "pathexpand", "pow",
        "range", "reverse", "replace", "regex", "regexall", "regex_replace", "rfc3339_parse", "rsadecrypt",
        "setintersection", "setproduct", "setunion", "sha1", "sha256", "sha512", "signum", "slice", "sort",
        "split", "startswith", "strcontains", "strrev", "substr", "sum", "templatefile", "textdecodebase64",
        "textencodebase64", "timestamp", "timeadd", "title", "trim", "trimprefix", "trimspace", "trimsuffix",
        "unix_timestamp_parse", "upper", "urlencode", "uuidv4", "uuidv5", "values", "vault", "yamldecode",
        "yamlencode", "zipmap",
    }
    assert set(FUNCTIONS) - EXTENSIONS == packer
    assert "env" not in FUNCTIONS
    assert ENV.name == "env"


def test_every_function_documents_itself():
    assert [name for name, function in FUNCTIONS.items() if not function.doc] == []
