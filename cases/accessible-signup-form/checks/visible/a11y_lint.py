"""A small, stdlib-only accessibility linter for the sign-up page (html.parser + regexes).

It is deliberately simple: it reads what the page *declares* (labels, alt text, tabindex,
viewport, colours in the CSS) and does not run the page. Screenshots at phone and desktop
widths (cp-screenshot) and the reviewers cover what it cannot see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
NON_FIELD_INPUTS = {"submit", "button", "reset", "image", "hidden"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    ancestors: tuple[str, ...]  # tags of open ancestors, outermost first
    form_id: str | None  # id of the enclosing form (or the form attribute)

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
        self.stack: list[tuple[str, dict[str, str]]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k.lower(): (v or "") for k, v in attrs_list}
        form_id = attrs.get("form") or next((a.get("id", "") or "(form)" for t, a in reversed(self.stack)
                                             if t == "form"), None)
        self.page.elements.append(Element(tag, attrs, tuple(t for t, _ in self.stack), form_id))
        if tag == "html":
            self.page.html_lang = attrs.get("lang", "")
        if tag == "link" and "stylesheet" in attrs.get("rel", "").lower().split():
            self.page.stylesheets.append(attrs.get("href", ""))
        if tag == "style":
            self._in_style = True
            self.page.styles.append("")
        if tag not in VOID:
            self.stack.append((tag, attrs))

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
        if e.get("type").lower() == "hidden":
            continue
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


# ----------------------------------------------------------------------------- CSS rules

NAMED = {"white": "#ffffff", "black": "#000000", "red": "#ff0000", "green": "#008000", "blue": "#0000ff",
         "gray": "#808080", "grey": "#808080", "silver": "#c0c0c0", "navy": "#000080", "orange": "#ffa500",
         "transparent": None}
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) for every rule, including rules inside @media blocks."""
    out = []
    for sel, body in _RULE.findall(_COMMENT.sub("", css)):
        decls = {}
        for part in body.split(";"):
            if ":" in part:
                k, v = part.split(":", 1)
                decls[k.strip().lower()] = v.strip().lower().replace("!important", "").strip()
        out.append((" ".join(sel.split()), decls))
    return out


def parse_color(value: str) -> tuple[float, float, float] | None:
    """An sRGB colour from #rgb, #rrggbb, rgb()/rgba() (opaque only) or a few names."""
    v = value.strip().lower()
    m = re.search(r"#([0-9a-f]{6}|[0-9a-f]{3})\b", v)
    if m:
        h = m.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]
    m = re.search(r"rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)(?:[\s,/]+([\d.]+%?))?\s*\)", v)
    if m:
        if m.group(4) and not m.group(4).startswith(("1", "100%")):
            return None  # translucent: depends on what is behind it
        return tuple(int(m.group(i)) / 255 for i in (1, 2, 3))  # type: ignore[return-value]
    if v in NAMED and NAMED[v]:
        return parse_color(NAMED[v])  # type: ignore[arg-type]
    return None


def luminance(rgb: tuple[float, float, float]) -> float:
    def chan(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (chan(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    """WCAG 2 contrast ratio, 1..21."""
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _background(decls: dict[str, str]) -> tuple[float, float, float] | None:
    for key in ("background-color", "background"):
        if key in decls:
            return parse_color(decls[key])
    return None


def low_contrast(css: str, minimum: float = 4.5) -> list[str]:
    """Rules whose declared text colour is below ``minimum`` against the rule's own background
    (or the page background when the rule sets none). Colours it cannot resolve (variables,
    gradients, translucency) are skipped, not guessed."""
    all_rules = rules(css)
    page_bg = (1.0, 1.0, 1.0)
    for sel, decls in all_rules:
        if re.fullmatch(r"(html|body)(\s*,\s*(html|body))?", sel) and _background(decls):
            page_bg = _background(decls)  # type: ignore[assignment]
    out = []
    for sel, decls in all_rules:
        if "color" not in decls:
            continue
        fg = parse_color(decls["color"])
        bg = _background(decls) or page_bg
        if fg is None:
            continue
        ratio = contrast(fg, bg)
        if ratio < minimum:
            out.append(f"{sel}: {decls['color']} on {'its background' if _background(decls) else 'the page'} "
                       f"is {ratio:.1f}:1 (needs {minimum}:1)")
    return out


def focus_outline_removed(css: str) -> list[str]:
    """:focus rules that remove the outline without another visible indicator."""
    out = []
    for sel, decls in rules(css):
        if ":focus" in sel and decls.get("outline", "") in ("none", "0", "0px"):
            if not any(k in decls for k in ("box-shadow", "border", "border-color", "outline-offset")):
                out.append(sel)
    return out


def _strip_media(css: str) -> str:
    """CSS outside @media blocks (brace matching), to find widths that apply on phones too."""
    out, i = [], 0
    css = _COMMENT.sub("", css)
    while True:
        j = css.find("@media", i)
        if j < 0:
            out.append(css[i:])
            return "".join(out)
        out.append(css[i:j])
        k = css.find("{", j)
        if k < 0:
            return "".join(out)
        depth, k = 1, k + 1
        while k < len(css) and depth:
            depth += {"{": 1, "}": -1}.get(css[k], 0)
            k += 1
        i = k


def fixed_widths(css: str, phone_px: int = 390) -> list[str]:
    """width/min-width in px wider than a phone, outside media queries: forces sideways scrolling."""
    out = []
    for sel, decls in rules(_strip_media(css)):
        for key in ("width", "min-width"):
            m = re.fullmatch(r"(\d+(?:\.\d+)?)px", decls.get(key, ""))
            if m and float(m.group(1)) > phone_px:
                out.append(f"{sel} {{ {key}: {decls[key]} }}")
    return out
