"""The warm-up in a real browser (issue 15, the practice round), in English on a desktop and in Swedish on a
phone: from the meeting page into the warm-up, edit the file, run the checks through the real worker and see the
result, leave, then start the real case, which shows nothing of the warm-up. axe-core checks every page.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, Journey, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.docker]

FIX = ['def initials(full_name: str) -> str:', 'return "".join(w[0].upper() for w in full_name.split())']
TEXT = {
    "en": {"offer": "Try a five-minute warm-up first", "start": "Start the warm-up",
           "banner": "Warm-up: not seen by anyone, no clock", "run": "Save and run checks",
           "leave": "Leave the warm-up", "continue": "Continue your warm-up", "brief": "Read the brief",
           "case": "Start this case", "ready": "Your workspace is ready", "result": r"\b2 of 2 checks pass"},
    "sv": {"offer": "Prova en uppvärmning på fem minuter först", "start": "Börja uppvärmningen",
           "banner": "Uppvärmning: ingen ser den, ingen klocka går", "run": "Spara och kör kontrollerna",
           "leave": "Lämna uppvärmningen", "continue": "Fortsätt din uppvärmning", "brief": "Läs beskrivningen",
           "case": "Börja med det här caset", "ready": "Din arbetsyta är klar",
           "result": r"\b2 av 2 kontroller går igenom"},
}


def edit_initials(page: Any) -> None:
    """Replace initials.py in the editor as a candidate does: select all and type (CodeMirror indents the body);
    without CodeMirror the plain text area takes the text."""
    area = page.locator('textarea[name="file::initials.py"]')
    editor = page.locator(".CodeMirror").filter(has=page.locator(".CodeMirror-code")).first
    if editor.count():
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(FIX[0] + "\n" + FIX[1] + "\n")
        typed = page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()")
    else:
        area.fill(FIX[0] + "\n    " + FIX[1] + "\n")
        typed = area.input_value()
    assert typed.splitlines()[:2] == [FIX[0], "    " + FIX[1]], typed


@pytest.mark.parametrize(("lang", "viewport"), [("en", DESKTOP), ("sv", PHONE)], ids=["en-desktop", "sv-phone"])
def test_warm_up_then_the_real_case(journey: Journey, live_server: LiveServer, lang: str,
                                    viewport: dict[str, int]) -> None:
    j, t = journey, TEXT[lang]
    link = live_server.invite(f"Wim Warmup {lang}", f"wim.{lang}@example.org")
    mobile = {"is_mobile": True, "has_touch": True} if viewport is PHONE else {}
    page = j.page(viewport, locale="sv-SE" if lang == "sv" else "en-GB", **mobile)
    page.goto(link)
    expect(page.get_by_role("heading", name=t["offer"])).to_be_visible()
    j.step(page, "home-offers-the-warm-up")

    page.get_by_role("button", name=t["start"], exact=True).click()
    expect(page.get_by_role("heading", name=t["banner"])).to_be_visible()
    j.step(page, "warm-up-workspace")

    edit_initials(page)
    j.step(page, "warm-up-edited", audit=False)
    page.get_by_role("button", name=t["run"]).first.click()
    expect(page.locator("#run-status")).to_contain_text(re.compile(t["result"]), timeout=120_000)
    j.step(page, "warm-up-result")

    page.get_by_role("link", name=t["leave"]).click()
    expect(page.get_by_role("link", name=t["continue"])).to_be_visible()
    j.step(page, "home-after-the-warm-up")

    page.get_by_role("link", name=re.compile(t["brief"])).first.click()
    page.get_by_role("button", name=t["case"]).click()
    expect(page.get_by_role("status").first).to_contain_text(t["ready"])
    expect(page.get_by_role("heading", name=t["banner"])).to_have_count(0)
    expect(page.locator('textarea[name="file::initials.py"]')).to_have_count(0)
    j.step(page, "real-case-started")

    page.goto(link)
    expect(page.get_by_role("heading", name=t["offer"])).to_have_count(0)  # offered only before the case
    j.step(page, "home-with-the-case-started")
    j.finish()
