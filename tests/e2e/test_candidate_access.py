"""Every candidate can take part: the whole candidate journey with the keyboard alone, and on a phone.

Candidates are the customers here; a case that only works with a mouse on a wide screen loses people
before the meeting ever happens.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import IN_EDITOR, PHONE, Journey, LiveServer, by_text, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.docker]

EDITED_FILE = "ratelimit/limiters.py"
RUN_PENDING = re.compile(r"Waiting for a free test machine|Running the checks")
RUN_RESULT = re.compile(r"\d+ of \d+ checks? pass|finished without any checks|could not")


def named(attr: str, value: str) -> str:
    return f"el => el.getAttribute({attr!r}) === {value!r}"


def test_candidate_journey_with_the_keyboard_alone(journey: Journey, live_server: LiveServer) -> None:
    j = journey
    link = live_server.invite("Kim Keyboard", "kim.keyboard@example.org")
    page = j.page()
    page.goto(link)  # typing the link into the address bar
    j.step(page, "home")

    # The skip link comes first and lands on the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('skip')"), "no skip link first"
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash === '#main'")

    tab_to(page, by_text("Read the brief"), "the case's 'Read the brief' link")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Start this case")).to_be_visible()
    j.step(page, "brief")

    tab_to(page, by_text("Start this case"), "the Start button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Your workspace is ready")
    j.step(page, "workspace")

    # Open a starter module from the file tree (a link, followed with Enter): its tab opens with the editor focused.
    tab_to(page, named("data-path", EDITED_FILE), f"the {EDITED_FILE} file in the tree")
    page.keyboard.press("Enter")
    assert page.evaluate(IN_EDITOR), "Enter on the file in the tree did not open its editor"
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# typed with the keyboard only\n")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")  # Esc then Tab leaves the editor: no keyboard trap
    assert not page.evaluate(IN_EDITOR), "Esc then Tab did not leave the editor"
    editor = page.locator(f'.editor-pane[data-path="{EDITED_FILE}"]')
    expect(editor.locator(".CodeMirror")).to_contain_text("# typed with the keyboard only")
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=20_000)
    j.step(page, "edited")

    tab_to(page, by_text("Save and run checks"), "the Run checks button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#results$"))
    status = page.locator("#run-status")
    expect(status).to_contain_text(RUN_PENDING)
    expect(status).to_contain_text(RUN_RESULT, timeout=120_000)
    j.step(page, "checked")

    tab_to(page, named("name", "notes_more_time"), "the 'more time' notes")
    page.keyboard.type("Property tests for the refill, and a shared store for several instances.")
    tab_to(page, named("name", "questions"), "the questions box")
    page.keyboard.type("Who would I pair with in my first weeks?")
    tab_to(page, named("name", "confirm"), "the hand-in confirmation")
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked"), "Space did not tick the confirmation"
    tab_to(page, by_text("Hand in my work"), "the Hand in button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile(r"your work is handed in"))).to_be_visible()
    expect(page.get_by_text("Who would I pair with in my first weeks?")).to_be_visible()
    j.step(page, "handed-in")
    j.finish()


# The phone's width, not window.innerWidth: a mobile browser zooms out of a page that is too wide, and then
# innerWidth grows with it and hides the very overflow we look for.
OVERFLOW_JS = """(width) => {
    const wide = [];
    if (document.documentElement.scrollWidth > width) {
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > width + 1) {
                const cls = typeof el.className === 'string' && el.className.trim()
                    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
                wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls} right=${Math.round(r.right)}`);
            }
        }
    }
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, zoomedOut: window.innerWidth,
            wide: wide.slice(0, 15)};
}"""


def assert_fits(page: Any, step: str, controls: list[Any]) -> None:
    """Nothing scrolls sideways, and each main control is visible and inside the screen's width."""
    m = page.evaluate(OVERFLOW_JS, PHONE["width"])
    assert m["scrollWidth"] <= m["innerWidth"] and m["zoomedOut"] <= m["innerWidth"], (
        f"[{step}] the page scrolls sideways at {m['innerWidth']} px: scrollWidth {m['scrollWidth']}, "
        f"innerWidth {m['zoomedOut']}; "
        f"too wide: {m['wide']}")
    for control in controls:
        control.scroll_into_view_if_needed()
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= m["innerWidth"] + 1, (
            f"[{step}] {control} is outside the screen: {box}")


def test_candidate_journey_on_a_phone(journey: Journey, live_server: LiveServer) -> None:
    j = journey
    link = live_server.invite("Pat Phone", "pat.phone@example.org")
    page = j.page(PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(link)
    j.step(page, "home")
    assert_fits(page, "home", [page.get_by_role("heading", level=1),
                               page.get_by_role("heading", name="What we offer"),
                               page.get_by_role("link", name=re.compile(r"Read the brief"))])

    page.get_by_role("link", name=re.compile(r"Read the brief")).tap()
    start = page.get_by_role("button", name="Start this case")
    j.step(page, "brief")
    assert_fits(page, "brief", [page.get_by_role("heading", level=1), start])

    start.tap()
    expect(page.get_by_role("status").first).to_contain_text("Your workspace is ready")
    j.step(page, "workspace")
    run = page.get_by_role("button", name="Save and run checks")
    hand_in = page.get_by_role("button", name="Hand in my work")
    assert_fits(page, "workspace", [page.locator("#work .CodeMirror").first,
                                    page.get_by_role("button", name="Save draft"), run, hand_in])

    page.locator(f'nav.file-tree a[data-path="{EDITED_FILE}"]').tap()
    box = page.locator(f'.editor-pane[data-path="{EDITED_FILE}"]')
    box.locator(".CodeMirror").tap()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# typed on a phone\n")
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=20_000)
    assert_fits(page, "edited", [box.locator(".CodeMirror")])

    run.tap()
    page.wait_for_url(re.compile(r"#results$"))
    expect(page.locator("#run-status")).to_contain_text(RUN_RESULT, timeout=120_000)
    j.step(page, "checked")
    assert_fits(page, "checked", [page.locator("#run-status"), hand_in])

    page.get_by_label("What would you do with more time?").fill("Test the refill maths with hypothesis.")
    page.get_by_label(re.compile(r"I'm ready to hand in")).tap()
    hand_in.tap()
    thanks = page.get_by_role("heading", name=re.compile(r"your work is handed in"))
    expect(thanks).to_be_visible()
    j.step(page, "handed-in")
    assert_fits(page, "handed-in", [thanks, page.locator("#your-files table")])

    page.get_by_role("link", name="Your meeting", exact=True).tap()
    j.step(page, "home-after")
    assert_fits(page, "home-after", [page.get_by_role("heading", level=1)])
    feedback = page.locator('a[href$="/feedback"]').first
    if feedback.count():  # conditional until the candidate's rating of the case is everywhere
        feedback.tap()
        j.step(page, "feedback")
        assert_fits(page, "feedback", [page.get_by_role("heading", level=1),
                                       page.locator('main button[type="submit"]').last])
    j.finish()
