"""Tests for the HCL scanner: token types, texts, positions and robustness."""

from __future__ import annotations

import time

import pytest

from builds.engine.hcl.diagnostics import Pos
from builds.engine.hcl.lexer import TOKEN_TYPES, Token, scan_config, scan_spans, scan_template
from tests.corpus import CORPUS, require_corpus


def kinds(tokens: list[Token]) -> list[tuple[str, str]]:
    return [(t.type, t.text) for t in tokens]


def config(text: str) -> list[tuple[str, str]]:
    return kinds(scan_config(text))


def rebuild(source: str, tokens: list[Token]) -> str:
    """Reassemble the source from the tokens: each token's gap and its text."""
    return "".join(
        source[t.range.start.byte - t.spaces_before : t.range.start.byte] + t.text for t in tokens
    )


def test_empty_input_is_just_eof():
    tokens = scan_config("")
    assert kinds(tokens) == [("EOF", "")]
    assert tokens[0].range.start == Pos(1, 1, 0)


def test_attribute_line_tokens_and_spaces_before():
    tokens = scan_config('name  =\t"x"\n')
    assert kinds(tokens) == [
        ("Ident", "name"),
        ("Equal", "="),
        ("OQuote", '"'),
        ("QuotedLit", "x"),
        ("CQuote", '"'),
        ("Newline", "\n"),
        ("EOF", ""),
    ]
    assert [t.spaces_before for t in tokens] == [0, 2, 1, 0, 0, 0, 0]


def test_positions_count_lines_and_characters():
    tokens = scan_config('a = "é"\n  bb = 1\n')
    bb = tokens[6]
    assert bb.text == "bb"
    assert bb.range.start == Pos(2, 3, 10)
    assert bb.range.end == Pos(2, 5, 12)
    assert tokens[3].range.start == Pos(1, 6, 5)
    assert tokens[-1].range.start == Pos(3, 1, len('a = "é"\n  bb = 1\n'))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1", [("NumberLit", "1")]),
        ("12.3", [("NumberLit", "12.3")]),
        ("1e2 1E+2 1e-2", [("NumberLit", "1e2"), ("NumberLit", "1E+2"), ("NumberLit", "1e-2")]),
        ("1.", [("NumberLit", "1"), ("Dot", ".")]),
        ("1e", [("NumberLit", "1"), ("Ident", "e")]),
        ("1...", [("NumberLit", "1"), ("Ellipsis", "...")]),
        ("foo.0", [("Ident", "foo"), ("Dot", "."), ("NumberLit", "0")]),
    ],
)
def test_number_literals(source, expected):
    assert config(source)[:-1] == expected


@pytest.mark.parametrize(
    "name", ["hello", "_ello", "hel_o", "hel-o", "h3ll0", "héllo", "ünïcode", "名前"]
)
def test_identifiers_include_dashes_digits_and_unicode_letters(name):
    assert config(name) == [("Ident", name), ("EOF", "")]


def test_every_operator_has_its_type():
    source = "{ } [ ] ( ) * / + - % = == != < <= > >= && || ! . , :: ... => ? : & | ~ ^ ; ` '"
    expected = [
        "OBrace",
        "CBrace",
        "OBrack",
        "CBrack",
        "OParen",
        "CParen",
        "Star",
        "Slash",
        "Plus",
        "Minus",
        "Percent",
        "Equal",
        "EqualOp",
        "NotEqual",
        "LessThan",
        "LessThanEq",
        "GreaterThan",
        "GreaterThanEq",
        "And",
        "Or",
        "Bang",
        "Dot",
        "Comma",
        "DoubleColon",
        "Ellipsis",
        "FatArrow",
        "Question",
        "Colon",
        "BitwiseAnd",
        "BitwiseOr",
        "Tilde",
        "BitwiseXor",
        "Semicolon",
        "Backtick",
        "Apostrophe",
        "EOF",
    ]
    tokens = scan_config(source)
    assert [t.type for t in tokens] == expected
    assert {t.type for t in tokens} <= TOKEN_TYPES


