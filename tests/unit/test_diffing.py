"""diff_against_starter: which files changed and by how many lines, as a reviewer and the suggestions need it."""

from __future__ import annotations

import difflib

from caseportal.services.diffing import (
    MAX_RENDERED_LINES,
    diff_against_starter,
    split_lines,
    summarize,
)

STARTER = {
    "app.py": b"def f():\n    return 1\n\n\ndef g():\n    return 2\n",
    "README.md": b"# Readme\n",
    "old.txt": b"one\ntwo\n",
    "same.py": b"x = 1\n",
}


def test_added_removed_changed_files_and_unchanged_left_out() -> None:
    files = {
        "app.py": b"def f():\n    return 10\n\n\ndef g():\n    return 2\n",
        "README.md": b"# Readme\n",
        "same.py": b"x = 1\n",
        "new.py": b"a = 1\nb = 2\nc = 3\n",
    }
    diffs = diff_against_starter(STARTER, files)
    assert [(d.path, d.status, d.added, d.removed) for d in diffs] == [
        ("app.py", "changed", 1, 1),
        ("new.py", "added", 3, 0),
        ("old.txt", "removed", 0, 2),
    ]
    s = summarize(diffs)
    assert (s.files_added, s.files_removed, s.files_changed, s.files_total) == (1, 1, 1, 3)
    assert (s.lines_added, s.lines_removed) == (4, 3)


def test_no_changes_is_an_empty_list() -> None:
    assert diff_against_starter(STARTER, dict(STARTER)) == []
    assert summarize([]).files_total == 0


def test_rendered_lines_have_kinds_and_line_numbers() -> None:
    (d,) = diff_against_starter({"a.py": b"1\n2\n3\n"}, {"a.py": b"1\ntwo\n3\n4\n"})
    rows = [(ln.kind, ln.text, ln.old_no, ln.new_no) for ln in d.lines]
    assert rows == [
        ("hunk", "@@ -1,3 +1,4 @@", None, None),
        ("context", "1", 1, 1),
        ("del", "2", 2, None),
        ("add", "two", None, 2),
        ("context", "3", 3, 3),
        ("add", "4", None, 4),
    ]
    assert (d.added, d.removed) == (2, 1)


def test_unified_text_matches_difflib() -> None:
    old = "".join(f"line {i}\n" for i in range(1, 40))
    new = old.replace("line 5\n", "line five\n").replace("line 30\n", "") + "tail\n"
    (d,) = diff_against_starter({"x.txt": old.encode()}, {"x.txt": new.encode()})
    expected = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "a/x.txt", "b/x.txt", lineterm=""))
    assert d.unified.splitlines() == expected
    assert (d.added, d.removed) == (2, 2)
    assert sum(1 for ln in d.lines if ln.kind == "hunk") == 3


def test_added_and_removed_files_count_every_line() -> None:
    (added,) = diff_against_starter({}, {"n.py": b"a\nb"})  # no final newline: still two lines
    assert (added.status, added.added, added.removed) == ("added", 2, 0)
    assert added.unified.startswith("--- /dev/null\n+++ b/n.py\n")
    (removed,) = diff_against_starter({"o.py": b"a\nb\nc\n"}, {})
    assert (removed.status, removed.added, removed.removed) == ("removed", 0, 3)
    assert "+++ /dev/null" in removed.unified


def test_empty_files() -> None:
    (d,) = diff_against_starter({}, {"empty.py": b""})
    assert (d.status, d.added, d.removed, d.binary) == ("added", 0, 0, False)


def test_binary_files_are_flagged_without_line_counts() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    diffs = diff_against_starter({"logo.png": png}, {"logo.png": png + b"\x00", "new.bin": b"\xff\xfe\x00"})
    assert [(d.path, d.status, d.binary, d.added, d.removed, d.lines) for d in diffs] == [
        ("logo.png", "changed", True, 0, 0, ()),
        ("new.bin", "added", True, 0, 0, ()),
    ]


def test_invalid_utf8_is_binary() -> None:
    (d,) = diff_against_starter({"a.txt": b"ok\n"}, {"a.txt": b"caf\xe9\n"})
    assert d.binary and d.status == "changed"


def test_line_ending_only_change_is_reported_without_line_counts() -> None:
    (d,) = diff_against_starter({"a.py": b"x\ny\n"}, {"a.py": b"x\r\ny\r\n"})
    assert (d.status, d.added, d.removed) == ("changed", 0, 0)
    assert d.lines[0].kind == "hunk"


def test_huge_files_keep_exact_counts_but_are_not_rendered() -> None:
    old = "".join(f"{i}\n" for i in range(MAX_RENDERED_LINES + 10))
    new = old.replace("7\n", "seven\n", 1)
    (d,) = diff_against_starter({"big.csv": old.encode()}, {"big.csv": new.encode()})
    assert d.truncated and d.lines == ()
    assert (d.added, d.removed) == (1, 1)


def test_paths_are_sorted() -> None:
    diffs = diff_against_starter({}, {"b.py": b"1\n", "a/z.py": b"1\n", "a.py": b"1\n"})
    assert [d.path for d in diffs] == ["a.py", "a/z.py", "b.py"]


def test_split_lines_counts_like_an_editor() -> None:
    assert split_lines("") == []
    assert split_lines("a") == ["a"]
    assert split_lines("a\n") == ["a"]
    assert split_lines("a\n\n") == ["a", ""]
    assert split_lines("a\r\nb\rc\n") == ["a", "b", "c"]
    # form feeds and Unicode separators do not end a line (str.splitlines would split here)
    assert split_lines("a\x0cb\u2028c\n") == ["a\x0cb\u2028c"]
