"""Tests of per-file differences between two file sets."""

from imagehub.diffs import Segment, diff_file_sets, diff_texts


def test_each_file_is_reported_added_removed_changed_or_unchanged():
    old = {"a.pkr.hcl": "x\n", "b.pkr.hcl": "same\n", "c.pkr.hcl": "gone\n"}
    new = {"a.pkr.hcl": "y\n", "b.pkr.hcl": "same\n", "d.pkr.hcl": "new\n"}
    result = {d.name: d.status for d in diff_file_sets(old, new)}
    assert result == {"a.pkr.hcl": "changed", "b.pkr.hcl": "unchanged", "c.pkr.hcl": "removed",
                      "d.pkr.hcl": "added"}


def test_hunks_are_headed_and_numbered_as_diff_u_does():
    old = "".join(f"line {i}\n" for i in range(1, 21))
    new = old.replace("line 10\n", "line ten\n")
    diff = diff_texts("a.pkr.hcl", old, new)
    assert (diff.added, diff.removed) == (1, 1)
    [hunk] = diff.hunks
    assert hunk.header == "@@ -7,7 +7,7 @@"
    kinds = [(line.kind, line.old_number, line.new_number) for line in hunk.lines]
    assert kinds[:3] == [("context", 7, 7), ("context", 8, 8), ("context", 9, 9)]
    assert kinds[3:5] == [("removed", 10, None), ("added", None, 10)]
    assert [line.text for line in hunk.lines[3:5]] == ["line 10", "line ten"]


def test_changed_words_of_a_changed_line_are_marked():
    diff = diff_texts("a.pkr.hcl", 'region = "eu-west-1"\n', 'region = "eu-north-1"\n')
    removed, added = diff.hunks[0].lines
    assert removed.segments == (Segment('region = "eu-'), Segment("west", True), Segment('-1"'))
    assert added.segments == (Segment('region = "eu-'), Segment("north", True), Segment('-1"'))
    assert added.text == 'region = "eu-north-1"'


def test_unrelated_lines_are_not_marked_inside():
    diff = diff_texts("a.pkr.hcl", "abcdef\n", "uvwxyz\n")
    assert all(len(line.segments) == 1 for line in diff.hunks[0].lines)


def test_a_missing_final_newline_is_noted():
    diff = diff_texts("a.pkr.hcl", "a\nb", "a\nb\n")
    removed, added = diff.hunks[0].lines[1:]
    assert removed.no_newline and not added.no_newline


def test_windows_line_endings_are_not_shown_in_the_text():
    diff = diff_texts("a.pkr.hcl", "a\r\nb\r\n", "a\r\nc\r\n")
    assert [line.text for line in diff.hunks[0].lines] == ["a", "b", "c"]


def test_an_added_file_is_all_added_lines():
    [diff] = diff_file_sets({}, {"n.pkr.hcl": "1\n2\n"})
    assert diff.hunks[0].header == "@@ -0,0 +1,2 @@"
    assert [line.kind for line in diff.hunks[0].lines] == ["added", "added"]
