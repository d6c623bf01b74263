"""Syntax highlighting of submitted files, one safe HTML fragment per source line.

Per line (not one big block) so the reviewer page can put line anchors and comments between lines. Pygments
escapes every character of the source; nothing a candidate writes becomes markup. Handed-in files never change and
highlighting was a third of the reviewer's page, so results are kept in a small LRU keyed by name and content.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePosixPath

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

from .diffing import split_lines
from .memo import DigestLRU, digest

#: CSS class wrapping highlighted code; the stylesheet is scoped to it so Pygments rules cannot leak.
CSS_CLASS = "hl"
#: Pygments style with AA contrast on its light background.
STYLE = "default"
#: Larger texts are shown escaped but not highlighted: highlighting megabytes would stall the page.
MAX_HIGHLIGHT_CHARS = 400_000
#: Longer files (generated data, logs) are offered as a download instead of tens of thousands of table rows.
MAX_SHOWN_LINES = 5000

#: Highlighted files kept per web process: at most 256 files and 16 million characters of HTML.
_highlighted: DigestLRU[tuple[Markup, ...]] = DigestLRU(256, max_weight=16_000_000)
#: The same files as numbered table rows (the reviewer's code view), keyed by name, content and anchor prefix.
_rows: DigestLRU[tuple[Markup, ...]] = DigestLRU(256, max_weight=24_000_000)


def _lexer(path: str, text: str) -> Lexer:
    options = {"stripnl": False, "stripall": False, "ensurenl": True}
    try:
        return get_lexer_for_filename(PurePosixPath(path).name, text, **options)
    except ClassNotFound:
        plain: Lexer = TextLexer(**options)  # the stubs type pygments.lexers' lazy attributes as Any
        return plain


def lexer_name(path: str) -> str:
    """The language a file is highlighted as (shown next to the file name)."""
    return _lexer_name(PurePosixPath(path).name)


@lru_cache(maxsize=512)
def _lexer_name(name: str) -> str:
    try:
        return str(get_lexer_for_filename(name).name)
    except ClassNotFound:
        return "Text"


def _plain(lines: list[str]) -> list[Markup]:
    return [escape(line) for line in lines]


def highlight_lines(path: str, text: str) -> list[Markup]:
    """The file as one HTML fragment per line (same count as diffing.split_lines), spans closed on each line."""
    name = PurePosixPath(path).name  # the lexer goes by the name (and the text), never by the folder
    key = digest(name, text)
    found = _highlighted.get(key)
    if found is None:
        found = tuple(_highlight_lines(name, text))
        _highlighted.put(key, found, sum(len(line) for line in found))
    return list(found)


def table_rows(path: str, text: str, anchor: str) -> tuple[Markup, ...]:
    """One ``<tr>`` per line (number with its ``#<anchor>-<n>`` link, highlighted code), built once per content.

    The reviewer's page showed every line through a Jinja loop on every request; the rows depend only on the
    file's name, its text and the anchor prefix, all part of the key, so an edited file gets new rows at once.
    """
    key = digest("rows", PurePosixPath(path).name, text, anchor)
    found = _rows.get(key)
    if found is None:
        a = escape(anchor)
        found = tuple(Markup(f'<tr id="{a}-{n}"><td class="ln"><a href="#{a}-{n}">{n}</a></td>'  # noqa: S704
                             f'<td class="code">{line}</td></tr>')  # line is highlight_lines' escaped HTML
                      for n, line in enumerate(highlight_lines(path, text), start=1))
        _rows.put(key, found, sum(len(row) for row in found))
    return found


def _highlight_lines(path: str, text: str) -> list[Markup]:
    lines = split_lines(text)
    if not lines or len(text) > MAX_HIGHLIGHT_CHARS:
        return _plain(lines)
    normalised = "\n".join(lines) + "\n"
    try:
        html = highlight(normalised, _lexer(path, normalised), HtmlFormatter(nowrap=True))
    except Exception:  # noqa: BLE001 - a lexer bug must not hide the candidate's work: fall back to plain text
        return _plain(lines)
    out = html.split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(lines):  # a lexer that merged or split lines: line anchors must stay exact
        return _plain(lines)
    # HtmlFormatter escapes the source and closes its spans at every line end (see _format_lines).
    return [Markup(line) for line in out]  # noqa: S704 - Pygments output, source escaped


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """Pygments CSS scoped to ``.hl`` (without the unscoped ``pre``/line-number rules get_style_defs adds)."""
    fmt = HtmlFormatter(style=STYLE)
    scope = f".{CSS_CLASS}"
    background: list[str] = fmt.get_background_style_defs(scope)  # type: ignore[no-untyped-call]  # unannotated in stubs
    tokens: list[str] = fmt.get_token_style_defs(scope)  # type: ignore[no-untyped-call]  # unannotated in stubs
    rules = background + tokens
    return "\n".join(rules) + "\n"