def test_line_comments_include_their_newline():
    assert config("# one\n// two\r\nx") == [
        ("Comment", "# one\n"),
        ("Comment", "// two\r\n"),
        ("Ident", "x"),
        ("EOF", ""),
    ]


def test_comment_at_end_of_input_has_no_newline():
    assert config("x # tail") == [("Ident", "x"), ("Comment", "# tail"), ("EOF", "")]


def test_block_comment_spans_lines_and_excludes_newline():
    tokens = scan_config("/* a\n b */\nx")
    assert kinds(tokens) == [
        ("Comment", "/* a\n b */"),
        ("Newline", "\n"),
        ("Ident", "x"),
        ("EOF", ""),
    ]
    assert tokens[2].range.start == Pos(3, 1, 11)


def test_block_comment_ends_at_first_close():
    assert config("/* a */ b */")[:3] == [("Comment", "/* a */"), ("Ident", "b"), ("Star", "*")]


def test_unterminated_block_comment_scans_as_operators():
    assert config("/* open")[:3] == [("Slash", "/"), ("Star", "*"), ("Ident", "open")]


def test_crlf_is_one_newline_token_and_lone_cr_is_invalid():
    assert config("a\r\nb\rc") == [
        ("Ident", "a"),
        ("Newline", "\r\n"),
        ("Ident", "b"),
        ("Invalid", "\r"),
        ("Ident", "c"),
        ("EOF", ""),
    ]


def test_quoted_string_with_interpolation_and_escapes():
    assert config(r'"a\"b${var.x}c%{ if y }d%{ endif }"') == [
        ("OQuote", '"'),
        ("QuotedLit", r"a\"b"),
        ("TemplateInterp", "${"),
        ("Ident", "var"),
        ("Dot", "."),
        ("Ident", "x"),
        ("TemplateSeqEnd", "}"),
        ("QuotedLit", "c"),
        ("TemplateControl", "%{"),
        ("Ident", "if"),
        ("Ident", "y"),
        ("TemplateSeqEnd", "}"),
        ("QuotedLit", "d"),
        ("TemplateControl", "%{"),
        ("Ident", "endif"),
        ("TemplateSeqEnd", "}"),
        ("CQuote", '"'),
        ("EOF", ""),
    ]


def test_strip_markers_belong_to_sequence_tokens():
    assert config('"${~ x ~}"')[1:4] == [
        ("TemplateInterp", "${~"),
        ("Ident", "x"),
        ("TemplateSeqEnd", "~}"),
    ]


def test_escaped_sequences_and_lone_dollar_are_literals():
    assert config('"a $${b} %%{c} $d 100%"')[1:-2] == [
        ("QuotedLit", "a "),
        ("QuotedLit", "$${"),
        ("QuotedLit", "b} "),
        ("QuotedLit", "%%{"),
        ("QuotedLit", "c} "),
        ("QuotedLit", "$"),
        ("QuotedLit", "d 100"),
        ("QuotedLit", "%"),
    ]


def test_braces_nest_inside_interpolation():
    assert config('"${ {a = 1}.a }"') == [
        ("OQuote", '"'),
        ("TemplateInterp", "${"),
        ("OBrace", "{"),
        ("Ident", "a"),
        ("Equal", "="),
        ("NumberLit", "1"),
        ("CBrace", "}"),
        ("Dot", "."),
        ("Ident", "a"),
        ("TemplateSeqEnd", "}"),
        ("CQuote", '"'),
        ("EOF", ""),
    ]


def test_string_nested_in_interpolation():
    assert config('"${"${a}"}"') == [
        ("OQuote", '"'),
        ("TemplateInterp", "${"),
        ("OQuote", '"'),
        ("TemplateInterp", "${"),
        ("Ident", "a"),
        ("TemplateSeqEnd", "}"),
        ("CQuote", '"'),
        ("TemplateSeqEnd", "}"),
        ("CQuote", '"'),
        ("EOF", ""),
    ]


