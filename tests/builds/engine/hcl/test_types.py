"""Tests for the HCL type system: conversion, unification, names and messages as cty gives them."""

import math

import pytest

from builds.engine.hcl.types import (
    ANY,
    BOOL,
    NO_DEFAULT,
    NUMBER,
    STRING,
    ConversionError,
    List,
    Map,
    Object,
    Set,
    Tuple,
    convert,
    friendly_name,
    mismatch_message,
    number_to_string,
    parse_number,
    parse_type_string,
    set_elements,
    type_of,
    type_str,
    unify,
)
from builds.engine.hcl.values import UNKNOWN


def conversion_error(value, typ):
    with pytest.raises(ConversionError) as info:
        convert(value, typ)
    return info.value.message, info.value.path


# --- primitives ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "typ", "expected"),
    [
        (5, STRING, "5"),
        (1.5, STRING, "1.5"),
        (1e21, STRING, "1000000000000000000000"),
        (1.5e-7, STRING, "0.00000015"),
        (True, STRING, "true"),
        (False, STRING, "false"),
        ("12", NUMBER, 12),
        ("1.25", NUMBER, 1.25),
        ("-3e2", NUMBER, -300),
        ("1p3", NUMBER, 8),
        (".5", NUMBER, 0.5),
        ("true", BOOL, True),
        ("1", BOOL, True),
        ("false", BOOL, False),
        ("0", BOOL, False),
        ("hello", STRING, "hello"),
        (3, NUMBER, 3),
    ],
)
def test_primitive_values_convert_as_cty_converts_them(value, typ, expected):
    result = convert(value, typ)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "typ", "message"),
    [
        ("abc", NUMBER, "a number is required"),
        (" 1", NUMBER, "a number is required"),
        ("0x10", NUMBER, "a number is required"),
        ("1_000", NUMBER, "a number is required"),
        ("yes", BOOL, "a bool is required"),
        ("True", BOOL, 'a bool is required; to convert from string, use lowercase "true"'),
        ("FALSE", BOOL, 'a bool is required; to convert from string, use lowercase "false"'),
        (1, BOOL, "bool required"),
        (True, NUMBER, "number required"),
        ([1], STRING, "string required"),
        ({"a": 1}, NUMBER, "number required"),
    ],
)
def test_impossible_primitive_conversions_report_cty_messages(value, typ, message):
    assert conversion_error(value, typ) == (message, "")


def test_big_integer_strings_stay_exact():
    assert convert("9007199254740993", NUMBER) == 9007199254740993


def test_infinity_strings_convert_to_infinite_numbers():
    assert convert("Inf", NUMBER) == math.inf
    assert convert("-inf", NUMBER) == -math.inf


def test_number_to_string_spells_infinity_like_go():
    assert number_to_string(math.inf) == "+Inf"
    assert number_to_string(-math.inf) == "-Inf"


def test_parse_number_returns_none_for_non_numbers():
    assert parse_number("1.2.3") is None
    assert parse_number("") is None


# --- null, unknown, any ---------------------------------------------------------------


@pytest.mark.parametrize("typ", [STRING, NUMBER, List(STRING), Object({"a": STRING}), ANY])
def test_null_converts_to_every_type(typ):
    assert convert(None, typ) is None


@pytest.mark.parametrize("typ", [STRING, BOOL, Map(NUMBER), Tuple([STRING])])
def test_unknown_stays_unknown(typ):
    assert convert(UNKNOWN, typ) is UNKNOWN


def test_any_accepts_every_value_unchanged():
    value = {"a": [1, "x", None]}
    assert convert(value, ANY) == value


def test_unknown_inside_a_list_survives_conversion():
    assert convert(["a", UNKNOWN], List(STRING)) == ["a", UNKNOWN]


# --- lists, sets, tuples ----------------------------------------------------------------


def test_tuple_converts_to_list_converting_each_element():
    assert convert(["a", 1, True], List(STRING)) == ["a", "1", "true"]


def test_element_error_carries_its_index_in_the_path():
    assert conversion_error(["1", "x"], List(NUMBER)) == ("a number is required", "[1]")


def test_element_that_can_never_convert_is_named_in_the_message():
    assert conversion_error([1, [2]], List(STRING)) == ("element 1: string required", "")


def test_non_sequence_for_a_list_says_which_list_is_required():
    assert conversion_error(5, List(STRING)) == ("list of string required", "")
    assert conversion_error("x", Set(NUMBER)) == ("set of number required", "")


def test_list_of_any_unifies_elements_to_one_type():
    assert convert([1, "a"], List(ANY)) == ["1", "a"]
    assert convert([{"a": 1}, {"a": "x"}], List(ANY)) == [{"a": "1"}, {"a": "x"}]


