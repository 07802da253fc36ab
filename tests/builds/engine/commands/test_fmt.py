"""Tests for `imagehub fmt`: files, directories, flags, stdin and exit statuses as packer fmt has them."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from builds.engine.cli import main
from builds.engine.commands import fmt as fmt_command
from builds.engine.hcl.fmt import format_source
from tests.corpus import CORPUS, require_corpus

REPO_ROOT = Path(__file__).resolve().parents[4]
PACKER = shutil.which("packer")

UGLY = b'a=1\nbb = "x"\n'
PRETTY = b'a  = 1\nbb = "x"\n'
MALFORMED = b'source "null" "x" {\n  communicator = \n}\n'

MALFORMED_REPORT = (
    "Error: encountered an error while formatting {path}\n"
    "\n"
    "1 error occurred:\n"
    "\t* {path}:2,18-3,1: Invalid expression; Expected the start of an expression,"
    " but found an invalid expression token.\n"
    "\n"
    "\n"
)


def run_fmt(*args: str, stdin: bytes = b"", monkeypatch=None) -> tuple[int, bytes, str]:
    """Run `imagehub fmt ARGS` in-process; return the status, stdout as bytes and stderr."""
    out_bytes = io.BytesIO()
    stdout = io.TextIOWrapper(out_bytes, encoding="utf-8", write_through=True)
    stderr = io.StringIO()
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(["fmt", *args], stdout, stderr)
    stdout.flush()
    return code, out_bytes.getvalue(), stderr.getvalue()


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A working directory with templates, variable files and files fmt must leave alone."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "web.pkr.hcl").write_bytes(UGLY)
    (tmp_path / "d" / "base.pkr.hcl").write_bytes(PRETTY)
    (tmp_path / "d" / "prod.pkrvars.hcl").write_bytes(b"region=1\n")
    (tmp_path / "d" / "a.auto.pkrvars.hcl").write_bytes(b"zone=2\n")
    (tmp_path / "d" / "old.pkr.json").write_bytes(b'{"a":1}')
    (tmp_path / "d" / "other.hcl").write_bytes(b"x=1\n")
    (tmp_path / "d" / "notes.txt").write_bytes(b"x=1\n")
    (tmp_path / "d" / "sub").mkdir()
    (tmp_path / "d" / "sub" / "deep.pkr.hcl").write_bytes(b"y=2\n")
    (tmp_path / "d" / ".hidden").mkdir()
    (tmp_path / "d" / ".hidden" / "h.pkr.hcl").write_bytes(b"z=3\n")
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# -- files and directories -------------------------------------------------


def test_unformatted_file_is_rewritten_and_named(tree):
    assert run_fmt("d/web.pkr.hcl") == (0, b"d/web.pkr.hcl\n", "")
    assert (tree / "d" / "web.pkr.hcl").read_bytes() == PRETTY


def test_formatted_file_is_left_alone_silently(tree):
    before = os.stat(tree / "d" / "base.pkr.hcl").st_mtime_ns
    assert run_fmt("d/base.pkr.hcl") == (0, b"", "")
    assert os.stat(tree / "d" / "base.pkr.hcl").st_mtime_ns == before


def test_file_name_is_printed_as_given(tree):
    assert run_fmt("./d/sub/../web.pkr.hcl") == (0, b"./d/sub/../web.pkr.hcl\n", "")


def test_directory_formats_templates_then_variable_files_each_sorted(tree):
    before = snapshot(tree)
    code, out, err = run_fmt("d")
    assert (code, err) == (0, "")
    assert out == b"d/web.pkr.hcl\nd/a.auto.pkrvars.hcl\nd/prod.pkrvars.hcl\n"
    after = snapshot(tree)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"d/web.pkr.hcl", "d/a.auto.pkrvars.hcl", "d/prod.pkrvars.hcl"}
    assert after["d/prod.pkrvars.hcl"] == b"region = 1\n"


def test_directory_names_are_joined_and_cleaned_like_go(tree):
    assert run_fmt("-check", "./d/")[1].splitlines()[0] == b"d/web.pkr.hcl"
    os.chdir("d")
    assert run_fmt("-check", ".")[1].splitlines()[0] == b"web.pkr.hcl"


def test_subdirectories_are_skipped_without_recursive(tree):
    run_fmt("d")
    assert (tree / "d" / "sub" / "deep.pkr.hcl").read_bytes() == b"y=2\n"


def test_recursive_descends_into_visible_subdirectories_after_the_files(tree):
    code, out, _ = run_fmt("-recursive", "-check", "d")
    assert code == 3
    assert out == b"d/web.pkr.hcl\nd/a.auto.pkrvars.hcl\nd/prod.pkrvars.hcl\nd/sub/deep.pkr.hcl\n"
    run_fmt("-recursive", "d")
    assert (tree / "d" / "sub" / "deep.pkr.hcl").read_bytes() == b"y = 2\n"
    assert (tree / "d" / ".hidden" / "h.pkr.hcl").read_bytes() == b"z=3\n"


def test_unreadable_subdirectory_is_reported_and_the_rest_formatted(tree, monkeypatch):
    real_scandir = os.scandir

    def scandir(path):
        if path == "d/sub":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(fmt_command.os, "scandir", scandir)
    code, out, err = run_fmt("-recursive", "d")
    assert code == 1
    assert out == b"d/web.pkr.hcl\nd/a.auto.pkrvars.hcl\nd/prod.pkrvars.hcl\n"
    assert err == "Error: Cannot read hcl directory\n\nopen d/sub: permission denied\n\n\n"


def test_several_paths_are_formatted_in_order(tree):
    (tree / "e.pkr.hcl").write_bytes(b"e=1\n")
    assert run_fmt("-check", "e.pkr.hcl", "d/web.pkr.hcl")[1] == b"e.pkr.hcl\nd/web.pkr.hcl\n"


@pytest.mark.parametrize("name", ["d/old.pkr.json", "d/other.hcl", "d/notes.txt"])
def test_file_without_a_template_suffix_is_refused(tree, name):
    assert run_fmt(name) == (
        1,
        b"",
        f"Error: Cannot tell whether {name} contains HCL2 configuration data\n\n\n",
    )


def test_directory_without_templates_is_refused(tree):
    (tree / "empty").mkdir()
    (tree / "empty" / "t.pkr.json").write_bytes(b"{}")
    assert run_fmt("empty") == (
        1,
        b"",
        "Error: Cannot tell whether empty contains HCL2 configuration data\n\n\n",
    )


def test_missing_path_is_reported_with_packers_wording(tree):
    assert run_fmt("nope") == (
        1,
        b"",
        "Error: Cannot tell wether nope is a directory\n\nstat nope: no such file or directory\n\n\n",
    )


def test_no_path_prints_usage_and_exits_1(tree):
    code, out, err = run_fmt()
    assert (code, err) == (1, "")
    assert out.startswith(b"Usage: imagehub fmt [options] TEMPLATE...\n")


def test_unknown_flag_is_reported_with_usage(tree):
    code, out, err = run_fmt("-x", "d")
    assert (code, err) == (1, "flag provided but not defined: -x\n")
    assert out.startswith(b"Usage: imagehub fmt")


# -- flags -----------------------------------------------------------------


def test_check_names_changes_exits_3_and_writes_nothing(tree):
    before = snapshot(tree)
    assert run_fmt("-check", "d") == (
        3,
        b"d/web.pkr.hcl\nd/a.auto.pkrvars.hcl\nd/prod.pkrvars.hcl\n",
        "",
    )
    assert snapshot(tree) == before


def test_check_exits_0_when_everything_is_formatted(tree):
    assert run_fmt("-check", "d/base.pkr.hcl") == (0, b"", "")


def test_check_wins_over_an_explicit_write(tree):
    assert run_fmt("-check", "-write=true", "d/web.pkr.hcl")[0] == 3
    assert (tree / "d" / "web.pkr.hcl").read_bytes() == UGLY


def test_write_false_names_changes_writes_nothing_and_exits_0(tree):
    before = snapshot(tree)
    assert run_fmt("-write=false", "d/web.pkr.hcl") == (0, b"d/web.pkr.hcl\n", "")
    assert snapshot(tree) == before


def test_diff_prints_name_then_unified_diff_and_writes(tree):
    code, out, err = run_fmt("-diff", "d/web.pkr.hcl")
    assert (code, err) == (0, "")
    assert out == (
        b"d/web.pkr.hcl\n"
        b"--- old/d/web.pkr.hcl\n"
        b"+++ new/d/web.pkr.hcl\n"
        b"@@ -1,2 +1,2 @@\n"
        b"-a=1\n"
        b"+a  = 1\n"
        b' bb = "x"\n'
    )
    assert (tree / "d" / "web.pkr.hcl").read_bytes() == PRETTY


@pytest.mark.parametrize("flag", ["-write=false", "-check"])
def test_diff_without_writing(tree, flag):
    code, out, _ = run_fmt("-diff", flag, "d/web.pkr.hcl")
    assert code == (3 if flag == "-check" else 0)
    assert out.startswith(b"d/web.pkr.hcl\n--- old/d/web.pkr.hcl\n")
    assert (tree / "d" / "web.pkr.hcl").read_bytes() == UGLY


def test_diff_marks_a_missing_final_newline(tree):
    (tree / "n.pkr.hcl").write_bytes(b"a=1")
    assert run_fmt("-diff", "n.pkr.hcl")[1] == (
        b"n.pkr.hcl\n--- old/n.pkr.hcl\n+++ new/n.pkr.hcl\n@@ -1 +1 @@\n"
        b"-a=1\n\\ No newline at end of file\n+a = 1\n\\ No newline at end of file\n"
    )


# -- line endings, encodings and malformed files -----------------------------


def test_crlf_line_endings_are_kept(tree):
    (tree / "w.pkr.hcl").write_bytes(b"a=1\r\nbb = 2\r\n")
    run_fmt("w.pkr.hcl")
    assert (tree / "w.pkr.hcl").read_bytes() == b"a  = 1\r\nbb = 2\r\n"


def test_missing_final_newline_is_not_added(tree):
    (tree / "n.pkr.hcl").write_bytes(b"a=1")
    run_fmt("n.pkr.hcl")
    assert (tree / "n.pkr.hcl").read_bytes() == b"a = 1"


def test_byte_order_mark_is_dropped_as_packer_does(tree):
    (tree / "bom.pkr.hcl").write_bytes(b"\xef\xbb\xbfa=1\n")
    assert run_fmt("bom.pkr.hcl")[1] == b"bom.pkr.hcl\n"
    assert (tree / "bom.pkr.hcl").read_bytes() == b"a = 1\n"


def test_malformed_file_is_untouched_and_reported_with_positions(tree):
    (tree / "bad.pkr.hcl").write_bytes(MALFORMED)
    assert run_fmt("bad.pkr.hcl") == (1, b"", MALFORMED_REPORT.format(path="bad.pkr.hcl"))
    assert (tree / "bad.pkr.hcl").read_bytes() == MALFORMED


def test_malformed_file_does_not_stop_the_others_and_errors_beat_check(tree):
    (tree / "d" / "bad.pkr.hcl").write_bytes(MALFORMED)
    code, out, err = run_fmt("-check", "d")
    assert code == 1
    assert out == b"d/web.pkr.hcl\nd/a.auto.pkrvars.hcl\nd/prod.pkrvars.hcl\n"
    assert err == MALFORMED_REPORT.format(path="d/bad.pkr.hcl")


def test_every_syntax_error_of_a_file_is_listed(tree):
    (tree / "two.pkr.hcl").write_bytes(b"a = \nb = \n")
    err = run_fmt("two.pkr.hcl")[2]
    assert "2 errors occurred:\n\t* two.pkr.hcl:1,5-2,1: Invalid expression;" in err
    assert "\n\t* two.pkr.hcl:2,5-3,1: Invalid expression;" in err


def test_invalid_utf8_is_refused_with_its_position_and_file_untouched(tree):
    data = b'a = 1\nb = "x\xffy"\n'
    (tree / "latin.pkr.hcl").write_bytes(data)
    assert run_fmt("latin.pkr.hcl") == (
        1,
        b"",
        "Error: encountered an error while formatting latin.pkr.hcl\n\n1 error occurred:\n"
        "\t* latin.pkr.hcl:2,7-8: Invalid character encoding; All input files must be UTF-8 encoded."
        " Ensure that UTF-8 encoding is selected in your editor.\n\n\n",
    )
    assert (tree / "latin.pkr.hcl").read_bytes() == data


# -- standard input ----------------------------------------------------------


def test_stdin_is_formatted_to_stdout(monkeypatch):
    assert run_fmt("-", stdin=b"a=1\r\nbb=2", monkeypatch=monkeypatch) == (
        0,
        b"a  = 1\r\nbb = 2",
        "",
    )


def test_canonical_stdin_is_echoed(monkeypatch):
    assert run_fmt("-", stdin=PRETTY, monkeypatch=monkeypatch) == (0, PRETTY, "")


def test_stdin_check_prints_nothing_and_exits_3_when_it_would_change(monkeypatch):
    assert run_fmt("-check", "-diff", "-", stdin=UGLY, monkeypatch=monkeypatch) == (3, b"", "")


def test_stdin_with_write_false_prints_nothing(monkeypatch):
    assert run_fmt("-write=false", "-", stdin=UGLY, monkeypatch=monkeypatch) == (0, b"", "")


def test_malformed_stdin_is_reported_as_dash(monkeypatch):
    assert run_fmt("-", stdin=MALFORMED, monkeypatch=monkeypatch) == (
        1,
        b"",
        MALFORMED_REPORT.format(path="-"),
    )


# -- writing -----------------------------------------------------------------


def test_rewrite_keeps_the_file_mode_and_leaves_no_temporary_file(tree):
    target = tree / "d" / "web.pkr.hcl"
    target.chmod(0o640)
    run_fmt("d/web.pkr.hcl")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in (tree / "d").iterdir() if p.name.startswith(".")) == [".hidden"]


def test_rewrite_through_a_symlink_keeps_the_link(tree):
    link = tree / "link.pkr.hcl"
    link.symlink_to("d/web.pkr.hcl")
    assert run_fmt("link.pkr.hcl")[1] == b"link.pkr.hcl\n"
    assert link.is_symlink()
    assert (tree / "d" / "web.pkr.hcl").read_bytes() == PRETTY


def test_replace_file_leaves_original_when_writing_fails(tree, monkeypatch):
    target = tree / "d" / "web.pkr.hcl"

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fmt_command.os, "replace", refuse)
    code, out, err = run_fmt("d/web.pkr.hcl")
    assert code == 1
    assert (
        "Error: encountered an error while formatting d/web.pkr.hcl\n\nopen d/web.pkr.hcl: permission denied\n"
        in err
    )
    assert target.read_bytes() == UGLY
    assert sorted(p.name for p in (tree / "d").iterdir() if p.name.startswith(".")) == [".hidden"]


# -- diff without the diff program ---------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (UGLY, PRETTY),
        (b"a=1", b"a = 1"),
        (
            b"x = 1\n" * 8 + b"a=1\n" + b"y = 2\n" * 8 + b"b=2\n",
            b"x = 1\n" * 8 + b"a = 1\n" + b"y = 2\n" * 8 + b"b = 2\n",
        ),
        (b"a=1\nb = 2\nc = 3\nd = 4\ne=5\n", b"a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n"),
    ],
)
def test_python_diff_matches_the_diff_program_on_simple_changes(old, new):
    if shutil.which("diff") is None:
        pytest.skip("no diff program to compare with")
    assert fmt_command._python_unified_diff(old, new, "t") == fmt_command.unified_diff(
        old, new, "t"
    )


@pytest.mark.corpus
def test_python_diff_patches_every_corpus_template_into_its_formatted_form(tmp_path):
    if shutil.which("patch") is None:
        pytest.skip("no patch program")
    require_corpus("templates")
    templates = sorted((CORPUS / "templates").glob("*.hcl"))
    checked = 0
    for template in templates:
        source = template.read_bytes()
        formatted = format_source(source.decode("utf-8")).encode("utf-8")
        if formatted == source:
            continue
        work = tmp_path / "t"
        work.write_bytes(source)
        patch = fmt_command._python_unified_diff(source, formatted, "t")
        subprocess.run(
            ["patch", "-s", "-p1", str(work)], input=patch, check=True, capture_output=True
        )
        assert work.read_bytes() == formatted, template.name
        checked += 1
    assert checked > 30


# -- side by side with packer and as a process ------------------------------


@pytest.mark.packer
@pytest.mark.corpus
@pytest.mark.parametrize("flags", [["-diff"], ["-check"]])
def test_corpus_output_and_files_match_packer(tmp_path, flags):
    if PACKER is None:
        pytest.skip("packer is not installed")
    require_corpus("templates")
    templates = sorted((CORPUS / "templates").glob("*.hcl"))
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for root in (ours, theirs):
        root.mkdir()
        for template in templates:
            if not template.name.startswith(
                "018_"
            ):  # malformed: the error wording differs on purpose
                shutil.copyfile(template, root / template.name)
    packer = subprocess.run(
        [PACKER, "fmt", *flags, "."], cwd=theirs, capture_output=True, check=False
    )
    os.chdir(ours)
    code, out, err = run_fmt(*flags, ".")
    assert (code, out, err) == (packer.returncode, packer.stdout, packer.stderr.decode())
    assert snapshot(ours) == snapshot(theirs)


RUN_MAIN_AND_LIST_MODULES = """
import runpy, sys
sys.argv = ["imagehub", *sys.argv[1:]]
try:
    runpy.run_module("builds.engine", run_name="__main__", alter_sys=True)
