"""Tests of the engine's reading of a file set for the dashboard: checks, summaries and formatting."""

import gc
import os
from pathlib import Path

from imagehub import analysis

BENCH_TEMPLATE = Path(__file__).parents[1] / "bench" / "fixtures" / "ten_sources" / "ten_sources.pkr.hcl"


def test_a_valid_template_has_no_diagnostics_and_a_summary():
    found = analysis.check({"t.pkr.hcl": BENCH_TEMPLATE.read_text()})
    assert found.is_valid and found.diagnostics == []
    assert len(found.summary["sources"]) == 10
    assert found.summary["builds"][0]["post_processors"] == [["manifest"]]


def test_diagnostics_are_data_with_file_line_and_column_in_order():
    files = {
        "b.pkr.hcl": 'source "null" "x" {\n  communicator = "none"\n  bogus = 1\n}\n',
        "a.pkr.hcl": 'build {\n  sources = ["source.null.x", "source.null.missing"]\n}\n',
    }
    found = analysis.check(files)
    assert not found.is_valid and found.error_count == 2
    places = [(d["range"]["filename"], d["range"]["start"]["line"]) for d in found.diagnostics]
    assert places == [("a.pkr.hcl", 2), ("b.pkr.hcl", 3)]
    first = found.diagnostics[0]
    assert set(first) >= {"severity", "summary", "detail", "range", "context"}
    assert first["severity"] == "error"


def test_a_template_that_does_not_parse_has_no_summary():
    found = analysis.check({"t.pkr.hcl": "build {\n"})
    assert found.summary is None and found.error_count >= 1


def test_the_summary_does_not_reveal_the_server_environment_or_files():
    os.environ["IMAGEHUB_TEST_SECRET"] = "s3cret-value"
    try:
        files = {"t.pkr.hcl": (
            'variable "token" {\n  default = env("IMAGEHUB_TEST_SECRET")\n}\n'
            'variable "password" {\n  default   = "hunter2"\n  sensitive = true\n}\n'
            'locals {\n  hostname = file("/etc/hostname")\n}\n'
        )}
        found = analysis.check(files)
    finally:
        del os.environ["IMAGEHUB_TEST_SECRET"]
    text = repr(found.summary)
    assert "s3cret-value" not in text and "hunter2" not in text
    variables = {v["name"]: v for v in found.summary["variables"]}
    assert variables["token"]["value"] == 'env("IMAGEHUB_TEST_SECRET")'
    assert variables["token"]["from_environment"]
    assert variables["password"]["value"] == '"<sensitive>"'
    assert found.summary["locals"] == [{"name": "hostname", "sensitive": False, "value": 'file("/etc/hostname")'}]


def test_variables_without_a_default_are_marked_required_not_errors():
    found = analysis.check({"t.pkr.hcl": 'variable "x" {\n  type = string\n}\n'})
    [variable] = found.summary["variables"]
    assert variable["required"] and variable["value"] == ""
    assert found.is_valid and found.diagnostics == []


def test_format_returns_the_canonical_text():
    result = analysis.format_file("a.pkr.hcl", "a    = 1\nbb = 2\n")
    assert result.text == "a  = 1\nbb = 2\n" and result.changed
    assert analysis.format_file("a.pkr.hcl", "a = 1\n").changed is False


def test_format_of_text_that_does_not_parse_gives_the_syntax_errors():
    result = analysis.format_file("a.pkr.hcl", "a = \n")
    assert result.text is None
    assert result.message == "a.pkr.hcl has syntax errors; fix them to format it."
    assert result.diagnostics[0]["range"]["start"] == {"line": 1, "column": 5}


def test_json_templates_are_not_formatted():
    result = analysis.format_file("a.pkr.json", "{}")
    assert result.text is None and "only .pkr.hcl and .pkrvars.hcl" in result.message


def test_a_check_leaves_nothing_for_the_cyclic_garbage_collector():
    gc.collect()
    found = analysis.check({"main.pkr.hcl": BENCH_TEMPLATE.read_text()})
    assert found.is_valid and found.summary["sources"]
    assert gc.collect() == 0
