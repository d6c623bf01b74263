"""The CSS half of the sign-up linter: rules with their media queries, a small selector matcher
(for the cascade in a11y_contrast.py), focus indicators, and widths that break a phone layout.

Deliberately small: what it cannot evaluate (sibling combinators, state selectors such as
:hover, conditions other than width) it skips rather than guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from a11y_lint import Element, Page

_COMMENT = re.compile(r"/\*.*?\*/", re.S)


@dataclass(frozen=True)
class Rule:
    selector: str
    decls: dict[str, str]
    media: str  # the @media condition ("" outside any)
    order: int


def _blocks(css: str) -> list[tuple[str, str]]:
    """Top-level ``prelude { body }`` pairs, nested braces kept inside the body."""
    out, i = [], 0
    while (j := css.find("{", i)) >= 0:
        prelude = re.split(r"[;}]", css[i:j])[-1]
        depth, k = 1, j + 1
        while k < len(css) and depth:
            depth += {"{": 1, "}": -1}.get(css[k], 0)
            k += 1
        out.append((prelude.strip(), css[j + 1:k - 1]))
        i = k
    return out


def declarations(body: str) -> dict[str, str]:
    """``name: value`` pairs, split on semicolons outside quotes and brackets (data: URLs)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(body):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == ";" and depth <= 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    decls = {}
    for part in parts:
        if ":" in part:
            k, v = part.split(":", 1)
            decls[k.strip().lower()] = v.strip().lower().replace("!important", "").strip()
    return decls


def rules(css: str) -> list[Rule]:
    """Every style rule with the @media condition it sits in (nested @media joined with 'and')."""
    out: list[Rule] = []

    def walk(text: str, media: str) -> None:
        for prelude, body in _blocks(text):
            low = prelude.lower()
            if low.startswith("@media"):
                cond = prelude[6:].strip()
                walk(body, f"{media} and {cond}" if media else cond)
            elif low.startswith(("@supports", "@layer")):
                walk(body, media)
            elif prelude and not low.startswith("@"):  # @font-face, @keyframes: no selectors
                out.append(Rule(" ".join(prelude.split()), declarations(body), media, len(out)))

    walk(_COMMENT.sub("", css), "")
    return out


_WIDTH_FEATURE = re.compile(r"\(\s*(min|max)-width\s*:\s*([\d.]+)(px|em|rem)\s*\)")


def media_applies(media: str, width: int) -> bool:
    """Whether a (simple) media condition holds on a screen ``width`` px wide. Conditions on
    anything but width (print, prefers-*, orientation) are not evaluated and count as false."""
    if not media:
        return True
    for query in media.lower().split(","):
        rest = re.sub(r"\b(only|screen|all|and)\b", "", _WIDTH_FEATURE.sub("", query))
        if rest.strip():
            continue
        limits = [(kind, float(n) * (1 if unit == "px" else 16)) for kind, n, unit in _WIDTH_FEATURE.findall(query)]
        if all(width >= px if kind == "min" else width <= px for kind, px in limits):
            return True
    return False


# ----------------------------------------------------------------------------- selectors


@dataclass(frozen=True)
class Compound:
    tag: str  # "" matches any element
    ids: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    attrs: tuple[tuple[str, str, str], ...] = ()  # (name, operator, value)
    root: bool = False


_PART = re.compile(r"""\#(?P<id>[\w-]+)|\.(?P<cls>[\w-]+)|:(?P<root>root)(?![\w-])
    |\[(?P<attr>[\w-]+)(?:(?P<op>[~|^$*]?=)(?P<val>"[^"]*"|'[^']*'|[^\]]*?))?(?:\s+i)?\]""", re.X | re.I)


def _compound(text: str) -> Compound | None:
    m = re.match(r"\*|[a-z][a-z0-9-]*", text, re.I)
    tag = m.group(0).lower() if m and m.group(0) != "*" else ""
    pos, ids, classes, attrs, root = (m.end() if m else 0), [], [], [], False
    while pos < len(text):
        part = _PART.match(text, pos)
        if not part:
            return None  # a pseudo-class or -element (:hover, ::placeholder ...): state, not structure
        if part["id"]:
            ids.append(part["id"])
        elif part["cls"]:
            classes.append(part["cls"])
        elif part["root"]:
            root = True
        else:
            attrs.append((part["attr"].lower(), part["op"] or "", (part["val"] or "").strip("\"'")))
        pos = part.end()
    return Compound(tag, tuple(ids), tuple(classes), tuple(attrs), root)


