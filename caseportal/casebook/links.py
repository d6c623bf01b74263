"""Relative links in a case's brief (``[funnel](data/funnel.csv)``, ``![](data/screen-1.svg)``).

One parser and one reading of a link target, so the validator (which refuses links to files a case does not ship)
and the pages that show a brief (which point them at the download routes) agree on what a brief links to. No Flask
and nothing else of the casebook here: the validator and the Markdown renderer both import it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

# The same dialect as services.markdown renders (raw HTML off, so only Markdown links and images count).
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
#: The folders whose files a candidate gets: data/ as materials, starter/ in the workspace.
CANDIDATE_FOLDERS = ("data", "starter")


@dataclass(frozen=True)
class Link:
    """A link or image in a brief: its target as written (URL-encoded by the parser) and which of the two it is."""

    target: str
    image: bool


def _walk(tokens: Iterable[Token]) -> Iterator[Token]:
    for tok in tokens:
        yield tok
        if tok.children:
            yield from _walk(tok.children)


def link_tokens(tokens: Iterable[Token]) -> Iterator[tuple[Token, str, bool]]:
    """Each link or image token with the name of its URL attribute and whether it is an image."""
    for tok in _walk(tokens):
        if tok.type == "link_open":
            yield tok, "href", False
        elif tok.type == "image":
            yield tok, "src", True


def brief_links(text: str) -> list[Link]:
    """Every link and image of a brief, in order (reference-style links included)."""
    return [Link(str(tok.attrGet(attr) or ""), image) for tok, attr, image in link_tokens(_md.parse(text))]


def case_path(target: str) -> str | None:
    """The path inside the case folder that a relative link names (``./data/a%20b.csv`` -> ``data/a b.csv``).

    None for what is not a file of the case: absolute URLs, ``mailto:``, ``#anchors``, root-relative paths and an
    empty target. A path that climbs out of the folder comes back starting with ``..``.
    """
    if not target or target.startswith(("#", "/", "\\")) or _SCHEME.match(target):
        return None
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return None
    folder_link = path.endswith("/")
    norm = posixpath.normpath(path)
    return norm + "/" if folder_link and norm != "." else norm


def data_name(path: str) -> str | None:
    """The name of a data file (``data/funnel.csv`` -> ``funnel.csv``), None for other paths."""
    return path[len("data/"):] if path.startswith("data/") and len(path) > len("data/") else None


def link_problem(link: Link, files: Iterable[str]) -> str | None:
    """Why a brief's link cannot work for a candidate, or None when it can (or is not a case file at all).

    ``files`` are the case's files relative to its folder. A link may name a file of data/ or starter/ (or the
    data/ folder itself, shown as the case's materials); an image must come from data/, the one place the page
    can show a case's image from.
    """
    path = case_path(link.target)
    if path is None:
        return None
    shown = unquote(link.target)
    if path == ".." or path.startswith("../"):
        return f"the link {shown!r} points outside the case folder"
    names = set(files)
    if path in ("data", "data/"):
        if link.image:
            return f"the image {shown!r} names the data/ folder; name an image file in it"
        if not any(n.startswith("data/") for n in names):
            return f"the link {shown!r} names the data/ folder, but this case has no data/"
        return None
    top = path.split("/", 1)[0]
    if path not in names:
        return f"the {'image' if link.image else 'link'} {shown!r} names no file of this case"
    if top not in CANDIDATE_FOLDERS:
        return f"the link {shown!r} names a file candidates never get; link only to files in data/ or starter/"
    if link.image and top != "data":
        return f"the image {shown!r} must be a file in data/ so the case page can show it"
    return None
