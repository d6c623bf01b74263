"""An employer's brand colour, checked against WCAG 2.x contrast for the text the candidate's pages put on it.

Where the colour is used: the candidate's header band and primary buttons are filled with it and carry white text
(see ``templates/candidate/_layout.html`` and the generated stylesheet in ``web/brand.py``). So a colour is only
accepted when white on it reaches AA for normal text (4.5:1); otherwise the message names the ratio and a darker
shade of the same hue that passes. Pure logic: no database, no Flask.
"""

from __future__ import annotations

import re

from caseportal.i18n import current_language
from caseportal.i18n import gettext as _

from .errors import Invalid

#: The text colour the UI puts on the brand colour (header band, primary buttons).
TEXT_ON_BRAND = "#ffffff"
#: WCAG 2.x AA for normal-size text.
AA_NORMAL = 4.5
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

RGB = tuple[int, int, int]


class ColourRefused(Invalid):
    """A brand colour that is malformed or fails contrast; the message says why and what would pass."""


def parse(colour: str) -> RGB:
    """"#rrggbb" -> (r, g, b); anything else (short forms, names, rgb()) is refused, so CSS gets only this form."""
    value = colour.strip()
    if not _HEX.match(value):
        raise ColourRefused(_("Please give the brand colour as # and six hexadecimal digits, e.g. #1d4ed8."))
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def to_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: RGB) -> float:
    """WCAG 2.x relative luminance (sRGB), 0 for black to 1 for white."""
    r, g, b = (_channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG 2.x contrast ratio between two colours, from 1 (same) to 21 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def darker_passing(rgb: RGB, text: RGB, minimum: float = AA_NORMAL) -> RGB:
    """The lightest shade of ``rgb`` (same hue, scaled towards black in 1% steps) on which ``text`` passes."""
    for step in range(100, -1, -1):
        shade = (round(rgb[0] * step / 100), round(rgb[1] * step / 100), round(rgb[2] * step / 100))
        if contrast_ratio(shade, text) >= minimum:
            return shade
    return (0, 0, 0)


def check(colour: str) -> str:
    """The normalised colour ("" stays "": the house look), or Invalid naming the ratio and a darker shade."""
    if not colour.strip():
        return ""
    rgb = parse(colour)
    text = parse(TEXT_ON_BRAND)
    ratio = contrast_ratio(rgb, text)
    if ratio < AA_NORMAL:
        # Floored to two decimals: 4.499 must not read as "4.50:1" next to "needs 4.5:1".
        raise ColourRefused(_("White text on %(colour)s has a contrast of only %(ratio)s:1; it needs at least "
                              "%(needed)s:1 (WCAG AA). Try a darker shade, e.g. %(suggestion)s.",
                              colour=to_hex(rgb), ratio=_decimal(int(ratio * 100) / 100, 2),
                              needed=_decimal(AA_NORMAL, 1), suggestion=to_hex(darker_passing(rgb, text))))
    return to_hex(rgb)


def _decimal(value: float, places: int) -> str:
    """A number as the visitor writes it: Swedish uses a decimal comma."""
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if current_language() == "sv" else text


def is_usable(colour: str) -> bool:
    """Whether a stored colour may be rendered: well-formed and passing (guards the stylesheet route)."""
    try:
        return bool(check(colour))
    except Invalid:
        return False
