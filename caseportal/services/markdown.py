"""Markdown from cases, staff and candidates, rendered and sanitised so nothing can run script.

Rendering and cleaning cost about half of a candidate's page, and the texts (offers, briefs, notes) rarely change,
so finished HTML is kept in a small LRU keyed by a hash of the text, the URLs its link map gave and the options.
"""

from __future__ import annotations

from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from caseportal.casebook.links import link_tokens

from .memo import DigestLRU, digest

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img", "del",
}
ALLOWED_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
#: Part of every cache key, so a change to the parser or sanitiser settings never serves HTML made under old ones.
_OPTIONS = digest(repr((sorted(ALLOWED_TAGS), sorted((k, sorted(v)) for k, v in ALLOWED_ATTRS.items()),
                        sorted(URL_SCHEMES), _md.options))).hex()
CACHE_SIZE = 512
#: At most this many characters of HTML are kept per web process.
CACHE_CHARS = 8_000_000

#: Maps a link's or image's target (and whether it is an image) to the URL to use instead; "" unlinks a link.
LinkMap = Callable[[str, bool], str]


_targets_cache: DigestLRU[tuple[tuple[str, bool], ...]] = DigestLRU(CACHE_SIZE)
_html_cache: DigestLRU[str] = DigestLRU(CACHE_SIZE, max_weight=CACHE_CHARS)


def _link_targets(text: str, key: bytes) -> tuple[tuple[str, bool], ...]:
    """The text's link and image targets in order; cached, so a page's link map runs without parsing again."""
    found = _targets_cache.get(key)
    if found is not None:
        return found
    targets = tuple((str(tok.attrGet(attr) or ""), image) for tok, attr, image in link_tokens(_md.parse(text)))
    _targets_cache.put(key, targets)
    return targets


def _render_uncached(text: str, mapped: tuple[str, ...] | None) -> str:
    if mapped is None:
        html = _md.render(text)
    else:
        tokens = _md.parse(text)
        for (tok, attr, image), new in zip(link_tokens(tokens), mapped, strict=True):
            if new or image:
                tok.attrSet(attr, new)
            else:
                tok.attrs.pop(attr, None)
        html = _md.renderer.render(tokens, _md.options, {})
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRS, url_schemes=URL_SCHEMES, link_rel=None)


def render(text: str | None, links: LinkMap | None = None) -> Markup:
    """Markdown to safe HTML: raw HTML is escaped by the parser, and nh3 strips what slips through.

    ``links`` lets a page point a case's relative links (``data/funnel.csv``) at its own routes; the new URLs go
    through the same sanitiser as everything else. The map is called on every request (its URLs depend on the
    page), and its answers are part of the cache key, so the cache never serves one page's links to another.
    """
    text = text or ""
    mapped: tuple[str, ...] | None = None
    if links is None:
        key = digest(_OPTIONS, "plain", text)
    else:
        mapped = tuple(links(target, image) for target, image in _link_targets(text, digest(_OPTIONS, "targets", text)))
        key = digest(_OPTIONS, "linked", text, *mapped)
    html = _html_cache.get(key)
    if html is None:
        html = _render_uncached(text, mapped)
        _html_cache.put(key, html, len(html))
    return Markup(html)  # noqa: S704 - sanitised by nh3 in _render_uncached


def clear_cache() -> None:
    """Forget every rendered text (tests that count renders start from here)."""
    _targets_cache.clear()
    _html_cache.clear()
