"""A small, stdlib-only accessibility linter for the sign-up page (html.parser + regexes).

It is deliberately simple: it reads what the page *declares* (labels, alt text, tabindex,
viewport, colours in the CSS) and does not run the page. Screenshots at phone and desktop
widths (cp-screenshot), form_probe.py (what Chromium does with an empty form) and the reviewers
cover what it cannot see. The CSS rules live in a11y_css.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from a11y_contrast import low_contrast
from a11y_css import fixed_widths, focus_outline_removed

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
NON_FIELD_INPUTS = {"submit", "button", "reset", "image", "hidden"}
RAW_TEXT = {"script", "style", "title", "template", "noscript"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    ancestors: tuple[str, ...]  # tags of open ancestors, outermost first
    form_id: str | None  # id of the enclosing form (or the form attribute)
    index: int = 0  # position in Page.elements (document order)
    parent: int | None = None  # index of the parent element
    text: str = ""  # the element's own text, without its children's

    def get(self, name: str, default: str = "") -> str:
        return self.attrs.get(name, default) or default


@dataclass
class Page:
    elements: list[Element] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)  # inline <style> blocks
    stylesheets: list[str] = field(default_factory=list)  # hrefs of linked stylesheets
    html_lang: str = ""

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def ids(self) -> set[str]:
        return {e.attrs["id"] for e in self.elements if e.attrs.get("id")}

    def parent(self, e: Element) -> Element | None:
        return None if e.parent is None else self.elements[e.parent]

    def css(self, base: Path) -> str:
        """All CSS of the page: <style> blocks plus linked local stylesheets."""
        parts = list(self.styles)
        for href in self.stylesheets:
            p = base / href
            if "://" not in href and p.is_file():
                parts.append(p.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[tuple[str, dict[str, str], int]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k.lower(): (v or "") for k, v in attrs_list}
        form_id = attrs.get("form") or next((a.get("id", "") or "(form)" for t, a, _ in reversed(self.stack)
                                             if t == "form"), None)
        index = len(self.page.elements)
        parent = self.stack[-1][2] if self.stack else None
        self.page.elements.append(Element(tag, attrs, tuple(t for t, _, _ in self.stack), form_id, index, parent))
        if tag == "html":
            self.page.html_lang = attrs.get("lang", "")
        if tag == "link" and "stylesheet" in attrs.get("rel", "").lower().split():
            self.page.stylesheets.append(attrs.get("href", ""))
        if tag == "style":
            self._in_style = True
            self.page.styles.append("")
        if tag not in VOID:
            self.stack.append((tag, attrs, index))

    def handle_startendtag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs_list)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._in_style and self.page.styles:
            self.page.styles[-1] += data
        elif self.stack and self.stack[-1][0] not in RAW_TEXT:
            self.page.elements[self.stack[-1][2]].text += data


def parse(html: str) -> Page:
    p = _Parser()
    p.feed(html)
    p.close()
    return p.page


def load(path: str | Path = "index.html") -> tuple[Page, str]:
    """The parsed page and its CSS."""
    path = Path(path)
    page = parse(path.read_text(encoding="utf-8", errors="replace"))
    return page, page.css(path.parent)


# ----------------------------------------------------------------------------- HTML rules


def form_controls(page: Page, form_id: str | None = None) -> list[Element]:
    """Inputs, selects and textareas that carry data (not buttons or hidden inputs)."""
    out = []
    for e in page.elements:
        is_field = e.tag in ("select", "textarea") or (
            e.tag == "input" and e.get("type", "text").lower() not in NON_FIELD_INPUTS)
        if is_field and (form_id is None or e.form_id == form_id):
            out.append(e)
    return out


def describe(e: Element) -> str:
    name = e.get("name") or e.get("id") or "?"
    return f"<{e.tag} name={name}>"


def unlabelled_controls(page: Page) -> list[str]:
    """Controls without a programmatic label. A placeholder is not a label: it disappears
    when you type and many screen readers don't announce it."""
    label_for = {e.get("for") for e in page.all("label") if e.get("for")}
    ids = page.ids()
    out = []
    for e in form_controls(page):
        labelled = (
            (e.get("id") and e.get("id") in label_for)
            or "label" in e.ancestors
            or e.get("aria-label").strip()
            or (e.get("aria-labelledby") and all(i in ids for i in e.get("aria-labelledby").split()))
        )
        if not labelled:
            out.append(describe(e))
    return out


def images_without_alt(page: Page) -> list[str]:
    """<img> without an alt attribute (alt="" is right for decorative images)."""
    return [f"<img src={e.get('src')[:40]}...>" for e in page.all("img") if "alt" not in e.attrs]


def positive_tabindex(page: Page) -> list[str]:
    """tabindex > 0 overrides the natural focus order, which then no longer follows the layout."""
    out = []
    for e in page.elements:
        try:
            if int(e.get("tabindex", "0").strip()) > 0:
                out.append(f"{describe(e)} tabindex={e.get('tabindex')}")
        except ValueError:
            continue
    return out


def has_responsive_viewport(page: Page) -> bool:
    return any(e.get("name").lower() == "viewport" and "width=device-width" in e.get("content").replace(" ", "")
               for e in page.all("meta"))


def submit_controls(page: Page, form_id: str) -> list[Element]:
    """Real submit controls of the form: keyboard and assistive tech can use them."""
    out = []
    for e in page.elements:
        if e.form_id != form_id:
            continue
        if e.tag == "button" and e.get("type", "submit").lower() == "submit":
            out.append(e)
        elif e.tag == "input" and e.get("type").lower() in ("submit", "image"):
            out.append(e)
    return out


def field_type_issues(page: Page) -> list[str]:
    """Email and phone fields with the right type and autocomplete get the right phone keyboard
    and autofill."""
    want = {"email": ("email", "email"), "phone": ("tel", "tel"), "name": (None, "name"),
            "password": ("password", "new-password")}
    out = []
    for e in form_controls(page):
        name = e.get("name")
        if name in want:
            typ, auto = want[name]
            if typ and e.get("type", "text").lower() != typ:
                out.append(f"{describe(e)} should have type={typ}")
            if not e.get("autocomplete"):
                out.append(f"{describe(e)} has no autocomplete (e.g. autocomplete={auto})")
    return out


def findings(page: Page, css: str) -> dict[str, list[str]]:
    """Every rule's findings by kind of problem: the visible check reports how many there are
    of each kind, the hidden checks (and reviewers) get the details."""
    return {
        "labels": unlabelled_controls(page),
        "alt_text": images_without_alt(page),
        "focus_order": positive_tabindex(page),
        "focus_visible": focus_outline_removed(css),
        "contrast": low_contrast(page, css),
        "phone_layout": fixed_widths(css),
        "field_types": field_type_issues(page),
        "viewport_meta": [] if has_responsive_viewport(page) else ["no responsive viewport meta"],
        "page_language": [] if page.html_lang.strip() else ["<html> has no lang attribute"],
    }
