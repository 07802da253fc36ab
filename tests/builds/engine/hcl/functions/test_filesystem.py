"""Tests for the filesystem functions: paths resolve against the context's directory."""

import os

import pytest

from builds.engine.hcl.functions import FUNCTIONS, FunctionContext, FunctionError


@pytest.fixture
def tree(tmp_path):
    for relative in ["hello.txt", "files/a.txt", "files/b.sh", "files/sub/c.txt", "files/sub/deep/d.txt",
                     "files/.hidden.txt", "files/x.bin"]:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"content of {relative}\n")
    (tmp_path / "files" / "x.bin").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "files" / "dir.txt").mkdir()
    return tmp_path


def test_file_reads_relative_to_the_context_directory(call, tree):
    assert call("file", "hello.txt") == "content of hello.txt\n"
    assert call("file", str(tree / "files" / "a.txt")) == "content of files/a.txt\n"


def test_file_expands_the_home_directory(call, tree, monkeypatch):
    monkeypatch.setenv("HOME", str(tree))
    assert call("file", "~/hello.txt") == "content of hello.txt\n"


def test_missing_file_says_where_it_looked(call_error, tree):
    assert call_error("file", "nope.txt") == (f'Call to function "file" failed: no file exists at {tree}/nope.txt.', None)


def test_binary_file_points_to_filebase64(call_error, tree):
    detail, _ = call_error("file", "files/x.bin")
    assert "contents of files/x.bin are not valid UTF-8; use the filebase64 function" in detail


def test_filebase64_encodes_any_bytes(call, tree):
    assert call("filebase64", "files/x.bin") == "//4A"


def test_filebase64_of_missing_file_fails(call_error, tree):
    detail, _ = call_error("filebase64", "nope")
    assert detail.startswith('Call to function "filebase64" failed: failed to read file "nope":')


def test_fileexists_answers_for_regular_files(call, call_error, tree):
    assert call("fileexists", "hello.txt") is True
    assert call("fileexists", "nope.txt") is False
    detail, _ = call_error("fileexists", "files")
    assert detail == f'Call to function "fileexists" failed: {tree}/files is not a regular file, but "drwxr-xr-x".'


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*.txt", [".hidden.txt", "a.txt"]),
        ("**/*.txt", [".hidden.txt", "a.txt", "sub/c.txt", "sub/deep/d.txt"]),
        ("{sub,sub/deep}/*.txt", ["sub/c.txt", "sub/deep/d.txt"]),
        ("*.{sh,bin}", ["b.sh", "x.bin"]),
        ("[ab].*", ["a.txt", "b.sh"]),
        ("[!ab].*", ["x.bin"]),
        ("?.sh", ["b.sh"]),
        ("sub/**", ["sub/c.txt", "sub/deep/d.txt"]),
        ("nothing*", []),
        ("a.txt", ["a.txt"]),
        ("./sub/c.txt", ["sub/c.txt"]),
    ],
)
def test_fileset_globs_like_doublestar(call, tree, pattern, expected):
    assert call("fileset", "files", pattern) == expected


def test_templatefile_renders_through_the_context(tree):
    (tree / "t.tpl").write_text("Hello, ${name}!")
    seen = []

    def render(text, filename, variables):
        seen.append((text, filename, variables))
        return text.replace("${name}", variables["name"])

    ctx = FunctionContext(cwd=tree, render_template=render)
    assert FUNCTIONS["templatefile"].call(ctx, ["t.tpl", {"name": "World"}]) == "Hello, World!"
    assert seen == [("Hello, ${name}!", "t.tpl", {"name": "World"})]


def test_templatefile_needs_a_renderer(call_error, tree):
    (tree / "t.tpl").write_text("x")
    assert call_error("templatefile", "t.tpl", {}) == (
        'Call to function "templatefile" failed: templatefile is not available here: there is no template renderer.',
        None,
    )


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ([1], ('Invalid value for "vars" parameter: invalid vars value: must be a map.', 1)),
        ({"1x": 1}, (
            'Invalid value for "vars" parameter: invalid template variable name "1x": must start with a letter, '
            "followed by zero or more letters, digits, and underscores.",
            1,
        )),
    ],
)
def test_templatefile_checks_its_variables(tree, variables, expected):
    (tree / "t.tpl").write_text("x")
    ctx = FunctionContext(cwd=tree, render_template=lambda text, name, values: text)
    with pytest.raises(FunctionError) as info:
        FUNCTIONS["templatefile"].call(ctx, ["t.tpl", variables])
    assert (info.value.detail, info.value.arg_index) == expected


@pytest.mark.parametrize(
    ("name", "path", "expected"),
    [
        ("basename", "foo/bar/baz.txt", "baz.txt"),
        ("basename", "foo/bar/", "bar"),
        ("basename", "/", "/"),
        ("basename", "", "."),
        ("dirname", "foo/bar/baz.txt", "foo/bar"),
        ("dirname", "baz.txt", "."),
        ("dirname", "/baz.txt", "/"),
        ("dirname", "a//b/../c/d", "a/c"),
        ("pathexpand", "/etc/resolv.conf", "/etc/resolv.conf"),
    ],
)
def test_path_functions_follow_go_filepath(call, name, path, expected):
    assert call(name, path) == expected


def test_abspath_is_relative_to_the_context_directory(call, tree):
    assert call("abspath", "files/../hello.txt") == f"{tree}/hello.txt"
    assert call("abspath", "/a/./b/") == "/a/b"


def test_pathexpand_replaces_the_home_directory(call, monkeypatch):
    monkeypatch.setenv("HOME", "/home/packer")
    assert call("pathexpand", "~/.ssh/id_rsa") == "/home/packer/.ssh/id_rsa"
    assert call("pathexpand", "~") == "/home/packer"


def test_pathexpand_cannot_expand_other_users(call_error):
    assert call_error("pathexpand", "~root/x") == (
        'Call to function "pathexpand" failed: failed to expand ~: cannot expand user-specific home dir.', None
    )


def test_fileset_follows_a_symlinked_directory_without_looping(call, tree):
    os.symlink(tree / "files", tree / "files" / "sub" / "loop")
    assert "sub/loop/a.txt" in call("fileset", "files", "**/*.txt")
