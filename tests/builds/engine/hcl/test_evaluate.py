"""Expression evaluation: collections, templates, heredocs, functions and the positions of their errors."""

from pathlib import Path

import pytest

from builds.engine.hcl.evaluate import EvalError, Scope, evaluate
from builds.engine.hcl.functions import FunctionContext
from builds.engine.hcl.parser import parse
from builds.engine.hcl.values import UNKNOWN

NAMES = {
    "servers": [{"name": "a", "ports": [22, 80]}, {"name": "b", "ports": [443]}],
    "sizes": {"small": 1, "large": 3},
    "word": "str",
    "nothing": None,
    "later": UNKNOWN,
}


def expr_of(text: str):
    """Parse ``x = <text>`` (text may span lines) and return the expression."""
    tree, diags = parse(f"x = {text}\n", "e.hcl")
    assert not diags, [d.summary for d in diags]
    return tree.body.attributes["x"].expr


def ev(text: str, allow_env: bool = False):
    scope = Scope(names=dict(NAMES), function_context=FunctionContext(cwd=Path.cwd()), allow_env=allow_env)
    return evaluate(expr_of(text), scope)


def failure(text: str) -> tuple[str, str, tuple[int, int, int, int]]:
    """Evaluate ``text`` expecting an error; return (summary, detail, (line, col, end line, end col))."""
    with pytest.raises(EvalError) as info:
        ev(text)
    diag = info.value.diag
    rng = diag.subject
    return diag.summary, diag.detail, (rng.start.line, rng.start.column, rng.end.line, rng.end.column)


# --------------------------------------------------------------------------- for expressions and splats


def test_list_for_expression_with_a_condition():
    assert ev('[for k, v in sizes : "${k}=${v}" if v > 1]') == ["large=3"]


def test_object_for_expression_and_grouping():
    assert ev("{for s in servers : s.name => length(s.ports)}") == {"a": 2, "b": 1}
    assert ev("{for v in [1, 2, 1] : v => v * 10...}") == {"1": [10, 10], "2": [20]}


def test_for_expression_iterates_maps_in_key_order():
    assert ev('[for k, v in { b = 2, a = 1 } : k]') == ["a", "b"]


def test_duplicate_key_in_a_for_expression_points_at_the_key():
    summary, detail, where = failure("{for v in [1, 1] : v => v}")
    assert summary == "Duplicate object key"
    assert detail.startswith('Two different items produced the key "1" in this \'for\' expression.')
    assert where == (1, 24, 1, 25)


def test_for_expression_over_a_number():
    summary, detail, where = failure("[for x in 5 : x]")
    assert (summary, detail) == ("Iteration over non-iterable value",
                                 "A 'for' expression can only iterate over a collection, not a number.")
    assert where == (1, 15, 1, 16)


def test_for_condition_must_be_a_bool():
    summary, _, where = failure("[for s in servers : s if s]")
    assert summary == "Invalid 'for' condition"
    assert where == (1, 30, 1, 31)


def test_splats_full_and_attribute_only():
    assert ev("servers[*].name") == ["a", "b"]
    assert ev("servers.*.name") == ["a", "b"]
    assert ev("servers[*].ports[0]") == [22, 443]


def test_splat_of_a_single_value_and_of_null():
    assert ev("word[*]") == ["str"]
    assert ev("nothing[*]") == []


# --------------------------------------------------------------------------- operators, conditionals, indexes


def test_conditional_picks_a_branch_and_checks_its_condition():
    assert ev('length(servers) > 1 ? "many" : "few"') == "many"
    summary, detail, where = failure('word ? 1 : 2')
    assert (summary, detail) == ("Incorrect condition type", "The condition expression must be of type bool, not "
                                 "string.")
    assert where == (1, 5, 1, 9)


def test_arithmetic_converts_numeric_strings_and_reports_the_bad_operand():
    assert ev('"1" + 1') == 2
    summary, detail, where = failure('1 + "a"')
    assert (summary, detail) == ("Invalid operand", "Unsuitable value for right operand: a number is required.")
    assert where == (1, 9, 1, 12)


def test_division_by_zero_is_infinite_but_modulo_by_zero_fails():
    assert ev("1 / 0") == float("inf")
    summary, detail, _ = failure("5 % 0")
    assert (summary, detail) == ("Operation failed", "Error during operation: can't use zero as divisor.")


def test_equality_does_not_convert_types():
    assert ev('1 == "1"') is False
    assert ev('[1, "a"] == [1, "a"]') is True


def test_missing_attribute_and_index_out_of_range():
    summary, detail, where = failure("sizes.medium")
    assert (summary, detail) == ("Unsupported attribute", 'This object does not have an attribute named "medium".')
    assert where == (1, 5, 1, 17)
    summary, detail, _ = failure("servers[5]")
    assert summary == "Invalid index"
    assert detail.endswith("the given index is greater than or equal to the length of the collection.")


def test_attribute_of_null():
    summary, detail, _ = failure("nothing.x")
    assert (summary, detail) == ("Attempt to get attribute from null value",
                                 "This value is null, so it does not have any attributes.")


def test_unknown_values_propagate_without_error():
    assert ev("later + 1") is UNKNOWN
    assert ev('"id-${later}"') is UNKNOWN
    assert ev("later ? 1 : 2") is UNKNOWN
    assert ev("[for x in later : x]") is UNKNOWN
    assert ev("later.anything[0]") is UNKNOWN


# --------------------------------------------------------------------------- templates and heredocs


def test_if_and_for_directives_with_strip_markers():
    assert ev('"%{ if length(servers) > 1 }many%{ else }few%{ endif }"') == "many"
    assert ev('"a %{~ for s in servers ~} ${s.name} %{~ endfor ~} b"') == "aabb"