def test_newline_in_quoted_string_is_reported_and_string_continues():
    assert config('a = "abc\n\nb"\n') == [
        ("Ident", "a"),
        ("Equal", "="),
        ("OQuote", '"'),
        ("QuotedLit", "abc"),
        ("QuotedNewline", "\n\n"),
        ("QuotedLit", "b"),
        ("CQuote", '"'),
        ("Newline", "\n"),
        ("EOF", ""),
    ]


def test_unterminated_string_runs_to_eof():
    assert config('a = "abc') == [
        ("Ident", "a"),
        ("Equal", "="),
        ("OQuote", '"'),
        ("QuotedLit", "abc"),
        ("EOF", ""),
    ]


@pytest.mark.parametrize("source", ['"\\', '"$', '"%'])
def test_undecidable_string_endings_are_invalid(source):
    assert config(source) == [("OQuote", '"'), ("Invalid", source[1]), ("EOF", "")]


def test_heredoc_tokens():
    assert config("x = <<EOT\nhello\n  ${name}!\nEOT\ny = 1\n") == [
        ("Ident", "x"),
        ("Equal", "="),
        ("OHeredoc", "<<EOT\n"),
        ("StringLit", "hello\n"),
        ("StringLit", "  "),
        ("TemplateInterp", "${"),
        ("Ident", "name"),
        ("TemplateSeqEnd", "}"),
        ("StringLit", "!\n"),
        ("CHeredoc", "EOT"),
        ("Newline", "\n"),
        ("Ident", "y"),
        ("Equal", "="),
        ("NumberLit", "1"),
        ("Newline", "\n"),
        ("EOF", ""),
    ]


def test_indented_heredoc_with_crlf_and_indented_marker():
    assert config("<<-EOT\r\n  a\r\n  EOT\r\n") == [
        ("OHeredoc", "<<-EOT\r\n"),
        ("StringLit", "  a\r\n"),
        ("CHeredoc", "  EOT"),
        ("Newline", "\r\n"),
        ("EOF", ""),
    ]


def test_marker_after_interpolation_on_same_line_is_not_closing():
    assert config("<<EOT\n${name}EOT\nEOT\n") == [
        ("OHeredoc", "<<EOT\n"),
        ("TemplateInterp", "${"),
        ("Ident", "name"),
        ("TemplateSeqEnd", "}"),
        ("StringLit", "EOT\n"),
        ("CHeredoc", "EOT"),
        ("Newline", "\n"),
        ("EOF", ""),
    ]


def test_heredoc_splits_at_dollar_and_percent():
    assert config("<<EOT\necho $HOME 50%\nEOT\n")[1:5] == [
        ("StringLit", "echo "),
        ("StringLit", "$"),
        ("StringLit", "HOME 50"),
        ("StringLit", "%"),
    ]


def test_nested_heredoc_inside_interpolation():
    assert config("<<EOF\n${<<-EOF\nhello\nEOF\n}\nEOF\n") == [
        ("OHeredoc", "<<EOF\n"),
        ("TemplateInterp", "${"),
        ("OHeredoc", "<<-EOF\n"),
        ("StringLit", "hello\n"),
        ("CHeredoc", "EOF"),
        ("Newline", "\n"),
        ("TemplateSeqEnd", "}"),
        ("StringLit", "\n"),
        ("CHeredoc", "EOF"),
        ("Newline", "\n"),
        ("EOF", ""),
    ]


def test_unterminated_heredoc_runs_to_eof():
    assert config("x = <<EOT\nabc\nEOT") == [
        ("Ident", "x"),
        ("Equal", "="),
        ("OHeredoc", "<<EOT\n"),
        ("StringLit", "abc\n"),
        ("StringLit", "EOT"),
        ("EOF", ""),
    ]


def test_heredoc_introducer_needs_newline():
    assert config("<<EOT x")[:3] == [("LessThan", "<"), ("LessThan", "<"), ("Ident", "EOT")]


def test_lone_carriage_return_in_heredoc_invalidates_the_rest():
    assert config("<<EOT\nab\rc\nEOT\n") == [
        ("OHeredoc", "<<EOT\n"),
        ("StringLit", "ab"),
        ("Invalid", "\rc\nEOT\n"),
        ("EOF", ""),
    ]