def test_list_of_any_rejects_elements_without_a_common_type():
    assert conversion_error([1, [1]], List(ANY)) == ("all list elements must have the same type", "")
    assert conversion_error([1, [1]], Set(ANY)) == ("all set elements must have the same type", "")


def test_set_conversion_removes_duplicates_and_orders_like_cty():
    assert convert(["b", "a", "b"], Set(STRING)) == ["a", "b"]
    assert convert([3, 1, 2, 1], Set(NUMBER)) == [1, 2, 3]
    assert convert([True, False, True], Set(BOOL)) == [False, True]


def test_set_of_strings_dedupes_after_conversion():
    assert convert([1, "1"], Set(STRING)) == ["1"]


def test_empty_tuple_converts_to_any_collection():
    assert convert([], List(STRING)) == []
    assert convert([], Set(NUMBER)) == []


def test_tuple_converts_to_tuple_of_same_length():
    assert convert([1, "true"], Tuple([STRING, BOOL])) == ["1", True]


def test_tuple_of_other_length_is_rejected():
    assert conversion_error([1, 2, 3], Tuple([STRING, STRING])) == ("tuple required", "")


def test_nested_element_error_has_full_path():
    typ = List(List(NUMBER))
    assert conversion_error([[1], [2, "x"]], typ) == ("a number is required", "[1][1]")


# --- maps and objects --------------------------------------------------------------------


def test_object_converts_to_map():
    assert convert({"b": 1, "a": "x"}, Map(STRING)) == {"a": "x", "b": "1"}


def test_map_element_error_uses_quoted_key_in_path():
    assert conversion_error({"port": "http"}, Map(NUMBER)) == ("a number is required", '["port"]')


def test_map_element_of_wrong_kind_is_named():
    assert conversion_error({"a": [1]}, Map(STRING)) == ('element "a": string required', "")


def test_map_of_any_unifies_elements():
    assert convert({"a": 1, "b": "x"}, Map(ANY)) == {"a": "1", "b": "x"}
    assert conversion_error({"a": 1, "b": [1]}, Map(ANY)) == ("all map elements must have the same type", "")


def test_object_conversion_drops_extra_attributes():
    assert convert({"a": 1, "extra": True}, Object({"a": STRING})) == {"a": "1"}


def test_missing_required_attributes_are_listed():
    typ = Object({"a": STRING, "b": NUMBER, "c": BOOL})
    assert conversion_error({"a": "x"}, typ) == ('attributes "b" and "c" are required', "")
    assert conversion_error({}, typ) == ('attributes "a", "b", and "c" are required', "")
    assert conversion_error({"a": "x", "b": 1}, typ) == ('attribute "c" is required', "")


def test_attribute_of_wrong_kind_is_named():
    typ = Object({"tags": Map(STRING)})
    assert conversion_error({"tags": "x"}, typ) == ('attribute "tags": map of string required', "")


def test_attribute_value_error_has_attribute_path():
    typ = Object({"a": Object({"b": NUMBER})})
    assert conversion_error({"a": {"b": "x"}}, typ) == ("a number is required", ".a.b")


def test_list_of_objects_error_path_combines_index_and_attribute():
    typ = List(Object({"name": STRING, "size": NUMBER}))
    value = [{"name": "a", "size": 1}, {"name": "b", "size": 2}, {"name": "c", "size": "big"}]
    assert conversion_error(value, typ) == ("a number is required", "[2].size")


def test_optional_attribute_takes_its_default_or_null():
    typ = Object({"a": STRING, "b": NUMBER, "c": List(STRING)}, optional={"b": 5, "c": NO_DEFAULT})
    assert convert({"a": "x"}, typ) == {"a": "x", "b": 5, "c": None}


def test_optional_attribute_default_replaces_null():
    typ = Object({"b": NUMBER}, optional={"b": "7"})
    assert convert({"b": None}, typ) == {"b": 7}


def test_optional_defaults_apply_inside_collections():
    typ = Map(Object({"size": NUMBER, "encrypted": BOOL}, optional={"encrypted": True}))
    assert convert({"root": {"size": 8}}, typ) == {"root": {"encrypted": True, "size": 8}}


def test_nested_optional_object_default_gets_its_own_defaults():
    inner = Object({"x": NUMBER, "y": NUMBER}, optional={"y": 2})
    typ = Object({"inner": inner}, optional={"inner": {"x": 1}})
    assert convert({}, typ) == {"inner": {"x": 1, "y": 2}}


