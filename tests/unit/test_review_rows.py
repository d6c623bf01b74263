"""The reviewer's code view rows (services.highlight.table_rows): built once per file content, never stale."""

from __future__ import annotations

from typing import Any

import pytest

from caseportal.services import highlight


def test_rows_carry_line_anchors_and_escaped_highlighted_code() -> None:
    rows = highlight.table_rows("pkg/rows_a.py", "x = '<b>'\ny = 2\n", "L-3")
    assert len(rows) == 2
    assert rows[0].startswith('<tr id="L-3-1"><td class="ln"><a href="#L-3-1">1</a></td><td class="code">')
    assert "&lt;b&gt;" in rows[0] and "<b>" not in rows[0]
    assert rows[1].startswith('<tr id="L-3-2">')


def test_rows_are_built_once_and_a_change_shows_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    real = highlight.highlight_lines

    def counting(path: str, text: str) -> Any:
        built.append(text)
        return real(path, text)

    monkeypatch.setattr(highlight, "highlight_lines", counting)
    code = "def f():\n    return 1\n"
    first = highlight.table_rows("rows_b.py", code, "L-0")
    assert highlight.table_rows("rows_b.py", code, "L-0") is first
    assert len(built) == 1

    edited = highlight.table_rows("rows_b.py", code.replace("1", "2"), "L-0")
    assert '<span class="mi">2</span>' in edited[1] and '<span class="mi">1</span>' in first[1], \
        "an edited file gets new rows at once"
    moved = highlight.table_rows("rows_b.py", code, "L-1")
    assert moved[0].startswith('<tr id="L-1-1">'), "the anchor is part of the key"
    assert len(built) == 3
