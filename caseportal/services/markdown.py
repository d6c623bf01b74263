"""Markdown from cases, staff and candidates, rendered and sanitised so nothing can run script."""

from __future__ import annotations

from collections.abc import Callable

import bleach
from markdown_it import MarkdownIt
from markupsafe import Markup

from caseportal.casebook.links import link_tokens

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = [
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img", "del",
]
ALLOWED_ATTRS = {"a": ["href", "title"], "img": ["src", "alt", "title"], "th": ["align"], "td": ["align"]}

#: Maps a link's or image's target (and whether it is an image) to the URL to use instead; "" unlinks a link.
LinkMap = Callable[[str, bool], str]


def render(text: str | None, links: LinkMap | None = None) -> Markup:
    """Markdown to safe HTML: raw HTML is escaped by the parser, and bleach strips what slips through.

    ``links`` lets a page point a case's relative links (``data/funnel.csv``) at its own routes; the new URLs go
    through the same sanitiser as everything else.
    """
    if links is None:
        html = _md.render(text or "")
    else:
        tokens = _md.parse(text or "")
        for tok, attr, image in link_tokens(tokens):
            new = links(str(tok.attrGet(attr) or ""), image)
            if new or image:
                tok.attrSet(attr, new)
            else:
                tok.attrs.pop(attr, None)
        html = _md.renderer.render(tokens, _md.options, {})
    clean = bleach.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRS, protocols=["http", "https", "mailto"], strip=True
    )
    return Markup(clean)  # noqa: S704 - sanitised above
