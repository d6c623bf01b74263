"""The caches in front of Markdown rendering and syntax highlighting: unchanged input is not rendered again, and a
cached answer is never served for other input (another text, another page's links, another file)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from caseportal.services import highlight, markdown
from caseportal.services.memo import DigestLRU, digest

BRIEF = "# Task\n\nSee [the data](data/funnel.csv) and ![chart](data/chart.svg).\n"


@pytest.fixture()
def renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every real Markdown render, recorded; the caches start empty."""
    calls: list[Any] = []
    real = markdown._render_uncached

    def counting(text: str, mapped: tuple[str, ...] | None) -> str:
        calls.append((text, mapped))
        return real(text, mapped)

    markdown.clear_cache()
    monkeypatch.setattr(markdown, "_render_uncached", counting)
    yield calls
    markdown.clear_cache()


def test_unchanged_markdown_is_rendered_once(renders: list[Any]) -> None:
    first = markdown.render("Mentoring and a **budget**.")
    again = markdown.render("Mentoring and a **budget**.")
    assert first == again == "<p>Mentoring and a <strong>budget</strong>.</p>\n"
    assert len(renders) == 1
    markdown.render("Mentoring and a **bigger budget**.")
    assert len(renders) == 2


def test_the_link_map_is_asked_every_time_and_its_answers_key_the_cache(renders: list[Any]) -> None:
    def page(prefix: str) -> markdown.LinkMap:
        return lambda target, image: f"/{prefix}/{target}"

    a = markdown.render(BRIEF, page("a"))
    b = markdown.render(BRIEF, page("b"))
    assert 'href="/a/data/funnel.csv"' in a and 'src="/a/data/chart.svg"' in a
    assert 'href="/b/data/funnel.csv"' in b and "/a/" not in b
    assert markdown.render(BRIEF, page("a")) == a
    assert len(renders) == 2
    plain = markdown.render(BRIEF)
    assert 'href="data/funnel.csv"' in plain and len(renders) == 3


def test_urls_from_a_link_map_are_sanitised_and_stay_so_from_the_cache(renders: list[Any]) -> None:
    def hostile(target: str, image: bool) -> str:
        return "javascript:alert(1)"

    for _ in range(2):
        html = markdown.render(BRIEF, hostile)
        assert "javascript" not in html and "<a>the data</a>" in html
    assert len(renders) == 1


def test_unlinking_and_sanitising_match_an_uncached_render(renders: list[Any]) -> None:
    text = "[x](javascript:alert(1)) [ok](https://example.org) <img src=x onerror=alert(1)> [gone](data/x.csv)"
    html = markdown.render(text, lambda target, image: "" if target.startswith("data/") else target)
    assert html == markdown.render(text, lambda target, image: "" if target.startswith("data/") else target)
    assert '<a href="https://example.org">ok</a>' in html and "<a>gone</a>" in html
    assert "onerror" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "<img" not in html


def test_the_lru_drops_the_least_recently_used_by_count_and_by_weight() -> None:
    lru: DigestLRU[str] = DigestLRU(2, max_weight=10)
    lru.put(b"a", "A", 4)
    lru.put(b"b", "B", 4)
    assert lru.get(b"a") == "A"  # a is now the most recent
    lru.put(b"c", "C", 1)
    assert lru.get(b"b") is None and lru.get(b"a") == "A" and lru.get(b"c") == "C"
    lru.put(b"d", "D", 10)  # the whole budget: a and c go
    assert lru.get(b"d") == "D" and len(lru) == 1
    lru.put(b"e", "E", 11)  # heavier than the whole budget: not kept, nothing else lost
    assert lru.get(b"e") is None and lru.get(b"d") == "D"


def test_digest_parts_are_separated() -> None:
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("x") == digest("x")


def test_a_file_is_highlighted_once_per_name_and_content(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = highlight._highlight_lines

    def counting(path: str, text: str) -> list[Any]:
        calls.append(path)
        return real(path, text)

    monkeypatch.setattr(highlight, "_highlight_lines", counting)
    code = "def f(x):\n    return x < 2  # <b>\n"
    first = highlight.highlight_lines("src/cache_test_unique.py", code)
    again = highlight.highlight_lines("src/cache_test_unique.py", code)
    assert first == again and len(first) == 2 and "&lt;b&gt;" in first[1]
    assert len(calls) == 1
    again.append(first[0])  # a caller changing its list does not change the cached one
    assert len(highlight.highlight_lines("src/cache_test_unique.py", code)) == 2
    highlight.highlight_lines("src/cache_test_unique.py", code + "y = 1\n")
    highlight.highlight_lines("src/cache_test_unique.txt", code)
    assert len(calls) == 3