except SystemExit as done:
    print("\\n".join(sorted(sys.modules)), file=sys.stderr)
    raise
"""


def test_command_line_process_exit_status_and_no_dashboard_imports(tree):
    done = subprocess.run(
        [sys.executable, "-c", RUN_MAIN_AND_LIST_MODULES, "fmt", "-check", "d"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    assert done.stdout == "d/web.pkr.hcl\nd/a.auto.pkrvars.hcl\nd/prod.pkrvars.hcl\n"
    imported = set(done.stderr.split())
    assert "builds.engine.commands.fmt" in imported
    heavy = {
        "django",
        "channels",
        "daphne",
        "imagehub",
        "boto3",
        "paramiko",
        "yaml",
        "cryptography",
    }
    assert {name for name in imported if name.split(".")[0] in heavy} == set()
    commands = {name for name in imported if name.startswith("builds.engine.commands.")}
    assert commands == {"builds.engine.commands.fmt", "builds.engine.commands.flags"}


def test_command_line_process_exit_status_for_a_malformed_file(tree):
    (tree / "bad.pkr.hcl").write_bytes(MALFORMED)
    done = subprocess.run(
        [sys.executable, "-m", "builds.engine", "fmt", "bad.pkr.hcl"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == MALFORMED_REPORT.format(path="bad.pkr.hcl")