def parse_selector(text: str) -> tuple[tuple[tuple[str, Compound], ...], tuple[int, int, int]] | None:
    """(combinator, compound) pairs left to right and the specificity, or None when the
    selector uses something this linter does not evaluate (sibling combinators, pseudo-classes)."""
    text = re.sub(r"\[\s*([^\]]*?)\s*\]", lambda m: "[" + re.sub(r"\s*([~|^$*]?=)\s*", r"\1", m.group(1)) + "]",
                  text.strip())
    tokens = re.split(r"(\s*[>+~]\s*|\s+)", text)
    out, comb = [], ""
    for i, token in enumerate(tokens):
        if i % 2:
            comb = token.strip() or " "
            if comb in "+~":
                return None
            continue
        compound = _compound(token)
        if compound is None:
            return None
        out.append((comb if out else "", compound))
    spec = (sum(len(c.ids) for _, c in out), sum(len(c.classes) + len(c.attrs) + c.root for _, c in out),
            sum(1 for _, c in out if c.tag))
    return tuple(out), spec


def _attr_ok(value: str | None, op: str, want: str) -> bool:
    if value is None:
        return False
    v, w = value.lower(), want.lower()
    return {"": True, "=": v == w, "~=": w in v.split(), "^=": v.startswith(w), "$=": v.endswith(w),
            "*=": w in v, "|=": v == w or v.startswith(w + "-")}[op]


def _matches_compound(c: Compound, e: Element) -> bool:
    return ((not c.tag or e.tag == c.tag) and (not c.root or e.tag == "html")
            and all(e.attrs.get("id") == i for i in c.ids)
            and set(c.classes) <= set(e.get("class").split())
            and all(_attr_ok(e.attrs.get(name), op, val) for name, op, val in c.attrs))


def matches(page: Page, parts: tuple[tuple[str, Compound], ...], e: Element) -> bool:
    """Right to left, as browsers do: the last compound on ``e``, the rest on its ancestors."""
    comb, compound = parts[-1]
    if not _matches_compound(compound, e):
        return False
    if len(parts) == 1:
        return True
    up = page.parent(e)
    while up is not None:
        if matches(page, parts[:-1], up):
            return True
        if comb == ">":
            return False
        up = page.parent(up)
    return False


# ----------------------------------------------------------------------------- focus and layout

_INDICATORS = ("box-shadow", "border", "border-color", "border-bottom", "background", "background-color",
               "text-decoration")


def _removes_outline(decls: dict[str, str]) -> bool:
    outline = decls.get("outline", "")
    return (bool(outline) and set(outline.split()) <= {"none", "0", "0px"}) or decls.get("outline-style") == "none" \
        or decls.get("outline-width") in ("0", "0px")


def _shows_focus(decls: dict[str, str]) -> bool:
    outline = decls.get("outline", "")
    return (bool(outline) and not _removes_outline(decls)) or any(
        k in decls and decls[k] not in ("none", "0") for k in _INDICATORS)


def focus_outline_removed(css: str) -> list[str]:
    """:focus rules that remove the outline with no other indicator. The recommended pattern is
    not flagged: an outline removed only where :focus-visible doesn't apply
    (``:focus:not(:focus-visible)``), or a :focus rule paired with a :focus-visible rule that
    shows focus for the same elements (or for all)."""
    all_rules = rules(css)
    shown_for = set()
    for r in all_rules:
        if _shows_focus(r.decls):
            for part in r.selector.split(","):
                if ":focus-visible" in part and ":not(:focus-visible)" not in part:
                    shown_for.add(part.replace(":focus-visible", "").strip() or "*")
    out = []
    for r in all_rules:
        if not _removes_outline(r.decls) or _shows_focus(r.decls):
            continue
        for part in (p.strip() for p in r.selector.split(",")):
            if ":not(:focus-visible)" in part:
                continue
            if ":focus-visible" in part or (re.search(r":focus(?![\w-])", part)
                                            and not {"*", re.sub(r":focus(?![\w-])", "", part).strip()} & shown_for):
                out.append(part)
    return out


def fixed_widths(css: str, phone_px: int = 390) -> list[str]:
    """width/min-width in px wider than a phone in rules that apply on a phone: sideways scrolling."""
    out = []
    for r in rules(css):
        if not media_applies(r.media, phone_px):
            continue
        for key in ("width", "min-width"):
            m = re.fullmatch(r"(\d+(?:\.\d+)?)px", r.decls.get(key, ""))
            if m and float(m.group(1)) > phone_px:
                out.append(f"{r.selector} {{ {key}: {r.decls[key]} }}")
    return out