def test_object_of_wrong_kind_is_rejected():
    assert conversion_error([1], Object({"a": STRING})) == ("object required", "")


def test_null_attribute_is_kept_null():
    assert convert({"a": None}, Object({"a": STRING})) == {"a": None}


# --- type_of, names, parsing -------------------------------------------------------------------


def test_type_of_infers_structural_types():
    assert type_of("x") == STRING
    assert type_of(1.5) == NUMBER
    assert type_of(True) == BOOL
    assert type_of(None) == ANY
    assert type_of(UNKNOWN) == ANY
    assert type_of([1, "a"]) == Tuple([NUMBER, STRING])
    assert type_of({"a": [True]}) == Object({"a": Tuple([BOOL])})


@pytest.mark.parametrize(
    ("typ", "text"),
    [
        (STRING, "string"),
        (ANY, "any"),
        (List(STRING), "list(string)"),
        (Map(NUMBER), "map(number)"),
        (Set(List(BOOL)), "set(list(bool))"),
        (Tuple([STRING, NUMBER]), "tuple([string,number])"),
        (Object({"name": STRING}), "object({name=string})"),
        (Object({"b": NUMBER, "a": STRING}, optional={"b": 1}), "object({a=string,b=optional(number)})"),
    ],
)
def test_type_str_uses_hcl_type_expression_syntax(typ, text):
    assert type_str(typ) == text


def test_friendly_names_match_cty():
    assert friendly_name(List(STRING)) == "list of string"
    assert friendly_name(Map(ANY)) == "map of dynamic"
    assert friendly_name(Map(ANY), constraint=True) == "map of any single type"
    assert friendly_name(ANY, constraint=True) == "any type"
    assert friendly_name(Object({})) == "object"


@pytest.mark.parametrize(
    ("text", "typ"),
    [
        ("string", STRING),
        ("number", NUMBER),
        ("bool", BOOL),
        ("any", ANY),
        ("list(string)", List(STRING)),
        ("map(string)", Map(STRING)),
        ("list(map(string))", List(Map(STRING))),
        (" set( number ) ", Set(NUMBER)),
        ("tuple([string, number])", Tuple([STRING, NUMBER])),
        ("object({a=string, b=list(number)})", Object({"a": STRING, "b": List(NUMBER)})),
    ],
)
def test_parse_type_string_reads_schema_types(text, typ):
    assert parse_type_string(text) == typ


@pytest.mark.parametrize("text", ["", "strin", "list(", "list(string", "map(string))", "list string"])
def test_parse_type_string_rejects_malformed_input(text):
    with pytest.raises(ValueError):
        parse_type_string(text)


def test_types_are_immutable_and_hashable():
    typ = List(STRING)
    with pytest.raises(AttributeError):
        typ.elem = NUMBER
    assert {List(STRING), List(STRING), Map(STRING)} == {List(STRING), Map(STRING)}


# --- unify ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ([STRING, NUMBER], STRING),
        ([NUMBER, NUMBER], NUMBER),
        ([NUMBER, BOOL], None),
        ([List(STRING), List(NUMBER)], List(STRING)),
        ([Map(STRING), Object({"a": NUMBER})], Map(STRING)),
        ([Object({"a": NUMBER}), Object({"a": STRING})], Object({"a": STRING})),
        ([Object({"a": NUMBER}), Object({"b": STRING})], Map(STRING)),
        ([Tuple([NUMBER]), Tuple([STRING, STRING])], List(STRING)),
        ([Object({}), Tuple([])], None),
        ([ANY, STRING], ANY),
        ([], None),
    ],
)
def test_unify_chooses_the_common_type_as_cty_does(types, expected):
    assert unify(types) == expected


def test_unsafe_unify_accepts_dynamic_members():
    assert unify([ANY, STRING], unsafe=True) == STRING


# --- sets and messages ----------------------------------------------------------------------------


def test_set_elements_orders_nulls_last_and_keeps_first_of_duplicates():
    assert set_elements(["b", None, "a", "b"], STRING) == ["a", "b", None]


def test_set_elements_does_not_merge_true_with_one():
    assert len(set_elements([True, 1])) == 2


def test_mismatch_message_for_collection_element_types():
    assert mismatch_message(List(NUMBER), List(BOOL)) == "incorrect list element type: bool required"


def test_conversion_error_describe_prefixes_path():
    error = ConversionError("a number is required", "[2].size")
    assert str(error) == "a number is required"
    assert error.describe() == "[2].size: a number is required"


def test_convert_prefixes_a_given_path():
    with pytest.raises(ConversionError) as info:
        convert({"a": "x"}, Map(NUMBER), path=".tags")
    assert info.value.path == '.tags["a"]'
