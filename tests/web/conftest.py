"""Shared by the web suites: what a browser would treat as executable in a page."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Tags(HTMLParser):
    """Collects the tags and attributes a browser would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_no_executable_markup(html: str) -> None:
    """Text may mention <script>, onerror= or javascript: (escaped); the parsed markup must not contain them."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    assert parser.tags, "nothing parsed"
    for tag, attrs in parser.tags:
        assert tag not in ("script", "svg", "math", "embed", "base"), tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction", "data", "srcdoc"):
                assert not re.sub(r"[\s\x00-\x1f]", "", value or "").lower().startswith(("javascript:", "data:text"))
    assert "<script" not in html.lower()
