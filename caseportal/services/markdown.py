"""Markdown from cases, staff and candidates, rendered and sanitised so nothing can run script."""

from __future__ import annotations

import bleach
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = [
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img", "del",
]
ALLOWED_ATTRS = {"a": ["href", "title"], "img": ["src", "alt", "title"], "th": ["align"], "td": ["align"]}


def render(text: str | None) -> Markup:
    """Markdown to safe HTML: raw HTML is escaped by the parser, and bleach strips what slips through."""
    html = _md.render(text or "")
    clean = bleach.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRS, protocols=["http", "https", "mailto"], strip=True
    )
    return Markup(clean)  # noqa: S704 - sanitised above