def test_template_mode_literal_lines_and_sequences():
    assert kinds(scan_template("hello ${~foo~} %{ if x }y%{ endif }\nbye $")) == [
        ("StringLit", "hello "),
        ("TemplateInterp", "${~"),
        ("Ident", "foo"),
        ("TemplateSeqEnd", "~}"),
        ("StringLit", " "),
        ("TemplateControl", "%{"),
        ("Ident", "if"),
        ("Ident", "x"),
        ("TemplateSeqEnd", "}"),
        ("StringLit", "y"),
        ("TemplateControl", "%{"),
        ("Ident", "endif"),
        ("TemplateSeqEnd", "}"),
        ("StringLit", "\n"),
        ("StringLit", "bye "),
        ("StringLit", "$"),
        ("EOF", ""),
    ]


def test_template_mode_keeps_quotes_and_hashes_literal():
    assert kinds(scan_template('say "hi" # not a comment\n')) == [
        ("StringLit", 'say "hi" # not a comment\n'),
        ("EOF", ""),
    ]


def test_stray_closing_brace_at_top_level_is_cbrace():
    assert config("}")[0] == ("CBrace", "}")


def test_byte_order_mark_is_skipped():
    tokens = scan_config("\ufeffa = 1")
    assert tokens[0].text == "a"
    assert tokens[0].range.start == Pos(1, 1, 1)


def test_garbage_becomes_invalid_tokens():
    assert config("\x00@\u00a0") == [
        ("Invalid", "\x00"),
        ("Invalid", "@"),
        ("Invalid", "\u00a0"),
        ("EOF", ""),
    ]


def test_trailing_spaces_before_eof_are_counted():
    tokens = scan_config("a  \t")
    assert tokens[-1].spaces_before == 3


@pytest.mark.parametrize(
    "source",
    [
        'a = "x ${b} \\n"  # c\r\n\tblock "l" {\n  x = <<-E\n  $${a} ${b}\n  E\n}\n/* c */',
        '\x00\x01\xff garbage \r\r\n"unterminated ${ {',
        '<<EOT\n${ "${<<X\nq\nX\n}" }\nEOT',
        "x = 1 /* never closed\n y = 2",
    ],
)
def test_tokens_reassemble_the_source(source):
    assert rebuild(source, scan_config(source)) == source
    assert rebuild(source, scan_template(source)) == source


def test_corpus_files_reassemble_from_tokens():
    require_corpus("templates")
    files = sorted((CORPUS / "templates").glob("*.hcl"))
    for path in files:
        source = path.read_bytes().decode("utf-8")
        tokens = scan_config(source, str(path))
        assert rebuild(source, tokens) == source, path.name
        assert tokens[-1].type == "EOF"


@pytest.mark.parametrize("template", [False, True])
def test_spans_match_tokens(template):
    source = '\ufeffa = "x${b}" # c\n<<EOT\n$y\nEOT\n  z = [1, 2]  '
    tokens = (scan_template if template else scan_config)(source)
    spans = scan_spans(source, template=template)
    assert spans == [(t.type, t.range.start.byte, t.range.end.byte) for t in tokens]


def test_pathological_inputs_scan_quickly():
    inputs = [
        "/*" * 50_000,
        '"' + "\\" * 100_000,
        "<<EOT\n" + "$" * 100_000,
        "1" + "." * 100_000,
        "\r" * 100_000,
        "${" * 20_000 + "}" * 20_000,
    ]
    started = time.process_time()
    for source in inputs:
        tokens = scan_config(source)
        assert tokens[-1].type == "EOF"
        assert rebuild(source, tokens) == source
        scan_template(source)
    # a guard against quadratic scanning (which takes minutes here), not a speed measurement
    assert time.process_time() - started < 60


def test_large_file_scans_in_linear_time():
    chunk = 'variable "x" {\n  type    = string\n  default = "a-${var.b}"\n}\n\n'
    source = chunk * 2_000
    started = time.process_time()
    tokens = scan_config(source)
    elapsed = time.process_time() - started
    assert len(tokens) == 2_000 * 24 + 1
    assert elapsed < 10  # linear: well under a second; quadratic scanning would take minutes
