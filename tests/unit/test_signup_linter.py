"""The sign-up case's own check helpers (cases/accessible-signup-form/checks/lib): the linter's
rules on small pages, and the Chromium probe of an empty form on the starter, the reference and
variants of it. The probe tests need Debian's chromium (marked browser: they skip on a laptop
without it and fail in CI)."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import require

CASE = Path(__file__).resolve().parents[2] / "cases" / "accessible-signup-form"
sys.path.insert(0, str(CASE / "checks" / "lib"))

import a11y_lint as lint  # noqa: E402
import form_probe  # noqa: E402
from a11y_contrast import low_contrast  # noqa: E402
from a11y_css import fixed_widths, focus_outline_removed, media_applies  # noqa: E402


@pytest.mark.parametrize(("css", "flagged"), [
    ("button:focus { outline: none } button:focus-visible { outline: 3px solid #1a56db }", []),
    (":focus:not(:focus-visible) { outline: none } :focus-visible { outline: 2px solid blue }", []),
    ("input:focus, select:focus { outline: 0 } :focus-visible { outline: 2px solid blue }", []),
    ("input:focus { outline: none; box-shadow: 0 0 0 3px #1a56db }", []),
    ("form:focus-within { outline: none }", []),
    ("input:focus { outline: none }", ["input:focus"]),
    ("input:focus { outline: none } button:focus-visible { outline: 2px solid }", ["input:focus"]),
    ("a:focus-visible { outline: 0 none }", ["a:focus-visible"]),
])
def test_focus_styles(css: str, flagged: list[str]) -> None:
    """The recommended :focus + :focus-visible pattern is not a problem; hiding focus is."""
    assert focus_outline_removed(css) == flagged


PAGE = """<html lang="en"><body><header class="hero"><p class="tag">Book now</p><h1>Big title</h1></header>
<main><p class="muted">Muted text</p><button class="cta">Go</button><p class="error" id="e"></p>
<div class="dark"><div><span>Deep child</span></div></div></main></body></html>"""


def contrast_of(css: str) -> list[str]:
    return [re.match(r"<[^>]+>", line).group(0) for line in low_contrast(lint.parse(PAGE), css)]  # type: ignore[union-attr]


def test_contrast_uses_the_nearest_background() -> None:
    """White text on a dark header is fine although no rule of the text sets a background."""
    hero = ".hero { background: #3d5a80 } .hero h1 { color: #ffffff } "
    assert contrast_of(hero + ".tag { color: #ffffff }") == []
    assert contrast_of(hero + ".tag { color: #1a1a1a }") == ["<p class=tag>"]
    assert contrast_of(".tag { color: #ffffff }") == ["<p class=tag>"]  # on the white page
    assert contrast_of(".dark { background-color: #222 } .dark span { color: #444 }") == ["<span>"]


def test_contrast_inherits_colour_and_knows_large_text() -> None:
    grey = contrast_of("main { color: #999999 }")
    assert "<p class=muted>" in grey and "<span>" in grey
    assert "<button class=cta>" not in grey  # form controls don't inherit the colour
    hero = ".hero { background: #3d5a80; color: #b0b0b0 } "  # 3.3:1
    assert contrast_of(hero) == ["<p class=tag>"]  # the 32 px heading needs only 3:1
    assert contrast_of(hero + ".hero h1 { font-size: 16px }") == ["<p class=tag>", "<h1>"]
    assert contrast_of(hero + ".hero p { font-size: 24px }") == []


def test_contrast_checks_styled_empty_messages_and_each_width() -> None:
    assert contrast_of(".error { color: #ff9999 }") == ["<p class=error>"]  # shown later by a script
    assert contrast_of("@media (min-width: 640px) { .muted { color: #bbbbbb } }") == ["<p class=muted>"]
    assert contrast_of("@media print { .muted { color: #bbbbbb } }") == []
    assert contrast_of(".hero { background: linear-gradient(#000, #333) } .tag { color: #111 }") == []  # unknown


def test_media_conditions_and_phone_widths() -> None:
    assert media_applies("(max-width: 600px)", 390) and not media_applies("(max-width: 600px)", 1280)
    assert media_applies("screen and (min-width: 40em)", 1280) and not media_applies("(orientation: portrait)", 390)
    assert fixed_widths(".card { width: 760px } @media (min-width: 800px) { .wide { width: 780px } }") == [
        ".card { width: 760px }"]


def test_the_shipped_pages() -> None:
    starter = lint.findings(*lint.load(CASE / "starter" / "index.html"))
    reference = lint.findings(*lint.load(CASE / "solution" / "index.html"))
    assert all(starter[k] for k in ("labels", "alt_text", "focus_order", "contrast", "viewport_meta")), starter
    assert not any(reference.values()), reference


# ----------------------------------------------------------------------------- the probe


@pytest.fixture
def chromium() -> None:
    require(shutil.which("chromium") is not None, "chromium")


def variant(tmp_path: Path, change: Callable[[str], str]) -> Path:
    """A copy of the reference page with one change."""
    folder = tmp_path / "page"
    shutil.copytree(CASE / "solution", folder)
    page = folder / "index.html"
    page.write_text(change(page.read_text()))
    return page


@pytest.mark.browser
def test_probe_on_the_shipped_pages(chromium: None) -> None:
    assert form_probe.probe(CASE / "starter" / "index.html").problems() == [
        "an empty form was sent: nothing stopped it or said what was missing"]
    result = form_probe.probe(CASE / "solution" / "index.html")
    assert result.problems() == [] and result.focus == "name" and result.described == ["Enter your name."]


@pytest.mark.browser
def test_probe_accepts_native_validation_and_refuses_novalidate_alone(chromium: None, tmp_path: Path) -> None:
    def native(html: str) -> str:
        return re.sub(r"<script>.*?</script>", "", html, flags=re.S)

    result = form_probe.probe(variant(tmp_path / "a", native))
    assert result.problems() == [] and result.native
    novalidate = form_probe.probe(variant(tmp_path / "b", lambda h: native(h).replace(
        'action="/trial">', 'action="/trial" novalidate>')))
    assert novalidate.sent and novalidate.problems()


@pytest.mark.browser
def test_probe_wants_focus_and_a_linked_message(chromium: None, tmp_path: Path) -> None:
    unlinked = form_probe.probe(variant(tmp_path / "a", lambda h: h.replace(' aria-describedby="name-error"', "")))
    assert unlinked.problems() == ["the field 'name' shows no error message linked with aria-describedby"]
    unfocused = form_probe.probe(variant(tmp_path / "b", lambda h: h.replace("invalid[0].focus();", "")))
    assert unfocused.problems() == ["focus should move to the first field that needs fixing; it did not move"]
