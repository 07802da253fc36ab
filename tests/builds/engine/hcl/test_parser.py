"""Syntax errors from the HCL parser: summary, detail and exact position, and recovery that finds them all."""

from builds.engine.hcl import ast
from builds.engine.hcl.parser import parse, parse_expression, parse_template

FILE = "t.pkr.hcl"


def errors(text: str) -> list[tuple[str, int, int]]:
    """Parse ``text``; return each diagnostic as (summary, line, column) in order."""
    _, diags = parse(text, FILE)
    assert all(d.subject is not None and d.subject.filename == FILE for d in diags)
    return [(d.summary, d.subject.start.line, d.subject.start.column) for d in diags]


def only_diag(text: str):
    _, diags = parse(text, FILE)
    assert len(diags) == 1, [d.summary for d in diags]
    return diags.items[0]


def test_valid_file_gives_blocks_labels_and_attributes_with_positions():
    tree, diags = parse('source "null" "web" {\n  communicator = "none"\n}\nx = 1\n', FILE)
    assert not diags
    block = tree.body.blocks[0]
    assert (block.type, block.labels) == ("source", ["null", "web"])
    assert (block.type_range.start.line, block.type_range.start.column) == (1, 1)
    assert [(r.start.column, r.end.column) for r in block.label_ranges] == [(8, 14), (15, 20)]
    attr = block.body.attributes["communicator"]
    assert (attr.name_range.start.line, attr.name_range.start.column) == (2, 3)
    assert (attr.expr.range.start.column, attr.expr.range.end.column) == (18, 24)
    assert list(tree.body.attributes) == ["x"]


def test_missing_equals_sign_asks_for_an_argument_or_block_at_the_name():
    diag = only_diag("a = 1\nb 2\n")
    assert diag.summary == "Argument or block definition required"
    assert 'use the equals sign "=" to introduce the argument value' in diag.detail
    assert (diag.subject.start.line, diag.subject.start.column) == (2, 1)


def test_unclosed_brace_points_at_the_opening_brace():
    diag = only_diag('source "null" "x" {\n  communicator = "none"\n')
    assert diag.summary == "Unclosed configuration block"
    assert "no closing brace for this block before the end of the file" in diag.detail
    assert (diag.subject.start.line, diag.subject.start.column) == (1, 19)


