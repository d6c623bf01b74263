"""Brand colours: WCAG 2.x luminance and contrast with known pairs, and the refusal of colours white text fails on."""

from __future__ import annotations

import pytest

from caseportal.services import brand
from caseportal.services.errors import Invalid


@pytest.mark.parametrize(("fg", "bg", "expected"), [
    ("#ffffff", "#767676", 4.54),   # the classic lightest grey passing AA on white
    ("#ffffff", "#777777", 4.48),
    ("#000000", "#ffffff", 21.0),
    ("#ffffff", "#ffffff", 1.0),
    ("#ffffff", "#0000ff", 8.59),
    ("#ffffff", "#ff0000", 4.0),
    ("#ffffff", "#008000", 5.14),
])
def test_contrast_ratio_of_known_pairs(fg: str, bg: str, expected: float) -> None:
    assert round(brand.contrast_ratio(brand.parse(fg), brand.parse(bg)), 2) == expected


def test_luminance_ends_and_order_of_arguments() -> None:
    assert brand.relative_luminance((0, 0, 0)) == 0
    assert brand.relative_luminance((255, 255, 255)) == pytest.approx(1)
    a, b = brand.parse("#1d4ed8"), brand.parse("#ffffff")
    assert brand.contrast_ratio(a, b) == brand.contrast_ratio(b, a)


def test_a_passing_colour_is_normalised() -> None:
    assert brand.check(" #1D4ED8 ") == "#1d4ed8"
    assert brand.check("#767676") == "#767676"
    assert brand.check("") == ""  # the house look


def test_a_failing_colour_names_the_ratio_and_a_darker_passing_shade() -> None:
    with pytest.raises(Invalid) as err:
        brand.check("#ffcc00")
    msg = err.value.message
    assert "1.51:1" in msg and "4.5:1" in msg
    suggestion = msg.rsplit(" ", 1)[-1].rstrip(".")
    assert brand.contrast_ratio(brand.parse(suggestion), brand.parse("#ffffff")) >= 4.5
    assert brand.relative_luminance(brand.parse(suggestion)) < brand.relative_luminance(brand.parse("#ffcc00"))


def test_just_below_the_threshold_is_refused_and_not_rounded_up() -> None:
    with pytest.raises(Invalid) as err:
        brand.check("#777777")
    assert "4.47:1" in err.value.message


@pytest.mark.parametrize("bad", ["1d4ed8", "#fff", "blue", "#12345g", "rgb(0,0,0)", "#1d4ed8;x:y"])
def test_only_the_six_digit_hex_form_is_accepted(bad: str) -> None:
    with pytest.raises(Invalid):
        brand.check(bad)
    assert not brand.is_usable(bad)
