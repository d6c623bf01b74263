"""Contrast for the sign-up linter, per element of the page, through a small cascade.

At the two widths the screenshots use (390 and 1280 px), each element that shows text gets its
text colour (inherited, as a browser does) and the background of the nearest element that
paints one: itself or an ancestor, not just the rule that sets the colour. What it cannot
resolve it skips rather than guesses: variables, gradients and images, translucent colours.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from a11y_css import declarations, matches, media_applies, parse_selector, rules

if TYPE_CHECKING:
    from a11y_lint import Element, Page

WIDTHS = (390, 1280)
RGB = tuple[float, float, float]
NAMED = {"white": "#ffffff", "black": "#000000", "red": "#ff0000", "green": "#008000", "blue": "#0000ff",
         "gray": "#808080", "grey": "#808080", "silver": "#c0c0c0", "navy": "#000080", "orange": "#ffa500"}
CLEAR = {"transparent", "none", "inherit", "initial", "unset", "revert"}  # paints nothing of its own
#: form controls do not inherit colours: the browser paints them (text, background)
UA_CONTROLS = {"input": ("#000000", "#ffffff"), "select": ("#000000", "#ffffff"),
               "textarea": ("#000000", "#ffffff"), "button": ("#000000", "#efefef")}
UA_SIZE = {"h1": 2.0, "h2": 1.5, "h3": 1.17, "small": 0.83}  # em, the browser's defaults
UA_BOLD = {"h1", "h2", "h3", "h4", "h5", "h6", "b", "strong", "th", "label"}
NO_TEXT_INPUTS = {"checkbox", "radio", "hidden", "range", "color", "file", "image"}


# ----------------------------------------------------------------------------- colours


def parse_color(value: str) -> RGB | None:
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
        alpha = m.group(4) or "1"
        if (float(alpha[:-1]) / 100 if alpha.endswith("%") else float(alpha)) < 1:
            return None  # translucent: depends on what is behind it
        return tuple(int(m.group(i)) / 255 for i in (1, 2, 3))  # type: ignore[return-value]
    word = next((w for w in re.findall(r"[a-z]+", v) if w in NAMED), None)
    return parse_color(NAMED[word]) if word else None


def luminance(rgb: RGB) -> float:
    def chan(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (chan(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: RGB, bg: RGB) -> float:
    """WCAG 2 contrast ratio, 1..21."""
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def hexed(rgb: RGB) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


# ----------------------------------------------------------------------------- the cascade


def _own_values(page: Page, css: str, width: int) -> list[dict[str, str]]:
    """Per element, the winning declared value of each property (specificity, then source
    order; the style attribute wins), for the rules that apply at ``width``."""
    parsed = []
    for rule in rules(css):
        if media_applies(rule.media, width):
            for sel in rule.selector.split(","):
                if (p := parse_selector(sel)) is not None:
                    parsed.append((p[1], rule.order, p[0], rule.decls))
    parsed.sort(key=lambda r: (r[0], r[1]))
    out = []
    for e in page.elements:
        values: dict[str, str] = {}
        for _, _, parts, decls in parsed:
            if matches(page, parts, e):
                values.update(decls)
        values.update(declarations(e.get("style")))
        out.append(values)
    return out


def _background(value: str) -> RGB | str | None:
    """A painted colour, 'clear' when the element paints nothing, None when it can't be told."""
    if not value.split() or value.split()[0] in CLEAR:
        return "clear"
    if re.search(r"url\(|gradient\(|var\(", value):
        return None
    return parse_color(value)


def _size_px(page: Page, own: list[dict[str, str]], e: Element) -> tuple[float, bool]:
    """Font size in px and whether the text is bold (for WCAG's 'large text' at 3:1)."""
    chain = [e]
    while (up := page.parent(chain[-1])) is not None:
        chain.append(up)
    size, bold = 16.0, False
    for el in reversed(chain):
        v = own[el.index]
        size *= UA_SIZE.get(el.tag, 1.0)
        bold = bold or el.tag in UA_BOLD
        m = re.fullmatch(r"([\d.]+)(px|em|rem|%)", v.get("font-size", ""))
        if m:
            n = float(m.group(1))
            size = {"px": n, "em": n * size, "rem": n * 16, "%": n * size / 100}[m.group(2)]
        weight = v.get("font-weight", "")
        if weight:
            bold = weight in ("bold", "bolder") or (weight.isdigit() and int(weight) >= 700)
    return size, bold


def _colours(page: Page, own: list[dict[str, str]], e: Element) -> tuple[RGB | None, RGB | None]:
    """Text colour (inherited) and the nearest painted background (self or an ancestor)."""
    fg_value, bg = None, None
    el: Element | None = e
    control = UA_CONTROLS.get(e.tag)
    while el is not None and (fg_value is None or bg is None):
        v = own[el.index]
        if fg_value is None and v.get("color", "inherit") not in ("inherit", "currentcolor", "unset"):
            fg_value = v["color"]
        if fg_value is None and el is e and control:
            fg_value = control[0]
        if bg is None:
            value = v.get("background-color") or v.get("background")
            painted = _background(value) if value else "clear"
            if painted is None:
                return None, None
            if painted != "clear":
                bg = painted
            elif el is e and control:
                bg = parse_color(control[1])
        el = page.parent(el)
    return parse_color(fg_value or "#000000"), bg or (1.0, 1.0, 1.0)


def _shows_text(e: Element, own: dict[str, str], leaf: bool) -> bool:
    if any(t in ("head", "select") for t in e.ancestors) or e.tag in ("html", "head", "option"):
        return False
    if e.tag in ("select", "textarea") or (e.tag == "input" and e.get("type", "text").lower() not in NO_TEXT_INPUTS):
        return True
    return bool(e.text.strip()) or (leaf and "color" in own)  # an empty message styled for later counts too


def low_contrast(page: Page, css: str, minimum: float = 4.5, large: float = 3.0) -> list[str]:
    """Text below WCAG's minimum against the background behind it, at phone and desktop width
    (large text, from 24 px or 18.7 px bold, needs 3:1)."""
    found: dict[str, str] = {}
    parents = {e.parent for e in page.elements}
    for width in WIDTHS:
        own = _own_values(page, css, width)
        for e in page.elements:
            if not _shows_text(e, own[e.index], e.index not in parents):
                continue
            fg, bg = _colours(page, own, e)
            if fg is None or bg is None:
                continue
            size, bold = _size_px(page, own, e)
            need = large if size >= 24 or (bold and size >= 18.66) else minimum
            ratio = contrast(fg, bg)
            if ratio < need:
                what = f"<{e.tag}{' class=' + e.get('class') if e.get('class') else ''}>"
                found.setdefault(what, f"{what} {e.text.strip()[:30]!r}: {hexed(fg)} on {hexed(bg)} is "
                                       f"{ratio:.2f}:1 (needs {need:g}:1) at {width} px")
    return list(found.values())