def test_stray_closing_brace_is_reported_and_the_rest_still_parsed():
    tree, diags = parse('p "x" {\n  q = 1\n}\n}\nr = 1\n', FILE)
    assert [(d.summary, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ("Argument or block definition required", 4, 1)]
    assert list(tree.body.attributes) == ["r"]
    assert tree.body.blocks[0].body.attributes["q"].name == "q"


def test_invalid_character_is_named_then_the_expression_it_breaks():
    assert errors("d = @\ne = 1\n") == [("Invalid character", 1, 5), ("Invalid expression", 1, 5)]
    _, diags = parse("d = @\n", FILE)
    assert diags.items[0].detail == "This character is not used within the language."
    assert diags.items[1].detail == ("Expected the start of an expression, but found an invalid expression "
                                     "token.")


def test_single_quotes_are_reported_once_per_pair_with_advice():
    _, diags = parse("n = 'x'\n", FILE)
    assert [(d.summary, d.subject.start.column) for d in diags] == [
        ("Invalid character", 5), ("Invalid expression", 5)]
    assert diags.items[0].detail == 'Single quotes are not valid. Use double quotes (") to enclose strings.'


def test_curly_quotes_semicolons_backticks_and_bitwise_operators_get_their_own_messages():
    _, diags = parse("a = \u201cx\u201d\n", FILE)
    assert diags.items[0].summary == "Invalid character"
    assert diags.items[0].detail.startswith('"Curly quotes" are not valid here.')
    assert (diags.items[0].subject.start.line, diags.items[0].subject.start.column) == (1, 5)
    _, diags = parse("a = 1; b = `x`\nc = true & false\n", FILE)
    found = [(d.summary, d.detail, d.subject.start.line, d.subject.start.column) for d in diags]
    assert ("Invalid character", 'The ";" character is not valid. Use newlines to separate arguments and '
            "blocks, and commas to separate items in collection values.", 1, 6) in found
    assert ("Invalid character", 'The "`" character is not valid. To create a multi-line string, use the '
            '"heredoc" syntax, like "<<EOT".', 1, 12) in found
    assert ("Unsupported operator", 'Bitwise operators are not supported. Did you mean boolean AND ("&&")?',
            2, 10) in found


def test_unterminated_string_reports_the_line_break_inside_the_quotes():
    _, diags = parse('c = "unterminated\n', FILE)
    assert [(d.summary, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ("Invalid multi-line string", 1, 18), ("Unterminated template string", 1, 18)]
    assert diags.items[0].detail.startswith("Quoted strings may not be split over multiple lines.")
    assert diags.items[1].detail == "No closing marker was found for the string."


def test_unterminated_heredoc_points_at_its_opening_marker():
    diag = only_diag('a = 1\ng = <<EOF\nnever closed\n')
    assert diag.summary == "Unterminated template string"
    assert diag.detail == "No closing marker was found for the heredoc."
    assert (diag.subject.start.line, diag.subject.start.column) == (2, 5)


def test_attribute_redefined_points_at_the_second_and_names_the_first():
    diag = only_diag('source "null" "x" {\n  communicator = "none"\n  communicator = "ssh"\n}\n')
    assert diag.summary == "Attribute redefined"
    assert diag.detail.startswith('The argument "communicator" was already set at t.pkr.hcl:2,3-')
    assert diag.detail.endswith("Each argument may be set only once.")
    assert (diag.subject.start.line, diag.subject.start.column) == (3, 3)


def test_single_line_block_with_two_arguments_gives_one_error_and_parsing_goes_on():
    tree, diags = parse('f "x" { a = 1 b = 2 }\ng = 1\n', FILE)
    assert [(d.summary, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ("Invalid single-argument block definition", 1, 15)]
    assert "must end with a closing brace immediately after its single argument" in diags.items[0].detail
    assert list(tree.body.attributes) == ["g"]


def test_single_line_block_left_open_at_the_end_of_the_line():
    tree, diags = parse('variable "n" { type = number\n  default = 1 }\nq = 1\n', FILE)
    assert [(d.summary, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ("Invalid single-argument block definition", 1, 29)]
    assert diags.items[0].detail.startswith("An argument definition on the same line as its containing block "
                                            "creates a single-line block definition")
    assert list(tree.body.attributes) == ["q"]


def test_block_header_without_braces():
    diag = only_diag('build "x"\n')
    assert diag.summary == "Invalid block definition"
    assert diag.detail == ('A block definition must have block content delimited by "{" and "}", starting on '
                           "the same line as the block header.")
    assert (diag.subject.start.line, diag.subject.start.column) == (1, 10)


def test_equals_sign_after_block_labels():
    diag = only_diag('build "x" = {}\n')
    assert diag.summary == "Invalid block definition"
    assert diag.detail.startswith('The equals sign "=" indicates an argument definition')
    assert (diag.subject.start.line, diag.subject.start.column) == (1, 11)


def test_single_line_block_with_comma_separated_arguments():
    diag = only_diag('f "x" { a = 1, b = 2 }\n')
    assert diag.summary == "Invalid single-argument block definition"
    assert diag.detail.startswith("Single-line block syntax can include only one argument definition.")
    assert (diag.subject.start.line, diag.subject.start.column) == (1, 14)


def test_single_line_block_holding_a_nested_block_names_the_argument():
    diag = only_diag('f "x" { a {} }\n')
    assert diag.summary == "Argument definition required"
    assert 'If you meant to define argument "a", use an equals sign' in diag.detail
    assert (diag.subject.start.line, diag.subject.start.column) == (1, 9)


def test_two_values_on_one_line_need_a_newline():
    diag = only_diag("k = 1 2\n")
    assert (diag.summary, diag.detail) == ("Missing newline after argument",
                                           "An argument definition must end with a newline.")
    assert (diag.subject.start.line, diag.subject.start.column) == (1, 7)


def test_plain_string_then_a_block_comment_may_still_be_followed_by_an_operator():
    tree, diags = parse('a = "x" /* note */ + "y"\n', "t.pkr.hcl")
    assert not diags.has_errors, list(diags)
    assert isinstance(tree.body.attributes["a"].expr, ast.BinaryOp)


def test_error_inside_a_multi_line_object_does_not_leak_its_items_to_the_body():
    tree, diags = parse("x = {\n  a = 1 2\n  b = 3\n}\ny = 1\n", FILE)
    assert [(d.summary, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ("Missing attribute separator", 2, 9)]
    assert list(tree.body.attributes) == ["y"]


def test_unfinished_call_inside_a_block_leaves_the_block_closed():
    tree, diags = parse("b {\n  x = max(1,\n  y = 2\n}\nz = 1\n", FILE)
    assert [(d.summary, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ("Missing argument separator", 3, 5)]
    assert [b.type for b in tree.body.blocks] == ["b"]
    assert list(tree.body.attributes) == ["z"]


def test_missing_comma_in_a_list_is_reported_where_the_next_item_starts():
    diag = only_diag("l = [1, 2\n  3]\n")
    assert (diag.summary, diag.detail) == ("Missing item separator",
                                           "Expected a comma to mark the beginning of the next item.")
    assert (diag.subject.start.line, diag.subject.start.column) == (2, 3)


def test_invalid_escape_sequence_in_a_string():
    diag = only_diag('t = "a\\qb"\n')
    assert diag.summary == "Invalid escape sequence"
    assert diag.detail == 'The symbol "q" is not a valid escape sequence selector.'
    assert diag.subject.start.line == 1


def test_several_errors_in_one_file_are_all_reported_in_order():
    text = (
        "a = 1\n"
        "b 2\n"
        'source "null" "x" {\n'
        "  k = @\n"
        "  k2 = 1 2\n"
        "}\n"
        "e = 1\n"
        "e = 2\n"
        'f "x" { a = 1 b = 2 }\n'
        "g = <<EOF\n"
        "never closed\n"
    )
    tree, diags = parse(text, FILE)
    assert [(d.summary, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ("Invalid character", 4, 7),
        ("Argument or block definition required", 2, 1),
        ("Invalid expression", 4, 7),
        ("Missing newline after argument", 5, 10),
        ("Attribute redefined", 8, 1),
        ("Invalid single-argument block definition", 9, 15),
        ("Unterminated template string", 10, 5),
    ]
    assert list(tree.body.attributes) == ["a", "e"]
    assert tree.body.blocks[0].labels == ["null", "x"]


def test_unterminated_interpolation_in_a_quoted_string_points_at_its_opening():
    _, diags = parse('x = "${foo"\n', FILE)
    assert [d.summary for d in diags] == ["Invalid multi-line string", "Unclosed template interpolation sequence"]
    diag = diags.items[-1]
    assert "before the end of the quoted template" in diag.detail
    assert (diag.subject.start.line, diag.subject.start.column, diag.subject.end.column) == (1, 6, 8)


def test_shell_default_syntax_in_a_string_suggests_escaping_the_interpolation():
    diag = only_diag('inline = ["echo ${HOME:-/root}"]\n')
    assert diag.summary == "Extra characters after interpolation expression"
    assert diag.detail.startswith("Template interpolation doesn't expect a colon at this location.")
    assert diag.detail.endswith('escape it by starting with "$${" instead of just "${".')
    assert (diag.subject.start.line, diag.subject.start.column) == (1, 23)


def test_extra_tokens_inside_an_interpolation():
    diag = only_diag('x = "${a b}"\n')
    assert diag.summary == "Extra characters after interpolation expression"
    assert diag.detail.startswith("Expected a closing brace to end the interpolation expression, but found extra "
                                  "characters.\n\nThis can happen when you include interpolation syntax")
    assert (diag.subject.start.line, diag.subject.start.column) == (1, 10)


def test_escaped_interpolation_is_not_parsed():
    _, diags = parse('inline = ["echo $${HOME:-/root}"]\n', FILE)
    assert not diags


def test_template_directive_left_open():
    diag = only_diag('x = "%{ if true }yes"\n')
    assert diag.summary == "Unterminated template if directive"
    assert diag.detail == "There is no endif directive for this if."
    assert (diag.subject.start.line, diag.subject.start.column) == (1, 6)


def test_unknown_template_directive_keyword():
    diag = only_diag('x = "%{ when true }yes%{ endif }"\n')
    assert diag.summary == "Invalid template directive"
    assert (diag.subject.start.line, diag.subject.start.column) == (1, 9)


def test_parse_expression_rejects_trailing_characters():
    expr, diags = parse_expression("1 + 2 3", "<value>")
    assert expr is None
    assert [(d.summary, d.subject.filename, d.subject.start.column) for d in diags] == [
        ("Extra characters after expression", "<value>", 7)]


def test_parse_expression_reads_a_multi_line_collection():
    expr, diags = parse_expression('{\n  a = [1,\n    2]\n  b = "x"\n}', "<value>")
    assert not diags
    assert isinstance(expr, ast.ObjectCons)
    assert [item.key.name for item in expr.items] == ["a", "b"]


def test_parse_template_reports_a_stray_endfor_with_its_position():
    tree, diags = parse_template("line\n%{ endfor }\n", "tpl.txt")
    assert tree is None
    assert [(d.summary, d.subject.filename, d.subject.start.line, d.subject.start.column) for d in diags] == [
        ('Unexpected "endfor" directive', "tpl.txt", 2, 1)]


def test_comments_of_all_three_kinds_are_ignored():
    tree, diags = parse("# one\n// two\n/* three\n   lines */\na = 1 # trailing\n", FILE)
    assert not diags
    assert list(tree.body.attributes) == ["a"]


def test_a_number_literal_that_is_not_a_number_is_an_error_at_the_literal_and_parsing_goes_on():
    assert errors("a = 1.2.3\nb = 1e5.3\nc = 2\n") == [("Invalid number literal", 1, 5), ("Invalid number literal", 2, 5)]
    diag = only_diag("a = 1.2.3\n")
    assert diag.detail == "Failed to recognize the value of this number literal."
    assert (diag.subject.start.column, diag.subject.end.column) == (5, 10)
