"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, readable without colour.

Pure functions returning ``Markup``. Every text that goes in (case titles come from files, role titles from
staff input) is escaped and stripped of characters XML forbids, so the result is always well-formed XML.
Each chart is ``role="img"`` with a ``<title>`` and ``<desc>``; the page follows it with the same figures
as a table, which is what screen readers and keyboard users get.
Colours keep WCAG AA: text #1d2330 on white (15:1), bars #0b5cad and #5c6473 (>= 3:1 against white).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

INK = "#1d2330"
BAR = "#0b5cad"
BAR_ALT = "#5c6473"
WIDTH = 640
FONT_SIZE = 14
CHAR_WIDTH = 8  # a generous average glyph width at FONT_SIZE, for laying out labels
MAX_LABEL_CHARS = 72

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_IDENT = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


def text(value: object) -> str:
    """Escaped text for SVG: XML-illegal characters dropped, then ``& < > " '`` escaped (Markup too)."""
    return str(escape(_XML_ILLEGAL.sub("", str(value))))


def shorten(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    """A label that fits on one line (SVG text does not wrap); the table below the chart has it in full."""
    label = " ".join(label.split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _open(ident: str, height: int, title: str, desc: str) -> list[str]:
    if not _IDENT.match(ident):
        raise ValueError(f"chart id must be a short lowercase identifier, got {ident!r}")
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="{FONT_SIZE}">',
        f'<title id="{ident}-title">{text(title)}</title>',
        f'<desc id="{ident}-desc">{text(desc)}</desc>',
    ]


def _bar_width(value: float, top: float, room: float) -> float:
    if top <= 0 or value <= 0:
        return 0.0
    return max(2.0, value / top * room)  # a tiny value stays visible


@dataclass(frozen=True)
class FunnelBar:
    label: str
    count: int
    note: str = ""  # e.g. "75 % of invited", shown after the count


def funnel_svg(bars: Sequence[FunnelBar], *, title: str, desc: str, ident: str) -> Markup:
    """A horizontal bar per stage, longest first, with the count (and note) at the end of each bar."""
    row_h, bar_h, pad = 34, 22, 8
    label_w = min(220, max(80, max((len(b.label) for b in bars), default=0) * CHAR_WIDTH + 16))
    value_w = 170
    room = WIDTH - label_w - value_w - pad
    top = max((b.count for b in bars), default=0)
    height = max(row_h, pad * 2 + row_h * len(bars))
    parts = _open(ident, height, title, desc)
    for i, b in enumerate(bars):
        y = pad + i * row_h
        w = _bar_width(b.count, top, room)
        mid = y + bar_h / 2 + FONT_SIZE * 0.35
        value = str(b.count) + (f" ({b.note})" if b.note else "")
        parts += [
            f'<text x="{label_w - 8}" y="{mid:.1f}" text-anchor="end" fill="{INK}">{text(shorten(b.label, 26))}</text>',
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{BAR}"/>',
            f'<text x="{label_w + w + 6:.1f}" y="{mid:.1f}" fill="{INK}">{text(value)}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text above went through text()


@dataclass(frozen=True)
class TimeBar:
    label: str
    spent: float
    estimate: float | None


def time_svg(items: Sequence[TimeBar], *, title: str, desc: str, ident: str, spent_label: str,
             estimate_label: str, unit: str = "min",
             number: Callable[[float], str] = plain_number) -> Markup:
    """Per case a label line and two bars: the median time spent and the estimate, on one scale.

    The two bars differ in colour and in their position (spent first), and each carries its value as text,
    so the chart reads without telling colours apart.
    """
    pad, legend_h, label_h, bar_h, gap, group_gap = 8, 28, 20, 18, 4, 14
    group_h = label_h + 2 * bar_h + gap + group_gap
    height = pad + legend_h + group_h * len(items) + pad
    value_w = 150
    room = WIDTH - value_w - pad
    top = max([i.spent for i in items] + [i.estimate or 0 for i in items] + [0])
    parts = _open(ident, height, title, desc)
    legend_y = pad + 14
    parts += [
        f'<rect x="0" y="{legend_y - 11}" width="14" height="14" fill="{BAR}"/>',
        f'<text x="20" y="{legend_y}" fill="{INK}">{text(spent_label)}</text>',
        f'<rect x="{WIDTH // 2}" y="{legend_y - 11}" width="14" height="14" fill="{BAR_ALT}"/>',
        f'<text x="{WIDTH // 2 + 20}" y="{legend_y}" fill="{INK}">{text(estimate_label)}</text>',
    ]
    for i, item in enumerate(items):
        y = pad + legend_h + i * group_h
        parts.append(f'<text x="0" y="{y + 14}" fill="{INK}" font-weight="600">{text(shorten(item.label))}</text>')
        for j, (value, colour, name) in enumerate(((item.spent, BAR, spent_label),
                                                  (item.estimate, BAR_ALT, estimate_label))):
            by = y + label_h + j * (bar_h + gap)
            mid = by + bar_h / 2 + FONT_SIZE * 0.35
            if value is None:
                parts.append(f'<text x="0" y="{mid:.1f}" fill="{INK}">{text(name)}: –</text>')
                continue
            w = _bar_width(value, top, room)
            parts += [
                f'<rect x="0" y="{by}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>',
                f'<text x="{w + 6:.1f}" y="{mid:.1f}" fill="{INK}">{text(number(value))} {text(unit)}</text>',
            ]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text above went through text()