def test_for_directive_with_key_and_value():
    assert ev('"%{ for k, v in sizes }${k}:${v};%{ endfor }"') == "large:3;small:1;"


def test_escaped_sequences_are_literal():
    assert ev('"$${HOME} %%{ if }"') == "${HOME} %{ if }"


def test_go_template_strings_are_kept_as_written():
    assert ev('"packer-{{timestamp}}"') == "packer-{{timestamp}}"
    assert ev('"{{ .Vars }} {{ .Path }} {{user `x`}}"') == "{{ .Vars }} {{ .Path }} {{user `x`}}"


def test_interpolating_a_collection_into_a_string_fails_at_the_interpolation():
    summary, detail, where = failure('"ports: ${sizes}"')
    assert summary == "Invalid template interpolation value"
    assert detail == "Cannot include the given value in a string template: string required, but have object."
    assert where == (1, 15, 1, 20)


def test_interpolating_null_fails():
    summary, detail, _ = failure('"x${nothing}"')
    assert detail == "The expression result is null. Cannot include a null value in a string template."


def test_lone_interpolation_keeps_the_value_type():
    assert ev('"${sizes}"') == {"small": 1, "large": 3}


def test_heredoc_keeps_indentation():
    assert ev("<<EOF\n  a\n    b\n  EOF") == "  a\n    b\n"


def test_flush_heredoc_strips_the_common_indentation():
    assert ev("<<-EOF\n    a\n      b\n    ${word}\n    EOF") == "a\n  b\nstr\n"


def test_flush_heredoc_counts_the_indentation_before_directives():
    text = "<<-EOF\n    %{ for s in servers }\n      - ${s.name}\n    %{ endfor }\n    EOF"
    assert ev(text) == "\n  - a\n\n  - b\n\n"
    # hclsyntax trims before it measures: the first line's literal is left empty, which counts as no indentation
    text = "<<-EOF\n    %{~ for s in servers ~}\n    - ${s.name}\n    %{~ endfor ~}\n    EOF"
    assert ev(text) == "    - a\n    - b\n"


def test_flush_heredoc_line_starting_with_an_interpolation_keeps_all_indentation():
    assert ev("<<-EOF\n      a\n${word}\n      b\n    EOF") == "      a\nstr\n      b\n"


def test_flush_heredoc_leaves_blank_lines_alone():
    assert ev("<<-EOF\n    a\n\n  \n      b\n    EOF") == "a\n\n  \n  b\n"


# --------------------------------------------------------------------------- functions


def test_unknown_function_is_reported_at_its_name():
    summary, detail, where = failure("nofunc(1)")
    assert (summary, detail) == ("Call to unknown function", 'There is no function named "nofunc".')
    assert where == (1, 5, 1, 11)


def test_bad_argument_is_reported_at_that_argument():
    summary, detail, where = failure('max(1, "x", 3)')
    assert (summary, detail) == ("Invalid function argument",
                                 'Invalid value for "numbers" parameter: a number is required.')
    assert where == (1, 12, 1, 15)
    summary, detail, where = failure('join(",", [1, [2]])')
    assert detail == 'Invalid value for "lists" parameter: element 1: string required.'
    assert where == (1, 15, 1, 23)


def test_too_many_and_too_few_arguments():
    summary, detail, where = failure("upper(word, word)")
    assert (summary, detail) == ("Too many function arguments", 'Function "upper" expects only 1 argument(s).')
    assert where == (1, 17, 1, 21)
    summary, _, where = failure("upper()")
    assert summary == "Not enough function arguments"


def test_failing_function_is_reported_over_the_whole_call():
    summary, detail, where = failure('regex("(", "x")')
    assert summary == "Invalid function argument"
    assert detail.startswith('Invalid value for "pattern" parameter: invalid regexp pattern')
    assert where == (1, 11, 1, 14)
    summary, detail, where = failure("element([], 0)")
    assert (summary, detail) == ("Error in function call", 'Call to function "element" failed: cannot use '
                                 "element function with an empty list.")
    assert where == (1, 5, 1, 19)


def test_expanding_the_last_argument():
    assert ev("max([3, 9, 4]...)") == 9
    assert ev("max(10, [3, 9]...)") == 10
    summary, _, where = failure("max(1...)")
    assert summary == "Invalid expanding argument value"
    assert where == (1, 9, 1, 10)


def test_env_is_refused_outside_a_variable_default():
    summary, detail, where = failure('env("HOME")')
    assert summary == "Call to unavailable function"
    assert detail.startswith('The function "env" can only be used in the default value of a variable.')
    assert where == (1, 5, 1, 8)


def test_env_reads_the_environment_where_allowed(monkeypatch):
    monkeypatch.setenv("IMAGEHUB_EVAL_TEST", "yes")
    assert ev('env("IMAGEHUB_EVAL_TEST")', allow_env=True) == "yes"
    assert ev('env("IMAGEHUB_EVAL_TEST_UNSET")', allow_env=True) == ""


def test_can_and_try_turn_errors_into_values():
    assert ev('can(regex("^a", "abc"))') is True
    assert ev('can(regex("^a", 5))') is False
    assert ev("can(sizes.medium)") is False
    assert ev('try(sizes.medium, "fallback")') == "fallback"
    assert ev("can(later)") is UNKNOWN


def test_try_with_every_argument_failing_lists_the_failures():
    summary, detail, where = failure("try(sizes.a, sizes.b)")
    assert summary == "Error in function call"
    assert detail.startswith('Call to function "try" failed: no expression succeeded:\n')
    assert 'This object does not have an attribute named "b".' in detail
    assert where == (1, 5, 1, 26)
